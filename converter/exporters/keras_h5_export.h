// A TF.js layers model back to a Keras 2 / tf.keras full-model .h5 file (FORMATS.md 4.1), the
// reference converter's tfjs_layers_model -> keras route. The parent lays the file out
// (model_config, layer_names, each layer's weight_names in Keras's order, float32 values with
// quantized weights dequantized); libhdf5 writes it in the tfjs-studio-h5-writer child.
#pragma once

#include "converter/importers/keras_h5_contents.h"
#include "core/error.h"
#include "core/ir/model.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace studio::conv {

struct KerasH5ExportOptions {
    std::uint64_t maxMemoryBytes = 0; // 0: core::defaultMemoryBudget()
    CancelToken cancel;
    std::function<void(double)> progress; // 0..1
};

struct KerasH5ExportReport {
    std::uint64_t fileBytes = 0;
    std::size_t layers = 0;
    std::size_t weights = 0;
    std::size_t dequantized = 0; // quantized weights written as float32
};

// What the file will hold: the config attributes, layer_names (the config's top-level layers in
// order, as model.layers lists them) and the weights grouped by the top-level layer owning them
// (a nested model's group holds its layers' weights), named "<weight>:0" as tf.keras names
// variables. Weight bytes are views into `storage`. Throws studio::Error naming the weight or
// layer that cannot be placed.
// The weights' bytes may take at most `maxMemoryBytes` (0: core::defaultMemoryBudget()).
KerasH5Contents kerasH5Layout(const core::Model& model, std::vector<std::vector<std::uint8_t>>& storage,
    KerasH5ExportReport* report = nullptr, std::uint64_t maxMemoryBytes = 0);

// Writes `out` (the .h5 file path; missing parent folders are made). The file appears whole or
// not at all: the child writes a temporary file beside it, which is renamed into place, or
// removed on any error or cancel. A folder at `out` is refused.
KerasH5ExportReport writeKerasH5(const core::Model& model, const std::filesystem::path& out,
    const KerasH5ExportOptions& options = {});

} // namespace studio::conv
