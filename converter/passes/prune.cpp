// Grappler's ModelPruner (CONVERTER.md §3.4): what the fetch nodes do not need goes, and
// forwarding nodes that nobody fetches are bypassed.
#include "converter/passes/graph_edit.h"
#include "converter/passes/graph_passes.h"

#include <algorithm>
#include <unordered_set>

namespace studio::conv {

namespace {

// Placeholders the signature feeds: kept even when no output reads them (TF keeps its feeds).
// A model without a signature keeps its declared inputs.
std::set<std::string> feedNodes(const core::Model& model)
{
    std::set<std::string> out;
    const auto& sig = model.meta.signature;
    if (sig.is_object()) {
        if (sig.contains("inputs") && sig["inputs"].is_object())
            for (const auto& [key, info] : sig["inputs"].items())
                if (info.is_object() && info.contains("name") && info["name"].is_string())
                    out.insert(core::inputNodeName(info["name"].get<std::string>()));
        return out;
    }
    for (const auto& in : model.inputs)
        out.insert(core::inputNodeName(in.name));
    return out;
}

bool isForwarding(const std::string& op)
{
    return op == "Identity" || op == "StopGradient" || op == "PreventGradient" || op == "Snapshot";
}

class Pruning final : public Pass {
public:
    std::string name() const override { return "pruning"; }
    void run(core::Model& model, PassContext& context) const override
    {
        const auto fetch = edit::fetchNodes(model);
        if (fetch.empty()) {
            if (context.report)
                context.report->notes.push_back("the model names no outputs: nothing pruned");
            return;
        }
        const auto feeds = feedNodes(model);
        auto& nodes = model.graph.nodes;

        // 1. Keep the transitive fan-in (data and control) of the fetch nodes and the feeds.
        {
            const auto byName = edit::indexByName(model.graph);
            std::vector<bool> keep(nodes.size(), false);
            std::vector<std::size_t> stack;
            for (const auto* set : {&fetch, &feeds})
                for (const auto& name : *set)
                    if (auto it = byName.find(name); it != byName.end())
                        stack.push_back(it->second);
            while (!stack.empty()) {
                const auto k = stack.back();
                stack.pop_back();
                if (keep[k])
                    continue;
                keep[k] = true;
                for (const auto& in : nodes[k].inputs)
                    if (auto it = byName.find(core::inputNodeName(in)); it != byName.end())
                        stack.push_back(it->second);
            }
            std::set<std::string> drop;
            for (std::size_t k = 0; k < nodes.size(); ++k)
                if (!keep[k])
                    drop.insert(nodes[k].name);
            edit::removeNodes(model, drop);
        }

        // 2. Bypass forwarding nodes that are neither fetched nor fed. Like Grappler, only
        // trivial ones: a node driven by or driving control edges stays (removing it could
        // multiply control edges), and so does an Identity reading a Switch (the anchor of a cond
        // branch's control dependencies) or feeding a Merge. That is why the reference keeps
        // "<op>/ReadVariableOp" Identities that a NoOp waits for, and constant folding then
        // turns them into the weights named so.
        const auto byName = edit::indexByName(model.graph);
        std::unordered_set<std::string> drivesControl, feedsMerge;
        for (const auto& n : nodes)
            for (const auto& in : n.inputs) {
                if (core::Node::isControlInput(in))
                    drivesControl.insert(core::inputNodeName(in));
                else if (n.op == "Merge" || n.op == "RefMerge")
                    feedsMerge.insert(core::inputNodeName(in));
            }
        std::set<std::string> bypassed;
        for (auto& n : nodes) {
            if (!isForwarding(n.op) || fetch.count(n.name) || feeds.count(n.name))
                continue;
            if (drivesControl.count(n.name) || feedsMerge.count(n.name))
                continue;
            if (std::any_of(n.inputs.begin(), n.inputs.end(), [](const std::string& in) { return core::Node::isControlInput(in); }))
                continue;
            const auto data = edit::dataInputs(n);
            if (data.size() != 1)
                continue;
            const auto src = byName.find(core::inputNodeName(data[0]));
            if (src == byName.end())
                continue;
            const auto& srcOp = nodes[src->second].op;
            if (srcOp == "Switch" || srcOp == "Merge" || srcOp == "Enter" || srcOp == "NextIteration")
                continue;
            std::vector<std::string> controls;
            for (const auto& in : n.inputs)
                if (core::Node::isControlInput(in))
                    controls.push_back(in);
            // Readers inherit the bypassed node's control inputs, so ordering is kept.
            const std::string self = n.name;
            for (auto& reader : nodes) {
                if (reader.name == self)
                    continue;
                bool reads = false;
                for (const auto& in : reader.inputs)
                    reads = reads || core::inputNodeName(in) == self;
                if (reads && !controls.empty()) {
                    reader.inputs.insert(reader.inputs.end(), controls.begin(), controls.end());
                    edit::tidyInputs(reader);
                }
            }
            edit::redirect(model.graph, self, data[0]);
            bypassed.insert(self);
        }
        edit::removeNodes(model, bypassed);

        std::erase_if(model.inputs, [&](const core::TensorSpec& t) { return !model.graph.find(core::inputNodeName(t.name)); });
    }
};

} // namespace

std::unique_ptr<Pass> makePruningPass()
{
    return std::make_unique<Pruning>();
}

} // namespace studio::conv
