// Op check against the TF.js op table.
#include "converter/op_check.h"

#include "core/ops/op_table.h"
#include "core/ops/shape_inference.h"

#include <map>

namespace studio::conv {

namespace {

std::string reasonFor(const std::string& op)
{
    if (op == "StatefulPartitionedCall" || op == "PartitionedCall")
        return "a function call that freezing should have inlined";
    if (op == "VarHandleOp" || op == "ReadVariableOp" || op == "VariableV2" || op == "AssignVariableOp")
        return "a variable that freezing should have turned into a constant";
    if (op == "Assert" || op == "CheckNumerics")
        return "a debug op (kept because strip_debug_ops is off)";
    return "not in TensorFlow.js's op list";
}

} // namespace

OpCheckReport checkOps(const core::Model& model, bool stripDebugOps)
{
    OpCheckReport r;
    std::map<std::string, std::vector<std::string>> bad;
    auto visit = [&](const core::Node& n, const std::string& prefix) {
        ++r.checkedNodes;
        if (!core::tfjsSupportsOp(n.op, stripDebugOps))
            bad[n.op].push_back(prefix + n.name);
    };
    for (const auto& n : model.graph.nodes)
        visit(n, "");
    for (const auto& f : model.graph.functions)
        for (const auto& n : f.nodes)
            visit(n, f.name + "/");
    for (auto& [op, nodes] : bad)
        r.unsupported.push_back({op, std::move(nodes), reasonFor(op)});
    // The same schemas the lowering and the executors use: static shapes, leniently, so that an
    // op without a schema or a loop only leaves shapes unknown.
    if (model.kind == core::ModelKind::GraphModel)
        r.malformed = core::inferShapes(model).inconsistencies;
    return r;
}

std::string describe(const OpCheckReport& r)
{
    if (r.ok())
        return "all " + std::to_string(r.checkedNodes) + " nodes use ops TensorFlow.js supports";
    std::string s = "Unsupported Ops in the model: ";
    for (std::size_t i = 0; i < r.unsupported.size(); ++i) {
        const auto& u = r.unsupported[i];
        s += (i ? "; " : "") + u.op + " (" + u.reason + "; " + std::to_string(u.nodes.size())
            + (u.nodes.size() == 1 ? " node: " : " nodes: ");
        for (std::size_t k = 0; k < u.nodes.size() && k < 5; ++k)
            s += (k ? ", " : "") + u.nodes[k];
        if (u.nodes.size() > 5)
            s += ", ...";
        s += ")";
    }
    return s;
}

} // namespace studio::conv
