// Step 7 of the reference pipeline (CONVERTER.md §3.2): Placeholders named
// unused_control_flow_input* (left by control-flow lowering) are removed.
#include "converter/passes/graph_edit.h"
#include "converter/passes/graph_passes.h"

namespace studio::conv {

namespace {

class RemoveUnusedControlFlowInputs final : public Pass {
public:
    std::string name() const override { return "remove_unused_control_flow_inputs"; }
    void run(core::Model& model, PassContext&) const override
    {
        std::set<std::string> names;
        for (const auto& n : model.graph.nodes)
            if (n.op == "Placeholder" && n.name.rfind("unused_control_flow_input", 0) == 0)
                names.insert(n.name);
        edit::removeNodes(model, names);
        std::erase_if(model.inputs, [&](const core::TensorSpec& t) { return names.count(core::inputNodeName(t.name)) > 0; });
    }
};

} // namespace

std::unique_ptr<Pass> makeRemoveUnusedControlFlowInputsPass()
{
    return std::make_unique<RemoveUnusedControlFlowInputs>();
}

} // namespace studio::conv
