// The reference executor: runs a graph model node by node with plain C++ kernels. Slow on
// purpose and simple enough to trust; the Vulkan runtime is checked against it. Reached through
// the backend registry as "reference"; nothing above runtime/ names this class.
#pragma once

#include "runtime/backend.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace studio::rt {

namespace ref {
class DataflowProgram;
}

class ReferenceSession final : public Session {
public:
    ReferenceSession(const core::Model& model, const CompileOptions& options);
    ~ReferenceSession() override;
    const SessionInfo& info() const override { return m_info; }
    RunResult run(const std::map<std::string, Tensor>& inputs, const RunOptions& options = {}) override;

private:
    struct Ref {
        std::size_t node;
        std::size_t output;
    };
    struct Step {
        std::size_t node;
        std::vector<Ref> inputs;
    };
    std::vector<core::Node> m_nodes;
    std::vector<std::vector<Tensor>> m_constants; // by node; empty for computed nodes
    std::vector<Step> m_steps;                    // topological order of computed nodes
    std::vector<std::size_t> m_placeholders;      // node indexes, in model order
    std::vector<Ref> m_outputs;
    // Per node and output, the shape inferred at load when it is fully known: every kernel's
    // result is checked against it, so the schemas and the kernels keep each other honest.
    std::vector<std::vector<std::optional<std::vector<std::int64_t>>>> m_expected;
    SessionInfo m_info;
    // Set when the graph has TF1 control flow or TensorLists: then it runs on the dataflow
    // interpreter instead of m_steps.
    std::unique_ptr<ref::DataflowProgram> m_dataflow;
};

} // namespace studio::rt
