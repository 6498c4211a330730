// The op-level graph: TensorFlow nodes with typed attributes, plus library functions.
#pragma once

#include "core/ir/attr.h"

#include <string>
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

    const Node* find(const std::string& name) const
    {
        for (const auto& n : nodes)
            if (n.name == name)
                return &n;
        return nullptr;
    }
};

// "node:1" -> "node", "^node" -> "node".
inline std::string inputNodeName(const std::string& input)
{
    std::string s = Node::isControlInput(input) ? input.substr(1) : input;
    const auto colon = s.find(':');
    return colon == std::string::npos ? s : s.substr(0, colon);
}

} // namespace studio::core
