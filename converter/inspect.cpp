// Builds the inspect report from a model.
#include "converter/inspect.h"

#include "converter/importers/limits.h"
#include "converter/op_check.h"
#include "converter/passes/lower_layers.h"
#include "core/error.h"
#include "core/io/byte_source.h"
#include "core/tfjs/artifacts.h"
#include "core/ir/dtype.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>

namespace studio::conv {

using Json = nlohmann::ordered_json;

namespace {

std::string dtypeLabel(const std::optional<int>& tf)
{
    if (!tf)
        return "?";
    if (auto d = core::dtypeFromTf(*tf))
        return std::string(core::dtypeName(*d));
    if (auto n = core::tfDataTypeName(*tf))
        return std::string(*n);
    return std::to_string(*tf);
}

std::string humanBytes(std::uint64_t n)
{
    char buf[32];
    if (n >= (1u << 20))
        std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(n) / (1 << 20));
    else if (n >= 1024)
        std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(n) / 1024);
    else
        std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
    return buf;
}

Json specJson(const core::TensorSpec& t)
{
    Json j = Json::object();
    j["key"] = t.key;
    j["name"] = t.name;
    j["dtype"] = dtypeLabel(t.tfDtype);
    if (t.shape && !t.shape->unknownRank)
        j["shape"] = t.shape->dims;
    else
        j["shape"] = nullptr;
    return j;
}

} // namespace

InspectReport inspect(const core::Model& m, std::uint64_t planShardSize)
{
    InspectReport r;
    r.path = m.sourcePath;
    r.format = m.meta.format;
    r.kind = std::string(core::modelKindName(m.kind));
    r.generatedBy = m.meta.generatedBy.value_or("");
    r.convertedBy = m.meta.convertedBy.value_or("");
    if (m.graph.versions.is_object() && m.graph.versions.contains("producer"))
        r.producer = "GraphDef producer " + m.graph.versions["producer"].dump();
    else if (m.meta.modelTopology.is_object() && m.meta.modelTopology.contains("keras_version"))
        r.producer = "Keras " + m.meta.modelTopology["keras_version"].get<std::string>();
    r.inputs = m.inputs;
    r.outputs = m.outputs;
    if (m.kind == core::ModelKind::LayersModel) {
        // Output shapes of layers models come from the lowering's shape inference, when every
        // layer can be lowered; otherwise they stay unknown.
        try {
            const auto lowered = lowerLayersModel(m);
            for (std::size_t k = 0; k < r.outputs.size() && k < lowered.outputs.size(); ++k)
                r.outputs[k].shape = lowered.outputs[k].shape;
        } catch (const Error&) {
        }
    }
    std::map<std::string, std::size_t> counts;
    if (m.kind == core::ModelKind::GraphModel) {
        for (const auto& n : m.graph.nodes)
            ++counts[n.op];
        for (const auto& f : m.graph.functions)
            for (const auto& n : f.nodes)
                ++counts[n.op];
        r.nodeCount = m.graph.nodes.size();
        const auto check = checkOps(m);
        r.opCheck = describe(check);
        for (const auto& u : check.unsupported)
            r.unsupportedOps.push_back(u.op);
    } else {
        for (const auto& l : m.layers)
            ++counts[l.className];
        r.nodeCount = m.layers.size();
    }
    r.histogram.assign(counts.begin(), counts.end());
    std::stable_sort(r.histogram.begin(), r.histogram.end(), [](auto& a, auto& b) { return a.second > b.second; });
    for (const auto& g : m.weightGroups) {
        for (const auto& w : g.weights) {
            ++r.weightCount;
            const std::string label = w.quantization
                ? std::string(core::dtypeName(w.quantization->dtype)) + " (quantized " + std::string(core::dtypeName(w.dtype)) + ")"
                : std::string(core::dtypeName(w.dtype));
            // Sizes come from the file: a total that wrapped would report a huge model as a tiny one.
            auto& byStorage = r.bytesByStorage[label];
            const auto storageTotal = checkedAdd(byStorage, w.byteLength);
            const auto total = checkedAdd(r.weightBytes, w.byteLength);
            if (!storageTotal || !total)
                fail(Location::atWeight(m.sourcePath, w.name), "the weights up to this one take more than 2^64 bytes");
            byStorage = *storageTotal;
            r.weightBytes = *total;
        }
        auto& shards = r.shards.emplace_back();
        if (!g.weights.empty())
            if (auto src = std::dynamic_pointer_cast<const core::FileSequenceSource>(g.weights.front().source))
                for (std::size_t i = 0; i < src->files().size(); ++i)
                    shards.push_back({src->files()[i].filename().string(), src->fileSizes()[i]});
    }
    r.planShardSize = planShardSize;
    for (const auto& g : core::planWeights(m, {}, planShardSize))
        r.plan.push_back({g.bytes, g.files});
    return r;
}

std::string toText(const InspectReport& r)
{
    std::ostringstream o;
    o << "model:        " << r.path << "\n";
    o << "format:       " << r.format << " (" << r.kind << ")\n";
    if (!r.generatedBy.empty())
        o << "generated by: " << r.generatedBy << "\n";
    if (!r.convertedBy.empty())
        o << "converted by: " << r.convertedBy << "\n";
    if (!r.producer.empty())
        o << "producer:     " << r.producer << "\n";
    auto specs = [&o](const char* title, const std::vector<core::TensorSpec>& v) {
        o << title << " (" << v.size() << "):\n";
        for (const auto& t : v)
            o << "  " << t.key << (t.name != t.key ? " [" + t.name + "]" : "") << "  " << dtypeLabel(t.tfDtype) << " "
              << (t.shape ? t.shape->toString() : std::string("?")) << "\n";
    };
    specs("inputs", r.inputs);
    specs("outputs", r.outputs);
    o << (r.kind == "graph-model" ? "ops" : "layers") << " (" << r.nodeCount << "):\n";
    for (const auto& [name, n] : r.histogram)
        o << "  " << n << "  " << name << "\n";
    if (!r.opCheck.empty())
        o << "TF.js ops:    " << r.opCheck << "\n";
    o << "weights:      " << r.weightCount << " tensors, " << humanBytes(r.weightBytes) << "\n";
    for (const auto& [dt, n] : r.bytesByStorage)
        o << "  " << dt << ": " << humanBytes(n) << "\n";
    o << "shards:\n";
    for (std::size_t g = 0; g < r.shards.size(); ++g)
        for (const auto& s : r.shards[g])
            o << "  group " << g + 1 << "  " << s.file << "  " << s.bytes << " bytes\n";
    o << "shard plan at " << r.planShardSize << " bytes per shard:\n";
    for (std::size_t g = 0; g < r.plan.size(); ++g) {
        const auto& p = r.plan[g];
        o << "  group " << g + 1 << "  " << p.bytes << " bytes -> " << p.files.size() << " shard(s)";
        if (!p.files.empty())
            o << "  " << p.files.front() << (p.files.size() > 1 ? " ... " + p.files.back() : std::string());
        o << "\n";
    }
    return o.str();
}

Json toJson(const InspectReport& r)
{
    Json j = Json::object();
    j["path"] = r.path;
    j["format"] = r.format;
    j["kind"] = r.kind;
    j["generatedBy"] = r.generatedBy;
    j["convertedBy"] = r.convertedBy;
    j["producer"] = r.producer;
    Json in = Json::array(), out = Json::array();
    for (const auto& t : r.inputs) in.push_back(specJson(t));
    for (const auto& t : r.outputs) out.push_back(specJson(t));
    j["inputs"] = in;
    j["outputs"] = out;
    j["nodeCount"] = r.nodeCount;
    Json hist = Json::object();
    for (const auto& [k, v] : r.histogram) hist[k] = v;
    j[r.kind == "graph-model" ? "ops" : "layers"] = hist;
    if (!r.opCheck.empty()) {
        j["opCheck"] = r.opCheck;
        j["unsupportedOps"] = r.unsupportedOps;
    }
    j["weightCount"] = r.weightCount;
    j["weightBytes"] = r.weightBytes;
    j["bytesByDtype"] = r.bytesByStorage;
    Json groups = Json::array();
    for (const auto& g : r.shards) {
        Json shards = Json::array();
        for (const auto& s : g) shards.push_back({{"file", s.file}, {"bytes", s.bytes}});
        groups.push_back(shards);
    }
    j["shards"] = groups;
    Json plan = Json::array();
    for (const auto& p : r.plan)
        plan.push_back({{"bytes", p.bytes}, {"files", p.files}});
    j["shardPlan"] = {{"shardSize", r.planShardSize}, {"groups", plan}};
    return j;
}

} // namespace studio::conv
