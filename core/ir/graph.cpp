// GraphIndex: name lookup, resolved inputs, consumers and a topological order for a graph.
#include "core/ir/graph.h"

#include "core/error.h"

#include <algorithm>
#include <charconv>

namespace studio::core {

ParsedInput parseInput(std::string_view input)
{
    ParsedInput p;
    if (!input.empty() && input.front() == '^') {
        p.control = true;
        p.node = input.substr(1);
        return p;
    }
    p.node = input;
    const auto colon = input.rfind(':');
    if (colon == std::string_view::npos)
        return p;
    int k = 0;
    const auto digits = input.substr(colon + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), k);
    if (ec == std::errc() && end == digits.data() + digits.size() && !digits.empty() && k >= 0) {
        p.node = input.substr(0, colon);
        p.output = k;
    }
    return p;
}

GraphIndex::GraphIndex(const Graph& graph)
{
    const auto n = graph.nodes.size();
    m_byName.reserve(n);
    for (std::size_t k = 0; k < n; ++k)
        m_byName.emplace(graph.nodes[k].name, k); // first definition wins, as TF's importer would fail anyway
    m_names.reserve(n);
    for (const auto& node : graph.nodes)
        m_names.emplace_back(node.name);
    m_inputs.resize(n);
    m_consumers.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
        for (const auto& text : graph.nodes[k].inputs) {
            const auto p = parseInput(text);
            const auto it = m_byName.find(p.node);
            if (it == m_byName.end()) {
                m_dangling.emplace_back(k, text);
                continue;
            }
            m_inputs[k].push_back(InputRef{it->second, p.output, p.control});
            auto& c = m_consumers[it->second];
            if (c.empty() || c.back() != k)
                c.push_back(k);
        }
    }
}

std::optional<std::size_t> GraphIndex::find(std::string_view name) const
{
    const auto it = m_byName.find(name);
    if (it == m_byName.end())
        return std::nullopt;
    return it->second;
}

std::vector<bool> GraphIndex::reachable(const std::vector<std::size_t>& roots, bool followControl) const
{
    std::vector<bool> needed(size(), false);
    std::vector<std::size_t> stack(roots);
    while (!stack.empty()) {
        const auto k = stack.back();
        stack.pop_back();
        if (needed[k])
            continue;
        needed[k] = true;
        for (const auto& in : m_inputs[k])
            if (followControl || !in.control)
                stack.push_back(in.node);
    }
    return needed;
}

std::vector<std::size_t> GraphIndex::topologicalOrder(const std::string& where) const
{
    return topologicalOrder(std::vector<bool>(m_inputs.size(), true), where);
}

std::vector<std::size_t> GraphIndex::topologicalOrder(const std::vector<bool>& subset, const std::string& where) const
{
    // Kahn's algorithm over unique producer edges; deterministic for a given node list.
    const auto n = m_inputs.size();
    std::vector<std::size_t> pending(n, 0);
    std::size_t wanted = 0;
    for (std::size_t k = 0; k < n; ++k) {
        if (!subset[k])
            continue;
        ++wanted;
        std::vector<std::size_t> seen;
        for (const auto& in : m_inputs[k])
            if (subset[in.node])
                seen.push_back(in.node);
        std::sort(seen.begin(), seen.end());
        pending[k] = static_cast<std::size_t>(std::unique(seen.begin(), seen.end()) - seen.begin());
    }
    std::vector<std::size_t> order;
    order.reserve(n);
    std::vector<std::size_t> ready;
    for (std::size_t k = n; k-- > 0;)
        if (subset[k] && pending[k] == 0)
            ready.push_back(k);
    while (!ready.empty()) {
        const auto k = ready.back();
        ready.pop_back();
        order.push_back(k);
        // consumers() lists each consumer once, matching the unique count above.
        for (const auto c : m_consumers[k])
            if (subset[c] && --pending[c] == 0)
                ready.push_back(c);
    }
    if (order.size() != wanted) {
        for (std::size_t k = 0; k < n; ++k)
            if (subset[k] && pending[k] != 0)
                fail(Location::atNode(where, std::string(m_names[k])), "the graph has a cycle through this node");
    }
    return order;
}

} // namespace studio::core
