// How a model's weights will be stored before a byte is written: per weight the storage dtype
// and byte count after quantization, per group the total and the shard file names.
#pragma once

#include "core/ir/model.h"
#include "core/tfjs/quantize.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace studio::core {

inline constexpr std::uint64_t kDefaultShardBytes = 4194304;

// "group1-shard2of3.bin" (1-based, no padding).
std::string shardFileName(std::size_t group, std::size_t shard, std::size_t count);

// Shard count per group for a given byte total: ceil(bytes / shardSize), 0 for an empty group.
std::uint64_t shardCount(std::uint64_t groupBytes, std::uint64_t shardSize);

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

} // namespace studio::core
