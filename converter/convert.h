// The conversion pipeline: import -> (passes, op check: later issues) -> write.
#pragma once

#include "converter/options.h"
#include "core/tfjs/artifacts.h"

#include <functional>
#include <string>

namespace studio::conv {

struct ConvertResult {
    std::string inputFormat;
    std::string outputFormat;
    core::WriteReport written;
    double readSeconds = 0;
    double writeSeconds = 0;
    std::vector<std::string> warnings;
};

struct ConvertHooks {
    std::function<void(const std::string&, double)> progress; // stage, 0..1
    std::function<bool()> cancelled;
};

// The output format used when --output_format is not given (TF.js inputs keep their own).
std::string defaultOutputFormat(const std::string& inputFormat);

// Runs a whole conversion. Throws studio::Error; on error no output is left behind.
ConvertResult convert(const ConvertOptions& options, const ConvertHooks& hooks = {});

// Writes an already loaded model with the options' quantization and sharding.
core::WriteReport writeModel(const core::Model& model, const ConvertOptions& options, const ConvertHooks& hooks = {});

} // namespace studio::conv
