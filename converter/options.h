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
    std::uint64_t maxMemoryBytes = 0; // --max-memory (a tfjs-studio option, not the reference converter's); 0: default
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
    // Whether each flag was written on the command line (whatever its value), so that a flag the
    // route ignores can be reported instead of silently dropped (unsupportedOptionProblems).
    bool savedModelTagsGiven = false;
    bool splitWeightsByLayerGiven = false;
    bool skipOpCheckGiven = false;
    bool stripDebugOpsGiven = false;
    bool useStructuredOutputsNamesGiven = false;
    bool experimentsGiven = false;
    std::vector<std::pair<std::string, std::string>> metadata; // key -> json file
    std::string reportPath; // --report FILE: the conversion report as JSON (a tfjs-studio option)
    bool verbose = false;   // --verbose: every pass's report, changed or not (a tfjs-studio option)
    std::vector<std::string> warnings; // e.g. the --quantization_bytes deprecation
};

// Parses the arguments after "convert". Accepts "--flag=value" and "--flag value" like the
// reference converter. Throws studio::Error with the reference converter's wording.
// Boolean flags take an optional value: "--flag" alone is true; "--flag=V" and "--flag V" accept
// true/false, t/f, yes/no, y/n, 1/0 (any case; "--flag V" only takes V when it is one of those);
// "--flag=" is false. Where the reference converter's argparse type=bool would read a false word
// as True, a warning says so.
ConvertOptions parseConvertArgs(const std::vector<std::string>& args);

// One message per flag that was given but has no effect on the route inputFormat -> outputFormat
// (the reference converter drops such flags silently); empty when every given flag counts.
std::vector<std::string> unsupportedOptionProblems(const ConvertOptions& options, const std::string& inputFormat,
    const std::string& outputFormat);

// What this build converts and what it does not yet, from the route table (converter/formats.h),
// for "not supported by this build yet" messages and the usage text.
std::string supportedConversionsText();

std::string convertUsage();

} // namespace studio::conv
