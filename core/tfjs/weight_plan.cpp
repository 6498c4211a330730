// Planning the stored form of every weight: quantization choice, byte counts, shard names.
#include "core/tfjs/weight_plan.h"

#include "core/error.h"

namespace studio::core {

std::string shardFileName(std::size_t group, std::size_t shard, std::size_t count)
{
    return "group" + std::to_string(group) + "-shard" + std::to_string(shard) + "of" + std::to_string(count) + ".bin";
}

std::uint64_t shardCount(std::uint64_t groupBytes, std::uint64_t shardSize)
{
    return shardSize == 0 ? 0 : (groupBytes + shardSize - 1) / shardSize;
}

std::vector<PlannedGroup> planWeights(const Model& model, const QuantizationPlan& plan, std::uint64_t shardSize)
{
    if (shardSize == 0)
        fail("weight_shard_size_bytes", "Expected weight_shard_size_bytes to be a positive integer, but got 0");
    std::vector<PlannedGroup> groups;
    for (std::size_t gi = 0; gi < model.weightGroups.size(); ++gi) {
        PlannedGroup pg;
        for (const auto& w : model.weightGroups[gi].weights) {
            PlannedWeight pw;
            pw.weight = &w;
            const auto choice = plan.choose(w.name); // throws on conflicting patterns
            if (w.dtype == DType::Float32 && choice)
                pw.storage = choice;
            if (w.dtype == DType::String && !w.quantization)
                pw.bytes = w.byteLength;
            else if (w.dtype == DType::Int32 && w.quantization)
                pw.bytes = static_cast<std::uint64_t>(w.elementCount()) * 4; // decoded back to int32
            else
                pw.bytes = static_cast<std::uint64_t>(w.elementCount()) * elementSize(pw.storage.value_or(w.dtype));
            pg.bytes += pw.bytes;
            pg.weights.push_back(pw);
        }
        const auto count = shardCount(pg.bytes, shardSize);
        for (std::uint64_t k = 1; k <= count; ++k)
            pg.files.push_back(shardFileName(gi + 1, k, count));
        groups.push_back(std::move(pg));
    }
    return groups;
}

} // namespace studio::core
