// The conversion report as JSON.
#include "converter/report.h"

#include "core/error.h"

#include <fstream>
#include <system_error>

namespace fs = std::filesystem;

namespace studio::conv {

namespace {

nlohmann::ordered_json inputJson(const ConvertOptions& o)
{
    nlohmann::ordered_json j;
    j["path"] = o.inputPath;
    j["format"] = o.inputFormat.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(o.inputFormat);
    if (!o.signatureName.empty())
        j["signatureName"] = o.signatureName;
    if (o.savedModelTagsGiven)
        j["savedModelTags"] = o.savedModelTags;
    if (!o.outputNodeNames.empty())
        j["outputNodeNames"] = o.outputNodeNames;
    return j;
}

nlohmann::ordered_json optionsJson(const ConvertOptions& o)
{
    nlohmann::ordered_json j;
    j["weightShardSizeBytes"] = o.shardSize;
    j["quantization"] = o.quantization.describe();
    j["stripDebugOps"] = o.stripDebugOps;
    j["skipOpCheck"] = o.skipOpCheck;
    j["controlFlowV2"] = o.controlFlowV2;
    j["splitWeightsByLayer"] = o.splitWeightsByLayer;
    return j;
}

} // namespace

nlohmann::ordered_json toJson(const OpCheckReport& r)
{
    nlohmann::ordered_json j;
    j["ok"] = r.ok();
    j["checkedNodes"] = r.checkedNodes;
    auto& list = j["unsupported"] = nlohmann::ordered_json::array();
    for (const auto& u : r.unsupported)
        list.push_back({{"op", u.op}, {"count", u.nodes.size()}, {"reason", u.reason}, {"nodes", u.nodes}});
    j["malformed"] = r.malformed;
    return j;
}

nlohmann::ordered_json toJson(const PassReport& p)
{
    nlohmann::ordered_json j;
    j["pass"] = p.pass;
    j["changed"] = p.changed();
    j["summary"] = p.summary();
    j["nodesBefore"] = p.nodesBefore;
    j["nodesAfter"] = p.nodesAfter;
    auto& ops = j["opCounts"] = nlohmann::ordered_json::object();
    for (const auto& [op, ba] : p.opCounts)
        ops[op] = {{"before", ba.first}, {"after", ba.second}};
    j["added"] = p.added;
    j["removed"] = p.removed;
    j["fused"] = p.fused;
    j["notes"] = p.notes;
    return j;
}

nlohmann::ordered_json conversionReportJson(const ConvertResult& r, const ConvertOptions& o)
{
    nlohmann::ordered_json j;
    j["ok"] = true;
    j["input"] = inputJson(o);
    j["input"]["format"] = std::string(formatName(r.inputFormat));
    j["output"] = {{"path", o.outputPath}, {"format", std::string(formatName(r.outputFormat))}};
    j["options"] = optionsJson(o);
    j["timings"] = {{"readSeconds", r.readSeconds}, {"optimizeSeconds", r.optimizeSeconds},
        {"writeSeconds", r.writeSeconds}};
    auto& check = j["opCheck"] = nlohmann::ordered_json::object();
    check["before"] = r.opCheckBefore ? toJson(*r.opCheckBefore) : nlohmann::ordered_json();
    check["after"] = r.opCheck ? toJson(*r.opCheck) : nlohmann::ordered_json();
    auto& passes = j["passes"] = nlohmann::ordered_json::array();
    for (const auto& p : r.passes)
        passes.push_back(toJson(p));
    auto& files = j["files"] = nlohmann::ordered_json::array();
    auto addFile = [&](const fs::path& path) {
        std::error_code ec;
        const auto size = fs::file_size(path, ec);
        files.push_back({{"path", path.string()}, {"bytes", ec ? nlohmann::ordered_json() : nlohmann::ordered_json(size)}});
    };
    if (!r.written.modelJson.empty())
        addFile(r.written.modelJson);
    for (const auto& s : r.written.shardFiles)
        addFile(s);
    j["weightBytes"] = r.written.weightBytes;
    j["quantizedWeights"] = r.written.quantizedWeights;
    j["warnings"] = r.warnings;
    return j;
}

nlohmann::ordered_json failedConversionReportJson(const ConvertOptions& o, const std::string& error)
{
    nlohmann::ordered_json j;
    j["ok"] = false;
    j["input"] = inputJson(o);
    j["output"] = {{"path", o.outputPath},
        {"format", o.outputFormat.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(o.outputFormat)}};
    j["options"] = optionsJson(o);
    j["error"] = error;
    return j;
}

void writeReportFile(const fs::path& path, const nlohmann::ordered_json& report)
{
    const fs::path tmp = path.string() + ".tmp-report";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out)
            throw Error(path.string() + ": cannot write the conversion report");
        out << report.dump(2) << "\n";
        out.flush();
        if (!out) {
            std::error_code ec;
            fs::remove(tmp, ec);
            throw Error(path.string() + ": cannot write the conversion report (disk full?)");
        }
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) {
        fs::remove(tmp, ec);
        throw Error(path.string() + ": cannot write the conversion report: " + ec.message());
    }
}

} // namespace studio::conv
