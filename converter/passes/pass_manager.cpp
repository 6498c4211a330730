// The pass manager: runs passes in order and diffs the graph around each one for its report.
#include "converter/passes/pass_manager.h"

#include <algorithm>
#include <set>

namespace studio::conv {

namespace {

std::map<std::string, std::size_t> opCounts(const core::Graph& g)
{
    std::map<std::string, std::size_t> counts;
    for (const auto& n : g.nodes)
        ++counts[n.op];
    return counts;
}

std::set<std::string> nodeNames(const core::Graph& g)
{
    std::set<std::string> names;
    for (const auto& n : g.nodes)
        names.insert(n.name);
    return names;
}

} // namespace

std::string PassReport::summary() const
{
    if (!changed())
        return pass + ": no change";
    std::string s = pass + ": " + std::to_string(nodesBefore) + " -> " + std::to_string(nodesAfter) + " nodes";
    std::string ops;
    for (const auto& [op, ba] : opCounts) {
        const auto [before, after] = ba;
        const auto delta = static_cast<long long>(after) - static_cast<long long>(before);
        ops += (ops.empty() ? "" : ", ") + op + " " + (delta > 0 ? "+" : "") + std::to_string(delta) + " ("
            + std::to_string(before) + "->" + std::to_string(after) + ")";
    }
    if (!ops.empty())
        s += "; " + ops;
    if (!fused.empty())
        s += "; fused " + std::to_string(fused.size());
    return s;
}

std::vector<std::string> PassManager::names() const
{
    std::vector<std::string> out;
    for (const auto& p : m_passes)
        out.push_back(p->name());
    return out;
}

std::vector<PassReport> PassManager::run(core::Model& model, PassContext context) const
{
    std::vector<PassReport> reports;
    for (const auto& pass : m_passes) {
        context.cancel.check();
        PassReport r;
        r.pass = pass->name();
        const auto beforeOps = opCounts(model.graph);
        const auto beforeNames = nodeNames(model.graph);
        r.nodesBefore = model.graph.nodes.size();
        context.report = &r;
        pass->run(model, context);
        context.report = nullptr;
        r.nodesAfter = model.graph.nodes.size();
        const auto afterOps = opCounts(model.graph);
        const auto afterNames = nodeNames(model.graph);
        std::set_difference(afterNames.begin(), afterNames.end(), beforeNames.begin(), beforeNames.end(),
            std::back_inserter(r.added));
        std::set_difference(beforeNames.begin(), beforeNames.end(), afterNames.begin(), afterNames.end(),
            std::back_inserter(r.removed));
        std::set<std::string> ops;
        for (const auto& [op, n] : beforeOps)
            ops.insert(op);
        for (const auto& [op, n] : afterOps)
            ops.insert(op);
        for (const auto& op : ops) {
            const auto b = beforeOps.count(op) ? beforeOps.at(op) : 0;
            const auto a = afterOps.count(op) ? afterOps.at(op) : 0;
            if (a != b)
                r.opCounts[op] = {b, a};
        }
        reports.push_back(std::move(r));
    }
    return reports;
}

namespace {

class StripDebugOps final : public Pass {
public:
    std::string name() const override { return "strip_debug_ops"; }
    void run(core::Model& model, PassContext& context) const override
    {
        auto strip = [&](std::vector<core::Node>& nodes) {
            for (auto& n : nodes) {
                const bool toNoOp = n.op == "Assert" || n.op == "PrintV2";
                const bool toIdentity = n.op == "CheckNumerics" || n.op == "Print";
                if (!toNoOp && !toIdentity)
                    continue;
                // Data inputs after the kept one become control edges, so ordering is preserved.
                std::vector<std::string> inputs;
                std::size_t data = 0;
                for (const auto& in : n.inputs) {
                    if (core::Node::isControlInput(in) || (toIdentity && data++ == 0))
                        inputs.push_back(in);
                    else
                        inputs.push_back("^" + core::inputNodeName(in));
                }
                // Control inputs go last, as GraphDef requires.
                std::stable_partition(inputs.begin(), inputs.end(), [](const std::string& s) { return !core::Node::isControlInput(s); });
                n.inputs = std::move(inputs);
                core::AttrMap attrs;
                if (toIdentity)
                    if (const auto* a = core::findAttr(n.attrs, "T"))
                        attrs.emplace_back("T", *a);
                n.attrs = std::move(attrs);
                n.op = toNoOp ? "NoOp" : "Identity";
                if (context.report)
                    context.report->modified = true;
            }
        };
        strip(model.graph.nodes);
        for (auto& f : model.graph.functions)
            strip(f.nodes);
    }
};

} // namespace

std::unique_ptr<Pass> makeStripDebugOpsPass()
{
    return std::make_unique<StripDebugOps>();
}

} // namespace studio::conv
