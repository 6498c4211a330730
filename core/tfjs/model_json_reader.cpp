// Reading model.json: format detection, top-level keys, topology into the IR, the manifest.
#include "core/tfjs/model_json_reader.h"

#include "core/error.h"
#include "core/tfjs/graph_json.h"
#include "core/tfjs/json_limits.h"
#include "core/tfjs/keras_topology.h"
#include "core/tfjs/manifest.h"

#include <fstream>
#include <map>
#include <set>

namespace studio::core {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

std::string fileLabel(const fs::path& p) { return p.filename().string(); }

Json parseJsonFile(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        fail(fileLabel(path), "cannot open (" + path.string() + ")");
    return parseJsonLimited(in, fileLabel(path));
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

// Kernels against their layers' configs. The manifest names a layer's weights
// "<layer>/kernel" ("<model>/<layer>/kernel" when nested); a name matching no layer is not checked.
void checkKernelShapes(const Model& m, const std::string& file)
{
    std::map<std::string, const Layer*> byName;
    for (const auto& layer : m.layers)
        if (layer.className == "Dense" || layer.className == "Conv2D")
            byName.emplace(layer.name, &layer);
    for (const auto& g : m.weightGroups)
        for (const auto& w : g.weights) {
            const auto slash = w.name.rfind('/');
            if (slash == std::string::npos || w.name.compare(slash + 1, std::string::npos, "kernel") != 0)
                continue;
            const auto start = w.name.rfind('/', slash - 1);
            const std::string layer = w.name.substr(start == std::string::npos ? 0 : start + 1,
                slash - (start == std::string::npos ? 0 : start + 1));
            if (const auto it = byName.find(layer); it != byName.end())
                checkKernelShape(*it->second, w.name, w.shape, file);
        }
}

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
    Json doc = parseJsonFile(path); // values are moved out of it, not copied
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

    Json topology;
    if (doc.contains("modelTopology"))
        topology = std::move(doc["modelTopology"]);
    if (doc.contains("format")) {
        // Decides how everything else is read and written back: only the two TF.js formats.
        const Json& format = doc["format"];
        Location at;
        at.file = file;
        at.field = "format";
        if (!format.is_string())
            fail(at, "must be \"layers-model\" or \"graph-model\", got " + format.dump());
        m.meta.formatKey = format.get<std::string>();
        if (*m.meta.formatKey != "graph-model" && *m.meta.formatKey != "layers-model")
            fail(at, "unknown format '" + *m.meta.formatKey + "' (expected layers-model or graph-model)");
    }
    if (m.meta.formatKey == "graph-model" || (topology.is_object() && topology.contains("node")))
        m.kind = ModelKind::GraphModel;
    else if (m.meta.formatKey == "layers-model" || (topology.is_object()
                 && (topology.contains("class_name") || topology.contains("model_config"))))
        m.kind = ModelKind::LayersModel;
    else
        m.kind = ModelKind::WeightsOnly;
    m.meta.format = m.kind == ModelKind::GraphModel ? "tfjs_graph_model"
        : m.kind == ModelKind::LayersModel          ? "tfjs_layers_model"
                                                    : "tfjs_weights_manifest";

    for (auto& [key, value] : doc.items()) {
        if (key == "format" || key == "modelTopology" || key == "weightsManifest")
            continue;
        if (key == "generatedBy") {
            if (value.is_string()) m.meta.generatedBy = value.get<std::string>();
            else m.meta.generatedByNull = true;
        } else if (key == "convertedBy") {
            if (value.is_string()) m.meta.convertedBy = value.get<std::string>();
            else m.meta.convertedByNull = true;
        } else if (key == "signature") {
            m.meta.signature = std::move(value);
        } else if (key == "userDefinedMetadata") {
            m.meta.userDefinedMetadata = std::move(value);
        } else if (key == "modelInitializer") {
            m.meta.modelInitializer = std::move(value);
        } else if (key == "initializerSignature") {
            m.meta.initializerSignature = std::move(value);
        } else if (key == "trainingConfig") {
            m.meta.trainingConfig = std::move(value);
        } else {
            m.meta.extraKeys[key] = std::move(value);
        }
    }
    // The graph loader accepts userDefinedMetadata.signature as the signature.
    if (m.meta.signature.is_null() && m.meta.userDefinedMetadata.is_object()
        && m.meta.userDefinedMetadata.contains("signature")) {
        m.meta.signature = m.meta.userDefinedMetadata["signature"];
        m.meta.signatureInMetadata = true;
    }

    if (m.kind == ModelKind::GraphModel) {
        m.graph = graphFromJson(topology, file + ": modelTopology");
        graphInterface(m, file);
    } else if (m.kind == ModelKind::LayersModel) {
        auto view = kerasLayerView(topology, file + ": modelTopology");
        m.meta.modelTopology = std::move(topology);
        m.layers = std::move(view.layers);
        m.inputs = std::move(view.inputs);
        m.outputs = std::move(view.outputs);
    } else {
        m.meta.modelTopology = std::move(topology);
    }
    if (!doc.contains("weightsManifest"))
        fail(file, "has no weightsManifest");
    m.weightGroups = parseManifest(doc["weightsManifest"], baseDir, file);
    if (m.kind == ModelKind::LayersModel)
        checkKernelShapes(m, file);
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

} // namespace studio::core
