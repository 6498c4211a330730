// Grappler's arithmetic optimizer and the no-op removals of its constant folding (CONVERTER.md
// §3.4), restricted to the rewrites that change TF.js graphs of real models:
// - no-op nodes forward their input: Reshape / Squeeze to the same static shape, Transpose by the
//   identity permutation, Cast to the same type, Tile by all-ones multiples, Pad by all zeros,
//   x*1, x/1, x+0, x-0 where the constant does not broadcast x to a larger shape;
// - involutions: Neg(Neg(x)) -> x; Transpose(Transpose(x, p), q) -> x when q undoes p;
// - Reshape(Reshape(x)) -> Reshape(x) when the inner one has no other reader;
// - Mul(x, x) -> Square(x), named "ArithmeticOptimizer/ReplaceMulWithSquare_<node>" as TF names it.
// Not covered: hoisting common factors out of Add/AddN, folding a constant multiplier into a
// convolution filter, constant push-down through Add/Mul chains and the AddN rewrites.
#include "converter/passes/graph_edit.h"
#include "converter/passes/graph_passes.h"
#include "core/ops/shape_inference.h"

namespace studio::conv {

namespace {

bool allEqual(const std::optional<std::vector<float>>& v, float x)
{
    if (!v || v->empty())
        return false;
    for (const auto f : *v)
        if (f != x)
            return false;
    return true;
}

class Arithmetic final : public Pass {
public:
    std::string name() const override { return "arithmetic"; }
    void run(core::Model& model, PassContext& context) const override
    {
        const auto fetch = edit::fetchNodes(model);
        std::size_t rewrites = 0;
        for (int round = 0; round < 8; ++round) {
            context.cancel.check();
            const std::size_t before = rewrites;
            rewrites += forwardNoOps(model, fetch, context);
            rewrites += squares(model, fetch, context);
            if (rewrites == before)
                break;
        }
        if (rewrites && context.report)
            context.report->notes.push_back(std::to_string(rewrites) + " arithmetic rewrite(s)");
    }

private:
    static std::size_t forwardNoOps(core::Model& model, const std::set<std::string>& fetch, PassContext& context)
    {
        const auto inferred = core::inferShapes(model);
        std::unordered_map<std::string, std::size_t> pos = edit::indexByName(model.graph);
        auto typeOf = [&](const std::string& tensor) -> const core::TensorType* {
            const auto p = core::parseInput(tensor);
            const auto it = pos.find(std::string(p.node));
            if (it == pos.end() || p.control || p.output < 0)
                return nullptr;
            const auto& outs = inferred.outputs[it->second];
            return static_cast<std::size_t>(p.output) < outs.size() ? &outs[static_cast<std::size_t>(p.output)] : nullptr;
        };
        auto known = [](const core::TensorType* t) { return t && t->shape.elementCount().has_value(); };
        auto constValues = [&](const std::string& tensor) -> std::optional<std::vector<float>> {
            const auto* n = model.graph.find(core::inputNodeName(tensor));
            if (!edit::isConst(model, n))
                return std::nullopt;
            return edit::floatValues(model, n->name);
        };
        const auto readers = edit::readersOf(model.graph);

        // (node, the input its readers get instead)
        std::vector<std::pair<std::string, std::string>> forward;
        std::set<std::string> inners; // the first node of an involution: dead once the pair is bypassed
        for (const auto& n : model.graph.nodes) {
            if (fetch.count(n.name))
                continue;
            const auto data = edit::dataInputs(n);
            const auto* out = typeOf(n.name);
            std::optional<std::string> to;
            const std::string& op = n.op;
            if ((op == "Reshape" || op == "Squeeze") && !data.empty()) {
                const auto* in = typeOf(data[0]);
                if (known(in) && known(out) && in->shape == out->shape)
                    to = data[0];
            } else if (op == "Cast" && data.size() == 1) {
                const auto* src = core::findAttr(n.attrs, "SrcT");
                const auto* dst = core::findAttr(n.attrs, "DstT");
                if (src && dst && src->type == dst->type)
                    to = data[0];
            } else if ((op == "Transpose" || op == "Tile" || op == "Pad") && data.size() == 2) {
                const auto v = constValues(data[1]);
                bool noop = v.has_value() && !v->empty();
                if (noop)
                    for (std::size_t k = 0; k < v->size(); ++k) {
                        const float want = op == "Transpose" ? static_cast<float>(k) : op == "Tile" ? 1.0f : 0.0f;
                        noop = noop && (*v)[k] == want;
                    }
                if (noop)
                    to = data[0];
                // Transpose(Transpose(x, p), q) with q undoing p.
                if (!to && op == "Transpose" && v) {
                    const auto* inner = model.graph.find(core::inputNodeName(data[0]));
                    if (inner && inner->op == "Transpose" && readers.dataCount(inner->name) == 1
                        && !fetch.count(inner->name)) {
                        const auto innerData = edit::dataInputs(*inner);
                        const auto p = innerData.size() == 2 ? constValues(innerData[1]) : std::nullopt;
                        if (p && p->size() == v->size()) {
                            bool inverse = true;
                            for (std::size_t k = 0; k < v->size(); ++k) {
                                const auto q = static_cast<std::size_t>((*v)[k]);
                                inverse = inverse && q < p->size() && (*p)[q] == static_cast<float>(k);
                            }
                            if (inverse) {
                                to = innerData[0];
                                inners.insert(inner->name);
                            }
                        }
                    }
                }
            } else if ((op == "Mul" || op == "Add" || op == "AddV2" || op == "Sub" || op == "RealDiv" || op == "Div")
                && data.size() == 2) {
                // Which operand may be the neutral constant: both for Mul / Add, the second otherwise.
                const float neutral = (op == "Mul" || op == "RealDiv" || op == "Div") ? 1.0f : 0.0f;
                const bool symmetric = op == "Mul" || op == "Add" || op == "AddV2";
                for (int c = symmetric ? 0 : 1; c < 2 && !to; ++c) {
                    const auto& x = data[static_cast<std::size_t>(1 - c)];
                    const auto* xt = typeOf(x);
                    const auto* ct = typeOf(data[static_cast<std::size_t>(c)]);
                    if (!xt || !out || !ct || xt->shape.unknownRank || xt->shape != out->shape || xt->dtype != out->dtype)
                        continue;
                    if (ct->shape.unknownRank || ct->shape.dims.size() > xt->shape.dims.size())
                        continue;
                    if (allEqual(constValues(data[static_cast<std::size_t>(c)]), neutral))
                        to = x;
                }
            } else if (op == "Neg" && data.size() == 1) {
                const auto* inner = model.graph.find(core::inputNodeName(data[0]));
                if (inner && inner->op == "Neg" && readers.dataCount(inner->name) == 1 && !fetch.count(inner->name)) {
                    const auto innerData = edit::dataInputs(*inner);
                    if (innerData.size() == 1) {
                        to = innerData[0];
                        inners.insert(inner->name);
                    }
                }
            }
            if (to)
                forward.emplace_back(n.name, *to);
        }
        std::size_t done = 0;
        std::set<std::string> gone;
        for (const auto& [name, to] : forward) {
            // One rewrite per node and round: a forward onto a node removed in this round waits.
            if (gone.count(core::inputNodeName(to)) || gone.count(name))
                continue;
            if (context.report)
                context.report->fused.push_back(name + " forwarded to " + to);
            edit::bypass(model, name, to);
            gone.insert(name);
            ++done;
        }
        {
            const auto after = edit::readersOf(model.graph);
            std::set<std::string> dead;
            for (const auto& name : inners)
                if (!fetch.count(name) && model.graph.find(name) && !after.dataCount(name) && !after.controlCount(name))
                    dead.insert(name);
            edit::removeNodes(model, dead);
        }
        // Reshape(Reshape(x, a), b) -> Reshape(x, b) when the inner one has no other reader.
        const auto readers2 = edit::readersOf(model.graph);
        std::set<std::string> deadInner;
        for (auto& n : model.graph.nodes) {
            if (n.op != "Reshape" || n.inputs.empty() || core::Node::isControlInput(n.inputs[0]))
                continue;
            const auto* inner = model.graph.find(core::inputNodeName(n.inputs[0]));
            if (!inner || inner->op != "Reshape" || fetch.count(inner->name) || readers2.dataCount(inner->name) != 1
                || readers2.controlCount(inner->name) != 0 || inner->inputs.empty() || deadInner.count(inner->name))
                continue;
            n.inputs[0] = inner->inputs[0];
            deadInner.insert(inner->name);
            if (context.report)
                context.report->fused.push_back(inner->name + " + " + n.name + " (chained Reshape)");
            ++done;
        }
        edit::removeNodes(model, deadInner);
        return done;
    }

    static std::size_t squares(core::Model& model, const std::set<std::string>& fetch, PassContext& context)
    {
        std::size_t done = 0;
        for (auto& n : model.graph.nodes) {
            if (n.op != "Mul" || fetch.count(n.name))
                continue;
            const auto data = edit::dataInputs(n);
            if (data.size() != 2 || edit::canonicalTensor(data[0]) != edit::canonicalTensor(data[1]))
                continue;
            const std::string old = n.name;
            n.op = "Square";
            n.name = "ArithmeticOptimizer/ReplaceMulWithSquare_" + old;
            n.inputs.erase(n.inputs.begin() + 1);
            edit::redirect(model.graph, old, n.name);
            if (context.report)
                context.report->fused.push_back(old + " -> Square");
            ++done;
        }
        return done;
    }
};

} // namespace

std::unique_ptr<Pass> makeArithmeticPass()
{
    return std::make_unique<Arithmetic>();
}

} // namespace studio::conv
