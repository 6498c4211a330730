// Grappler's remapper (CONVERTER.md §3.4-3.5), restricted to the forms TF.js runs:
// - Conv2D | MatMul + BiasAdd [+ Relu | Relu6 | Elu | LeakyRelu] -> _FusedConv2D | _FusedMatMul
//   (LeakyRelu only after Conv2D, as stock TF); the fused node takes the last node's name;
// - Conv2D + FusedBatchNorm[V3] [+ Relu] in inference mode -> _FusedConv2D with
//   fused_ops ["FusedBatchNorm"(, act)] and num_args 4 (only where the converter's own batch-norm
//   folding did not apply; TF.js refuses it at run time, as it refuses the reference's output);
// - any other inference-mode FusedBatchNorm[V3] -> Mul / Add with the scale and offset computed
//   in the graph (<bn>/Const, /VarPlusEpsilon, /Inv, /Scaled, /Mul, /Mul2, /Offset), which
//   constant folding then turns into the constants <bn>/Scaled and <bn>/Offset.
// Every intermediate node must have one data reader, no control edges, and not be fetched; the
// contraction must be on a CPU device (the cpu_device step), float32, NHWC.
// - Conv2D + Squeeze + BiasAdd (Keras Conv1D) -> _FusedConv2D + Squeeze.
// Not covered: the oneDNN-only fusions.
#include "converter/passes/graph_edit.h"
#include "converter/passes/graph_passes.h"

#include <algorithm>

namespace studio::conv {

namespace {

constexpr int kFloat = 1;

int typeAttr(const core::Node& n, const std::string& name)
{
    const auto* a = core::findAttr(n.attrs, name);
    return a && a->kind == core::AttrValue::Kind::Type ? a->type : kFloat; // T defaults to float
}

bool hasControlInputs(const core::Node& n)
{
    return std::any_of(n.inputs.begin(), n.inputs.end(), [](const std::string& s) { return core::Node::isControlInput(s); });
}

core::AttrValue stringList(std::vector<std::string> values)
{
    core::AttrValue a;
    a.kind = core::AttrValue::Kind::List;
    a.list.s = std::move(values);
    return a;
}

class Remap final : public Pass {
public:
    std::string name() const override { return "remap"; }
    void run(core::Model& model, PassContext& context) const override
    {
        const auto fetch = edit::fetchNodes(model);
        for (bool changed = true; changed;) {
            context.cancel.check();
            changed = false;
            const auto readers = edit::readersOf(model.graph);
            // Intermediate nodes: one data reader, no control readers, no control inputs, not fetched.
            auto intermediate = [&](const core::Node& n) {
                return readers.dataCount(n.name) == 1 && readers.controlCount(n.name) == 0 && !hasControlInputs(n)
                    && !fetch.count(n.name);
            };
            auto onlyOutput0Read = [&](const core::Node& n) {
                for (const auto& r : model.graph.nodes)
                    for (const auto& in : r.inputs)
                        if (!core::Node::isControlInput(in) && core::inputNodeName(in) == n.name && core::parseInput(in).output != 0)
                            return false;
                return true;
            };
            auto contraction = [&](const core::Node* c) {
                if (!c || !intermediate(*c) || c->device.find("CPU") == std::string::npos || typeAttr(*c, "T") != kFloat)
                    return false;
                if (c->op == "MatMul")
                    return edit::dataInputs(*c).size() == 2;
                return c->op == "Conv2D" && edit::stringAttr(*c, "data_format", "NHWC") == "NHWC"
                    && edit::dataInputs(*c).size() == 2;
            };
            // Reverse topological order, as TF's remapper: an activation is seen before its BiasAdd,
            // so the longest chain is fused.
            std::vector<std::size_t> order;
            try {
                order = core::GraphIndex(model.graph).topologicalOrder(model.sourcePath);
            } catch (const Error&) {
                order.resize(model.graph.nodes.size()); // TF1 loops: node order
                for (std::size_t k = 0; k < order.size(); ++k)
                    order[k] = k;
            }
            for (auto it = order.rbegin(); it != order.rend() && !changed; ++it) {
                const auto& last = model.graph.nodes[*it];
                const bool act = last.op == "Relu" || last.op == "Relu6" || last.op == "Elu" || last.op == "LeakyRelu";
                const core::Node* bias = nullptr;
                if (act && last.inputs.size() >= 1 && !core::Node::isControlInput(last.inputs[0])) {
                    const auto* b = model.graph.find(core::inputNodeName(last.inputs[0]));
                    if (b && b->op == "BiasAdd" && intermediate(*b) && core::parseInput(last.inputs[0]).output == 0)
                        bias = b;
                    // Conv2D + FusedBatchNorm + Relu
                    if (b && (b->op == "FusedBatchNorm" || b->op == "FusedBatchNormV3") && last.op == "Relu"
                        && !fetch.count(b->name) && !hasControlInputs(*b) && readers.dataCount(b->name) == 1
                        && tryConvBatchNorm(model, *b, &last, contraction, onlyOutput0Read, context)) {
                        changed = true;
                        break;
                    }
                } else if (last.op == "BiasAdd") {
                    bias = &last;
                }
                if (bias) {
                    const auto data = edit::dataInputs(*bias);
                    const auto* c = data.size() == 2 ? model.graph.find(core::inputNodeName(data[0])) : nullptr;
                    // Conv1D as Keras builds it: Conv2D + Squeeze + BiasAdd (Grappler's contraction
                    // with squeeze and bias); an activation after it stays a node of its own.
                    if (!act && c && c->op == "Squeeze" && intermediate(*c) && core::parseInput(data[0]).output == 0) {
                        const auto sIn = edit::dataInputs(*c);
                        const auto* conv = sIn.size() == 1 ? model.graph.find(core::inputNodeName(sIn[0])) : nullptr;
                        const auto* dims = core::findAttr(c->attrs, "squeeze_dims");
                        bool spatial = dims && dims->kind == core::AttrValue::Kind::List && !dims->list.i.empty();
                        if (spatial)
                            for (const auto d : dims->list.i)
                                spatial = spatial && d != -1 && d != 3;
                        if (spatial && conv && conv->op == "Conv2D" && contraction(conv)
                            && core::parseInput(sIn[0]).output == 0 && typeAttr(*bias, "T") == typeAttr(*conv, "T")) {
                            fuseSqueeze(model, *conv, *c, *bias, context);
                            changed = true;
                            break;
                        }
                    }
                    if (!contraction(c) || core::parseInput(data[0]).output != 0 || typeAttr(*bias, "T") != typeAttr(*c, "T"))
                        continue;
                    if (act && last.op == "LeakyRelu" && c->op != "Conv2D")
                        continue;
                    fuse(model, *c, *bias, act ? &last : nullptr, context);
                    changed = true;
                    break;
                }
                if (last.op == "FusedBatchNorm" || last.op == "FusedBatchNormV3") {
                    const auto* training = core::findAttr(last.attrs, "is_training");
                    if (!training || training->b || fetch.count(last.name) || typeAttr(last, "T") != kFloat
                        || !onlyOutput0Read(last) || edit::dataInputs(last).size() != 5)
                        continue;
                    if (tryConvBatchNorm(model, last, nullptr, contraction, onlyOutput0Read, context)) {
                        changed = true;
                        break;
                    }
                    if (edit::stringAttr(last, "data_format", "NHWC") != "NHWC")
                        continue;
                    decomposeBatchNorm(model, last.name, context);
                    changed = true;
                    break;
                }
            }
        }
    }

private:
    static void copyAttrs(const core::Node& from, core::Node& to, std::initializer_list<const char*> names)
    {
        for (const auto* name : names)
            if (const auto* a = core::findAttr(from.attrs, name))
                to.attrs.emplace_back(name, *a);
    }

    static core::Node fusedNode(const core::Node& c, const std::string& name)
    {
        core::Node f;
        f.name = name;
        f.device = c.device;
        if (c.op == "Conv2D") {
            f.op = "_FusedConv2D";
            copyAttrs(c, f, {"T", "strides", "padding", "explicit_paddings", "data_format", "dilations", "use_cudnn_on_gpu"});
        } else {
            f.op = "_FusedMatMul";
            copyAttrs(c, f, {"T", "transpose_a", "transpose_b"});
        }
        return f;
    }

    // Replaces node `last` in place by `fused` and removes the other nodes of the pattern.
    static void replace(core::Model& model, const std::string& last, core::Node fused, const std::set<std::string>& gone)
    {
        auto& slot = model.graph.nodes[edit::indexByName(model.graph).at(last)];
        slot = std::move(fused);
        edit::removeNodes(model, gone);
    }

    static void fuse(core::Model& model, const core::Node& c, const core::Node& bias, const core::Node* act, PassContext& context)
    {
        const auto& last = act ? *act : bias;
        auto f = fusedNode(c, last.name);
        const auto cIn = edit::dataInputs(c);
        f.inputs = {cIn[0], cIn[1], edit::dataInputs(bias)[1]};
        for (const auto& in : last.inputs)
            if (core::Node::isControlInput(in))
                f.inputs.push_back(in);
        std::vector<std::string> ops{"BiasAdd"};
        if (act)
            ops.push_back(act->op);
        f.attrs.emplace_back("fused_ops", stringList(ops));
        f.attrs.emplace_back("num_args", core::AttrValue::ofInt(1));
        f.attrs.emplace_back("epsilon", core::AttrValue::ofFloat(0.0));
        if (act && act->op == "LeakyRelu") {
            const auto* alpha = core::findAttr(act->attrs, "alpha");
            f.attrs.emplace_back("leakyrelu_alpha", core::AttrValue::ofFloat(alpha ? alpha->f : 0.2));
        }
        std::set<std::string> gone{c.name};
        if (act)
            gone.insert(bias.name);
        const std::string description = c.name + " + " + bias.name + (act ? " + " + act->name : "") + " -> " + f.op;
        replace(model, last.name, std::move(f), gone);
        if (context.report)
            context.report->fused.push_back(description);
    }

    // Conv2D C + Squeeze S + BiasAdd B -> _FusedConv2D named C (fused_ops [BiasAdd]) + a Squeeze
    // named B reading it, as the reference writes Keras Conv1D layers.
    static void fuseSqueeze(core::Model& model, const core::Node& c, const core::Node& squeeze, const core::Node& bias,
        PassContext& context)
    {
        auto f = fusedNode(c, c.name);
        const auto cIn = edit::dataInputs(c);
        f.inputs = {cIn[0], cIn[1], edit::dataInputs(bias)[1]};
        f.attrs.emplace_back("fused_ops", stringList({"BiasAdd"}));
        f.attrs.emplace_back("num_args", core::AttrValue::ofInt(1));
        f.attrs.emplace_back("epsilon", core::AttrValue::ofFloat(0.0));
        core::Node s;
        s.name = bias.name;
        s.op = "Squeeze";
        s.device = bias.device;
        s.inputs = {c.name};
        for (const auto& in : bias.inputs)
            if (core::Node::isControlInput(in))
                s.inputs.push_back(in);
        copyAttrs(squeeze, s, {"T", "squeeze_dims"});
        const std::string description = c.name + " + " + squeeze.name + " + " + bias.name + " -> _FusedConv2D + Squeeze";
        const std::string squeezeName = squeeze.name, biasName = bias.name, convName = c.name;
        auto index = edit::indexByName(model.graph);
        model.graph.nodes[index.at(convName)] = std::move(f);
        model.graph.nodes[index.at(biasName)] = std::move(s);
        edit::removeNodes(model, {squeezeName});
        if (context.report)
            context.report->fused.push_back(description);
    }

    template <class IsContraction, class OnlyOutput0>
    static bool tryConvBatchNorm(core::Model& model, const core::Node& bn, const core::Node* act, IsContraction contraction,
        OnlyOutput0 onlyOutput0Read, PassContext& context)
    {
        const auto* training = core::findAttr(bn.attrs, "is_training");
        if (!training || training->b || !onlyOutput0Read(bn) || typeAttr(bn, "T") != kFloat)
            return false;
        const auto data = edit::dataInputs(bn);
        if (data.size() != 5)
            return false;
        const auto* c = model.graph.find(core::inputNodeName(data[0]));
        if (!contraction(c) || c->op != "Conv2D")
            return false;
        const auto& last = act ? *act : bn;
        auto f = fusedNode(*c, last.name);
        const auto cIn = edit::dataInputs(*c);
        f.inputs = {cIn[0], cIn[1], data[1], data[2], data[3], data[4]};
        std::vector<std::string> ops{"FusedBatchNorm"};
        if (act)
            ops.push_back(act->op);
        f.attrs.emplace_back("fused_ops", stringList(ops));
        f.attrs.emplace_back("num_args", core::AttrValue::ofInt(4));
        const auto* eps = core::findAttr(bn.attrs, "epsilon");
        f.attrs.emplace_back("epsilon", core::AttrValue::ofFloat(eps ? eps->f : 0.0001));
        std::set<std::string> gone{c->name};
        if (act)
            gone.insert(bn.name);
        const std::string description = c->name + " + " + bn.name + (act ? " + " + act->name : "") + " -> _FusedConv2D";
        replace(model, last.name, std::move(f), gone);
        if (context.report) {
            context.report->fused.push_back(description);
            context.report->notes.push_back(last.name + ": _FusedConv2D with FusedBatchNorm, which TF.js refuses at run time "
                                                        "(as it refuses the reference converter's output)");
        }
        return true;
    }

    static void decomposeBatchNorm(core::Model& model, const std::string name, PassContext& context)
    {
        const core::Node bn = *model.graph.find(name);
        const auto data = edit::dataInputs(bn);
        const auto* eps = core::findAttr(bn.attrs, "epsilon");
        const float epsilon = eps ? static_cast<float>(eps->f) : 0.0f;
        const auto* t = core::findAttr(bn.attrs, "T");
        const core::AttrValue T = t ? *t : core::AttrValue::ofType(kFloat);
        auto op = [&](const std::string& suffix, const std::string& type, std::vector<std::string> inputs) {
            core::Node n;
            n.name = name + "/" + suffix;
            n.op = type;
            n.device = bn.device;
            n.inputs = std::move(inputs);
            n.attrs.emplace_back("T", T);
            return n;
        };
        auto epsConst = edit::makeConstNode(name + "/Const", kFloat, {});
        epsConst.device = bn.device;
        std::vector<core::Node> made;
        made.push_back(std::move(epsConst));
        made.push_back(op("VarPlusEpsilon", "Add", {data[4], name + "/Const"}));
        made.push_back(op("Inv", "Rsqrt", {name + "/VarPlusEpsilon"}));
        made.push_back(op("Scaled", "Mul", {name + "/Inv", data[1]}));
        made.push_back(op("Mul", "Mul", {data[0], name + "/Scaled"}));
        made.push_back(op("Mul2", "Mul", {data[3], name + "/Scaled"}));
        made.push_back(op("Offset", "Sub", {data[2], name + "/Mul2"}));
        auto result = op("", "Add", {name + "/Mul", name + "/Offset"});
        result.name = name;
        for (const auto& in : bn.inputs)
            if (core::Node::isControlInput(in))
                result.inputs.push_back(in);
        made.push_back(std::move(result));
        const auto at = edit::indexByName(model.graph).at(name);
        model.graph.nodes.erase(model.graph.nodes.begin() + static_cast<std::ptrdiff_t>(at));
        model.graph.nodes.insert(model.graph.nodes.begin() + static_cast<std::ptrdiff_t>(at), made.begin(), made.end());
        edit::putWeight(model, edit::makeFloatWeight(name + "/Const", {}, {epsilon}));
        if (context.report)
            context.report->fused.push_back(name + " -> Mul + Add (inference batch norm)");
    }
};

} // namespace

std::unique_ptr<Pass> makeRemapPass()
{
    return std::make_unique<Remap>();
}

} // namespace studio::conv
