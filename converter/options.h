// tensorflowjs_converter-compatible conversion options and their command-line parsing.
#pragma once

#include "core/tfjs/quantize.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace studio::conv {

struct ConvertOptions {
    std::string inputPath;
    std::string outputPath;
    std::string inputFormat;  // empty: detect from the input
    std::string outputFormat; // empty: inferred as the reference converter does
    std::uint64_t shardSize = 4194304;
    bool shardSizeGiven = false;
    core::QuantizationPlan quantization;
    std::optional<int> quantizationBytes; // deprecated --quantization_bytes
    std::string signatureName;
    std::string savedModelTags = "serve";
    std::vector<std::string> outputNodeNames;
    bool splitWeightsByLayer = false;
    bool skipOpCheck = false;
    bool stripDebugOps = true;
    bool controlFlowV2 = false;
    bool useStructuredOutputsNames = false;
    bool experiments = false;
    std::vector<std::pair<std::string, std::string>> metadata; // key -> json file
    std::vector<std::string> warnings; // e.g. the --quantization_bytes deprecation
};

// Parses the arguments after "convert". Accepts "--flag=value" and "--flag value" like the
// reference converter. Throws studio::Error with the reference converter's wording.
ConvertOptions parseConvertArgs(const std::vector<std::string>& args);

std::string convertUsage();

} // namespace studio::conv
