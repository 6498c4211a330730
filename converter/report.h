// The conversion report: what convert() did, stage by stage, as JSON (`convert --report FILE`)
// for CI logs and the studio's before/after view.
#pragma once

#include "converter/convert.h"
#include "converter/options.h"

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace studio::conv {

// {"ok": true, "input": {...}, "output": {...}, "timings": {...}, "opCheck": {"before": ..., "after": ...},
//  "passes": [{"pass", "nodesBefore", "nodesAfter", "added", "removed", "fused", "opCounts", "notes"}],
//  "files": [{"path", "bytes"}], "warnings": [...]}
nlohmann::ordered_json conversionReportJson(const ConvertResult& result, const ConvertOptions& options);

// The report of a conversion that failed: {"ok": false, "input": ..., "error": message}.
nlohmann::ordered_json failedConversionReportJson(const ConvertOptions& options, const std::string& error);

nlohmann::ordered_json toJson(const OpCheckReport& report);
nlohmann::ordered_json toJson(const PassReport& report);

// Writes the report (temporary file beside `path`, then renamed). Throws studio::Error naming the file.
void writeReportFile(const std::filesystem::path& path, const nlohmann::ordered_json& report);

} // namespace studio::conv
