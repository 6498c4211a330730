// Graph passes and the pass manager: named passes run in a fixed order, and each reports what it
// changed (nodes added, removed, fused; op counts before -> after), as tf2onnx's optimizers do.
#pragma once

#include "converter/passes/constant_folding.h"
#include "core/error.h"
#include "core/ir/model.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace studio::conv {

struct ConvertOptions;

// What one pass did to the graph. Node lists and op counts are computed by the manager from the
// graph before and after; `fused` is what the pass itself says it merged ("conv1 + bias + relu").
struct PassReport {
    std::string pass;
    std::size_t nodesBefore = 0;
    std::size_t nodesAfter = 0;
    std::vector<std::string> added;   // node names new after the pass
    std::vector<std::string> removed; // node names gone after the pass
    std::vector<std::string> fused;
    std::map<std::string, std::pair<std::size_t, std::size_t>> opCounts; // op -> (before, after), changed ops only
    std::vector<std::string> notes;

    bool changed() const { return !added.empty() || !removed.empty() || !opCounts.empty() || !fused.empty() || modified; }
    bool modified = false; // attributes or inputs changed without adding or removing nodes
    // "strip_debug_ops: 12 -> 10 nodes; Assert -2 (2->0), NoOp +2 (0->2)" or "strip_debug_ops: no change".
    std::string summary() const;
};

struct PassContext {
    const ConvertOptions* options = nullptr; // null in tests
    CancelToken cancel;
    PassReport* report = nullptr; // the running pass's report, for fused / notes / modified
    ConstantEvaluator evaluate;   // computes constant subgraphs (constant folding); empty: nothing is folded
    std::uint64_t maxMemoryBytes = 0; // --max-memory (0: the default budget)
};

class Pass {
public:
    virtual ~Pass() = default;
    virtual std::string name() const = 0;
    virtual void run(core::Model& model, PassContext& context) const = 0;
};

class PassManager {
public:
    void add(std::unique_ptr<Pass> pass) { m_passes.push_back(std::move(pass)); }
    std::vector<std::string> names() const;
    // Runs every pass in order on model.graph; throws what a pass throws (studio::Cancelled between passes).
    std::vector<PassReport> run(core::Model& model, PassContext context) const;

private:
    std::vector<std::unique_ptr<Pass>> m_passes;
};

// Grappler's debug_stripper: Assert and PrintV2 become NoOps (their inputs control edges),
// CheckNumerics and Print become Identity of their first input.
std::unique_ptr<Pass> makeStripDebugOpsPass();

} // namespace studio::conv
