// The converter's fuse_prelu_with_fused_conv2d_or_matmul (CONVERTER.md §3.3.5): a Prelu reading
// a _FusedConv2D, _FusedMatMul or FusedDepthwiseConv2dNative with at most one fused op joins it:
// alpha becomes the fused node's last input, "Prelu" its last fused op, num_args grows by one.
#include "converter/passes/graph_edit.h"
#include "converter/passes/graph_passes.h"

namespace studio::conv {

namespace {

class FusePreluWithFused final : public Pass {
public:
    std::string name() const override { return "fuse_prelu_with_fused_conv2d_or_matmul"; }
    void run(core::Model& model, PassContext& context) const override
    {
        for (bool changed = true; changed;) {
            changed = false;
            for (const auto& p : model.graph.nodes) {
                if (p.op != "Prelu")
                    continue;
                const auto data = edit::dataInputs(p);
                if (data.size() != 2)
                    continue;
                const auto* y = model.graph.find(core::inputNodeName(data[0]));
                if (!y || (y->op != "_FusedConv2D" && y->op != "_FusedMatMul" && y->op != "FusedDepthwiseConv2dNative"))
                    continue;
                const auto* ops = core::findAttr(y->attrs, "fused_ops");
                if (ops && ops->list.s.size() > 1)
                    continue;
                const std::string yName = y->name, pName = p.name, alpha = data[1];
                auto& fused = model.graph.nodes[edit::indexByName(model.graph).at(yName)];
                auto inputs = edit::dataInputs(fused);
                inputs.push_back(alpha);
                for (const auto& in : fused.inputs)
                    if (core::Node::isControlInput(in))
                        inputs.push_back(in);
                fused.inputs = std::move(inputs);
                core::AttrValue list;
                list.kind = core::AttrValue::Kind::List;
                if (ops)
                    list.list.s = ops->list.s;
                list.list.s.push_back("Prelu");
                edit::setAttr(fused, "fused_ops", list);
                const auto* num = core::findAttr(fused.attrs, "num_args");
                edit::setAttr(fused, "num_args", core::AttrValue::ofInt((num ? num->i : 0) + 1));
                edit::redirect(model.graph, pName, yName);
                edit::removeNodes(model, {pName});
                if (context.report)
                    context.report->fused.push_back(yName + " + " + pName);
                changed = true;
                break;
            }
        }
    }
};

} // namespace

std::unique_ptr<Pass> makeFusePreluWithFusedPass()
{
    return std::make_unique<FusePreluWithFused>();
}

} // namespace studio::conv
