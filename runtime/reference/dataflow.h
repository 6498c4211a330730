// The reference executor's dataflow interpreter, for graphs with TF1 control flow (Enter, Exit,
// Switch, Merge, NextIteration, LoopCond) or TensorList values. It runs nodes as their inputs
// arrive, per frame instance and iteration, with TensorFlow's rules: Switch sends its input to
// one output and a dead value to the other; a node with a dead input is dead (its outputs are
// dead) except Merge, which fires with its first live input, or dead once every input is dead;
// Enter moves a value into the child frame named by frame_name (an is_constant Enter into every
// iteration of it); NextIteration feeds the next iteration of its frame; Exit leaves to the
// parent; a dead NextIteration or Exit goes nowhere, and the Exits of a frame instance that
// finishes without a live value become dead in the parent. Graphs without these ops keep the
// session's plain topological path.
#pragma once

#include "core/ir/graph.h"
#include "runtime/backend.h"
#include "runtime/tensor.h"

#include <optional>
#include <string>
#include <vector>

namespace studio::rt::ref {

// TF1 control flow and TensorList ops: a graph with any of them runs on the dataflow interpreter.
bool isDataflowOp(const std::string& op);

// Per node and output, the shape inferred at load when fully known (every result is checked).
using ExpectedShapes = std::vector<std::vector<std::optional<std::vector<std::int64_t>>>>;

class DataflowProgram {
public:
    struct Ref {
        std::size_t node;
        std::size_t output;
    };
    // Work allowed per run: node executions, loops included. A loop that never ends is an error
    // naming its frame instead of a hang.
    static constexpr std::size_t kMaxExecutions = 1000000;

    // Nodes the outputs reach through data and control inputs (control inputs carry deadness
    // and place nodes in loop frames here, so they count).
    static std::vector<bool> reach(const core::GraphIndex& index, const std::vector<Ref>& outputs);

    // Checks the frame structure once: every node in one frame, values entering a loop only
    // through Enter and leaving only through Exit; throws naming the node otherwise, and for an
    // op the reference executor does not have.
    DataflowProgram(const std::vector<core::Node>& nodes, const core::GraphIndex& index, const std::vector<bool>& needed,
        const std::vector<Ref>& outputs, const std::string& source);

    // `sources[k]`: the value of Const or Placeholder node k, null for other nodes.
    std::vector<Tensor> run(const std::vector<const Tensor*>& sources, const ExpectedShapes& expected,
        std::vector<NodeTiming>* profile, std::size_t maxExecutions = kMaxExecutions) const;

private:
    enum class Kind { Unused, Source, Invariant, Regular, ConstGated, Enter, Exit, Switch, Merge, NextIteration, PassThrough, NoOp, List };
    struct Edge {
        std::size_t node; // consumer
        std::size_t slot; // its data input
        std::size_t output; // of the producer
    };
    struct Prefill {
        std::size_t slot;
        std::size_t node;
        std::size_t output;
    };
    struct Info {
        Kind kind = Kind::Unused;
        std::size_t dataInputs = 0;
        std::size_t waitData = 0;    // data inputs that arrive at run time (not sources / invariants)
        std::size_t waitControl = 0; // control inputs likewise
        std::vector<Prefill> prefill;
        std::vector<Edge> data;               // consumers of the outputs
        std::vector<std::size_t> control;     // control consumers
        std::size_t frame = 0;
        bool constantEnter = false;
        std::vector<std::size_t> inputNodes; // data inputs' producers, for invariant evaluation
        std::vector<std::size_t> inputOutputs;
    };
    friend struct DataflowRun;

    const std::vector<core::Node>* m_nodes;
    std::string m_source;
    std::vector<Info> m_info;
    std::vector<std::size_t> m_invariantOrder; // computed once per run, before anything else
    std::vector<std::size_t> m_start;          // run first, in the root frame
    std::vector<Ref> m_outputs;
    std::vector<std::string> m_frameNames;     // 0: the root
    std::vector<std::size_t> m_frameParent;
    std::vector<std::vector<std::size_t>> m_frameExits;
};

} // namespace studio::rt::ref
