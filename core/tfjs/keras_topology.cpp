// Extracts layers, inputs and outputs from Keras model configs of all vintages.
#include "core/tfjs/keras_topology.h"

#include "core/error.h"

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
void collectInbound(const Json& v, std::vector<std::string>& out)
{
    if (v.is_array()) {
        if (!v.empty() && v[0].is_string() && v.size() >= 3 && v[1].is_number()) {
            out.push_back(v[0].get<std::string>());
            return;
        }
        for (const auto& e : v)
            collectInbound(e, out);
    } else if (v.is_object()) {
        if (v.contains("keras_history") && v["keras_history"].is_array() && !v["keras_history"].empty()
            && v["keras_history"][0].is_string()) {
            out.push_back(v["keras_history"][0].get<std::string>());
            return;
        }
        for (const auto& [k, e] : v.items())
            collectInbound(e, out);
    }
}

void walkLayers(const Json& config, const std::string& prefix, KerasView& view, bool top)
{
    const Json* layers = nullptr;
    if (config.is_array())
        layers = &config; // Keras 2.0/2.1 Sequential
    else if (config.is_object() && config.contains("layers") && config["layers"].is_array())
        layers = &config["layers"];
    if (!layers)
        return;
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
            collectInbound(l["inbound_nodes"], layer.inboundLayers);
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
        const bool nested = layer.className == "Sequential" || layer.className == "Model" || layer.className == "Functional";
        view.layers.push_back(layer);
        if (nested)
            walkLayers(layer.config, layer.path, view, false);
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
        collectInbound(config[key], names);
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

} // namespace

KerasView kerasLayerView(const Json& topology, const std::string& where)
{
    KerasView view;
    if (topology.is_null())
        return view;
    if (!topology.is_object())
        fail(where, "Keras topology must be an object");
    const Json* model = &topology;
    if (topology.contains("model_config"))
        model = &topology["model_config"];
    view.kerasVersion = topology.value("keras_version", model->value("keras_version", std::string()));
    if (!model->is_object() || !model->contains("class_name"))
        fail(where, "Keras topology has no class_name");
    view.modelClass = model->value("class_name", "");
    walkLayers(model->value("config", Json()), "", view, true);
    return view;
}

} // namespace studio::core
