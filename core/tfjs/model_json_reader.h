// Reading a TF.js model.json (layers model, graph model or bare weights manifest) into core::Model.
#pragma once

#include "core/ir/model.h"

#include <filesystem>

namespace studio::core {

// Reads a model.json (or a folder holding one, or a bare weights manifest) and maps its
// shards. Weight bytes stay in the files until needed. Throws studio::Error naming the
// file and the problem.
Model readTfjsModel(const std::filesystem::path& path);

} // namespace studio::core
