// Writing a model as a TF.js artifact folder: model.json + weight shards, exactly as
// tensorflowjs_converter writes them (FORMATS.md sections 1-3), replacing the folder atomically.
#pragma once

#include "core/ir/model.h"
#include "core/tfjs/quantize.h"
#include "core/tfjs/weight_plan.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace studio::core {

struct WriteOptions {
    std::uint64_t shardSize = kDefaultShardBytes;
    QuantizationPlan quantization;
    std::string convertedBy; // empty: "tfjs-studio v<version>"
    std::function<void(double)> progress;  // 0..1, called from the writing thread
    std::function<bool()> cancelled;        // polled between weights; true: throw studio::Cancelled
};

struct WriteReport {
    std::filesystem::path modelJson;
    std::vector<std::filesystem::path> shardFiles;
    std::uint64_t weightBytes = 0;
    std::size_t quantizedWeights = 0;
};

// Writes model.json + shards into outDir atomically: everything goes to a temporary
// folder beside outDir, synced to disk, which then replaces it. An existing outDir may hold
// only a previous model (a TF.js model.json and the shards its weightsManifest lists), else
// the write is refused before it starts. On any error, and on cancel (studio::Cancelled),
// nothing is left behind and an existing outDir is untouched; what a killed earlier write left
// beside outDir is removed.
WriteReport writeTfjsModel(const Model& model, const std::filesystem::path& outDir, const WriteOptions& options);

} // namespace studio::core
