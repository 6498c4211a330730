// Keras 3 .keras archives and Keras 3 configs: translated to the Keras 2 layers-model layout.
#include "converter/importers/keras3.h"

#include "converter/importers/keras_h5_contents.h"
#include "core/error.h"
#include "core/tfjs/json_limits.h"

#include <map>
#include <regex>
#include <set>

namespace studio::conv {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

bool isModelClass(const std::string& c) { return c == "Sequential" || c == "Functional" || c == "Model"; }

std::string className(const Json& j)
{
    if (j.is_object() && j.contains("class_name") && j["class_name"].is_string())
        return j["class_name"].get<std::string>();
    return {};
}

const Json& configOf(const Json& layer)
{
    static const Json kEmpty = Json::object();
    if (layer.is_object() && layer.contains("config") && layer["config"].is_object())
        return layer["config"];
    return kEmpty;
}

std::string layerName(const Json& layer)
{
    const Json& c = configOf(layer);
    if (c.contains("name") && c["name"].is_string())
        return c["name"].get<std::string>();
    if (layer.is_object() && layer.contains("name") && layer["name"].is_string())
        return layer["name"].get<std::string>();
    return {};
}

const Json* layersOf(const Json& model)
{
    const Json& c = configOf(model);
    if (c.contains("layers") && c["layers"].is_array())
        return &c["layers"];
    if (model.is_object() && model.contains("config") && model["config"].is_array())
        return &model["config"]; // very old Sequential: config is the layer list
    return nullptr;
}

// Keras 3's group names: the class name in snake case (naming.to_snake_case).
std::string snakeCase(const std::string& name)
{
    static const std::regex kNonWord(R"(\W+)"), kWord("(.)([A-Z][a-z]+)"), kCamel("([a-z])([A-Z])");
    std::string s = std::regex_replace(name, kNonWord, "");
    s = std::regex_replace(s, kWord, "$1_$2");
    s = std::regex_replace(s, kCamel, "$1_$2");
    for (auto& ch : s)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
}

bool flag(const Json& config, const char* key, bool fallback)
{
    return config.contains(key) && config[key].is_boolean() ? config[key].get<bool>() : fallback;
}

// The variables a layer (or RNN cell) creates, in Keras 3's order: trainable ones first, as
// built. nullopt: a class we cannot name variables for.
std::optional<std::vector<std::string>> variableNames(const std::string& cls, const Json& config)
{
    const bool bias = flag(config, "use_bias", true);
    auto withBias = [&](std::vector<std::string> v) {
        if (bias)
            v.push_back("bias");
        return v;
    };
    static const std::set<std::string> kKernelBias{"Dense", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose",
        "Conv2DTranspose", "Conv3DTranspose"};
    if (kKernelBias.count(cls))
        return withBias({"kernel"});
    if (cls == "DepthwiseConv1D" || cls == "DepthwiseConv2D")
        return withBias({"depthwise_kernel"});
    if (cls == "SeparableConv1D" || cls == "SeparableConv2D")
        return withBias({"depthwise_kernel", "pointwise_kernel"});
    static const std::set<std::string> kRecurrent{"LSTM", "GRU", "SimpleRNN", "LSTMCell", "GRUCell", "SimpleRNNCell"};
    if (kRecurrent.count(cls))
        return withBias({"kernel", "recurrent_kernel"});
    if (cls == "BatchNormalization" || cls == "LayerNormalization") {
        std::vector<std::string> v;
        if (flag(config, "scale", true))
            v.push_back("gamma");
        if (flag(config, "center", true))
            v.push_back("beta");
        if (cls == "BatchNormalization") {
            v.push_back("moving_mean");
            v.push_back("moving_variance");
        }
        return v;
    }
    if (cls == "Embedding")
        return std::vector<std::string>{"embeddings"};
    if (cls == "PReLU")
        return std::vector<std::string>{"alpha"};
    return std::nullopt;
}

bool isKerasTensor(const Json& j)
{
    return j.is_object() && className(j) == "__keras_tensor__" && j.contains("config") && j["config"].is_object()
        && j["config"].contains("keras_history") && j["config"]["keras_history"].is_array()
        && j["config"]["keras_history"].size() == 3;
}

bool holdsKerasTensor(const Json& j)
{
    if (isKerasTensor(j))
        return true;
    if (j.is_array() || j.is_object())
        for (const auto& e : j)
            if (holdsKerasTensor(e))
                return true;
    return false;
}

void collectTensors(const Json& j, std::vector<const Json*>& out)
{
    if (isKerasTensor(j)) {
        out.push_back(&j["config"]["keras_history"]);
    } else if (j.is_array()) {
        for (const auto& e : j)
            collectTensors(e, out);
    }
}

// Keras-3-only keys, and dtype policies as their dtype's name, everywhere.
void clean(Json& j)
{
    if (j.is_object()) {
        for (const char* key : {"module", "registered_name", "build_config", "compile_config", "shared_object_id"})
            j.erase(key);
        for (auto& [key, value] : j.items()) {
            if (key == "dtype" && value.is_object()) {
                const Json& c = configOf(value);
                if (c.contains("name") && c["name"].is_string()) {
                    value = c["name"].get<std::string>();
                    continue;
                }
            }
            clean(value);
        }
    } else if (j.is_array()) {
        for (auto& e : j)
            clean(e);
    }
}

void translateModel(Json& model, const std::string& label);

// A nested model has a node of its own (its inputs to its outputs) before any call: Keras 2 and
// TF.js count its calls from node 1, Keras 3 from node 0.
Json nodeRef(const Json& history, const std::set<std::string>& nestedModels)
{
    Json node = history[1];
    if (history[0].is_string() && nestedModels.count(history[0].get<std::string>()) && node.is_number_integer())
        node = node.get<std::int64_t>() + 1;
    return node;
}

void translateLayer(Json& layer, bool functional, const std::set<std::string>& nestedModels, const std::string& label)
{
    if (!layer.is_object() || !layer.contains("config") || !layer["config"].is_object())
        return; // kerasLayerView refuses it with the layer's name
    const std::string cls = className(layer);
    Json& config = layer["config"];
    if (cls == "InputLayer") {
        if (config.contains("batch_shape") && !config.contains("batch_input_shape")) {
            Json shaped = Json::object();
            shaped["batch_input_shape"] = config["batch_shape"];
            for (auto& [k, v] : config.items())
                if (k != "batch_shape" && k != "optional")
                    shaped[k] = v;
            config = std::move(shaped);
        }
        config.erase("optional");
    }
    if (isModelClass(cls))
        translateModel(layer, label);
    if (cls == "Bidirectional") {
        // Keras 3 stores the wrapped layer already renamed "forward_<name>" (and its mirror as
        // backward_layer); TF.js prefixes the name itself and builds the mirror from it.
        if (config.contains("layer") && config["layer"].is_object() && config["layer"].contains("config")
            && config["layer"]["config"].is_object()) {
            Json& inner = config["layer"]["config"];
            if (inner.contains("name") && inner["name"].is_string()
                && inner["name"].get<std::string>().rfind("forward_", 0) == 0)
                inner["name"] = inner["name"].get<std::string>().substr(8);
        }
        config.erase("backward_layer");
    }
    for (const char* wrapped : {"layer", "backward_layer"})
        if (config.contains(wrapped) && config[wrapped].is_object())
            translateLayer(config[wrapped], false, {}, label);
    if (!functional || !layer.contains("inbound_nodes") || !layer["inbound_nodes"].is_array())
        return;
    Json nodes = Json::array();
    for (const auto& node : layer["inbound_nodes"]) {
        if (!node.is_object() || !node.contains("args")) {
            nodes.push_back(node); // Keras 2 layout already
            continue;
        }
        std::vector<const Json*> tensors;
        collectTensors(node["args"], tensors);
        Json kwargs = Json::object();
        if (node.contains("kwargs") && node["kwargs"].is_object())
            for (const auto& [k, v] : node["kwargs"].items())
                if (!v.is_null() && k != "training" && !holdsKerasTensor(v)) // inference: training is moot
                    kwargs[k] = v;
        Json entries = Json::array();
        for (const Json* h : tensors)
            entries.push_back(Json::array({(*h)[0], nodeRef(*h, nestedModels), (*h)[2], kwargs}));
        nodes.push_back(std::move(entries));
    }
    layer["inbound_nodes"] = std::move(nodes);
}

void translateModel(Json& model, const std::string& label)
{
    const std::string cls = className(model);
    if (!model.contains("config") || !model["config"].is_object())
        return;
    Json& config = model["config"];
    const bool functional = cls != "Sequential";
    std::set<std::string> nestedModels;
    if (config.contains("layers") && config["layers"].is_array()) {
        for (const auto& layer : config["layers"])
            if (isModelClass(className(layer)))
                nestedModels.insert(layerName(layer));
        for (auto& layer : config["layers"])
            translateLayer(layer, functional, nestedModels, label);
    }
    // A single input or output is written as one triple: TF.js wants a list of them.
    for (const char* key : {"input_layers", "output_layers"}) {
        if (!config.contains(key) || !config[key].is_array() || config[key].empty())
            continue;
        if (config[key][0].is_string())
            config[key] = Json::array({config[key]});
        for (auto& ref : config[key])
            if (ref.is_array() && ref.size() >= 2)
                ref[1] = nodeRef(ref, nestedModels);
    }
}

bool looksKeras3(const Json& j, int depth)
{
    if (depth > core::kMaxJsonDepth)
        return false;
    if (j.is_object()) {
        if (j.contains("batch_shape") || (j.contains("args") && j.contains("kwargs")))
            return true;
        const std::string cls = className(j);
        if (cls == "__keras_tensor__" || cls == "DTypePolicy" || cls == "FloatDTypePolicy")
            return true;
    }
    if (j.is_object() || j.is_array())
        for (const auto& e : j)
            if (looksKeras3(e, depth + 1))
                return true;
    return false;
}

} // namespace

bool isKeras3Config(const Json& modelConfig, const std::optional<std::string>& kerasVersion)
{
    if (kerasVersion && kerasVersion->rfind("3.", 0) == 0)
        return true;
    return looksKeras3(modelConfig, 1);
}

Json translateKeras3Config(const Json& modelConfig, const std::string& label)
{
    Json j = modelConfig;
    clean(j);
    translateModel(j, label);
    return j;
}

// ---- weight names -------------------------------------------------------------------------

struct Keras3WeightNamer::Impl {
    Json config; // the Keras 3 config, as in the archive
    std::string label;
    struct Group {
        std::string where;   // "layer 'bn' (BatchNormalization)"
        std::size_t expected = 0;
        std::set<std::size_t> seen;
    };
    std::map<std::string, Group> groups; // by vars group path

    [[noreturn]] void bad(const H5Weight& w, const std::string& what) const
    {
        Location where;
        where.file = label;
        where.weight = w.fullPath;
        fail(where, what); // the message names the weight's path from `where`
    }

    // The layer a container's group key names: Keras 3 numbers the groups of one class in the
    // container's order ("dense", "dense_1", ...); recent versions also name the layer.
    const Json* find(const Json& model, const std::string& key, const std::string& nameHint) const
    {
        const Json* layers = layersOf(model);
        if (!layers)
            return nullptr;
        if (!nameHint.empty())
            for (const auto& l : *layers)
                if (layerName(l) == nameHint)
                    return &l;
        std::map<std::string, int> used;
        for (const auto& l : *layers) {
            std::string k = snakeCase(className(l));
            if (auto [it, fresh] = used.emplace(k, 0); !fresh)
                k += "_" + std::to_string(++it->second);
            if (k == key)
                return &l;
        }
        return nullptr;
    }
};

Keras3WeightNamer::Keras3WeightNamer(const Json& modelConfig, std::string label) : m_impl(std::make_shared<Impl>())
{
    m_impl->config = modelConfig;
    m_impl->label = std::move(label);
}

std::string Keras3WeightNamer::name(const H5Weight& w)
{
    auto& impl = *m_impl;
    // "layers/<key>[/layers/<key>...][/cell|/forward_layer|/backward_layer|/layer...]/vars/<i>"
    std::vector<std::string> parts;
    for (std::size_t start = 0;;) {
        const auto slash = w.listedName.find('/', start);
        parts.push_back(w.listedName.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
        if (slash == std::string::npos)
            break;
        start = slash + 1;
    }
    if (parts.size() < 4 || parts[parts.size() - 2] != "vars" || parts.back().empty() || parts.back().size() > 6
        || parts.back().find_first_not_of("0123456789") != std::string::npos)
        impl.bad(w, "not in a layers/<layer>/vars/<index> group");
    const std::size_t index = std::stoul(parts.back());
    const std::size_t end = parts.size() - 2;
    const Json* current = &impl.config;
    std::vector<std::string> scope;
    Json merged; // an RNN cell's config: the RNN layer's (Keras 3 keeps the cell's options there)
    for (std::size_t i = 0; i < end;) {
        const std::string cls = className(*current);
        const std::string& part = parts[i];
        if (part == "layers" && i + 1 < end && (isModelClass(cls) || current == &impl.config)) {
            const bool last = i + 2 == end;
            const Json* layer = impl.find(*current, parts[i + 1], last ? w.layer : std::string());
            if (!layer)
                impl.bad(w, "no layer of the model config matches group '" + parts[i + 1] + "'");
            current = layer;
            scope = {layerName(*layer)}; // a nested model's layers are named on their own in TF.js
            i += 2;
        } else if (part == "cell" && (cls == "LSTM" || cls == "GRU" || cls == "SimpleRNN" || cls == "RNN")) {
            const Json& c = configOf(*current);
            if (c.contains("cell") && c["cell"].is_object()) {
                current = &c["cell"];
                scope.push_back(layerName(*current).empty() ? snakeCase(className(*current)) : layerName(*current));
            } else {
                merged = {{"class_name", cls + "Cell"}, {"config", c}};
                current = &merged;
                scope.push_back(snakeCase(cls) + "_cell");
            }
            ++i;
        } else if ((part == "forward_layer" || part == "backward_layer") && cls == "Bidirectional") {
            const Json& c = configOf(*current);
            const bool backward = part == "backward_layer";
            const Json* inner = backward && c.contains("backward_layer") && c["backward_layer"].is_object()
                ? &c["backward_layer"]
                : (c.contains("layer") ? &c["layer"] : nullptr);
            if (!inner)
                impl.bad(w, "the Bidirectional layer '" + layerName(*current) + "' has no wrapped layer in its config");
            std::string innerName = layerName(c.contains("layer") ? c["layer"] : *inner);
            if (innerName.rfind("forward_", 0) == 0)
                innerName = innerName.substr(8); // as translateKeras3Config names it
            scope.push_back((backward ? "backward_" : "forward_") + innerName);
            current = inner;
            ++i;
        } else if (part == "layer" && configOf(*current).contains("layer")) {
            current = &configOf(*current)["layer"]; // TimeDistributed: weights keep the wrapper's name
            ++i;
        } else {
            impl.bad(w, "group '" + part + "' under layer '" + layerName(*current) + "' (" + cls
                    + ") is not a part of that layer that this converter knows");
        }
    }
    const std::string cls = className(*current);
    const auto names = variableNames(cls, configOf(*current));
    const std::string where = "layer '" + layerName(*current) + "' (" + cls + ")";
    if (!names)
        impl.bad(w, where + ": this converter does not know the variables of a " + cls + " layer");
    if (index >= names->size())
        impl.bad(w, where + " has " + std::to_string(names->size()) + " variables, this is number "
                + std::to_string(index + 1));
    std::string groupPath = w.listedName.substr(0, w.listedName.rfind('/'));
    auto& g = impl.groups[groupPath];
    g.where = where;
    g.expected = names->size();
    g.seen.insert(index);
    std::string out;
    for (const auto& s : scope)
        out += s + "/";
    return out + (*names)[index];
}

void Keras3WeightNamer::checkComplete() const
{
    for (const auto& [path, g] : m_impl->groups)
        if (g.seen.size() != g.expected)
            fail(m_impl->label, g.where + ": the weights file has " + std::to_string(g.seen.size()) + " of its "
                    + std::to_string(g.expected) + " variables in '" + path + "' (missing weight)");
}

namespace {

// Every layer name inside a model (nested models' layers too), but not the nested models'.
void innerLayerNames(const Json& model, std::set<std::string>& out, int depth)
{
    const Json* layers = layersOf(model);
    if (!layers || depth > 64)
        return;
    for (const auto& l : *layers) {
        if (isModelClass(className(l)))
            innerLayerNames(l, out, depth + 1);
        else
            out.insert(layerName(l));
    }
}

} // namespace

std::string keras3H5WeightName(const Json& modelConfig, const std::string& group, const std::string& listedName)
{
    // Keras 3 lists a variable's path, whose head depends on how the layer was built:
    // "d1/kernel", "sequential/dense/kernel" (built by its Sequential), "inner/inner_dense/kernel"
    // (in the nested model 'inner'). TF.js names it from its own layer on: "dense/kernel",
    // "inner_dense/kernel", "lstm/lstm_cell/kernel".
    const Json* layers = layersOf(modelConfig);
    const Json* layer = nullptr;
    if (layers)
        for (const auto& l : *layers)
            if (layerName(l) == group)
                layer = &l;
    if (!layer)
        return listedName;
    std::set<std::string> heads;
    if (isModelClass(className(*layer)))
        innerLayerNames(*layer, heads, 1);
    else
        heads.insert(group);
    std::string name = listedName; // no layer named in it: as listed
    for (std::size_t start = 0;;) {
        const auto slash = listedName.find('/', start);
        if (slash == std::string::npos)
            break;
        if (heads.count(listedName.substr(start, slash - start))) {
            name = listedName.substr(start);
            break;
        }
        start = slash + 1;
    }
    // Where Keras 3's variable paths differ from the TF.js names of the same weights.
    const std::string cls = className(*layer);
    if (cls == "TimeDistributed") {
        // "time_distributed/dense/kernel" -> "time_distributed/kernel"
        const auto first = name.find('/');
        const auto last = name.rfind('/');
        if (first != std::string::npos && last != first)
            name = name.substr(0, first) + name.substr(last);
    } else if ((cls == "DepthwiseConv1D" || cls == "DepthwiseConv2D") && name.size() > 7
        && name.compare(name.size() - 7, 7, "/kernel") == 0) {
        name = name.substr(0, name.size() - 6) + "depthwise_kernel";
    }
    return name;
}

} // namespace studio::conv
