// Grappler's dependency optimizer (CONVERTER.md §3.4): forwarding Identity nodes and NoOps that
// only relay control edges go, and control edges that add nothing (duplicates, edges from a node
// already read as data, self edges) are dropped.
#include "converter/passes/graph_edit.h"
#include "converter/passes/graph_passes.h"

#include <set>
#include <unordered_set>

namespace studio::conv {

namespace {

class Dependency final : public Pass {
public:
    std::string name() const override { return "dependency"; }
    void run(core::Model& model, PassContext& context) const override
    {
        const auto fetch = edit::fetchNodes(model);
        bool edited = false;
        // A control edge from a Const with no inputs orders nothing: the value exists before any
        // node runs (Grappler drops these too; the reference's outputs carry none).
        std::unordered_set<std::string> freeConsts;
        for (const auto& n : model.graph.nodes)
            if (n.op == "Const" && n.inputs.empty())
                freeConsts.insert(n.name);
        for (auto& n : model.graph.nodes) {
            const auto before = n.inputs;
            std::erase_if(n.inputs, [&](const std::string& in) {
                return core::Node::isControlInput(in) && freeConsts.count(in.substr(1));
            });
            edit::tidyInputs(n);
            edited = edited || before != n.inputs;
        }
        for (bool changed = true; changed;) {
            context.cancel.check();
            changed = false;
            const auto byName = edit::indexByName(model.graph);
            const auto readers = edit::readersOf(model.graph);
            for (const auto& n : model.graph.nodes) {
                if (fetch.count(n.name))
                    continue;
                if (n.op == "Identity") {
                    const auto data = edit::dataInputs(n);
                    if (data.size() != 1)
                        continue;
                    const auto src = byName.find(core::inputNodeName(data[0]));
                    if (src == byName.end())
                        continue;
                    // Grappler's SafeToRemoveIdentity: an Identity that also waits for something
                    // stays in front of a Merge (the wait would move onto a loop's join); one after
                    // a Switch that something waits for by control anchors that branch (a control
                    // edge from the Switch itself would fire on both branches).
                    const bool afterSwitch = model.graph.nodes[src->second].op == "Switch";
                    std::set<std::size_t> consumers;
                    bool safe = !(afterSwitch && readers.controlCount(n.name));
                    if (auto d = readers.data.find(n.name); d != readers.data.end())
                        consumers.insert(d->second.begin(), d->second.end());
                    if (auto c = readers.control.find(n.name); c != readers.control.end())
                        consumers.insert(c->second.begin(), c->second.end());
                    for (const auto k : consumers)
                        if (n.inputs.size() > 1 && model.graph.nodes[k].op == "Merge")
                            safe = false;
                    const std::size_t outputs = consumers.size();
                    // Removing it must not multiply edges (its inputs go to each of its readers).
                    const std::size_t inputs = n.inputs.size();
                    if (!safe || (inputs > 1 && outputs > 1 && inputs * outputs > inputs + outputs))
                        continue;
                    const std::string name = n.name;
                    const std::string to = data[0];
                    edit::bypass(model, name, to);
                    changed = true;
                    break; // the node list changed
                }
                if (n.op == "NoOp") {
                    std::vector<std::string> controls;
                    for (const auto& in : n.inputs)
                        controls.push_back(in);
                    const auto outs = readers.controlCount(n.name) + readers.dataCount(n.name);
                    // TF's rule: relaying must not multiply edges.
                    if (outs > 0 && controls.size() > 1 && outs > 1 && controls.size() * outs > controls.size() + outs)
                        continue;
                    const std::string name = n.name;
                    for (auto& reader : model.graph.nodes) {
                        bool reads = false;
                        for (const auto& in : reader.inputs)
                            reads = reads || (core::Node::isControlInput(in) && in.substr(1) == name);
                        if (reads) {
                            reader.inputs.insert(reader.inputs.end(), controls.begin(), controls.end());
                            std::erase(reader.inputs, "^" + name);
                            edit::tidyInputs(reader);
                        }
                    }
                    edit::removeNodes(model, {name});
                    changed = true;
                    break;
                }
            }
            edited = edited || changed;
        }
        // Constants nothing reads any more (a fusion folded them into new ones) are dead weights.
        {
            const auto readers = edit::readersOf(model.graph);
            std::set<std::string> dead;
            for (const auto& n : model.graph.nodes)
                if (n.op == "Const" && !fetch.count(n.name) && readers.controlCount(n.name) + readers.dataCount(n.name) == 0)
                    dead.insert(n.name);
            if (!dead.empty()) {
                edit::removeNodes(model, dead);
                edited = true;
            }
        }
        if (edited && context.report)
            context.report->modified = true;
    }
};

} // namespace

std::unique_ptr<Pass> makeDependencyPass()
{
    return std::make_unique<Dependency>();
}

} // namespace studio::conv
