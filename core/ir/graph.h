// The op-level graph: TensorFlow nodes with typed attributes, plus library functions.
#pragma once

#include "core/ir/attr.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace studio::core {

struct Node {
    std::string name;
    std::string op; // TensorFlow op name, e.g. "Conv2D", "_FusedConv2D"
    std::vector<std::string> inputs; // "node", "node:k", control inputs "^node" last
    std::string device;
    AttrMap attrs;
    nlohmann::ordered_json extra = nlohmann::ordered_json::object(); // unmodelled NodeDef fields

    static bool isControlInput(const std::string& input) { return !input.empty() && input[0] == '^'; }
};

// A FunctionDef. The signature and the other members are kept verbatim; the body is
// parsed into nodes so that passes and the op check can see inside functions.
struct Function {
    std::string name;
    nlohmann::ordered_json signature;
    std::vector<Node> nodes;
    nlohmann::ordered_json rest = nlohmann::ordered_json::object(); // ret, attr, argAttr, ...
};

struct Graph {
    std::vector<Node> nodes;
    std::vector<Function> functions;
    nlohmann::ordered_json versions; // copied from the source graph
    nlohmann::ordered_json libraryExtra = nlohmann::ordered_json::object(); // library keys besides "function"
    bool hasLibrary = false;
    nlohmann::ordered_json extra = nlohmann::ordered_json::object(); // other GraphDef keys

    // A linear search, for one-off lookups; code that looks up many names builds a GraphIndex.
    const Node* find(const std::string& name) const
    {
        for (const auto& n : nodes)
            if (n.name == name)
                return &n;
        return nullptr;
    }
};

// One resolved input of a node: the producing node's index and output slot, or a control edge.
struct InputRef {
    std::size_t node = 0;
    int output = 0;
    bool control = false;
};

// A one-shot index of a graph's top-level nodes: names to indexes, resolved inputs and consumer
// lists. Build it after editing the node list (it holds indexes, not pointers); passes rebuild it
// after each change. Inputs that name no node are kept in dangling() instead of failing, so
// importers and the op check can report them together.
class GraphIndex {
public:
    GraphIndex() = default;
    explicit GraphIndex(const Graph& graph);

    std::size_t size() const { return m_inputs.size(); }
    std::string_view name(std::size_t node) const { return m_names[node]; }
    std::optional<std::size_t> find(std::string_view name) const;
    const std::vector<InputRef>& inputs(std::size_t node) const { return m_inputs[node]; }
    // Nodes that read any output of `node` (data or control), each once, in node order.
    const std::vector<std::size_t>& consumers(std::size_t node) const { return m_consumers[node]; }
    // (node, input text) for every input that names no node.
    const std::vector<std::pair<std::size_t, std::string>>& dangling() const { return m_dangling; }
    // The nodes `roots` need: marked backwards through data inputs, and control inputs too when
    // `followControl` (an executor runs only what its outputs need).
    std::vector<bool> reachable(const std::vector<std::size_t>& roots, bool followControl) const;
    // Every node after its inputs (data and control). Throws studio::Error naming a node on a cycle.
    std::vector<std::size_t> topologicalOrder(const std::string& where = {}) const;
    // The same restricted to the nodes where subset[k] is true (edges from outside are ignored).
    std::vector<std::size_t> topologicalOrder(const std::vector<bool>& subset, const std::string& where = {}) const;

private:
    std::unordered_map<std::string_view, std::size_t> m_byName; // views into the graph's names
    std::vector<std::string_view> m_names;
    std::vector<std::vector<InputRef>> m_inputs;
    std::vector<std::vector<std::size_t>> m_consumers;
    std::vector<std::pair<std::size_t, std::string>> m_dangling;
};

// "node:1" -> ("node", 1), "^node" -> ("node", control), "node" -> ("node", 0).
struct ParsedInput {
    std::string_view node;
    int output = 0;
    bool control = false;
};
ParsedInput parseInput(std::string_view input);

// "node:1" -> "node", "^node" -> "node".
inline std::string inputNodeName(const std::string& input)
{
    std::string s = Node::isControlInput(input) ? input.substr(1) : input;
    const auto colon = s.find(':');
    return colon == std::string::npos ? s : s.substr(0, colon);
}

} // namespace studio::core
