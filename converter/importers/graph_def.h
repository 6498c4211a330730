// Binary GraphDef protobufs -> core::Model: frozen graphs (tf_frozen_model) and the pre-1.0
// TF.js layout (tensorflowjs_model.pb + weights_manifest.json).
#pragma once

#include "core/ir/model.h"

#include <cstdint>
#include <filesystem>
#include <string>

namespace studio::conv {

// A frozen GraphDef: every Const's value becomes a weight (one group, node order), as the
// converter writes graph-model weights; the values are cleared from the node attributes.
// maxMemoryBytes: --max-memory, what all constants may decode to (0: the default budget).
core::Model readFrozenGraphDef(const std::filesystem::path& path, std::uint64_t maxMemoryBytes = 0);

// The pre-1.0 TF.js layout: the graph from tensorflowjs_model.pb, the weights from the bare
// weights_manifest.json beside it. `path` is the folder or either file.
core::Model readTfjsPre1Layout(const std::filesystem::path& path);

// Whether `path` is (or holds) the pre-1.0 layout.
bool isTfjsPre1Layout(const std::filesystem::path& path);

} // namespace studio::conv
