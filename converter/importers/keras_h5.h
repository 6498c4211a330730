// Keras HDF5 (.h5) models and weights-only files -> core::Model (a layers model), as
// tensorflowjs_converter reads them (FORMATS.md section 4).
#pragma once

#include "converter/importers/importer.h"
#include "core/ir/model.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace studio::conv {

// libhdf5 reads the file in a child process (tfjs-studio-h5-reader) with CPU-time and
// address-space limits; a crash, hang or limit there is an error naming the file. Uses
// options.maxMemoryBytes (the weights' budget) and options.cancel.
core::Model readKerasH5(const std::filesystem::path& path, const ImportOptions& options = {});

// Runs tfjs-studio-h5-reader on `file` with `args` before it (e.g. "--keras3-weights"), with the
// limits of `options` (memory budget, CPU seconds, cancel), and returns its reply; `label` names
// the file in errors.
std::vector<std::uint8_t> runH5Reader(const std::filesystem::path& file, const std::vector<std::string>& args,
    const std::string& label, const ImportOptions& options);

} // namespace studio::conv
