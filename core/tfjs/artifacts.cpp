// Reading and writing model.json + shards.
#include "core/tfjs/artifacts.h"

#include "core/error.h"
#include "core/tfjs/graph_json.h"
#include "core/tfjs/json_writer.h"
#include "core/tfjs/keras_topology.h"
#include "core/version.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <sstream>

namespace studio::core {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

std::string shardFileName(std::size_t group, std::size_t shard, std::size_t count)
{
    return "group" + std::to_string(group) + "-shard" + std::to_string(shard) + "of" + std::to_string(count) + ".bin";
}

std::uint64_t shardCount(std::uint64_t groupBytes, std::uint64_t shardSize)
{
    return shardSize == 0 ? 0 : (groupBytes + shardSize - 1) / shardSize;
}

namespace {

std::string fileLabel(const fs::path& p) { return p.filename().string(); }

Json parseJsonFile(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        fail(fileLabel(path), "cannot open (" + path.string() + ")");
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    try {
        return Json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        // Turn the byte offset into a line:column a user can find.
        std::size_t line = 1, col = 1;
        for (std::size_t i = 0; i < std::min<std::size_t>(e.byte ? e.byte - 1 : 0, text.size()); ++i) {
            if (text[i] == '\n') {
                ++line;
                col = 1;
            } else {
                ++col;
            }
        }
        std::string why = e.what();
        const auto pos = why.find("syntax error");
        fail(fileLabel(path), "invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(col) + ": "
                + (pos == std::string::npos ? why : why.substr(pos)));
    }
}

std::vector<std::int64_t> parseShape(const Json& v, const std::string& where)
{
    if (!v.is_array())
        fail(where, "shape must be an array");
    std::vector<std::int64_t> dims;
    for (const auto& d : v) {
        if (!d.is_number_integer() || d.get<std::int64_t>() < 0)
            fail(where, "shape has an invalid dimension " + d.dump());
        dims.push_back(d.get<std::int64_t>());
    }
    return dims;
}

Quantization parseQuantization(const Json& q, const std::string& where)
{
    if (!q.is_object())
        fail(where, "quantization must be an object");
    Quantization out;
    const std::string dt = q.value("dtype", "");
    const auto storage = dtypeFromName(dt);
    if (!storage || (*storage != DType::UInt8 && *storage != DType::UInt16 && *storage != DType::Float16))
        fail(where, "unknown quantization dtype '" + dt + "' (expected uint8, uint16 or float16)");
    out.dtype = *storage;
    for (const auto& [key, value] : q.items()) {
        out.keyOrder.push_back(key);
        if (key == "dtype")
            continue;
        if (key == "min" || key == "scale") {
            if (!value.is_number())
                fail(where, "quantization " + key + " must be a number");
            (key == "min" ? out.min : out.scale) = value.get<double>();
        } else if (key == "original_dtype") {
            out.originalDtype = value.is_string() ? value.get<std::string>() : value.dump();
        } else {
            out.extra[key] = value;
        }
    }
    if (out.dtype != DType::Float16 && (!out.min || !out.scale))
        fail(where, "quantization " + dt + " has no min and scale");
    return out;
}

// Walks the string tensor's length prefixes to find its byte length.
std::uint64_t stringTensorBytes(const ByteSource& src, std::uint64_t offset, std::int64_t count, const std::string& where)
{
    std::uint64_t pos = offset;
    for (std::int64_t i = 0; i < count; ++i) {
        if (pos + 4 > src.size())
            fail(where, "string element " + std::to_string(i) + " runs past the end of the shards");
        std::uint8_t len[4];
        src.read(pos, 4, len);
        const std::uint64_t n = std::uint64_t{len[0]} | std::uint64_t{len[1]} << 8 | std::uint64_t{len[2]} << 16
            | std::uint64_t{len[3]} << 24;
        pos += 4 + n;
        if (pos > src.size())
            fail(where, "string element " + std::to_string(i) + " (" + std::to_string(n)
                    + " bytes) runs past the end of the shards");
    }
    return pos - offset;
}

std::uint64_t storedBytesFor(DType dtype, const std::optional<Quantization>& q, std::int64_t elements)
{
    const DType storage = q ? q->dtype : dtype;
    return static_cast<std::uint64_t>(elements) * elementSize(storage);
}

// Checks each shard against the manifest and names the shard that is wrong.
void checkShardSizes(const FileSequenceSource& src, std::uint64_t needed, const std::string& manifestFile,
    std::size_t groupIndex)
{
    const auto& files = src.files();
    const auto& sizes = src.fileSizes();
    const std::uint64_t have = src.size();
    if (have == needed)
        return;
    if (files.empty())
        fail(manifestFile, "weightsManifest[" + std::to_string(groupIndex) + "] has no shard paths but its weights need "
                + std::to_string(needed) + " bytes");
    if (have < needed) {
        // A shard that is shorter than the first one (and is not the last) is the culprit.
        for (std::size_t i = 1; i + 1 < files.size(); ++i)
            if (sizes[i] < sizes[0])
                fail(fileLabel(files[i]), std::to_string(sizes[i]) + " bytes, expected " + std::to_string(sizes[0])
                        + " like the group's other shards (truncated?)");
        const std::uint64_t expectLast = needed - (have - sizes.back());
        fail(fileLabel(files.back()), std::to_string(sizes.back()) + " bytes, the manifest of " + manifestFile
                + " expects " + std::to_string(expectLast) + " (shards hold " + std::to_string(have)
                + " bytes, weights need " + std::to_string(needed) + ")");
    }
    fail(fileLabel(files.back()), "shards hold " + std::to_string(have) + " bytes but the manifest of " + manifestFile
            + " describes only " + std::to_string(needed) + " (" + std::to_string(have - needed)
            + " bytes unaccounted for)");
}

std::vector<WeightGroup> parseManifest(const Json& manifest, const fs::path& baseDir, const std::string& file)
{
    if (!manifest.is_array())
        fail(file, "weightsManifest must be an array of groups");
    std::vector<WeightGroup> groups;
    std::set<std::string> seen;
    for (std::size_t gi = 0; gi < manifest.size(); ++gi) {
        const auto& g = manifest[gi];
        const std::string gw = file + ": weightsManifest[" + std::to_string(gi) + "]";
        if (!g.is_object())
            fail(gw, "group must be an object");
        WeightGroup group;
        std::vector<fs::path> files;
        if (g.contains("paths")) {
            if (!g["paths"].is_array())
                fail(gw, "paths must be an array");
            for (const auto& p : g["paths"]) {
                if (!p.is_string())
                    fail(gw, "paths must hold strings");
                group.paths.push_back(p.get<std::string>());
                files.push_back(baseDir / fs::path(p.get<std::string>()).lexically_normal());
            }
        }
        if (!g.contains("weights") || !g["weights"].is_array())
            fail(gw, "has no weights array");
        std::shared_ptr<FileSequenceSource> source;
        try {
            source = std::make_shared<FileSequenceSource>(files);
        } catch (const studio::Error& e) {
            fail("", std::string(e.what()) + ", listed in " + gw + ".paths");
        }
        std::uint64_t offset = 0;
        for (const auto& e : g["weights"]) {
            if (!e.is_object() || !e.contains("name") || !e["name"].is_string())
                fail(gw, "a weight entry has no name");
            Weight w;
            w.name = e["name"].get<std::string>();
            const std::string ww = file + ": weight '" + w.name + "'";
            if (!seen.insert(w.name).second)
                fail(ww, "is listed twice in weightsManifest");
            if (!e.contains("dtype") || !e["dtype"].is_string())
                fail(ww, "has no dtype");
            const auto dt = dtypeFromName(e["dtype"].get<std::string>());
            if (!dt || (*dt != DType::Float32 && *dt != DType::Int32 && *dt != DType::Bool && *dt != DType::String
                           && *dt != DType::Complex64))
                fail(ww, "unknown dtype '" + e["dtype"].get<std::string>()
                        + "' (TF.js weights are float32, int32, bool, string or complex64)");
            w.dtype = *dt;
            w.shape = parseShape(e.value("shape", Json::array()), ww);
            {
                // Reject shapes whose element count overflows before any size arithmetic.
                std::uint64_t count = 1;
                for (auto d : w.shape) {
                    const auto ud = static_cast<std::uint64_t>(d);
                    if (ud != 0 && count > (std::uint64_t(1) << 60) / ud)
                        fail(ww, "shape " + e["shape"].dump() + " has too many elements");
                    count *= ud;
                }
            }
            for (const auto& [key, value] : e.items()) {
                if (key == "name" || key == "dtype" || key == "shape")
                    continue;
                if (key == "quantization")
                    w.quantization = parseQuantization(value, ww);
                else if (key == "group" && value.is_string())
                    w.group = value.get<std::string>();
                else
                    w.extra[key] = value;
            }
            if (w.quantization && w.dtype != DType::Float32 && w.dtype != DType::Int32)
                fail(ww, "quantized weights must be float32 or int32, not " + std::string(dtypeName(w.dtype)));
            if (w.quantization && w.quantization->dtype == DType::Float16 && w.dtype != DType::Float32)
                fail(ww, "float16 quantization needs dtype float32");
            w.source = source;
            w.offset = offset;
            if (w.dtype == DType::String && !w.quantization)
                w.byteLength = stringTensorBytes(*source, offset, w.elementCount(), ww);
            else
                w.byteLength = storedBytesFor(w.dtype, w.quantization, w.elementCount());
            offset += w.byteLength;
            group.weights.push_back(std::move(w));
        }
        checkShardSizes(*source, offset, file, gi);
        groups.push_back(std::move(group));
    }
    return groups;
}

// Inputs and outputs of a graph model: from the signature, else placeholders / sinks.
void graphInterface(Model& m, const std::string& file)
{
    const auto& sig = m.meta.signature;
    auto fromSig = [&file](const Json& map, std::vector<TensorSpec>& out) {
        if (!map.is_object())
            return;
        for (const auto& [key, info] : map.items()) {
            const std::string where = file + ": signature '" + key + "'";
            if (!info.is_object())
                fail(where, "must be an object");
            TensorSpec t;
            t.key = key;
            t.name = info.contains("name") && info["name"].is_string() ? info["name"].get<std::string>() : key;
            if (info.contains("dtype"))
                t.tfDtype = dataTypeFromJson(info["dtype"], where + ".dtype");
            if (info.contains("tensorShape"))
                t.shape = shapeFromJson(info["tensorShape"], where + ".tensorShape");
            out.push_back(t);
        }
    };
    if (sig.is_object()) {
        fromSig(sig.value("inputs", Json()), m.inputs);
        fromSig(sig.value("outputs", Json()), m.outputs);
    }
    if (m.inputs.empty())
        for (const auto& n : m.graph.nodes)
            if (n.op == "Placeholder" || n.op == "PlaceholderWithDefault") {
                TensorSpec t;
                t.key = n.name;
                t.name = n.name + ":0";
                if (auto a = findAttr(n.attrs, "dtype"); a && a->kind == AttrValue::Kind::Type)
                    t.tfDtype = a->type;
                if (auto a = findAttr(n.attrs, "shape"); a && a->kind == AttrValue::Kind::Shape)
                    t.shape = a->shape;
                if (n.op == "Placeholder")
                    m.inputs.push_back(t);
            }
    if (m.outputs.empty()) {
        std::set<std::string> consumed;
        for (const auto& n : m.graph.nodes)
            for (const auto& in : n.inputs)
                consumed.insert(inputNodeName(in));
        for (const auto& n : m.graph.nodes)
            if (!consumed.count(n.name) && n.op != "Const" && n.op != "NoOp") {
                TensorSpec t;
                t.key = n.name;
                t.name = n.name + ":0";
                m.outputs.push_back(t);
            }
    }
}

std::string randomSuffix()
{
    std::random_device rd;
    std::mt19937_64 gen(rd());
    static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string s;
    for (int i = 0; i < 8; ++i)
        s += kChars[gen() % (sizeof kChars - 1)];
    return s;
}

// Appends bytes to consecutive shard files of one group, cutting at shardSize.
class ShardStream {
public:
    ShardStream(fs::path dir, std::vector<std::string> names, std::uint64_t shardSize)
        : m_dir(std::move(dir)), m_names(std::move(names)), m_shardSize(shardSize)
    {
    }
    ~ShardStream() { closeFile(); }

    void write(const std::uint8_t* data, std::size_t n)
    {
        while (n > 0) {
            if (!m_file || m_inShard == m_shardSize)
                nextFile();
            const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(n, m_shardSize - m_inShard));
            if (std::fwrite(data, 1, take, m_file) != take)
                fail(m_names[m_index - 1], std::string("write failed: ") + std::strerror(errno));
            data += take;
            n -= take;
            m_inShard += take;
        }
    }
    void finish() { closeFile(); }

private:
    void nextFile()
    {
        closeFile();
        if (m_index >= m_names.size())
            fail("shards", "more bytes than planned (internal error)");
        const auto path = m_dir / m_names[m_index++];
        m_file = std::fopen(path.c_str(), "wb");
        if (!m_file)
            fail(m_names[m_index - 1], std::string("cannot create: ") + std::strerror(errno));
        m_inShard = 0;
    }
    void closeFile()
    {
        if (m_file) {
            const bool ok = std::fclose(m_file) == 0;
            m_file = nullptr;
            if (!ok)
                fail(m_names[m_index - 1], std::string("write failed: ") + std::strerror(errno));
        }
    }
    fs::path m_dir;
    std::vector<std::string> m_names;
    std::uint64_t m_shardSize;
    std::size_t m_index = 0;
    std::uint64_t m_inShard = 0;
    FILE* m_file = nullptr;
};

// An existing output folder is replaced whole, so it may only hold a previous model:
// model.json, shard files, and nothing else. Anything else (a home folder picked by
// mistake, the user's notes) makes the write refuse before it starts.
void checkReplaceable(const fs::path& target)
{
    static const std::regex kShard(R"(group\d+-shard\d+of\d+(\.bin)?|.*\.bin)");
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(target, ec)) {
        const auto name = entry.path().filename().string();
        const bool ours = entry.is_regular_file(ec) && (name == "model.json" || std::regex_match(name, kShard));
        if (!ours)
            fail(target.string(), "output folder holds '" + name
                    + "', which is not part of a TF.js model; choose an empty or new folder");
    }
    if (ec)
        fail(target.string(), "cannot list the output folder: " + ec.message());
}

} // namespace

void decodeFloat32Into(const Weight& w, float* out)
{
    const auto n = static_cast<std::size_t>(w.elementCount());
    if (!w.quantization) {
        if (w.dtype != DType::Float32)
            fail("weight '" + w.name + "'", "is " + std::string(dtypeName(w.dtype)) + ", not float32");
        if (n)
            w.source->read(w.offset, n * 4, reinterpret_cast<std::uint8_t*>(out));
        return;
    }
    const auto bytes = w.storedBytes();
    if (w.quantization->dtype == DType::Float16)
        dequantizeFloat16(bytes.data(), n, out);
    else
        dequantizeAffine(bytes.data(), n, w.quantization->dtype, {*w.quantization->min, *w.quantization->scale}, out);
}

std::vector<float> decodeFloat32(const Weight& w)
{
    std::vector<float> out(static_cast<std::size_t>(w.elementCount()));
    decodeFloat32Into(w, out.data());
    return out;
}

namespace {
Model readTfjsModelUnchecked(const fs::path& input)
{
    fs::path path = input;
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        path /= "model.json";
        if (!fs::exists(path, ec))
            fail(input.string(), "folder has no model.json");
    } else if (!fs::exists(path, ec)) {
        fail(input.string(), "no such file");
    }
    const std::string file = fileLabel(path);
    const Json doc = parseJsonFile(path);
    const fs::path baseDir = path.parent_path();

    Model m;
    m.sourcePath = path.string();
    if (doc.is_array()) { // a bare weights manifest (face-api, pre-1.0 graph models)
        m.kind = ModelKind::WeightsOnly;
        m.meta.format = "tfjs_weights_manifest";
        m.weightGroups = parseManifest(doc, baseDir, file);
        return m;
    }
    if (!doc.is_object())
        fail(file, "expected a JSON object (model.json) or array (weights manifest), got " + std::string(doc.type_name()));
    for (const auto& [key, value] : doc.items())
        m.meta.keyOrder.push_back(key);

    const Json topology = doc.value("modelTopology", Json());
    if (doc.contains("format") && doc["format"].is_string())
        m.meta.formatKey = doc["format"].get<std::string>();
    if (m.meta.formatKey == "graph-model" || (topology.is_object() && topology.contains("node")))
        m.kind = ModelKind::GraphModel;
    else if (m.meta.formatKey == "layers-model" || (topology.is_object()
                 && (topology.contains("class_name") || topology.contains("model_config"))))
        m.kind = ModelKind::LayersModel;
    else if (m.meta.formatKey && *m.meta.formatKey != "graph-model" && *m.meta.formatKey != "layers-model")
        fail(file, "unknown format '" + *m.meta.formatKey + "' (expected layers-model or graph-model)");
    else
        m.kind = ModelKind::WeightsOnly;
    m.meta.format = m.kind == ModelKind::GraphModel ? "tfjs_graph_model"
        : m.kind == ModelKind::LayersModel          ? "tfjs_layers_model"
                                                    : "tfjs_weights_manifest";

    for (const auto& [key, value] : doc.items()) {
        if (key == "format" || key == "modelTopology" || key == "weightsManifest")
            continue;
        if (key == "generatedBy") {
            if (value.is_string()) m.meta.generatedBy = value.get<std::string>();
            else m.meta.generatedByNull = true;
        } else if (key == "convertedBy") {
            if (value.is_string()) m.meta.convertedBy = value.get<std::string>();
            else m.meta.convertedByNull = true;
        } else if (key == "signature") {
            m.meta.signature = value;
        } else if (key == "userDefinedMetadata") {
            m.meta.userDefinedMetadata = value;
        } else if (key == "modelInitializer") {
            m.meta.modelInitializer = value;
        } else if (key == "initializerSignature") {
            m.meta.initializerSignature = value;
        } else if (key == "trainingConfig") {
            m.meta.trainingConfig = value;
        } else {
            m.meta.extraKeys[key] = value;
        }
    }
    // The graph loader accepts userDefinedMetadata.signature as the signature.
    if (m.meta.signature.is_null() && m.meta.userDefinedMetadata.is_object()
        && m.meta.userDefinedMetadata.contains("signature")) {
        m.meta.signature = m.meta.userDefinedMetadata["signature"];
        m.meta.signatureInMetadata = true;
    }

    if (m.kind == ModelKind::GraphModel) {
        m.meta.graphTopology = topology;
        m.graph = graphFromJson(topology, file + ": modelTopology");
        graphInterface(m, file);
    } else if (m.kind == ModelKind::LayersModel) {
        m.meta.modelTopology = topology;
        auto view = kerasLayerView(topology, file + ": modelTopology");
        m.layers = std::move(view.layers);
        m.inputs = std::move(view.inputs);
        m.outputs = std::move(view.outputs);
    } else {
        m.meta.modelTopology = topology;
    }
    if (!doc.contains("weightsManifest"))
        fail(file, "has no weightsManifest");
    m.weightGroups = parseManifest(doc["weightsManifest"], baseDir, file);
    return m;
}
} // namespace

Model readTfjsModel(const fs::path& input)
{
    try {
        return readTfjsModelUnchecked(input);
    } catch (const nlohmann::json::exception& e) {
        // A value of an unexpected JSON type somewhere the checks above did not look.
        std::error_code ec;
        const fs::path file = fs::is_directory(input, ec) ? input / "model.json" : input;
        fail(file.filename().string(), std::string("unexpected model.json structure: ") + e.what());
    }
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

Json modelJsonDocument(const Model& model, const std::vector<PlannedGroup>& groups,
    const std::vector<std::vector<std::optional<Quantization>>>& quantizations, const std::string& convertedBy)
{
    const bool graph = model.kind == ModelKind::GraphModel;
    const bool fromTfjs = !model.meta.keyOrder.empty();
    Json doc = Json::object();
    // Old layouts without a "format" key are written back without one (TF.js does not need it).
    if (!fromTfjs || model.meta.formatKey)
        doc["format"] = model.meta.formatKey.value_or(graph ? "graph-model" : "layers-model");
    if (model.meta.generatedBy)
        doc["generatedBy"] = *model.meta.generatedBy;
    else
        doc["generatedBy"] = nullptr;
    doc["convertedBy"] = convertedBy;
    // A signature read from userDefinedMetadata is written back there only (it is part of that object).
    if (graph && !model.meta.signature.is_null() && !model.meta.signatureInMetadata)
        doc["signature"] = model.meta.signature;
    if (!graph && !model.meta.userDefinedMetadata.is_null())
        doc["userDefinedMetadata"] = model.meta.userDefinedMetadata;
    if (graph)
        doc["modelTopology"] = model.graphModified || model.meta.graphTopology.is_null() ? graphToJson(model.graph)
                                                                                          : model.meta.graphTopology;
    else
        doc["modelTopology"] = model.meta.modelTopology;
    if (graph && !model.meta.userDefinedMetadata.is_null())
        doc["userDefinedMetadata"] = model.meta.userDefinedMetadata;
    if (!model.meta.modelInitializer.is_null())
        doc["modelInitializer"] = model.meta.modelInitializer;
    if (!model.meta.initializerSignature.is_null())
        doc["initializerSignature"] = model.meta.initializerSignature;
    if (!model.meta.trainingConfig.is_null())
        doc["trainingConfig"] = model.meta.trainingConfig;
    for (const auto& [key, value] : model.meta.extraKeys.items())
        doc[key] = value;

    Json manifest = Json::array();
    for (std::size_t gi = 0; gi < groups.size(); ++gi) {
        Json g = Json::object();
        g["paths"] = groups[gi].files;
        Json weights = Json::array();
        for (std::size_t wi = 0; wi < groups[gi].weights.size(); ++wi) {
            const Weight& w = *groups[gi].weights[wi].weight;
            Json e = Json::object();
            e["name"] = w.name;
            e["shape"] = w.shape;
            e["dtype"] = std::string(dtypeName(w.dtype));
            if (const auto& q = quantizations[gi][wi]) {
                Json qj = Json::object();
                qj["dtype"] = std::string(dtypeName(q->dtype));
                if (q->min)
                    qj["min"] = *q->min;
                if (q->scale)
                    qj["scale"] = *q->scale;
                if (q->originalDtype)
                    qj["original_dtype"] = *q->originalDtype;
                for (const auto& [k, v] : q->extra.items())
                    qj[k] = v;
                Json ordered = Json::object();
                for (const auto& k : q->keyOrder)
                    if (qj.contains(k))
                        ordered[k] = qj[k];
                for (const auto& [k, v] : qj.items())
                    if (!ordered.contains(k))
                        ordered[k] = v;
                e["quantization"] = ordered;
            }
            if (w.group)
                e["group"] = *w.group;
            for (const auto& [k, v] : w.extra.items())
                e[k] = v;
            weights.push_back(e);
        }
        g["weights"] = weights;
        manifest.push_back(g);
    }
    doc["weightsManifest"] = manifest;
    if (!fromTfjs)
        return doc;
    // A TF.js input keeps its top-level key order, so an unchanged model.json stays byte-identical.
    Json ordered = Json::object();
    for (const auto& key : model.meta.keyOrder)
        if (doc.contains(key))
            ordered[key] = doc[key];
    for (const auto& [key, value] : doc.items())
        if (!ordered.contains(key))
            ordered[key] = value;
    return ordered;
}

WriteReport writeTfjsModel(const Model& model, const fs::path& outDir, const WriteOptions& options)
{
    const auto groups = planWeights(model, options.quantization, options.shardSize);
    std::error_code ec;
    if (fs::exists(outDir, ec) && !fs::is_directory(outDir, ec))
        fail(outDir.string(), "output path exists and is not a folder");
    const fs::path target = fs::absolute(outDir).lexically_normal();
    const fs::path parent = target.parent_path();
    fs::create_directories(parent, ec);
    if (ec)
        fail(parent.string(), "cannot create output folder: " + ec.message());
    if (!model.sourcePath.empty()) {
        const fs::path sourceDir = fs::absolute(fs::path(model.sourcePath)).lexically_normal().parent_path();
        if (fs::equivalent(sourceDir, target, ec))
            fail(target.string(), "is the source model's folder; write to another folder (a source model is never modified)");
    }
    if (fs::is_directory(target, ec))
        checkReplaceable(target);
    const std::string base = target.filename().string();
    const fs::path tmp = parent / ("." + base + ".tmp-" + randomSuffix());
    if (!fs::create_directory(tmp, ec))
        fail(tmp.string(), "cannot create temporary folder: " + (ec ? ec.message() : std::string("exists")));

    WriteReport report;
    try {
        std::uint64_t total = 0, done = 0;
        for (const auto& g : groups)
            total += g.bytes;
        std::vector<std::vector<std::optional<Quantization>>> quantizations;
        constexpr std::size_t kChunk = 1 << 22;
        std::vector<std::uint8_t> buffer;
        std::vector<float> values; // reused: grows to the largest weight once
        for (const auto& g : groups) {
            ShardStream stream(tmp, g.files, options.shardSize);
            auto& qs = quantizations.emplace_back();
            for (const auto& pw : g.weights) {
                if (options.cancelled && options.cancelled())
                    fail(target.string(), "cancelled");
                const Weight& w = *pw.weight;
                const auto n = static_cast<std::size_t>(w.elementCount());
                std::optional<Quantization> q;
                const bool keepAsStored = pw.storage && w.quantization && w.quantization->dtype == *pw.storage;
                auto decode = [&] {
                    if (values.size() < n)
                        values.resize(n);
                    decodeFloat32Into(w, values.data());
                    buffer.resize(pw.bytes);
                };
                if (pw.storage && !keepAsStored) {
                    // Quantize from float32 values (dequantizing first if stored quantized), as the converter does.
                    decode();
                    q.emplace();
                    q->dtype = *pw.storage;
                    if (*pw.storage == DType::Float16) {
                        quantizeFloat16(values.data(), n, buffer.data());
                    } else {
                        const auto p = quantizeAffine(values.data(), n, *pw.storage, buffer.data());
                        q->min = p.min;
                        q->scale = p.scale;
                    }
                    q->originalDtype = "float32";
                    ++report.quantizedWeights;
                    stream.write(buffer.data(), buffer.size());
                } else if (w.quantization && !keepAsStored) {
                    // Stored quantized, written plain.
                    if (w.dtype == DType::Int32) {
                        // TF.js: Math.round(q * scale + min) in double.
                        const auto stored = w.storedBytes();
                        const double lo = *w.quantization->min, scale = *w.quantization->scale;
                        buffer.resize(pw.bytes);
                        for (std::size_t i = 0; i < n; ++i) {
                            double qv = stored[i];
                            if (w.quantization->dtype == DType::UInt16)
                                qv = stored[2 * i] | (stored[2 * i + 1] << 8);
                            const auto v = static_cast<std::int32_t>(std::floor(qv * scale + lo + 0.5));
                            std::memcpy(buffer.data() + 4 * i, &v, 4);
                        }
                    } else {
                        decode();
                        std::memcpy(buffer.data(), values.data(), n * 4);
                    }
                    stream.write(buffer.data(), buffer.size());
                } else {
                    // Unchanged bytes (plain, or already quantized as asked: bytes and min/scale kept,
                    // since re-quantizing dequantized values would move min/scale by float32 rounding).
                    // Copied in chunks so that huge weights never sit in memory whole.
                    if (keepAsStored) {
                        q = w.quantization;
                        ++report.quantizedWeights;
                    }
                    for (std::uint64_t off = 0; off < w.byteLength; off += kChunk) {
                        const auto len = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, w.byteLength - off));
                        buffer.resize(len);
                        w.source->read(w.offset + off, len, buffer.data());
                        stream.write(buffer.data(), len);
                    }
                }
                qs.push_back(q);
                done += pw.bytes;
                if (options.progress && total)
                    options.progress(static_cast<double>(done) / static_cast<double>(total));
            }
            stream.finish();
            for (const auto& f : g.files)
                report.shardFiles.push_back(target / f);
            report.weightBytes += g.bytes;
        }
        const std::string convertedBy = options.convertedBy.empty() ? "tfjs-studio v" STUDIO_VERSION : options.convertedBy;
        const std::string text = dumpPythonJson(modelJsonDocument(model, groups, quantizations, convertedBy));
        {
            std::ofstream out(tmp / "model.json", std::ios::binary);
            out << text;
            if (!out.flush())
                fail("model.json", "write failed");
        }
        report.modelJson = target / "model.json";

        // Swap the finished folder into place; the old one (a previous model only) goes.
        if (fs::exists(target, ec)) {
            const fs::path old = parent / ("." + base + ".old-" + randomSuffix());
            fs::rename(target, old, ec);
            if (ec)
                fail(target.string(), "cannot replace existing output: " + ec.message());
            fs::rename(tmp, target, ec);
            if (ec) {
                std::error_code ignore;
                fs::rename(old, target, ignore);
                fail(target.string(), "cannot move output into place: " + ec.message());
            }
            fs::remove_all(old, ec);
        } else {
            fs::rename(tmp, target, ec);
            if (ec)
                fail(target.string(), "cannot move output into place: " + ec.message());
        }
    } catch (...) {
        std::error_code ignore;
        fs::remove_all(tmp, ignore);
        throw;
    }
    return report;
}

} // namespace studio::core
