// Graph-editing helpers shared by the optimization passes.
#include "converter/passes/graph_edit.h"

#include "core/tfjs/decode.h"

#include <algorithm>
#include <cstring>

namespace studio::conv::edit {

std::unordered_map<std::string, std::size_t> indexByName(const core::Graph& graph)
{
    std::unordered_map<std::string, std::size_t> out;
    out.reserve(graph.nodes.size());
    for (std::size_t k = 0; k < graph.nodes.size(); ++k)
        out.emplace(graph.nodes[k].name, k);
    return out;
}

std::size_t Readers::dataCount(const std::string& name) const
{
    const auto it = data.find(name);
    return it == data.end() ? 0 : it->second.size();
}

std::size_t Readers::controlCount(const std::string& name) const
{
    const auto it = control.find(name);
    return it == control.end() ? 0 : it->second.size();
}

Readers readersOf(const core::Graph& graph)
{
    Readers r;
    for (std::size_t k = 0; k < graph.nodes.size(); ++k) {
        std::set<std::string> seenData, seenControl;
        for (const auto& in : graph.nodes[k].inputs) {
            const auto name = core::inputNodeName(in);
            if (core::Node::isControlInput(in)) {
                if (seenControl.insert(name).second)
                    r.control[name].push_back(k);
            } else if (seenData.insert(name).second) {
                r.data[name].push_back(k);
            }
        }
    }
    return r;
}

std::string canonicalTensor(const std::string& input)
{
    if (input.size() > 2 && input.compare(input.size() - 2, 2, ":0") == 0)
        return input.substr(0, input.size() - 2);
    return input;
}

std::set<std::string> fetchNodes(const core::Model& model)
{
    std::set<std::string> out;
    for (const auto& o : model.outputs)
        out.insert(core::inputNodeName(o.name));
    return out;
}

std::size_t redirect(core::Graph& graph, const std::string& from, const std::string& to)
{
    const std::string fromTensor = canonicalTensor(from);
    const std::string fromNode = core::inputNodeName(from);
    const std::string toNode = core::inputNodeName(to);
    std::size_t changed = 0;
    for (auto& n : graph.nodes) {
        bool touched = false;
        for (auto& in : n.inputs) {
            if (core::Node::isControlInput(in)) {
                if (in.compare(1, std::string::npos, fromNode) == 0 && fromNode != toNode) {
                    in = "^" + toNode;
                    touched = true;
                }
            } else if (canonicalTensor(in) == fromTensor) {
                in = to;
                touched = true;
            }
        }
        if (touched) {
            ++changed;
            tidyInputs(n);
        }
    }
    return changed;
}

void tidyInputs(core::Node& node)
{
    std::vector<std::string> data, control;
    std::set<std::string> dataNodes;
    for (const auto& in : node.inputs)
        if (!core::Node::isControlInput(in)) {
            data.push_back(in);
            dataNodes.insert(core::inputNodeName(in));
        }
    std::set<std::string> seen;
    for (const auto& in : node.inputs)
        if (core::Node::isControlInput(in)) {
            const auto name = in.substr(1);
            // A control edge from a node already read as data adds nothing; nor does a self edge.
            if (name != node.name && !dataNodes.count(name) && seen.insert(name).second)
                control.push_back(in);
        }
    data.insert(data.end(), control.begin(), control.end());
    node.inputs = std::move(data);
}

std::vector<std::string> dataInputs(const core::Node& node)
{
    std::vector<std::string> out;
    for (const auto& in : node.inputs)
        if (!core::Node::isControlInput(in))
            out.push_back(in);
    return out;
}

void bypass(core::Model& model, const std::string& name, const std::string& input)
{
    std::vector<std::string> controls;
    if (const auto* n = model.graph.find(name))
        for (const auto& in : n->inputs)
            if (core::Node::isControlInput(in))
                controls.push_back(in);
    if (!controls.empty())
        for (auto& reader : model.graph.nodes) {
            if (reader.name == name)
                continue;
            bool reads = false;
            for (const auto& in : reader.inputs)
                reads = reads || core::inputNodeName(in) == name;
            if (reads) {
                reader.inputs.insert(reader.inputs.end(), controls.begin(), controls.end());
                tidyInputs(reader);
            }
        }
    redirect(model.graph, name, input);
    removeNodes(model, {name});
}

void removeNodes(core::Model& model, const std::set<std::string>& names)
{
    if (names.empty())
        return;
    std::set<std::string> consts;
    for (const auto& n : model.graph.nodes)
        if (names.count(n.name) && n.op == "Const")
            consts.insert(n.name);
    std::erase_if(model.graph.nodes, [&](const core::Node& n) { return names.count(n.name) > 0; });
    for (auto& n : model.graph.nodes)
        std::erase_if(n.inputs, [&](const std::string& in) {
            return core::Node::isControlInput(in) && names.count(in.substr(1)) > 0;
        });
    for (auto& g : model.weightGroups)
        std::erase_if(g.weights, [&](const core::Weight& w) { return consts.count(w.name) > 0; });
}

core::Weight* findWeight(core::Model& model, const std::string& name)
{
    for (auto& g : model.weightGroups)
        for (auto& w : g.weights)
            if (w.name == name)
                return &w;
    return nullptr;
}

const core::Weight* findWeight(const core::Model& model, const std::string& name)
{
    for (const auto& g : model.weightGroups)
        for (const auto& w : g.weights)
            if (w.name == name)
                return &w;
    return nullptr;
}

bool isConst(const core::Model& model, const core::Node* node)
{
    return node && node->op == "Const" && findWeight(model, node->name) != nullptr;
}

std::optional<std::vector<float>> floatValues(const core::Model& model, const std::string& constName)
{
    const auto* w = findWeight(model, constName);
    if (!w)
        return std::nullopt;
    if (w->dtype == core::DType::Float32)
        return core::decodeFloat32(*w);
    if (w->dtype == core::DType::Int32 && !w->quantization) {
        const auto bytes = w->storedBytes();
        std::vector<float> out(bytes.size() / 4);
        for (std::size_t k = 0; k < out.size(); ++k) {
            std::int32_t v = 0;
            std::memcpy(&v, bytes.data() + 4 * k, 4);
            out[k] = static_cast<float>(v);
        }
        return out;
    }
    return std::nullopt;
}

core::Node makeConstNode(const std::string& name, int tfDtype, const std::vector<std::int64_t>& shape)
{
    core::Node n;
    n.name = name;
    n.op = "Const";
    core::AttrValue value;
    value.kind = core::AttrValue::Kind::Tensor;
    value.tensor.dtype = tfDtype;
    value.tensor.shape = core::Shape{shape, false};
    value.tensor.hasShape = true;
    n.attrs.emplace_back("value", std::move(value));
    n.attrs.emplace_back("dtype", core::AttrValue::ofType(tfDtype));
    return n;
}

core::Weight makeWeight(const std::string& name, core::DType dtype, const std::vector<std::int64_t>& shape,
    std::vector<std::uint8_t> bytes)
{
    core::Weight w;
    w.name = name;
    w.dtype = dtype;
    w.shape = shape;
    w.byteLength = bytes.size();
    w.source = std::make_shared<core::MemorySource>(std::move(bytes));
    return w;
}

core::Weight makeFloatWeight(const std::string& name, const std::vector<std::int64_t>& shape, const std::vector<float>& values)
{
    std::vector<std::uint8_t> bytes(values.size() * 4);
    if (!values.empty())
        std::memcpy(bytes.data(), values.data(), bytes.size());
    return makeWeight(name, core::DType::Float32, shape, std::move(bytes));
}

void putWeight(core::Model& model, core::Weight weight)
{
    if (auto* w = findWeight(model, weight.name)) {
        *w = std::move(weight);
        return;
    }
    if (model.weightGroups.empty())
        model.weightGroups.emplace_back();
    model.weightGroups.front().weights.push_back(std::move(weight));
}

void weightsInConstOrder(core::Model& model)
{
    std::unordered_map<std::string, core::Weight*> byName;
    for (auto& g : model.weightGroups)
        for (auto& w : g.weights)
            byName.emplace(w.name, &w);
    core::WeightGroup group;
    auto take = [&](const std::vector<core::Node>& nodes) {
        for (const auto& n : nodes)
            if (n.op == "Const")
                if (auto it = byName.find(n.name); it != byName.end() && it->second) {
                    group.weights.push_back(std::move(*it->second));
                    it->second = nullptr; // a duplicate Const name takes its weight once
                }
    };
    take(model.graph.nodes);
    for (const auto& f : model.graph.functions)
        take(f.nodes);
    // The initializer graph's Consts come last (the reference's extract_weights appends them).
    if (const auto& init = model.meta.modelInitializer; init.is_object() && init.contains("node") && init["node"].is_array())
        for (const auto& n : init["node"])
            if (n.is_object() && n.value("op", "") == "Const")
                if (auto it = byName.find(n.value("name", "")); it != byName.end() && it->second) {
                    group.weights.push_back(std::move(*it->second));
                    it->second = nullptr;
                }
    model.weightGroups.clear();
    model.weightGroups.push_back(std::move(group));
}

void nameFunctionConsts(core::Graph& graph)
{
    for (auto& f : graph.functions) {
        const std::string prefix = f.name + "/";
        std::unordered_map<std::string, std::string> renamed;
        for (auto& n : f.nodes)
            if (n.op == "Const" && n.name.rfind(prefix, 0) != 0) {
                renamed.emplace(n.name, prefix + n.name);
                n.name = prefix + n.name;
            }
        if (renamed.empty())
            continue;
        // Body inputs read "node:out_arg:k" or "^node": the node part is renamed, the rest kept.
        for (auto& n : f.nodes)
            for (auto& in : n.inputs) {
                const bool control = core::Node::isControlInput(in);
                const std::string node = core::inputNodeName(in);
                if (auto it = renamed.find(node); it != renamed.end())
                    in = (control ? "^" : "") + it->second + in.substr(node.size() + (control ? 1 : 0));
            }
        // The function's results may name a Const too.
        if (auto ret = f.rest.find("ret"); ret != f.rest.end() && ret->is_object())
            for (auto& [key, value] : ret->items())
                if (value.is_string()) {
                    const std::string text = value.get<std::string>();
                    const std::string node = core::inputNodeName(text);
                    if (auto it = renamed.find(node); it != renamed.end())
                        value = it->second + text.substr(node.size());
                }
    }
}

core::AttrValue* attr(core::Node& node, const std::string& name)
{
    for (auto& [key, value] : node.attrs)
        if (key == name)
            return &value;
    return nullptr;
}

void setAttr(core::Node& node, const std::string& name, core::AttrValue value)
{
    if (auto* a = attr(node, name))
        *a = std::move(value);
    else
        node.attrs.emplace_back(name, std::move(value));
}

void eraseAttr(core::Node& node, const std::string& name)
{
    std::erase_if(node.attrs, [&](const auto& kv) { return kv.first == name; });
}

std::string stringAttr(const core::Node& node, const std::string& name, const std::string& fallback)
{
    const auto* a = core::findAttr(node.attrs, name);
    return a && a->kind == core::AttrValue::Kind::String ? a->s : fallback;
}

} // namespace studio::conv::edit
