// Where each node of a graph went through the passes: kept under its name, merged into a node
// downstream that now does its work (a BiasAdd into the _FusedConv2D that took the Relu's name),
// or removed. The studio's original-vs-optimized view follows a selection across with it.
#pragma once

#include "converter/passes/pass_manager.h"
#include "core/ir/graph.h"

#include <string>
#include <unordered_map>
#include <vector>

namespace studio::conv {

struct NodeFate {
    enum class Kind { Kept, Merged, Removed };
    Kind kind = Kind::Kept;
    std::string into; // Merged: the surviving node it feeds, nearest first (breadth-first over consumers)
    std::string pass; // Merged, Removed: the first pass whose report lists it removed (empty: none says so)
};

struct GraphTrace {
    std::unordered_map<std::string, NodeFate> fates;                      // every node of `before`, by name
    std::unordered_map<std::string, std::vector<std::string>> mergedInto; // node of `after` -> nodes of `before` merged into it, in graph order
    std::unordered_map<std::string, std::string> addedBy;                 // node of `after` not in `before` -> the pass that added it

    const NodeFate* fate(const std::string& beforeNode) const
    {
        const auto it = fates.find(beforeNode);
        return it == fates.end() ? nullptr : &it->second;
    }
};

// `passes` are the reports of the passes that turned `before` into `after`, in order. Only
// top-level nodes are traced (function bodies are not).
GraphTrace traceGraph(const core::Graph& before, const core::Graph& after, const std::vector<PassReport>& passes);

} // namespace studio::conv
