// Extracts layers, inputs and outputs from Keras model configs of all vintages.
#include "core/tfjs/keras_topology.h"

#include "core/error.h"
#include "core/tfjs/json_limits.h"

#include <deque>
#include <map>

namespace studio::core {

using Json = nlohmann::ordered_json;

namespace {

int dtypeFromKeras(const std::string& d)
{
    if (d == "int32") return 3;
    if (d == "bool") return 10;
    if (d == "string") return 7;
    return 1; // float32 and everything TF.js computes as float32
}

std::optional<Shape> shapeFromConfig(const Json& cfg)
{
    for (const char* key : {"batch_input_shape", "batch_shape"}) {
        if (cfg.contains(key) && cfg[key].is_array()) {
            Shape s;
            for (const auto& d : cfg[key])
                s.dims.push_back(d.is_number_integer() ? d.get<std::int64_t>() : -1);
            return s;
        }
    }
    return std::nullopt;
}

// Keras 2: [[["name", 0, 0, {}], ...], ...]; Keras 3: [{"args": [{"config": {"keras_history": ["name", 0, 0]}}]}].
// `depth` is v's nesting in the topology, checked before each step down.
void collectInbound(const Json& v, std::vector<std::string>& out, int depth, const std::string& where)
{
    checkJsonDepth(depth, where);
    if (v.is_array()) {
        if (!v.empty() && v[0].is_string() && v.size() >= 3 && v[1].is_number()) {
            out.push_back(v[0].get<std::string>());
            return;
        }
        for (const auto& e : v)
            collectInbound(e, out, depth + 1, where);
    } else if (v.is_object()) {
        if (v.contains("keras_history") && v["keras_history"].is_array() && !v["keras_history"].empty()
            && v["keras_history"][0].is_string()) {
            out.push_back(v["keras_history"][0].get<std::string>());
            return;
        }
        for (const auto& [k, e] : v.items())
            collectInbound(e, out, depth + 1, where);
    }
}

bool isNestedModel(const std::string& className)
{
    return className == "Sequential" || className == "Model" || className == "Functional";
}

// The layer list of a model config: Keras 2.0/2.1 Sequential is a bare list.
template <typename J>
J* layerList(J& config)
{
    if (config.is_array())
        return &config;
    if (config.is_object() && config.contains("layers") && config["layers"].is_array())
        return &config["layers"];
    return nullptr;
}

// A layer's name: its own "name" (functional models) or its config's (Sequential).
std::string layerName(const Json& l)
{
    if (l.contains("name") && l["name"].is_string())
        return l["name"].get<std::string>();
    const auto config = l.find("config");
    if (config == l.end() || !config->is_object())
        return {};
    return config->value("name", std::string());
}

// `depth` is config's nesting in the topology: nested models recurse once per model.
void walkLayers(const Json& config, const std::string& prefix, KerasView& view, bool top, int depth,
    const std::string& where)
{
    checkJsonDepth(depth, where);
    const Json* layers = layerList(config);
    if (!layers)
        return;
    // A Keras 2.0 Sequential config is the list itself; a layer's keys are two levels below the list.
    const int layerKeyDepth = (layers == &config ? depth : depth + 1) + 2;
    std::string previous;
    for (const auto& l : *layers) {
        if (!l.is_object())
            continue;
        Layer layer;
        layer.className = l.value("class_name", "");
        layer.config = l.value("config", Json::object());
        layer.name = l.contains("name") && l["name"].is_string() ? l["name"].get<std::string>()
                                                                  : layer.config.value("name", std::string());
        layer.path = prefix.empty() ? layer.name : prefix + "/" + layer.name;
        if (l.contains("inbound_nodes"))
            collectInbound(l["inbound_nodes"], layer.inboundLayers, layerKeyDepth, where);
        else if (!previous.empty())
            layer.inboundLayers.push_back(previous); // Sequential: the previous layer
        if (top && layer.className == "InputLayer") {
            TensorSpec t;
            t.key = t.name = layer.name;
            t.shape = shapeFromConfig(layer.config);
            t.tfDtype = dtypeFromKeras(layer.config.value("dtype", "float32"));
            if (!config.is_object() || !config.contains("input_layers"))
                view.inputs.push_back(t);
        }
        previous = layer.name;
        const bool nested = isNestedModel(layer.className);
        view.layers.push_back(layer);
        if (nested)
            walkLayers(layer.config, layer.path, view, false, layerKeyDepth, where);
    }
    if (!top)
        return;
    // Sequential without InputLayer: the first layer's batch_input_shape is the input.
    const bool functional = config.is_object() && config.contains("input_layers");
    if (!functional && view.inputs.empty() && !layers->empty() && (*layers)[0].is_object()) {
        const auto cfg = (*layers)[0].value("config", Json::object());
        if (auto s = shapeFromConfig(cfg)) {
            TensorSpec t;
            t.key = t.name = cfg.value("name", std::string("input"));
            t.shape = s;
            t.tfDtype = dtypeFromKeras(cfg.value("dtype", "float32"));
            view.inputs.push_back(t);
        }
    }
    auto endpoints = [&](const char* key, std::vector<TensorSpec>& out) {
        if (!config.is_object() || !config.contains(key))
            return;
        std::vector<std::string> names;
        collectInbound(config[key], names, depth + 1, where);
        if (names.empty() && config[key].is_array() && !config[key].empty() && config[key][0].is_string())
            names.push_back(config[key][0].get<std::string>()); // single ["name", 0, 0]
        for (const auto& n : names) {
            TensorSpec t;
            t.key = t.name = n;
            t.tfDtype = 1; // layers models compute in float32 unless an InputLayer says otherwise
            for (const auto& layer : view.layers)
                if (layer.name == n && layer.className == "InputLayer") {
                    // batch_input_shape on other layers is their input's shape, not their output's.
                    t.shape = shapeFromConfig(layer.config);
                    t.tfDtype = dtypeFromKeras(layer.config.value("dtype", "float32"));
                }
            out.push_back(t);
        }
    };
    endpoints("input_layers", view.inputs);
    endpoints("output_layers", view.outputs);
    if (view.outputs.empty() && !view.layers.empty()) {
        TensorSpec t;
        t.key = t.name = (*layers).back().value("config", Json::object()).value("name", view.layers.back().name);
        t.tfDtype = 1;
        view.outputs.push_back(t);
    }
}

// Layers of the IR by path, in view order: a path that occurs twice (a malformed but
// readable config) is matched occurrence by occurrence, as the view was built.
using LayersByPath = std::map<std::string, std::deque<const Layer*>>;

// Mirrors walkLayers: the same layers in the same order get their class_name and config back.
void putLayers(Json& config, const std::string& prefix, LayersByPath& byPath, const std::string& file, int depth)
{
    checkJsonDepth(depth, file + ": modelTopology");
    Json* layers = layerList(config);
    if (!layers)
        return;
    const int layerKeyDepth = (layers == &config ? depth : depth + 1) + 2;
    for (auto& l : *layers) {
        if (!l.is_object())
            continue;
        const std::string name = layerName(l);
        const std::string path = prefix.empty() ? name : prefix + "/" + name;
        auto it = byPath.find(path);
        if (it == byPath.end() || it->second.empty())
            fail(Location{file, {}, {}, path, {}},
                "is in the Keras topology but not in the model's layers; removing layers is not supported");
        const Layer& layer = *it->second.front();
        it->second.pop_front();
        // Keys the source did not have stay absent while the IR holds their read defaults.
        if (l.contains("class_name") || !layer.className.empty())
            l["class_name"] = layer.className;
        if (l.contains("config") || !layer.config.empty())
            l["config"] = layer.config;
        // The nested model's own layers are in the config just written; they get theirs next.
        if (isNestedModel(layer.className) && l.contains("config"))
            putLayers(l["config"], path, byPath, file, layerKeyDepth);
    }
}

} // namespace

Json kerasTopologyWithLayers(const Json& topology, const std::vector<Layer>& layers, const std::string& file)
{
    checkJsonValueDepth(topology, file + ": modelTopology"); // before the copy, which recurses
    LayersByPath byPath;
    for (const auto& layer : layers)
        byPath[layer.path].push_back(&layer);
    Json out = topology;
    Json* model = &out;
    if (out.is_object() && out.contains("model_config"))
        model = &out["model_config"];
    if (model->is_object() && model->contains("config"))
        putLayers((*model)["config"], "", byPath, file, model == &out ? 2 : 3);
    for (const auto& [path, left] : byPath)
        if (!left.empty())
            fail(Location{file, {}, {}, path, {}},
                "is not in the source's Keras topology; adding layers is not supported");
    return out;
}

KerasView kerasLayerView(const Json& topology, const std::string& where)
{
    KerasView view;
    if (topology.is_null())
        return view;
    if (!topology.is_object())
        fail(where, "Keras topology must be an object");
    checkJsonValueDepth(topology, where); // before the copies of configs below, which recurse
    const Json* model = &topology;
    if (topology.contains("model_config"))
        model = &topology["model_config"];
    view.kerasVersion = topology.value("keras_version", model->value("keras_version", std::string()));
    if (!model->is_object() || !model->contains("class_name"))
        fail(where, "Keras topology has no class_name");
    view.modelClass = model->value("class_name", "");
    walkLayers(model->value("config", Json()), "", view, true, model == &topology ? 2 : 3, where);
    return view;
}

} // namespace studio::core
