// TF.js artifacts: model.json + weight shards, read into core::Model and written back
// exactly as tensorflowjs_converter writes them (FORMATS.md sections 1-3).
#pragma once

#include "core/ir/model.h"
#include "core/tfjs/quantize.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace studio::core {

inline constexpr std::uint64_t kDefaultShardBytes = 4194304;

// "group1-shard2of3.bin" (1-based, no padding).
std::string shardFileName(std::size_t group, std::size_t shard, std::size_t count);

// Shard count per group for a given byte total: ceil(bytes / shardSize), 0 for an empty group.
std::uint64_t shardCount(std::uint64_t groupBytes, std::uint64_t shardSize);

// Reads a model.json (or a folder holding one, or a bare weights manifest) and maps its
// shards. Weight bytes stay in the files until needed. Throws studio::Error naming the
// file and the problem.
Model readTfjsModel(const std::filesystem::path& path);

// Stored bytes after applying a quantization plan to one weight (what the writer emits).
struct PlannedWeight {
    const Weight* weight = nullptr;
    std::optional<DType> storage; // quantized storage dtype, nullopt = logical dtype as is
    std::uint64_t bytes = 0;
};
struct PlannedGroup {
    std::vector<PlannedWeight> weights;
    std::uint64_t bytes = 0;
    std::vector<std::string> files;
};
// Throws for plan conflicts (two dtypes match one weight) and unsupported dtypes.
std::vector<PlannedGroup> planWeights(const Model& model, const QuantizationPlan& plan, std::uint64_t shardSize);

struct WriteOptions {
    std::uint64_t shardSize = kDefaultShardBytes;
    QuantizationPlan quantization;
    std::string convertedBy; // empty: "tfjs-studio v<version>"
    std::function<void(double)> progress;  // 0..1, called from the writing thread
    std::function<bool()> cancelled;        // polled between chunks
};

struct WriteReport {
    std::filesystem::path modelJson;
    std::vector<std::filesystem::path> shardFiles;
    std::uint64_t weightBytes = 0;
    std::size_t quantizedWeights = 0;
};

// Writes model.json + shards into outDir atomically: everything goes to a temporary
// folder beside outDir, which then replaces it. An existing outDir may hold only a previous
// model (model.json, .bin shards), else the write is refused before it starts. On any error
// nothing is left behind and an existing outDir is untouched.
WriteReport writeTfjsModel(const Model& model, const std::filesystem::path& outDir, const WriteOptions& options);

// The model.json document the writer would produce for a given plan.
nlohmann::ordered_json modelJsonDocument(const Model& model, const std::vector<PlannedGroup>& groups,
    const std::vector<std::vector<std::optional<Quantization>>>& quantizations, const std::string& convertedBy);

} // namespace studio::core
