// Keras layer semantics (TF.js layers) expressed as TensorFlow ops, one layer at a time: the
// driver, the helpers every family uses, and the core layers (dense, activations, reshapes,
// merges, normalization, embedding). Convolutions live in lower_layers_conv.cpp, recurrent
// layers and wrappers in lower_layers_rnn.cpp.
#include "converter/passes/lower_layers_impl.h"

#include "core/tfjs/decode.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace studio::conv {

using core::AttrValue;

namespace lowering {

namespace {

std::string dimsText(const Dims& d)
{
    std::string s = "[";
    for (std::size_t k = 0; k < d.size(); ++k)
        s += (k ? ", " : "") + (d[k] < 0 ? std::string("?") : std::to_string(d[k]));
    return s + "]";
}

// Layers that compute nothing at inference.
bool isIdentityLayer(const std::string& cls)
{
    static const std::set<std::string> kIdentity{"Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
        "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization"};
    return kIdentity.count(cls) > 0;
}

} // namespace

std::vector<std::int64_t> intsOf(const Json& v, std::size_t n, const std::string& what, const Lowering& low, const core::Layer& l)
{
    if (v.is_number_integer())
        return std::vector<std::int64_t>(n, v.get<std::int64_t>());
    if (v.is_array() && v.size() == n) {
        std::vector<std::int64_t> out;
        for (const auto& x : v) {
            if (!x.is_number_integer())
                low.bad(l, what + " must hold integers, got " + v.dump());
            out.push_back(x.get<std::int64_t>());
        }
        return out;
    }
    low.bad(l, what + " must be an integer or a list of " + std::to_string(n) + ", got " + v.dump());
}

Lowering::Lowering(const core::Model& src, const LoweringOptions& options) : m_src(src), m_options(options)
{
    for (const auto& g : src.weightGroups)
        for (const auto& w : g.weights)
            m_weights[w.name] = &w;
    m_out.kind = core::ModelKind::GraphModel;
    m_out.sourcePath = src.sourcePath;
    m_out.meta.format = "lowered " + src.meta.format;
    m_out.weightGroups.emplace_back();
}

core::Model Lowering::run()
{
    if (m_src.kind != core::ModelKind::LayersModel || m_src.layers.empty())
        fail(m_src.sourcePath, "not a layers model with a topology");
    const Network& top = topNetwork();
    const auto tensors = lowerNetwork(top, {}, "");
    if (tensors.size() != m_src.outputs.size())
        fail(m_src.sourcePath, "the Keras topology has " + std::to_string(tensors.size()) + " outputs, the model "
                + std::to_string(m_src.outputs.size()));
    for (std::size_t k = 0; k < m_src.outputs.size(); ++k) {
        const auto& spec = m_src.outputs[k];
        if (top.outputs[k].layer != spec.name)
            fail(m_src.sourcePath, "output " + std::to_string(k) + " is layer '" + top.outputs[k].layer
                    + "' in the Keras topology but '" + spec.name + "' in the model");
        core::TensorSpec out = spec;
        out.name = tensors[k].find(':') == std::string::npos ? tensors[k] + ":0" : tensors[k];
        const auto* type = findType(tensors[k]);
        if (!type)
            fail(m_src.sourcePath, "no inferred type for '" + tensors[k] + "'");
        out.tfDtype = core::tfDataTypeOf(type->dtype.value_or(core::DType::Float32));
        out.shape = type->shape;
        m_out.outputs.push_back(out);
    }
    if (m_options.referenceNames)
        useReferenceNames();
    return std::move(m_out);
}

// ---- networks: which layer calls read which tensors

namespace {

bool isNestedModel(const std::string& cls)
{
    return cls == "Sequential" || cls == "Model" || cls == "Functional";
}

const Json* layerListOf(const Json& config)
{
    if (config.is_array())
        return &config; // Keras 2.0 Sequential
    if (config.is_object() && config.contains("layers") && config["layers"].is_array())
        return &config["layers"];
    return nullptr;
}

// A layer's name: its own "name" (functional models) or its config's (Sequential).
std::string layerNameOf(const Json& l)
{
    if (!l.is_object())
        return {};
    if (l.contains("name") && l["name"].is_string())
        return l["name"].get<std::string>();
    const auto config = l.find("config");
    return config != l.end() && config->is_object() && config->contains("name") && (*config)["name"].is_string()
        ? (*config)["name"].get<std::string>()
        : std::string();
}

struct Collected {
    TensorRef ref;
    bool keras3 = false; // from a Keras 3 keras_history, which counts a nested model's calls from 0
};

// Keras 2: [["name", node, tensor, {kwargs}], ...]; Keras 3: {"args": [{"config": {"keras_history":
// ["name", node, tensor]}}], "kwargs": {...}}.
void collectRefs(const Json& v, std::vector<Collected>& out, int depth, const Location& at)
{
    if (depth > kMaxNesting)
        fail(at, "inbound nodes are nested more than " + std::to_string(kMaxNesting) + " levels deep");
    auto ref = [&](const Json& r, bool keras3) {
        if (!r[1].is_number_integer() || !r[2].is_number_integer())
            fail(at, "inbound tensor " + r.dump() + " has no integer node and tensor index");
        out.push_back({{r[0].get<std::string>(), r[1].get<std::int64_t>(), r[2].get<std::int64_t>()}, keras3});
    };
    if (v.is_array()) {
        if (v.size() >= 3 && v[0].is_string() && v[1].is_number()) {
            ref(v, false);
            return;
        }
        for (const auto& e : v)
            collectRefs(e, out, depth + 1, at);
    } else if (v.is_object()) {
        if (v.contains("keras_history") && v["keras_history"].is_array() && v["keras_history"].size() >= 3
            && v["keras_history"][0].is_string()) {
            ref(v["keras_history"], true);
            return;
        }
        for (const auto& [k, e] : v.items())
            collectRefs(e, out, depth + 1, at);
    }
}

} // namespace

std::string Lowering::label(const core::Layer& layer, std::int64_t call) const
{
    std::string s = m_src.sourcePath + ": layer '" + (layer.path.empty() ? layer.name : layer.path) + "' (" + layer.className + ")";
    return call > 0 ? s + ", call " + std::to_string(call + 1) : s;
}

void Lowering::badCall(const core::Layer& layer, std::int64_t call, const std::string& what) const
{
    throw Error(label(layer, call) + ": " + what, Location::atLayer(m_src.sourcePath, layer.path.empty() ? layer.name : layer.path));
}

const Network& Lowering::topNetwork()
{
    for (const auto& layer : m_src.layers) {
        m_layersByPath[layer.path].push_back(&layer);
        m_layerNames.insert(layer.name);
        m_layerNames.insert(layer.path);
    }
    const Json& topology = m_src.meta.modelTopology;
    const Json* model = topology.is_object() && topology.contains("model_config") ? &topology["model_config"] : &topology;
    if (model->is_object() && model->contains("config") && layerListOf((*model)["config"])) {
        const Json cls = model->value("class_name", Json());
        return network((*model)["config"], cls.is_string() ? cls.get<std::string>() : std::string(), "", 0);
    }
    // No Keras topology (a model built in memory): the layers' inbound layer names, each layer
    // called once.
    m_networks.emplace_back();
    Network& net = m_networks.back();
    for (const auto& layer : m_src.layers) {
        if (layer.path != layer.name)
            continue;
        Network::Member m;
        m.layer = &layer;
        m.calls.emplace_back();
        for (const auto& in : layer.inboundLayers)
            m.calls.back().push_back({in, 0, 0});
        if (isNestedModel(layer.className))
            m.nested = &network(layer.config, layer.className, layer.path, 1);
        if (!net.byName.emplace(layer.name, net.members.size()).second)
            fail(Location::atLayer(m_src.sourcePath, layer.name), "the model has two layers named '" + layer.name + "'");
        if (layer.className == "InputLayer")
            net.inputs.push_back({layer.name, 0, 0});
        net.members.push_back(std::move(m));
    }
    for (const auto& out : m_src.outputs)
        net.outputs.push_back({out.name, 0, 0});
    return net;
}

const Network& Lowering::network(const Json& config, const std::string& className, const std::string& prefix, int depth)
{
    const std::string& file = m_src.sourcePath;
    const std::string what = prefix.empty() ? "the model" : "the nested model";
    if (depth > kMaxNesting)
        fail(Location::atLayer(file, prefix), "models are nested more than " + std::to_string(kMaxNesting) + " levels deep");
    const Json* list = layerListOf(config);
    if (!list)
        fail(Location::atLayer(file, prefix), what + " has no layer list");
    m_networks.emplace_back(); // a deque: `net` stays valid while nested networks are added
    Network& net = m_networks.back();
    net.path = prefix;
    net.sequential = className == "Sequential" || config.is_array() || !config.contains("input_layers");

    // Keras 2 and TF.js count the calls of a nested model that has inputs of its own (functional,
    // or a Sequential given an input shape) from 1: its node 0 runs it on those inputs.
    std::set<std::string> ownFirstNode;
    for (const auto& l : *list) {
        const std::string name = layerNameOf(l);
        const std::string path = prefix.empty() ? name : prefix + "/" + name;
        auto it = m_layersByPath.find(path);
        if (it == m_layersByPath.end() || it->second.empty())
            fail(Location::atLayer(file, path), "is in the Keras topology but not in the model's layers");
        Network::Member m;
        m.layer = it->second.front();
        it->second.pop_front();
        if (!net.byName.emplace(name, net.members.size()).second)
            fail(Location::atLayer(file, path), what + " has two layers named '" + name + "'");
        if (isNestedModel(m.layer->className)) {
            m.nested = &network(m.layer->config, m.layer->className, path, depth + 1);
            const auto& first = m.nested->members;
            const bool hasInputs = !m.nested->sequential
                || (!first.empty()
                    && (first[0].layer->className == "InputLayer" || first[0].layer->config.contains("batch_input_shape")
                        || first[0].layer->config.contains("batch_shape")));
            if (hasInputs)
                ownFirstNode.insert(name);
        }
        net.members.push_back(std::move(m));
    }
    if (net.members.empty())
        fail(Location::atLayer(file, prefix), what + " has no layers");

    // `at` names the layer or the model whose inbound nodes `v` are.
    auto refs = [&](const Json& v, const Location& at) {
        std::vector<Collected> found;
        collectRefs(v, found, 0, at);
        std::vector<TensorRef> out;
        for (auto& [r, keras3] : found) {
            if (!keras3 && ownFirstNode.count(r.layer)) {
                if (r.node == 0)
                    fail(at, "reads node 0 of nested model '" + r.layer + "', which runs it on its own inputs, not on a tensor of "
                            + what);
                --r.node;
            }
            out.push_back(r);
        }
        return out;
    };
    for (std::size_t i = 0; i < net.members.size(); ++i) {
        auto& m = net.members[i];
        if (net.sequential) {
            m.calls.emplace_back();
            if (i > 0)
                m.calls.back().push_back({net.members[i - 1].layer->name, 0, 0});
        } else if (m.layer->className == "InputLayer") {
            m.calls.emplace_back();
        } else if ((*list)[i].contains("inbound_nodes")) {
            for (const auto& node : (*list)[i]["inbound_nodes"])
                m.calls.push_back(refs(node, Location::atLayer(file, m.layer->path)));
        }
    }
    if (net.sequential) {
        net.inputs.push_back({net.members.front().layer->name, 0, 0});
        net.outputs.push_back({net.members.back().layer->name, 0, 0});
    } else {
        net.inputs = refs(config.value("input_layers", Json::array()), Location{file, {}, {}, prefix, "input_layers"});
        net.outputs = refs(config.value("output_layers", Json::array()), Location{file, {}, {}, prefix, "output_layers"});
        if (net.outputs.empty())
            fail(Location::atLayer(file, prefix), what + " has no output_layers");
        for (const auto& in : net.inputs) {
            const auto it = net.byName.find(in.layer);
            if (it == net.byName.end() || net.members[it->second].layer->className != "InputLayer")
                fail(Location::atLayer(file, prefix), what + "'s input_layers name '" + in.layer + "', which is not one of its InputLayers");
        }
    }
    return net;
}

std::string Lowering::callScope(const std::string& scope, const std::string& leaf)
{
    for (int k = 1;; ++k) {
        const std::string candidate = leaf + "_" + std::to_string(k);
        if (m_layerNames.count(candidate))
            continue;
        if (m_callScopes.insert(scope + candidate).second)
            return scope + candidate;
    }
}

std::vector<std::string> Lowering::lowerNetwork(const Network& net, const std::vector<std::string>& inputs, const std::string& scope)
{
    const bool top = net.path.empty();
    using Key = std::pair<std::size_t, std::int64_t>; // member, call
    std::map<Key, std::vector<std::string>> done;
    std::map<std::size_t, std::vector<std::string>> fed; // members reading the network's inputs directly
    if (!top) {
        for (std::size_t k = 0; k < net.inputs.size(); ++k) {
            const auto i = net.byName.at(net.inputs[k].layer);
            if (net.members[i].layer->className == "InputLayer")
                done[{i, 0}] = {inputs.at(k)};
            else
                fed[i].push_back(inputs.at(k)); // a Sequential's first layer
        }
    }
    std::vector<Key> pending;
    for (std::size_t i = 0; i < net.members.size(); ++i)
        for (std::int64_t k = 0; k < static_cast<std::int64_t>(net.members[i].calls.size()); ++k)
            if (!done.count({i, k}))
                pending.push_back({i, k});

    // The tensor `r` names, or nullptr while the call making it has not been lowered yet.
    auto resolve = [&](const Network::Member& reader, std::int64_t call, const TensorRef& r) -> const std::string* {
        const auto it = net.byName.find(r.layer);
        if (it == net.byName.end())
            badCall(*reader.layer, call, "reads layer '" + r.layer + "', which is not in "
                    + (top ? std::string("the model") : "nested model '" + net.path + "'"));
        const auto& source = net.members[it->second];
        if (r.node < 0 || r.node >= static_cast<std::int64_t>(source.calls.size()))
            badCall(*reader.layer, call, "reads call " + std::to_string(r.node + 1) + " of layer '" + r.layer + "', which has "
                    + std::to_string(source.calls.size()) + " call(s) in the model");
        const auto d = done.find({it->second, r.node});
        if (d == done.end())
            return nullptr;
        if (r.tensor < 0 || r.tensor >= static_cast<std::int64_t>(d->second.size()))
            badCall(*reader.layer, call, "reads output " + std::to_string(r.tensor) + " of layer '" + r.layer + "', which has "
                    + std::to_string(d->second.size()));
        return &d->second[static_cast<std::size_t>(r.tensor)];
    };

    // As TF.js builds a model from its config: calls in layer order, a call whose inputs are
    // not made yet (a shared layer's later call) waits for the next round.
    while (!pending.empty()) {
        std::vector<Key> waiting;
        for (const auto& key : pending) {
            const auto& member = net.members[key.first];
            const auto& layer = *member.layer;
            std::vector<std::string> in;
            bool ready = true;
            for (const auto& r : member.calls[static_cast<std::size_t>(key.second)]) {
                const auto* t = resolve(member, key.second, r);
                if (!t) {
                    ready = false;
                    break;
                }
                in.push_back(*t);
            }
            if (!ready) {
                waiting.push_back(key);
                continue;
            }
            if (const auto f = fed.find(key.first); f != fed.end() && key.second == 0)
                in.insert(in.end(), f->second.begin(), f->second.end());
            if (++m_calls > kMaxLayerCalls)
                badCall(layer, key.second, "the model calls more than " + std::to_string(kMaxLayerCalls)
                        + " layers (nested models called many times)");
            const std::string name = key.second == 0 ? scope + layer.name : callScope(scope, layer.name);
            if (member.nested) {
                if (in.size() != member.nested->inputs.size())
                    badCall(layer, key.second, "is a model of " + std::to_string(member.nested->inputs.size())
                            + " input(s), called on " + std::to_string(in.size()));
                done[key] = lowerNetwork(*member.nested, in, name + "/");
            } else {
                if (layer.className == "InputLayer" && !top)
                    badCall(layer, key.second, "is an InputLayer of nested model '" + net.path + "' that is not one of its inputs");
                done[key] = {lowerCall(layer, name, key.second, in)};
            }
        }
        if (waiting.size() == pending.size()) {
            const auto& member = net.members[waiting.front().first];
            badCall(*member.layer, waiting.front().second, "its inputs depend on its own output (a cycle in the inbound nodes)");
        }
        pending = std::move(waiting);
    }

    std::vector<std::string> outputs;
    for (const auto& r : net.outputs) {
        const auto it = net.byName.find(r.layer);
        if (it == net.byName.end())
            fail(Location::atLayer(m_src.sourcePath, net.path),
                (top ? std::string("the model") : "nested model '" + net.path + "'") + " outputs layer '" + r.layer + "', which it does not have");
        const auto d = done.find({it->second, r.node});
        if (d == done.end() || r.tensor < 0 || r.tensor >= static_cast<std::int64_t>(d->second.size()))
            fail(Location::atLayer(m_src.sourcePath, net.path),
                (top ? std::string("the model") : "nested model '" + net.path + "'") + " outputs call " + std::to_string(r.node + 1)
                    + ", tensor " + std::to_string(r.tensor) + " of layer '" + r.layer + "', which it does not compute");
        outputs.push_back(d->second[static_cast<std::size_t>(r.tensor)]);
    }
    return outputs;
}

std::string Lowering::lowerCall(const core::Layer& layer, const std::string& name, std::int64_t call, const std::vector<std::string>& inputs)
{
    // A layer's later calls and the layers of nested models get nodes of their own names; the
    // weights stay the layer's (TF.js names a nested model's weights from its layer's name on).
    core::Layer renamed;
    const core::Layer* l = &layer;
    if (name != layer.name || layer.path != layer.name) {
        renamed = layer;
        renamed.name = name;
        l = &renamed;
    }
    m_origin[name] = {layer.path, call};
    std::string prefix = layer.name;
    if (layer.path != layer.name) {
        // Older files may name them by the whole path ("inner/dense/kernel").
        const auto byName = m_weights.lower_bound(layer.name + "/");
        const bool named = byName != m_weights.end() && byName->first.compare(0, layer.name.size() + 1, layer.name + "/") == 0;
        const auto byPath = m_weights.lower_bound(layer.path + "/");
        if (!named && byPath != m_weights.end() && byPath->first.compare(0, layer.path.size() + 1, layer.path + "/") == 0)
            prefix = layer.path;
    }
    m_scopes[name] = WeightScope{prefix, {}};
    std::string out;
    try {
        // Keras masks (Embedding mask_zero, Masking) change what recurrent layers compute;
        // they are not modelled, so a layer that would consume one is refused.
        const bool masked = std::any_of(inputs.begin(), inputs.end(), [&](const std::string& t) { return m_masked.count(t) > 0; });
        static const std::set<std::string> kMaskUsers{"SimpleRNN", "LSTM", "GRU", "Bidirectional", "TimeDistributed",
            "GlobalAveragePooling1D"};
        if (masked && kMaskUsers.count(l->className))
            bad(*l, "reads a masked sequence (Embedding mask_zero or Masking); masking is not lowered yet");
        out = lowerLayer(*l, inputs);
        if ((l->className == "Embedding" && l->config.value("mask_zero", Json(false)) == Json(true))
            || l->className == "Masking" || (masked && (isIdentityLayer(l->className) || l->className == "Activation")))
            m_masked.insert(out);
    } catch (const nlohmann::json::exception& e) {
        bad(*l, std::string("unexpected config: ") + e.what());
    }
    inferTypes(*l);
    return out;
}

std::string Lowering::where(const core::Layer& l) const
{
    const auto it = m_origin.find(l.name);
    if (it == m_origin.end())
        return m_src.sourcePath + ": layer '" + l.name + "' (" + l.className + ")";
    core::Layer named;
    named.path = it->second.first;
    named.className = l.className;
    return label(named, it->second.second);
}

void Lowering::bad(const core::Layer& l, const std::string& what) const
{
    const auto it = m_origin.find(l.name);
    throw Error(where(l) + ": " + what, Location::atLayer(m_src.sourcePath, it != m_origin.end() ? it->second.first : l.name));
}

std::string Lowering::weightPrefix(const core::Layer& l) const
{
    const auto it = m_scopes.find(l.name);
    return it != m_scopes.end() ? it->second.prefix : l.name;
}

namespace {
const core::Weight* findScoped(const std::map<std::string, const core::Weight*>& weights, const WeightScope& scope,
    const std::string& var, std::vector<std::string>& matches)
{
    if (scope.part.empty()) {
        const auto it = weights.find(scope.prefix + "/" + var);
        if (it != weights.end())
            return it->second;
    }
    // tf.keras names cell weights one level down ("lstm/lstm_cell/kernel"), wrappers two
    // ("bidirectional/forward_lstm/lstm_cell/kernel").
    const std::string head = scope.prefix + "/", tail = "/" + var;
    const core::Weight* found = nullptr;
    for (auto it = weights.lower_bound(head); it != weights.end() && it->first.compare(0, head.size(), head) == 0; ++it) {
        const std::string& n = it->first;
        if (n.size() < head.size() + tail.size() - 1 || n.compare(n.size() - tail.size(), tail.size(), tail) != 0) {
            if (n != head + var)
                continue;
        }
        if (!scope.part.empty() && n.substr(head.size()).find(scope.part) == std::string::npos)
            continue;
        matches.push_back(n);
        found = it->second;
    }
    return matches.size() == 1 ? found : nullptr;
}
} // namespace

const core::Weight& Lowering::weight(const core::Layer& l, const std::string& var, const Dims& expected)
{
    const auto sit = m_scopes.find(l.name);
    const WeightScope scope = sit != m_scopes.end() ? sit->second : WeightScope{l.name, {}};
    std::vector<std::string> matches;
    const core::Weight* w = findScoped(m_weights, scope, var, matches);
    if (!w && matches.size() > 1)
        bad(l, "weight '" + var + "' is ambiguous: " + matches[0] + ", " + matches[1]);
    if (!w)
        bad(l, "weight '" + scope.prefix + "/" + (scope.part.empty() ? "" : "*" + scope.part + "*/") + var
                + "' is missing from the manifest");
    if (!expected.empty() && w->shape != expected)
        bad(l, "weight '" + w->name + "' has shape " + dimsText(w->shape) + ", the layer's config needs " + dimsText(expected));
    return *w;
}

std::vector<float> Lowering::values(const core::Layer& l, const std::string& var, const Dims& expected)
{
    const auto& w = weight(l, var, expected);
    if (w.dtype != core::DType::Float32)
        bad(l, "weight '" + w.name + "' is not float32");
    return core::decodeFloat32(w);
}

std::string Lowering::unique(const std::string& name)
{
    if (m_names.insert(name).second)
        return name;
    for (int k = 1;; ++k) {
        const std::string n = name + "_" + std::to_string(k);
        if (m_names.insert(n).second)
            return n;
    }
}

std::string Lowering::constFor(const core::Weight& w)
{
    if (auto it = m_constOf.find(w.name); it != m_constOf.end())
        return it->second;
    core::Weight copy = w;
    copy.name = unique(w.name);
    const std::string name = copy.name;
    addConst(std::move(copy));
    m_constOf[w.name] = name;
    return name;
}

std::string Lowering::constReshaped(const core::Weight& w, const Dims& shape)
{
    core::Weight copy = w;
    copy.name = unique(w.name + "/reshaped");
    copy.shape = shape;
    if (copy.elementCount() != w.elementCount())
        fail(m_src.sourcePath, "weight '" + w.name + "' cannot be viewed as " + dimsText(shape));
    const std::string name = copy.name;
    addConst(std::move(copy));
    return name;
}

namespace {
template <typename T>
core::Weight valuesWeight(const std::string& name, core::DType dtype, Dims shape, const std::vector<T>& values)
{
    core::Weight w;
    w.name = name;
    w.dtype = dtype;
    w.shape = std::move(shape);
    std::vector<std::uint8_t> bytes(values.size() * sizeof(T));
    if (!bytes.empty())
        std::memcpy(bytes.data(), values.data(), bytes.size());
    w.byteLength = bytes.size();
    w.source = std::make_shared<core::MemorySource>(std::move(bytes));
    return w;
}
} // namespace

std::string Lowering::floatConst(const std::string& name, Dims shape, const std::vector<float>& values)
{
    auto w = valuesWeight(unique(name), core::DType::Float32, std::move(shape), values);
    const std::string n = w.name;
    addConst(std::move(w));
    return n;
}

std::string Lowering::scalar(const std::string& name, float v)
{
    std::uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    if (const auto it = m_scalars.find(bits); it != m_scalars.end())
        return it->second;
    return m_scalars[bits] = floatConst(name, {}, {v});
}

std::string Lowering::intConst(const std::string& name, Dims shape, const std::vector<std::int32_t>& values)
{
    auto w = valuesWeight(unique(name), core::DType::Int32, std::move(shape), values);
    const std::string n = w.name;
    addConst(std::move(w));
    return n;
}

void Lowering::addConst(core::Weight w)
{
    core::Node n;
    n.name = w.name;
    m_names.insert(w.name);
    n.op = "Const";
    AttrValue value;
    value.kind = AttrValue::Kind::Tensor;
    value.tensor.dtype = core::tfDataTypeOf(w.dtype);
    value.tensor.hasShape = true;
    value.tensor.shape.dims = w.shape;
    n.attrs.emplace_back("value", value);
    n.attrs.emplace_back("dtype", AttrValue::ofType(core::tfDataTypeOf(w.dtype)));
    m_out.graph.nodes.push_back(n);
    m_out.weightGroups[0].weights.push_back(std::move(w));
}

std::string Lowering::node(const std::string& name, const std::string& op, std::vector<std::string> inputs, core::AttrMap attrs)
{
    core::Node n;
    n.name = unique(name);
    n.op = op;
    n.inputs = std::move(inputs);
    n.attrs = std::move(attrs);
    if (!core::findAttr(n.attrs, "T"))
        n.attrs.emplace_back("T", AttrValue::ofType(1));
    m_out.graph.nodes.push_back(n);
    return n.name;
}

// Shapes come from the op schemas, the one shape logic executors use too: after each layer
// the ops built so far are inferred again (strict), so a layer that cannot be valid fails
// here, naming the layer and the node. Re-inferring the whole graph per layer is quadratic,
// which for Keras models of a few hundred layers costs milliseconds.
void Lowering::inferTypes(const core::Layer& l)
{
    try {
        m_types = core::inferShapes(m_out, {{}, true});
    } catch (const Error& e) {
        Location at = e.where();
        at.file = m_src.sourcePath;
        at.layer = l.name;
        throw Error(where(l) + ": " + e.what(), at);
    }
    m_index = core::GraphIndex(m_out.graph);
    m_typedNodes = m_out.graph.nodes.size();
}

namespace {

Json shapeJson(const std::optional<core::Shape>& shape)
{
    if (!shape || shape->unknownRank)
        return Json{{"unknownRank", true}};
    Json dims = Json::array();
    for (auto d : shape->dims)
        dims.push_back(Json{{"size", std::to_string(d)}});
    return dims.empty() ? Json::object() : Json{{"dim", dims}};
}

// FORMATS.md 1.6: a key is kept when no other tensor on its side has the same dtype and shape,
// else the tensor name is the key.
Json signatureSide(std::vector<core::TensorSpec>& specs)
{
    Json side = Json::object();
    for (auto& t : specs) {
        const auto same = std::count_if(specs.begin(), specs.end(),
            [&](const core::TensorSpec& o) { return o.tfDtype == t.tfDtype && o.shape == t.shape; });
        if (same > 1)
            t.key = t.name;
        Json entry{{"name", t.name}};
        if (const auto dt = core::tfDataTypeName(t.tfDtype.value_or(1)))
            entry["dtype"] = std::string(*dt);
        entry["tensorShape"] = shapeJson(t.shape);
        side[t.key] = entry;
    }
    return side;
}

} // namespace

// The reference converter reads a Keras model through tf.keras' SavedModel: its ops live in the
// signature function's StatefulPartitionedCall under the model's name, each variable is read by
// the op using it (<op>/ReadVariableOp), and each output leaves through an Identity.
void Lowering::useReferenceNames()
{
    std::string modelName = "model";
    const Json& topology = m_src.meta.modelTopology;
    const Json* config = nullptr;
    if (topology.is_object() && topology.contains("model_config") && topology["model_config"].is_object())
        config = &topology["model_config"];
    else if (topology.is_object() && topology.contains("config"))
        config = &topology;
    if (config && config->contains("config") && (*config)["config"].is_object()
        && (*config)["config"].contains("name") && (*config)["config"]["name"].is_string()
        && !(*config)["config"]["name"].get<std::string>().empty())
        modelName = (*config)["config"]["name"].get<std::string>();
    const std::string prefix = "StatefulPartitionedCall/" + modelName + "/";

    std::set<std::string> weightConsts;
    for (const auto& [weightName, constName] : m_constOf)
        weightConsts.insert(constName);
    std::map<std::string, std::vector<std::string>> readers;
    for (const auto& n : m_out.graph.nodes)
        for (const auto& in : n.inputs)
            readers[core::inputNodeName(in)].push_back(n.name);

    std::map<std::string, std::string> renamed;
    std::set<std::string> taken;
    for (const auto& n : m_out.graph.nodes)
        if (n.op == "Placeholder")
            taken.insert(n.name);
    auto claim = [&](const std::string& want) {
        std::string name = want;
        for (int k = 1; !taken.insert(name).second; ++k)
            name = want + "_" + std::to_string(k);
        return name;
    };
    for (const auto& n : m_out.graph.nodes) {
        if (n.op == "Placeholder" || weightConsts.count(n.name))
            continue;
        renamed[n.name] = claim(prefix + n.name);
    }
    for (const auto& n : m_out.graph.nodes) {
        if (!weightConsts.count(n.name))
            continue;
        const auto it = readers.find(n.name);
        if (it != readers.end() && it->second.size() == 1 && renamed.count(it->second[0]))
            renamed[n.name] = claim(renamed[it->second[0]] + "/ReadVariableOp");
        else
            renamed[n.name] = claim(prefix + n.name);
    }
    auto tensor = [&](const std::string& in) {
        const bool control = core::Node::isControlInput(in);
        const std::string body = control ? in.substr(1) : in;
        const auto colon = body.find(':');
        const auto it = renamed.find(body.substr(0, colon));
        if (it == renamed.end())
            return in;
        return (control ? "^" : "") + it->second + (colon == std::string::npos ? "" : body.substr(colon));
    };
    for (auto& n : m_out.graph.nodes) {
        if (const auto it = renamed.find(n.name); it != renamed.end())
            n.name = it->second;
        for (auto& in : n.inputs)
            in = tensor(in);
    }
    for (auto& g : m_out.weightGroups)
        for (auto& w : g.weights)
            if (const auto it = renamed.find(w.name); it != renamed.end())
                w.name = it->second;

    for (std::size_t k = 0; k < m_out.outputs.size(); ++k) {
        auto& out = m_out.outputs[k];
        core::Node id;
        id.name = claim(k == 0 ? std::string("Identity") : "Identity_" + std::to_string(k));
        id.op = "Identity";
        id.inputs = {tensor(out.name)};
        id.attrs.emplace_back("T", AttrValue::ofType(out.tfDtype.value_or(1)));
        m_out.graph.nodes.push_back(id);
        out.key = m_src.outputs[k].key.empty() ? m_src.outputs[k].name : m_src.outputs[k].key; // the output layer
        out.name = id.name + ":0";
    }
    for (auto& in : m_out.inputs)
        in.key = core::inputNodeName(in.name);
    m_out.meta.signature = Json{{"inputs", signatureSide(m_out.inputs)}, {"outputs", signatureSide(m_out.outputs)}};
}

const core::TensorType* Lowering::findType(const std::string& tensor) const
{
    return m_types.find(m_out.graph, m_index, tensor);
}

Dims Lowering::shapeOf(const core::Layer& l, const std::string& tensor)
{
    const auto nodeName = tensor.substr(0, tensor.find(':'));
    // The count first: when nodes were added since the last inference, the index's name views
    // point into the old node storage and must not be read (ASan: heap-use-after-free).
    if (m_typedNodes != m_out.graph.nodes.size() || !m_index.find(nodeName))
        inferTypes(l);
    const auto* t = findType(tensor);
    if (!t)
        bad(l, "no inferred type for '" + tensor + "'");
    if (t->shape.unknownRank)
        bad(l, "the rank of '" + tensor + "' is unknown");
    return t->shape.dims;
}

Dims Lowering::staticShape(const core::Layer& l, const std::string& tensor)
{
    Dims d = shapeOf(l, tensor);
    for (std::size_t k = 1; k < d.size(); ++k)
        if (d[k] < 0)
            bad(l, "needs a static input shape, got " + dimsText(d));
    return d;
}

std::string Lowering::activationName(const core::Layer& l, const Json& config, const char* key, const char* fallback)
{
    if (!config.contains(key) || config[key].is_null())
        return fallback;
    if (!config[key].is_string())
        bad(l, std::string(key) + " " + config[key].dump() + " is not an activation name");
    return config[key].get<std::string>();
}

std::string Lowering::activation(const core::Layer& l, const std::string& x, const std::string& a, const std::string& tag)
{
    static const std::map<std::string, std::string> kOps{{"relu", "Relu"}, {"relu6", "Relu6"}, {"sigmoid", "Sigmoid"},
        {"tanh", "Tanh"}, {"softmax", "Softmax"}, {"elu", "Elu"}, {"selu", "Selu"}, {"softplus", "Softplus"},
        {"softsign", "Softsign"}, {"exponential", "Exp"}};
    const std::string base = l.name + "/" + tag;
    if (a == "linear")
        return x;
    if (a == "hard_sigmoid") {
        // Keras 2 and TF.js: clip(0.2 * x + 0.5, 0, 1).
        auto y = node(base + "/mul", "Mul", {x, scalar(base + "/slope", 0.2f)});
        y = node(base + "/add", "AddV2", {y, scalar(base + "/shift", 0.5f)});
        y = node(base + "/min", "Minimum", {y, scalar(base + "/one", 1.0f)});
        return node(base + "/max", "Maximum", {y, scalar(base + "/zero", 0.0f)});
    }
    if (a == "swish" || a == "silu")
        return node(base + "/mul", "Mul", {x, node(base + "/Sigmoid", "Sigmoid", {x})});
    const auto it = kOps.find(a);
    if (it == kOps.end())
        bad(l, "activation '" + a + "' is not supported");
    // Named as TensorFlow names it (conv2d/Relu, activation_1/Relu): the reference converter's
    // fused nodes take the activation's name.
    return node(l.name + "/" + it->second, it->second, {x});
}

std::string Lowering::reshape(const core::Layer& l, const std::string& x, const Dims& dims, const std::string& tag)
{
    std::vector<std::int32_t> target{-1};
    for (auto d : dims)
        target.push_back(static_cast<std::int32_t>(d));
    const auto shape = intConst(l.name + "/" + tag + "/shape", {static_cast<std::int64_t>(target.size())}, target);
    return node(l.name + "/" + tag, "Reshape", {x, shape});
}

std::string Lowering::transpose(const core::Layer& l, const std::string& x, const std::vector<std::int32_t>& perm, const std::string& tag)
{
    const auto p = intConst(l.name + "/" + tag + "/perm", {static_cast<std::int64_t>(perm.size())}, perm);
    return node(l.name + "/" + tag, "Transpose", {x, p});
}

std::string Lowering::gather(const core::Layer& l, const std::string& x, const std::vector<std::int32_t>& indices, int axis, const std::string& tag)
{
    const auto idx = intConst(l.name + "/" + tag + "/indices", {static_cast<std::int64_t>(indices.size())}, indices);
    const auto ax = intConst(l.name + "/" + tag + "/axis", {}, {axis});
    return node(l.name + "/" + tag, "GatherV2", {x, idx, ax},
        {{"Tparams", AttrValue::ofType(1)}, {"Tindices", AttrValue::ofType(3)}, {"Taxis", AttrValue::ofType(3)},
            {"batch_dims", AttrValue::ofInt(0)}});
}

std::string Lowering::sliceAxis(const core::Layer& l, const std::string& x, int axis, std::int64_t begin, std::int64_t end, const std::string& tag)
{
    const std::size_t rank = shapeOf(l, x).size();
    std::vector<std::int32_t> b(rank, 0), e(rank, 0), s(rank, 1);
    b[static_cast<std::size_t>(axis)] = static_cast<std::int32_t>(begin);
    e[static_cast<std::size_t>(axis)] = static_cast<std::int32_t>(end);
    const std::int64_t mask = ((std::int64_t{1} << rank) - 1) & ~(std::int64_t{1} << axis);
    const Dims r{static_cast<std::int64_t>(rank)};
    return node(l.name + "/" + tag, "StridedSlice",
        {x, intConst(l.name + "/" + tag + "/begin", r, b), intConst(l.name + "/" + tag + "/end", r, e),
            intConst(l.name + "/" + tag + "/strides", r, s)},
        {{"Index", AttrValue::ofType(3)}, {"begin_mask", AttrValue::ofInt(mask)}, {"end_mask", AttrValue::ofInt(mask)},
            {"ellipsis_mask", AttrValue::ofInt(0)}, {"new_axis_mask", AttrValue::ofInt(0)},
            {"shrink_axis_mask", AttrValue::ofInt(0)}});
}

std::string Lowering::matMul(const core::Layer& l, const std::string& a, const std::string& b, const std::string& tag)
{
    return node(l.name + "/" + tag, "MatMul", {a, b},
        {{"transpose_a", AttrValue::ofBool(false)}, {"transpose_b", AttrValue::ofBool(false)}});
}

std::string Lowering::lowerLayer(const core::Layer& l, const std::vector<std::string>& in)
{
    const auto& c = l.config;
    if (l.className == "InputLayer") {
        Dims s;
        const Json& dims = c.contains("batch_input_shape") ? c["batch_input_shape"] : c.value("batch_shape", Json::array());
        for (const auto& d : dims)
            s.push_back(d.is_number_integer() ? d.get<std::int64_t>() : -1);
        core::Node n;
        n.name = unique(l.name);
        n.op = "Placeholder";
        n.attrs = {{"dtype", AttrValue::ofType(1)}, {"shape", AttrValue::ofShape(core::Shape{s, false})}};
        m_out.graph.nodes.push_back(n);
        m_out.inputs.push_back(core::TensorSpec{l.name, n.name + ":0", 1, core::Shape{s, false}});
        return n.name;
    }
    std::vector<std::string> inputs = in;
    if (inputs.empty()) {
        // Sequential without an InputLayer: the first layer's batch_input_shape is the input.
        const bool isModelInput = std::any_of(m_src.inputs.begin(), m_src.inputs.end(),
            [&](const core::TensorSpec& t) { return t.key == l.name; });
        if (!isModelInput || !(c.contains("batch_input_shape") || c.contains("batch_shape")))
            bad(l, "has no inbound layer and no batch_input_shape");
        core::Layer input;
        // tf.keras names the input of a Sequential model built from its first layer <layer>_input.
        input.name = m_options.referenceNames ? l.name + "_input" : l.name;
        input.className = "InputLayer";
        input.config = Json::object();
        input.config["batch_input_shape"] = c.contains("batch_input_shape") ? c["batch_input_shape"] : c["batch_shape"];
        const auto placeholder = lowerLayer(input, {});
        m_out.inputs.back().name = placeholder + ":0";
        inferTypes(l);
        inputs.push_back(placeholder);
    }
    std::string out;
    if (lowerCoreLayer(l, inputs, out) || lowerConvLayer(l, inputs, out) || lowerRecurrentLayer(l, inputs, out))
        return out;
    bad(l, "layer class " + l.className + " is not lowered yet");
}

bool Lowering::lowerCoreLayer(const core::Layer& l, const std::vector<std::string>& in, std::string& out)
{
    const auto& c = l.config;
    const std::string& cls = l.className;
    const std::string& x = in[0];
    const std::string base = l.name + "/";
    auto one = [&] {
        if (in.size() != 1)
            bad(l, "takes one input, has " + std::to_string(in.size()));
    };
    if (isIdentityLayer(cls)) {
        one();
        out = x;
        return true;
    }
    if (cls == "Activation") {
        one();
        out = activation(l, x, activationName(l, c), "activation");
    } else if (cls == "Dense") {
        one();
        const Dims s = shapeOf(l, x);
        if (s.size() < 2 || s.back() < 0)
            bad(l, "needs a known last input dimension, got " + dimsText(s));
        const std::int64_t units = c.at("units").get<std::int64_t>();
        const auto& kernel = weight(l, "kernel", {s.back(), units});
        std::string y = x;
        // TF.js applies Dense to the last axis of any rank: fold the others into rows.
        const bool flat = s.size() == 2;
        Dims outer;
        if (!flat) {
            outer = staticShape(l, x);
            outer = Dims(outer.begin() + 1, outer.end() - 1);
            y = reshape(l, y, {s.back()}, "flatten");
        }
        y = matMul(l, y, constFor(kernel), "MatMul");
        if (c.value("use_bias", true))
            y = node(base + "BiasAdd", "BiasAdd", {y, constFor(weight(l, "bias", {units}))});
        if (!flat) {
            outer.push_back(units);
            y = reshape(l, y, outer, "unflatten");
        }
        out = activation(l, y);
    } else if (cls == "Flatten") {
        one();
        const Dims s = staticShape(l, x);
        std::int64_t n = 1;
        for (std::size_t k = 1; k < s.size(); ++k)
            n *= s[k];
        // channels_first: Keras (and TF.js) move the channels last before flattening.
        std::string y = x;
        if (c.value("data_format", std::string("channels_last")) == "channels_first" && s.size() > 2) {
            std::vector<std::int32_t> perm{0};
            for (std::size_t k = 2; k < s.size(); ++k)
                perm.push_back(static_cast<std::int32_t>(k));
            perm.push_back(1);
            y = transpose(l, y, perm, "Transpose");
        }
        out = reshape(l, y, {n}, "Reshape");
    } else if (cls == "Reshape") {
        one();
        const Dims s = staticShape(l, x);
        std::int64_t total = 1;
        for (std::size_t k = 1; k < s.size(); ++k)
            total *= s[k];
        Dims target;
        std::int64_t known = 1;
        int unknownAt = -1;
        for (const auto& d : c.at("target_shape")) {
            const auto v = d.is_number_integer() ? d.get<std::int64_t>() : -1;
            if (v < 0) {
                if (unknownAt >= 0)
                    bad(l, "target_shape " + c["target_shape"].dump() + " has more than one unknown dimension");
                unknownAt = static_cast<int>(target.size());
            } else {
                known *= v;
            }
            target.push_back(v);
        }
        if (unknownAt >= 0 && known > 0)
            target[static_cast<std::size_t>(unknownAt)] = total / known;
        std::int64_t n = 1;
        for (auto v : target)
            n *= v;
        if (n != total)
            bad(l, "target_shape " + c["target_shape"].dump() + " does not hold the " + std::to_string(total)
                    + " elements of the input " + dimsText(s));
        out = reshape(l, x, target, "Reshape");
    } else if (cls == "Permute") {
        one();
        const Dims s = shapeOf(l, x);
        std::vector<std::int32_t> perm{0};
        std::vector<bool> seen(s.size(), false);
        for (const auto& d : c.at("dims")) {
            const auto v = d.get<std::int64_t>();
            if (v < 1 || v >= static_cast<std::int64_t>(s.size()) || seen[static_cast<std::size_t>(v)])
                bad(l, "dims " + c["dims"].dump() + " is not a permutation of 1.." + std::to_string(s.size() - 1));
            seen[static_cast<std::size_t>(v)] = true;
            perm.push_back(static_cast<std::int32_t>(v));
        }
        if (perm.size() != s.size())
            bad(l, "dims " + c["dims"].dump() + " does not match the input rank " + std::to_string(s.size()));
        out = transpose(l, x, perm, "Transpose");
    } else if (cls == "RepeatVector") {
        one();
        const auto n = c.at("n").get<std::int64_t>();
        if (n <= 0 || n > kMaxIndexTable)
            bad(l, "n must be in [1, " + std::to_string(kMaxIndexTable) + "], got " + std::to_string(n));
        if (shapeOf(l, x).size() != 2)
            bad(l, "needs a 2-D input");
        const auto e = node(base + "ExpandDims", "ExpandDims", {x, intConst(base + "ExpandDims/dim", {}, {1})});
        out = gather(l, e, std::vector<std::int32_t>(static_cast<std::size_t>(n), 0), 1, "Tile");
    } else if (cls == "Embedding") {
        one();
        const auto inputDim = c.at("input_dim").get<std::int64_t>(), outputDim = c.at("output_dim").get<std::int64_t>();
        const auto& table = weight(l, "embeddings", {inputDim, outputDim});
        // The ids arrive as float32 (the model input's dtype); TF.js casts them to int32.
        const auto ids = node(base + "Cast", "Cast", {x}, {{"SrcT", AttrValue::ofType(1)}, {"DstT", AttrValue::ofType(3)}});
        out = node(base + "GatherV2", "GatherV2", {constFor(table), ids, intConst(base + "axis", {}, {0})},
            {{"Tparams", AttrValue::ofType(1)}, {"Tindices", AttrValue::ofType(3)}, {"Taxis", AttrValue::ofType(3)},
                {"batch_dims", AttrValue::ofInt(0)}});
    } else if (cls == "Softmax") {
        one();
        const Json axis = c.value("axis", Json(-1));
        const auto rank = static_cast<std::int64_t>(shapeOf(l, x).size());
        if (!axis.is_number_integer() || (axis.get<std::int64_t>() != -1 && axis.get<std::int64_t>() != rank - 1))
            bad(l, "softmax over axis " + axis.dump() + " is not supported (only the last axis)");
        out = node(base + "Softmax", "Softmax", {x});
    } else if (cls == "ReLU") {
        one();
        const Json mv = c.value("max_value", Json());
        const double slope = c.value("negative_slope", 0.0), threshold = c.value("threshold", 0.0);
        if (threshold != 0.0)
            bad(l, "threshold " + std::to_string(threshold) + " is not supported");
        // Keras' own relu takes TensorFlow's Relu6 for max_value 6 without a slope, as here.
        const bool six = mv.is_number() && mv.get<double>() == 6.0 && slope == 0.0;
        std::string y = six ? node(base + "Relu6", "Relu6", {x}) : node(base + "Relu", "Relu", {x});
        if (mv.is_number() && !six)
            y = node(base + "Minimum", "Minimum", {y, scalar(base + "max_value", mv.get<float>())});
        if (slope != 0.0) {
            const auto neg = node(base + "Minimum_neg", "Minimum", {x, scalar(base + "zero", 0.0f)});
            y = node(base + "add", "AddV2", {y, node(base + "mul", "Mul", {neg, scalar(base + "negative_slope", static_cast<float>(slope))})});
        }
        out = y;
    } else if (cls == "LeakyReLU") {
        one();
        out = node(base + "LeakyRelu", "LeakyRelu", {x}, {{"alpha", AttrValue::ofFloat(c.value("alpha", 0.3))}});
    } else if (cls == "ELU") {
        one();
        const double alpha = c.value("alpha", 1.0);
        const auto e = node(base + "Elu", "Elu", {x});
        if (alpha == 1.0) {
            out = e;
        } else {
            // alpha * (exp(x) - 1) below zero: scale the negative part of Elu.
            const auto pos = node(base + "Relu", "Relu", {x});
            const auto neg = node(base + "Minimum", "Minimum", {e, scalar(base + "zero", 0.0f)});
            out = node(base + "add", "AddV2", {pos, node(base + "mul", "Mul", {neg, scalar(base + "alpha", static_cast<float>(alpha))})});
        }
    } else if (cls == "ThresholdedReLU") {
        one();
        // x where x > theta, else 0: the step is Sign(Relu(x - theta)).
        const double theta = c.value("theta", 1.0);
        const auto d = node(base + "sub", "Sub", {x, scalar(base + "theta", static_cast<float>(theta))});
        const auto step = node(base + "Sign", "Sign", {node(base + "Relu", "Relu", {d})});
        out = node(base + "mul", "Mul", {x, step});
    } else if (cls == "PReLU") {
        one();
        const Dims s = staticShape(l, x);
        Dims alphaShape(s.begin() + 1, s.end());
        if (c.contains("shared_axes") && !c["shared_axes"].is_null()) {
            const Json& sa = c["shared_axes"];
            for (const auto& a : sa.is_array() ? sa : Json::array({sa})) {
                const auto v = a.is_number_integer() ? a.get<std::int64_t>() : 0;
                if (v < 1 || v >= static_cast<std::int64_t>(s.size()))
                    bad(l, "shared_axes " + sa.dump() + " must name non-batch axes of rank " + std::to_string(s.size()));
                alphaShape[static_cast<std::size_t>(v - 1)] = 1;
            }
        }
        const auto& alpha = weight(l, "alpha", alphaShape);
        if (alpha.dtype != core::DType::Float32)
            bad(l, "weight '" + alpha.name + "' is not float32");
        // tf.keras: relu(x) + (-alpha) * relu(-x), with -alpha folded into a Const named Neg; the
        // reference converter's fuse_ops_for_prelu turns exactly this pattern into Prelu.
        auto negAlpha = core::decodeFloat32(alpha);
        for (auto& v : negAlpha)
            v = -v;
        const auto pos = node(base + "Relu", "Relu", {x});
        const auto negConst = floatConst(base + "Neg", alphaShape, negAlpha);
        const auto negX = node(base + "Neg_1", "Neg", {x});
        const auto neg = node(base + "mul", "Mul", {negConst, node(base + "Relu_1", "Relu", {negX})});
        out = node(base + "add", "AddV2", {pos, neg});
    } else if (cls == "BatchNormalization" || cls == "LayerNormalization") {
        one();
        const Dims s = shapeOf(l, x);
        const auto rank = static_cast<std::int64_t>(s.size());
        // axis: a number, or a list (tf.keras 2.2+ stores BatchNormalization's as one element).
        std::vector<std::int64_t> axes;
        const Json axisJson = c.value("axis", Json(-1));
        for (const auto& a : axisJson.is_array() ? axisJson : Json::array({axisJson})) {
            if (!a.is_number_integer())
                bad(l, "axis " + axisJson.dump() + " is not supported");
            auto v = a.get<std::int64_t>();
            if (v < 0)
                v += rank;
            if (v < 1 || v >= rank)
                bad(l, "axis " + axisJson.dump() + " is outside the input's non-batch axes " + dimsText(s));
            axes.push_back(v);
        }
        std::sort(axes.begin(), axes.end());
        // Per-channel values broadcast against the input (rank - 1 dims, batch left out).
        Dims bshape(static_cast<std::size_t>(rank - 1), 1), wshape;
        for (auto a : axes) {
            if (s[static_cast<std::size_t>(a)] < 0)
                bad(l, "needs a known size on axis " + std::to_string(a));
            bshape[static_cast<std::size_t>(a - 1)] = s[static_cast<std::size_t>(a)];
            wshape.push_back(s[static_cast<std::size_t>(a)]);
        }
        const double eps = c.value("epsilon", 0.001);
        const bool center = c.value("center", true), scale = c.value("scale", true);
        if (cls == "BatchNormalization") {
            if (axes.size() != 1)
                bad(l, "normalizes one axis, got " + axisJson.dump());
            if (m_options.referenceNames && rank == 4 && axes[0] == 3) {
                // tf.keras runs a 4-D channels-last batch norm as FusedBatchNormV3; the passes
                // fold it into the conv before it or turn it into Mul / Add, as the reference does.
                const auto gammaC = scale ? constFor(weight(l, "gamma", wshape)) : floatConst(base + "ones", wshape, std::vector<float>(static_cast<std::size_t>(wshape[0]), 1.0f));
                const auto betaC = center ? constFor(weight(l, "beta", wshape)) : floatConst(base + "zeros", wshape, std::vector<float>(static_cast<std::size_t>(wshape[0]), 0.0f));
                const auto meanC = constFor(weight(l, "moving_mean", wshape));
                const auto varC = constFor(weight(l, "moving_variance", wshape));
                out = node(base + "FusedBatchNormV3", "FusedBatchNormV3", {x, gammaC, betaC, meanC, varC},
                    {{"U", AttrValue::ofType(1)}, {"epsilon", AttrValue::ofFloat(eps)}, {"exponential_avg_factor", AttrValue::ofFloat(1.0)},
                        {"data_format", AttrValue::ofString("NHWC")}, {"is_training", AttrValue::ofBool(false)}});
                return true;
            }
            // Inference, in float32 as tf.keras computes it: inv = rsqrt(var + eps) * gamma,
            // y = x * inv + (beta - mean * inv).
            const auto mean = values(l, "moving_mean", wshape);
            const auto var = values(l, "moving_variance", wshape);
            std::vector<float> gamma(mean.size(), 1.0f), beta(mean.size(), 0.0f);
            if (scale)
                gamma = values(l, "gamma", wshape);
            if (center)
                beta = values(l, "beta", wshape);
            std::vector<float> mul(mean.size()), add(mean.size());
            const auto epsF = static_cast<float>(eps);
            for (std::size_t k = 0; k < mean.size(); ++k) {
                mul[k] = 1.0f / std::sqrt(var[k] + epsF) * gamma[k];
                add[k] = beta[k] - mean[k] * mul[k];
            }
            const Dims cs = axes.back() == rank - 1 ? wshape : bshape;
            const auto y = node(base + "batchnorm/mul_1", "Mul", {x, floatConst(base + "batchnorm/mul", cs, mul)});
            out = node(base + "batchnorm/add_1", "AddV2", {y, floatConst(base + "batchnorm/sub", cs, add)});
        } else {
            std::vector<std::int32_t> ax(axes.begin(), axes.end());
            const auto axesConst = intConst(base + "axes", {static_cast<std::int64_t>(ax.size())}, ax);
            const core::AttrMap keep{{"keep_dims", AttrValue::ofBool(true)}, {"Tidx", AttrValue::ofType(3)}};
            const auto mean = node(base + "mean", "Mean", {x, axesConst}, keep);
            const auto var = node(base + "variance", "Mean", {node(base + "SquaredDifference", "SquaredDifference", {x, mean}), axesConst}, keep);
            const auto inv = node(base + "Rsqrt", "Rsqrt", {node(base + "add_eps", "AddV2", {var, scalar(base + "epsilon", static_cast<float>(eps))})});
            std::string y = node(base + "mul", "Mul", {node(base + "sub", "Sub", {x, mean}), inv});
            if (scale)
                y = node(base + "mul_gamma", "Mul", {y, constReshaped(weight(l, "gamma", wshape), bshape)});
            if (center)
                y = node(base + "add_beta", "AddV2", {y, constReshaped(weight(l, "beta", wshape), bshape)});
            out = y;
        }
    } else if (cls == "Rescaling") {
        one();
        const Json sc = c.value("scale", Json(1.0)), off = c.value("offset", Json(0.0));
        if (!sc.is_number() || !off.is_number())
            bad(l, "only scalar scale and offset are supported, got " + sc.dump() + " and " + off.dump());
        const auto y = node(base + "mul", "Mul", {x, scalar(base + "scale", sc.get<float>())});
        out = node(base + "add", "AddV2", {y, scalar(base + "offset", off.get<float>())});
    } else if (cls == "Resizing") {
        one();
        // Keras' semantics (half-pixel centers, as tf.image.resize). TF.js 4.22 cannot run this
        // layer inside a model (its call() passes the input list to resizeBilinear), and would
        // resize with align_corners; there is nothing to agree with there.
        if (shapeOf(l, x).size() != 4)
            bad(l, "needs a 4-D (batch, height, width, channels) input");
        const auto h = c.at("height").get<std::int64_t>(), w = c.at("width").get<std::int64_t>();
        if (h <= 0 || w <= 0 || h > kMaxIndexTable || w > kMaxIndexTable)
            bad(l, "height and width must be positive, got " + std::to_string(h) + " x " + std::to_string(w));
        const auto interpolation = c.value("interpolation", std::string("bilinear"));
        if (interpolation != "bilinear" && interpolation != "nearest")
            bad(l, "interpolation '" + interpolation + "' is not supported (bilinear, nearest)");
        if (c.value("crop_to_aspect_ratio", false))
            bad(l, "crop_to_aspect_ratio is not supported");
        const std::string op = interpolation == "bilinear" ? "ResizeBilinear" : "ResizeNearestNeighbor";
        out = node(base + op, op, {x, intConst(base + "size", {2}, {static_cast<std::int32_t>(h), static_cast<std::int32_t>(w)})},
            {{"align_corners", AttrValue::ofBool(false)}, {"half_pixel_centers", AttrValue::ofBool(true)}});
    } else if (cls == "Add" || cls == "Multiply" || cls == "Maximum" || cls == "Minimum" || cls == "Average") {
        if (in.size() < 2)
            bad(l, "merges at least two inputs, has " + std::to_string(in.size()));
        static const std::map<std::string, std::string> kOps{
            {"Add", "AddV2"}, {"Multiply", "Mul"}, {"Maximum", "Maximum"}, {"Minimum", "Minimum"}, {"Average", "AddV2"}};
        const std::string& op = kOps.at(cls);
        std::string y = in[0];
        for (std::size_t k = 1; k < in.size(); ++k)
            y = node(base + (cls == "Add" ? std::string("add") : op), op, {y, in[k]});
        if (cls == "Average")
            y = node(base + "truediv", "RealDiv", {y, scalar(base + "count", static_cast<float>(in.size()))});
        out = y;
    } else if (cls == "Subtract") {
        if (in.size() != 2)
            bad(l, "subtracts exactly two inputs, has " + std::to_string(in.size()));
        out = node(base + "Sub", "Sub", {in[0], in[1]});
    } else if (cls == "Concatenate") {
        if (in.size() < 2)
            bad(l, "concatenates at least two inputs, has " + std::to_string(in.size()));
        const auto axis = c.value("axis", std::int64_t{-1});
        const auto rank = static_cast<std::int64_t>(shapeOf(l, in[0]).size());
        if (axis == 0 || axis == -rank || axis < -rank || axis >= rank)
            bad(l, "axis " + std::to_string(axis) + " is not a non-batch axis of rank " + std::to_string(rank));
        auto inputs = in;
        inputs.push_back(intConst(base + "axis", {}, {static_cast<std::int32_t>(axis)}));
        out = node(base + "concat", "ConcatV2", inputs,
            {{"N", AttrValue::ofInt(static_cast<std::int64_t>(in.size()))}, {"Tidx", AttrValue::ofType(3)}});
    } else if (cls == "Dot") {
        if (in.size() != 2)
            bad(l, "takes exactly two inputs, has " + std::to_string(in.size()));
        const Dims sa = shapeOf(l, in[0]), sb = shapeOf(l, in[1]);
        if (sa.size() != sb.size() || (sa.size() != 2 && sa.size() != 3))
            bad(l, "only 2-D x 2-D and 3-D x 3-D inputs are supported, got " + dimsText(sa) + " and " + dimsText(sb));
        const auto rank = static_cast<std::int64_t>(sa.size());
        auto axes = intsOf(c.at("axes"), 2, "axes", *this, l);
        for (auto& a : axes) {
            if (a < 0)
                a += rank;
            if (a < 1 || a >= rank)
                bad(l, "axes " + c["axes"].dump() + " must name non-batch axes");
        }
        std::string a = in[0], b = in[1];
        if (c.value("normalize", false)) {
            // l2_normalize along the contracted axis: x / sqrt(max(sum(x^2), 1e-12)).
            auto norm = [&](const std::string& t, std::int64_t axis, const std::string& tag) {
                const auto sq = node(base + tag + "/Square", "Square", {t});
                const auto sum = node(base + tag + "/Sum", "Sum", {sq, intConst(base + tag + "/axis", {1}, {static_cast<std::int32_t>(axis)})},
                    {{"keep_dims", AttrValue::ofBool(true)}, {"Tidx", AttrValue::ofType(3)}});
                const auto mx = node(base + tag + "/Maximum", "Maximum", {sum, scalar(base + tag + "/epsilon", 1e-12f)});
                return node(base + tag + "/mul", "Mul", {t, node(base + tag + "/Rsqrt", "Rsqrt", {mx})});
            };
            a = norm(a, axes[0], "l2_normalize");
            b = norm(b, axes[1], "l2_normalize_1");
        }
        if (rank == 2) {
            const auto prod = node(base + "mul", "Mul", {a, b});
            out = node(base + "Sum", "Sum", {prod, intConst(base + "axis", {1}, {1})},
                {{"keep_dims", AttrValue::ofBool(true)}, {"Tidx", AttrValue::ofType(3)}});
        } else {
            // [b, i, k] . [b, k, j] with the contracted axis moved into place by adj_x / adj_y.
            out = node(base + "MatMul", "BatchMatMulV2", {a, b},
                {{"adj_x", AttrValue::ofBool(axes[0] == 1)}, {"adj_y", AttrValue::ofBool(axes[1] == 2)}});
        }
    } else {
        return false;
    }
    return true;
}

} // namespace lowering

core::Model lowerLayersModel(const core::Model& layers, const LoweringOptions& options)
{
    return lowering::Lowering(layers, options).run();
}

} // namespace studio::conv
