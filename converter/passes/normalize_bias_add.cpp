// The converter's normalize_bias_add (CONVERTER.md §3.3.2): an Add / AddV2 whose input 0 is a
// Conv2D, DepthwiseConv2dNative or MatMul read by nothing else becomes a BiasAdd (NHWC), so the
// remapper can fuse it. As in the reference, the other operand's shape is not checked.
#include "converter/passes/graph_edit.h"
#include "converter/passes/graph_passes.h"

namespace studio::conv {

namespace {

class NormalizeBiasAdd final : public Pass {
public:
    std::string name() const override { return "normalize_bias_add"; }
    void run(core::Model& model, PassContext& context) const override
    {
        const auto readers = edit::readersOf(model.graph);
        for (auto& n : model.graph.nodes) {
            if ((n.op != "Add" && n.op != "AddV2") || n.inputs.empty() || core::Node::isControlInput(n.inputs[0]))
                continue;
            const auto src = core::inputNodeName(n.inputs[0]);
            const auto* producer = model.graph.find(src);
            if (!producer || (producer->op != "Conv2D" && producer->op != "DepthwiseConv2dNative" && producer->op != "MatMul"))
                continue;
            if (readers.dataCount(src) + readers.controlCount(src) != 1)
                continue;
            n.op = "BiasAdd";
            edit::setAttr(n, "data_format", core::AttrValue::ofString("NHWC"));
            if (context.report)
                context.report->modified = true;
        }
    }
};

} // namespace

std::unique_ptr<Pass> makeNormalizeBiasAddPass()
{
    return std::make_unique<NormalizeBiasAdd>();
}

} // namespace studio::conv
