// `inspect`: what a model is, as text for people and JSON for scripts.
#pragma once

#include "core/ir/model.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace studio::conv {

struct InspectReport {
    std::string path;
    std::string format;
    std::string kind;
    std::string generatedBy;
    std::string convertedBy;
    std::string producer; // GraphDef versions.producer or Keras version
    std::vector<core::TensorSpec> inputs, outputs;
    std::vector<std::pair<std::string, std::size_t>> histogram; // op or layer class -> count, most first
    std::size_t nodeCount = 0;
    std::size_t weightCount = 0;
    std::map<std::string, std::uint64_t> bytesByStorage; // "float32", "uint8 (quantized)", ...
    std::uint64_t weightBytes = 0;
    struct Shard {
        std::string file;
        std::uint64_t bytes = 0;
    };
    std::vector<std::vector<Shard>> shards; // per group, as stored
    struct PlannedGroup {
        std::uint64_t bytes = 0;
        std::vector<std::string> files;
    };
    std::uint64_t planShardSize = 0;
    std::vector<PlannedGroup> plan; // how the writer would shard the weights as stored now
    std::string opCheck; // graph models: the op check's verdict
    std::vector<std::string> unsupportedOps;
};

InspectReport inspect(const core::Model& model, std::uint64_t planShardSize = 4194304);
std::string toText(const InspectReport& report);
nlohmann::ordered_json toJson(const InspectReport& report);

} // namespace studio::conv
