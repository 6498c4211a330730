// Keras HDF5 (.h5) models and weights-only files -> core::Model (a layers model), as
// tensorflowjs_converter reads them (FORMATS.md section 4).
#pragma once

#include "core/ir/model.h"

#include <filesystem>

namespace studio::conv {

core::Model readKerasH5(const std::filesystem::path& path);

} // namespace studio::conv
