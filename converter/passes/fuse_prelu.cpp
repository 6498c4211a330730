// The converter's fuse_ops_for_prelu (CONVERTER.md §3.3.3): Keras PReLU, computed as
// relu(x) + (-alpha) * relu(-x), becomes one Prelu(x, alpha) node; the alpha constant is negated
// in place (once, even when shared).
#include "converter/passes/graph_edit.h"
#include "converter/passes/graph_passes.h"

namespace studio::conv {

namespace {

class FusePrelu final : public Pass {
public:
    std::string name() const override { return "fuse_ops_for_prelu"; }
    void run(core::Model& model, PassContext& context) const override
    {
        std::set<std::string> negated;
        for (bool changed = true; changed;) {
            changed = false;
            for (const auto& add : model.graph.nodes) {
                if ((add.op != "Add" && add.op != "AddV2") || add.inputs.size() != 2)
                    continue;
                const auto* a = model.graph.find(core::inputNodeName(add.inputs[0]));
                const auto* mul = model.graph.find(core::inputNodeName(add.inputs[1]));
                if (!a || !mul || a->op != "Relu" || mul->op != "Mul" || mul->inputs.size() != 2 || a->inputs.empty())
                    continue;
                const core::Node* alpha = nullptr;
                const core::Node* relu = nullptr;
                for (int k = 0; k < 2; ++k) {
                    const auto* p = model.graph.find(core::inputNodeName(mul->inputs[static_cast<std::size_t>(k)]));
                    const auto* q = model.graph.find(core::inputNodeName(mul->inputs[static_cast<std::size_t>(1 - k)]));
                    if (edit::isConst(model, p) && q && q->op == "Relu") {
                        alpha = p;
                        relu = q;
                    }
                }
                if (!alpha || relu->inputs.size() != 1)
                    continue;
                const auto* neg = model.graph.find(core::inputNodeName(relu->inputs[0]));
                if (!neg || neg->op != "Neg" || neg->inputs.size() != 1 || neg->inputs[0] != a->inputs[0])
                    continue;
                const std::string addName = add.name, aName = a->name, alphaName = alpha->name;
                const std::set<std::string> gone{add.name, mul->name, relu->name, neg->name};
                if (negated.insert(alphaName).second) {
                    auto* w = edit::findWeight(model, alphaName);
                    auto values = *edit::floatValues(model, alphaName);
                    for (auto& v : values)
                        v = -v;
                    *w = edit::makeFloatWeight(alphaName, w->shape, values);
                }
                auto* prelu = &model.graph.nodes[edit::indexByName(model.graph).at(aName)];
                prelu->op = "Prelu";
                prelu->inputs = {prelu->inputs[0], alphaName};
                edit::eraseAttr(*prelu, "T");
                edit::redirect(model.graph, addName, aName);
                edit::removeNodes(model, gone);
                if (context.report)
                    context.report->fused.push_back(aName + " + " + addName + " -> Prelu");
                changed = true;
                break; // the node list changed
            }
        }
    }
};

} // namespace

std::unique_ptr<Pass> makeFusePreluPass()
{
    return std::make_unique<FusePrelu>();
}

} // namespace studio::conv
