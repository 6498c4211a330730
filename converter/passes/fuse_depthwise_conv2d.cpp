// The converter's fuse_depthwise_conv2d (CONVERTER.md §3.3.4): a DepthwiseConv2dNative followed
// by BiasAdd and / or Relu, Relu6 or Elu becomes FusedDepthwiseConv2dNative (no leading
// underscore) under the depthwise node's own name, in three sweeps as the reference runs them.
// As in the reference, the number of readers of the depthwise node is not checked.
#include "converter/passes/graph_edit.h"
#include "converter/passes/graph_passes.h"

namespace studio::conv {

namespace {

bool isActivation(const std::string& op) { return op == "Relu" || op == "Relu6" || op == "Elu"; }

core::AttrValue stringList(std::vector<std::string> values)
{
    core::AttrValue a;
    a.kind = core::AttrValue::Kind::List;
    a.list.s = std::move(values);
    return a;
}

class FuseDepthwise final : public Pass {
public:
    std::string name() const override { return "fuse_depthwise_conv2d"; }
    void run(core::Model& model, PassContext& context) const override
    {
        for (int sweep = 1; sweep <= 3; ++sweep)
            for (bool changed = true; changed;) {
                changed = false;
                for (const auto& top : model.graph.nodes) {
                    // Sweep 1: act(BiasAdd(D, b)); sweep 2: BiasAdd(D, b); sweep 3: act(D).
                    const core::Node* act = nullptr;
                    const core::Node* bias = nullptr;
                    if (sweep != 2 && isActivation(top.op) && top.inputs.size() == 1)
                        act = &top;
                    if (sweep == 2 && top.op == "BiasAdd")
                        bias = &top;
                    if (sweep == 1) {
                        if (!act)
                            continue;
                        const auto* b = model.graph.find(core::inputNodeName(act->inputs[0]));
                        if (!b || b->op != "BiasAdd")
                            continue;
                        bias = b;
                    }
                    if (!act && !bias)
                        continue;
                    const auto* first = bias ? bias : act;
                    const auto firstData = edit::dataInputs(*first);
                    if (firstData.empty() || (bias && firstData.size() != 2))
                        continue;
                    const auto* d = model.graph.find(core::inputNodeName(firstData[0]));
                    if (!d || d->op != "DepthwiseConv2dNative")
                        continue;
                    const std::string dName = d->name;
                    const std::string last = (act ? act : bias)->name;
                    std::vector<std::string> ops;
                    std::vector<std::string> extra;
                    std::set<std::string> gone;
                    if (bias) {
                        ops.push_back("BiasAdd");
                        extra.push_back(firstData[1]);
                        gone.insert(bias->name);
                    } else {
                        ops.push_back("NoOp");
                    }
                    if (act) {
                        ops.push_back(act->op);
                        gone.insert(act->name);
                    }
                    auto& dn = model.graph.nodes[edit::indexByName(model.graph).at(dName)];
                    dn.op = "FusedDepthwiseConv2dNative";
                    auto data = edit::dataInputs(dn);
                    std::vector<std::string> controls;
                    for (const auto& in : dn.inputs)
                        if (core::Node::isControlInput(in))
                            controls.push_back(in);
                    data.insert(data.end(), extra.begin(), extra.end());
                    data.insert(data.end(), controls.begin(), controls.end());
                    dn.inputs = std::move(data);
                    edit::setAttr(dn, "fused_ops", stringList(ops));
                    edit::setAttr(dn, "num_args", core::AttrValue::ofInt(static_cast<std::int64_t>(extra.size())));
                    edit::redirect(model.graph, last, dName);
                    if (gone.size() == 2)
                        edit::redirect(model.graph, bias->name, dName);
                    edit::removeNodes(model, gone);
                    if (context.report)
                        context.report->fused.push_back(dName + " + " + last + " -> FusedDepthwiseConv2dNative");
                    changed = true;
                    break;
                }
            }
    }
};

} // namespace

std::unique_ptr<Pass> makeFuseDepthwiseConv2dPass()
{
    return std::make_unique<FuseDepthwise>();
}

} // namespace studio::conv
