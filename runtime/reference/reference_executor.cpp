// Scheduling for the reference executor: constants decoded once, nodes run in dependency order.
#include "runtime/reference/reference_executor.h"

#include "core/error.h"
#include "runtime/reference/kernels.h"

#include <cstring>
#include <functional>
#include <set>

namespace studio::rt {

namespace {

Tensor weightTensor(const core::Weight& w)
{
    Tensor t;
    t.shape = w.shape;
    if (w.dtype == core::DType::Float32) {
        t.f = core::decodeFloat32(w);
        return t;
    }
    if (w.dtype == core::DType::Int32 && !w.quantization) {
        const auto bytes = w.storedBytes();
        t.dtype = core::DType::Int32;
        t.i.resize(bytes.size() / 4);
        std::memcpy(t.i.data(), bytes.data(), t.i.size() * 4);
        return t;
    }
    if (w.dtype == core::DType::Bool) {
        const auto bytes = w.storedBytes();
        t.dtype = core::DType::Int32;
        t.i.assign(bytes.begin(), bytes.end());
        return t;
    }
    fail("reference executor: weight '" + w.name + "'",
        "dtype " + std::string(core::dtypeName(w.dtype)) + (w.quantization ? " (quantized)" : "") + " is not supported");
}

std::string nodeOf(const std::string& tensor, int* index = nullptr)
{
    const auto colon = tensor.find(':');
    if (index)
        *index = colon == std::string::npos ? 0 : std::atoi(tensor.c_str() + colon + 1);
    return colon == std::string::npos ? tensor : tensor.substr(0, colon);
}

} // namespace

void ReferenceExecutor::load(const core::Model& model)
{
    if (model.kind != core::ModelKind::GraphModel)
        fail(model.sourcePath, "the reference executor runs graph models; this is a "
                + std::string(core::modelKindName(model.kind)));
    m_nodes = model.graph.nodes;
    m_slot.clear();
    m_steps.clear();
    m_inputs.clear();
    m_outputs.clear();
    m_outputSlots.clear();
    for (std::size_t k = 0; k < m_nodes.size(); ++k)
        m_slot[m_nodes[k].name] = k;
    m_constants.assign(m_nodes.size(), Tensor{});
    m_isConstant.assign(m_nodes.size(), false);

    std::map<std::string, const core::Weight*> weights;
    for (const auto& g : model.weightGroups)
        for (const auto& w : g.weights)
            weights[w.name] = &w;

    const auto& table = ref::kernels();
    std::set<std::string> missingOps;
    for (std::size_t k = 0; k < m_nodes.size(); ++k) {
        const auto& n = m_nodes[k];
        if (n.op == "Const") {
            const auto it = weights.find(n.name);
            if (it == weights.end())
                fail(model.sourcePath, "Const node '" + n.name + "' has no weight in the manifest");
            m_constants[k] = weightTensor(*it->second);
            m_isConstant[k] = true;
        } else if (n.op == "Placeholder") {
            m_inputs.push_back(n.name);
        }
    }

    // Outputs: the model's signature / sink nodes, output 0 of each.
    for (const auto& spec : model.outputs) {
        int index = 0;
        const std::string node = nodeOf(spec.name, &index);
        if (!m_slot.count(node))
            fail(model.sourcePath, "output '" + spec.name + "' names no node");
        if (index != 0)
            fail(model.sourcePath, "output '" + spec.name + "': only the first output of a node is supported");
        m_outputSlots.push_back(m_slot[node]);
        m_outputs.push_back(spec.name);
    }
    if (m_outputSlots.empty())
        fail(model.sourcePath, "the model has no outputs");

    // Depth-first from the outputs: each node after its data inputs. Iterative, so that deep
    // graphs cannot overflow the stack.
    std::vector<int> state(m_nodes.size(), 0); // 0 new, 1 on the stack, 2 done
    for (const auto out : m_outputSlots) {
        std::vector<std::pair<std::size_t, std::size_t>> stack{{out, 0}};
        while (!stack.empty()) {
            auto& [k, next] = stack.back();
            const auto& n = m_nodes[k];
            if (next == 0) {
                if (state[k] == 2) {
                    stack.pop_back();
                    continue;
                }
                state[k] = 1;
            }
            bool descended = false;
            while (next < n.inputs.size()) {
                const std::string& in = n.inputs[next++];
                if (core::Node::isControlInput(in))
                    continue;
                int index = 0;
                const std::string name = nodeOf(in, &index);
                const auto it = m_slot.find(name);
                if (it == m_slot.end())
                    fail(model.sourcePath, "node '" + n.name + "' reads '" + in + "', which does not exist");
                if (index != 0)
                    fail(model.sourcePath, "node '" + n.name + "' reads output " + std::to_string(index) + " of '" + name
                            + "'; multi-output ops are not supported by the reference executor yet");
                if (state[it->second] == 1)
                    fail(model.sourcePath, "the graph has a cycle through '" + name + "'");
                if (state[it->second] == 0) {
                    stack.emplace_back(it->second, 0);
                    descended = true;
                    break;
                }
            }
            if (descended)
                continue;
            state[k] = 2;
            if (!m_isConstant[k] && n.op != "Placeholder") {
                if (!table.count(n.op)) {
                    missingOps.insert(n.op);
                } else {
                    Step step{&m_nodes[k], {}};
                    for (const auto& in : n.inputs)
                        if (!core::Node::isControlInput(in))
                            step.inputs.push_back(m_slot[nodeOf(in)]);
                    m_steps.push_back(step);
                }
            }
            stack.pop_back();
        }
    }
    if (!missingOps.empty()) {
        std::string list;
        for (const auto& op : missingOps)
            list += (list.empty() ? "" : ", ") + op;
        fail(model.sourcePath, "the reference executor does not implement: " + list);
    }
}

std::vector<Tensor> ReferenceExecutor::run(const std::map<std::string, Tensor>& inputs)
{
    std::vector<Tensor> values(m_nodes.size());
    std::vector<const Tensor*> ready(m_nodes.size(), nullptr);
    for (std::size_t k = 0; k < m_nodes.size(); ++k)
        if (m_isConstant[k])
            ready[k] = &m_constants[k];
    for (const auto& name : m_inputs) {
        auto it = inputs.find(name);
        if (it == inputs.end())
            it = inputs.find(name + ":0");
        if (it == inputs.end())
            fail("reference executor", "input '" + name + "' was not given");
        ready[m_slot[name]] = &it->second;
    }
    for (const auto& step : m_steps) {
        std::vector<const Tensor*> args;
        for (const auto s : step.inputs) {
            if (!ready[s])
                fail("reference executor: node '" + step.node->name + "'", "input '" + m_nodes[s].name + "' has no value");
            args.push_back(ready[s]);
        }
        const auto slot = m_slot[step.node->name];
        values[slot] = ref::kernels().at(step.node->op)(*step.node, args);
        ready[slot] = &values[slot];
    }
    std::vector<Tensor> out;
    for (const auto s : m_outputSlots) {
        if (!ready[s])
            fail("reference executor", "output '" + m_nodes[s].name + "' was not computed");
        out.push_back(*ready[s]);
    }
    return out;
}

} // namespace studio::rt
