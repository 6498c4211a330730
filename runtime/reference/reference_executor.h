// The reference executor: runs a graph model node by node with plain C++ kernels. Slow on
// purpose and simple enough to trust; the Vulkan runtime is checked against it.
#pragma once

#include "runtime/executor.h"

#include <map>
#include <string>
#include <vector>

namespace studio::rt {

class ReferenceExecutor final : public Executor {
public:
    std::string name() const override { return "reference (C++ CPU)"; }
    void load(const core::Model& model) override;
    std::vector<Tensor> run(const std::map<std::string, Tensor>& inputs) override;

    const std::vector<std::string>& outputNames() const { return m_outputs; }
    const std::vector<std::string>& inputNames() const { return m_inputs; }

private:
    struct Step {
        const core::Node* node;
        std::vector<std::size_t> inputs; // indices into the value table
    };
    std::vector<core::Node> m_nodes;
    std::map<std::string, std::size_t> m_slot; // node name -> value slot
    std::vector<Tensor> m_constants;            // by slot; empty for computed nodes
    std::vector<bool> m_isConstant;
    std::vector<Step> m_steps;                  // topological order of computed nodes
    std::vector<std::string> m_inputs;          // placeholder names
    std::vector<std::size_t> m_outputSlots;
    std::vector<std::string> m_outputs;
};

} // namespace studio::rt
