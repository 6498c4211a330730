// Step 5 of the reference pipeline (CONVERTER.md §3.2): every Conv2D and MatMul is placed on
// /device:CPU:0, because Grappler's remapper only fuses contractions placed on a CPU.
#include "converter/passes/graph_edit.h"
#include "converter/passes/graph_passes.h"

namespace studio::conv {

namespace {

class CpuDevice final : public Pass {
public:
    std::string name() const override { return "cpu_device"; }
    void run(core::Model& model, PassContext& context) const override
    {
        for (auto& n : model.graph.nodes)
            if ((n.op == "Conv2D" || n.op == "MatMul") && n.device != "/device:CPU:0") {
                n.device = "/device:CPU:0";
                if (context.report)
                    context.report->modified = true;
            }
    }
};

} // namespace

std::unique_ptr<Pass> makeCpuDevicePass()
{
    return std::make_unique<CpuDevice>();
}

} // namespace studio::conv
