#include "converter/graph_trace.h"

#include <deque>
#include <unordered_set>

namespace studio::conv {

GraphTrace traceGraph(const core::Graph& before, const core::Graph& after, const std::vector<PassReport>& passes)
{
    GraphTrace t;
    std::unordered_set<std::string_view> survivors;
    survivors.reserve(after.nodes.size());
    for (const auto& n : after.nodes)
        survivors.insert(n.name);
    // The first pass that removed a name, and the last one that added it (a name can leave and
    // come back, as when a pass rebuilds a node under the same name).
    std::unordered_map<std::string_view, std::string_view> removedBy, addedBy;
    for (const auto& r : passes) {
        for (const auto& name : r.removed)
            removedBy.try_emplace(name, r.pass);
        for (const auto& name : r.added)
            addedBy[name] = r.pass;
    }

    const core::GraphIndex index(before);
    for (std::size_t k = 0; k < index.size(); ++k) {
        const std::string name(index.name(k));
        NodeFate fate;
        if (survivors.contains(name)) {
            t.fates.emplace(name, std::move(fate));
            continue;
        }
        if (const auto it = removedBy.find(name); it != removedBy.end())
            fate.pass = std::string(it->second);
        // The nearest survivor downstream through data edges: what now computes with its result.
        std::deque<std::size_t> queue{k};
        std::vector<bool> seen(index.size(), false);
        seen[k] = true;
        while (!queue.empty() && fate.into.empty()) {
            const std::size_t at = queue.front();
            queue.pop_front();
            for (const std::size_t c : index.consumers(at)) {
                if (seen[c])
                    continue;
                bool data = false;
                for (const auto& in : index.inputs(c))
                    data = data || (in.node == at && !in.control);
                if (!data)
                    continue;
                seen[c] = true;
                if (survivors.contains(index.name(c))) {
                    fate.into = std::string(index.name(c));
                    break;
                }
                queue.push_back(c);
            }
        }
        fate.kind = fate.into.empty() ? NodeFate::Kind::Removed : NodeFate::Kind::Merged;
        if (!fate.into.empty())
            t.mergedInto[fate.into].push_back(name);
        t.fates.emplace(name, std::move(fate));
    }
    std::unordered_set<std::string_view> original;
    for (const auto& n : before.nodes)
        original.insert(n.name);
    for (const auto& n : after.nodes)
        if (!original.contains(n.name)) {
            const auto it = addedBy.find(n.name);
            t.addedBy.emplace(n.name, it == addedBy.end() ? std::string() : std::string(it->second));
        }
    return t;
}

} // namespace studio::conv
