// Extracts layers, inputs and outputs from Keras model configs of all vintages.
#include "core/tfjs/keras_topology.h"

#include "core/error.h"
#include "core/tfjs/json_limits.h"

#include <deque>
#include <map>
#include <set>

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

// The file an error is about: `where` is "<file>" or "<file>: <part>".
std::string fileOf(const std::string& where)
{
    const auto colon = where.find(": ");
    return colon == std::string::npos ? where : where.substr(0, colon);
}

// A layer's size parameters must be positive integers: a negative or zero units, filters or
// kernel size would size the executors' buffers and loops from garbage.
void checkSizes(const Layer& layer, const std::string& file)
{
    auto positive = [](const Json& v) { return v.is_number_integer() && v.get<std::int64_t>() > 0; };
    for (const char* key : {"units", "filters"}) {
        const auto it = layer.config.find(key);
        if (it != layer.config.end() && !it->is_null() && !positive(*it))
            fail(Location::atLayer(file, layer.name),
                std::string(key) + " must be a positive integer, got " + it->dump() + " (" + layer.className + ")");
    }
    const auto kernel = layer.config.find("kernel_size");
    if (kernel != layer.config.end() && !kernel->is_null()) {
        bool ok = kernel->is_array() ? !kernel->empty() : positive(*kernel);
        if (kernel->is_array())
            for (const auto& d : *kernel)
                ok = ok && positive(d);
        if (!ok)
            fail(Location::atLayer(file, layer.name),
                "kernel_size must be positive integers, got " + kernel->dump() + " (" + layer.className + ")");
    }
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
    const std::string file = fileOf(where);
    std::string previous;
    std::set<std::string> known; // this model's layers, which its inbound nodes may name
    for (const auto& l : *layers)
        if (l.is_object())
            known.insert(layerName(l));
    std::size_t index = 0;
    for (const auto& l : *layers) {
        const std::string label = l.is_object() && !layerName(l).empty() ? layerName(l)
            : (prefix.empty() ? "" : prefix + "/") + "#" + std::to_string(index);
        ++index;
        if (!l.is_object())
            fail(Location::atLayer(file, label), "layer must be a JSON object, got " + std::string(l.type_name()));
        if (!l.contains("class_name") || !l["class_name"].is_string() || l["class_name"].get_ref<const std::string&>().empty())
            fail(Location::atLayer(file, label), "layer has no class_name");
        Layer layer;
        layer.className = l["class_name"].get<std::string>();
        if (l.contains("config")) {
            const Json& c = l["config"];
            // A Keras 2.0 Sequential nested as a layer keeps its layer list as the config.
            if (!c.is_object() && !(c.is_array() && isNestedModel(layer.className)))
                fail(Location::atLayer(file, label), "config must be a JSON object, got " + std::string(c.type_name()));
            layer.config = c;
        } else {
            layer.config = Json::object();
        }
        layer.name = l.contains("name") && l["name"].is_string() ? l["name"].get<std::string>()
            : layer.config.is_object()                            ? layer.config.value("name", std::string())
                                                                  : std::string();
        layer.path = prefix.empty() ? layer.name : prefix + "/" + layer.name;
        if (layer.config.is_object())
            checkSizes(layer, file);
        if (l.contains("inbound_nodes")) {
            collectInbound(l["inbound_nodes"], layer.inboundLayers, layerKeyDepth, where);
            for (const auto& in : layer.inboundLayers)
                if (!known.count(in))
                    fail(Location::atLayer(file, layer.path.empty() ? label : layer.path),
                        "inbound layer '" + in + "' does not exist in the model");
        } else if (!previous.empty()) {
            layer.inboundLayers.push_back(previous); // Sequential: the previous layer
        }
        if (top && layer.className == "InputLayer" && layer.config.is_object()) {
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
    const Json config = model->value("config", Json());
    if (!config.is_null() && !config.is_object() && !config.is_array())
        fail(where, "Keras model config must be a JSON object, got " + std::string(config.type_name()));
    walkLayers(config, "", view, true, model == &topology ? 2 : 3, where);
    return view;
}

void checkKernelShape(const Layer& layer, const std::string& weightName, const std::vector<std::int64_t>& shape,
    const std::string& file)
{
    std::string base = weightName;
    if (base.size() > 2 && base.compare(base.size() - 2, 2, ":0") == 0)
        base.resize(base.size() - 2);
    if (const auto slash = base.rfind('/'); slash != std::string::npos)
        base = base.substr(slash + 1);
    if (base != "kernel" || !layer.config.is_object())
        return;
    auto shapeText = [&] {
        std::string t = "[";
        for (std::size_t i = 0; i < shape.size(); ++i)
            t += (i ? ", " : "") + std::to_string(shape[i]);
        return t + "]";
    };
    auto refuse = [&](const std::string& expected) {
        fail(Location::atLayer(file, layer.name), "weight '" + weightName + "' has shape " + shapeText() + ", but the "
                + layer.className + " config says " + expected + " (swapped or transposed kernel?)");
    };
    if (layer.className == "Dense") {
        const auto units = layer.config.find("units");
        if (units == layer.config.end() || !units->is_number_integer())
            return;
        const auto u = units->get<std::int64_t>();
        if (shape.size() != 2 || shape[1] != u)
            refuse("[in, " + std::to_string(u) + "] (units " + std::to_string(u) + ")");
    } else if (layer.className == "Conv2D") {
        const auto filters = layer.config.find("filters");
        const auto kernel = layer.config.find("kernel_size");
        if (filters == layer.config.end() || !filters->is_number_integer() || kernel == layer.config.end())
            return;
        std::int64_t kh = 0, kw = 0;
        if (kernel->is_number_integer()) {
            kh = kw = kernel->get<std::int64_t>();
        } else if (kernel->is_array() && kernel->size() == 2 && (*kernel)[0].is_number_integer()
                   && (*kernel)[1].is_number_integer()) {
            kh = (*kernel)[0].get<std::int64_t>();
            kw = (*kernel)[1].get<std::int64_t>();
        } else {
            return;
        }
        const auto f = filters->get<std::int64_t>();
        if (shape.size() != 4 || shape[0] != kh || shape[1] != kw || shape[3] != f)
            refuse("[" + std::to_string(kh) + ", " + std::to_string(kw) + ", in, " + std::to_string(f)
                + "] (kernel_size [" + std::to_string(kh) + ", " + std::to_string(kw) + "], filters "
                + std::to_string(f) + ")");
    }
}

} // namespace studio::core
