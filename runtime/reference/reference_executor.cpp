// Scheduling for the reference executor: constants decoded once, nodes run in dependency order,
// kernels with one or several outputs, per-node timings on the CPU's steady clock.
#include "runtime/reference/reference_executor.h"

#include "core/error.h"
#include "core/io/memory_budget.h"
#include "core/ops/shape_inference.h"
#include "core/tfjs/decode.h"
#include "runtime/reference/dataflow.h"
#include "runtime/reference/kernels.h"
#include "runtime/reference/reference_backend.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
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
    fail(Location::atWeight("", w.name), "reference executor: dtype " + std::string(core::dtypeName(w.dtype))
            + (w.quantization ? " (quantized)" : "") + " is not supported");
}

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t0)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

} // namespace

ReferenceSession::ReferenceSession(const core::Model& model, const CompileOptions& options)
{
    if (model.kind != core::ModelKind::GraphModel)
        fail(model.sourcePath, "the reference executor runs graph models; this is a "
                + std::string(core::modelKindName(model.kind)) + " (lower it to ops first)");
    m_info.backend = "reference";
    m_info.device = "C++ CPU (plain loops, the numerical oracle)";
    m_info.cpuDevice = true;
    m_info.clock = "steady_clock around each kernel";
    m_nodes = model.graph.nodes;
    const core::GraphIndex index(model.graph);
    if (!index.dangling().empty()) {
        const auto& [k, text] = index.dangling().front();
        fail(Location::atNode(model.sourcePath, m_nodes[k].name), "reads '" + text + "', which does not exist");
    }
    m_constants.assign(m_nodes.size(), {});

    std::map<std::string, const core::Weight*> weights;
    for (const auto& g : model.weightGroups)
        for (const auto& w : g.weights)
            weights[w.name] = &w;

    for (std::size_t k = 0; k < m_nodes.size(); ++k) {
        options.cancel.check();
        const auto& n = m_nodes[k];
        if (n.op == "Const") {
            const auto it = weights.find(n.name);
            if (it == weights.end())
                fail(Location::atNode(model.sourcePath, n.name), "Const node has no weight in the manifest");
            m_constants[k].push_back(weightTensor(*it->second));
        } else if (n.op == "Placeholder") {
            m_placeholders.push_back(k);
            m_info.inputs.push_back(n.name);
        }
    }

    // Outputs: the model's signature / sink nodes, any output slot.
    for (const auto& spec : model.outputs) {
        const auto parsed = core::parseInput(spec.name);
        const auto node = index.find(parsed.node);
        if (!node)
            fail(model.sourcePath, "output '" + spec.name + "' names no node");
        m_outputs.push_back(Ref{*node, static_cast<std::size_t>(parsed.output)});
        m_info.outputs.push_back(spec.name);
    }
    if (m_outputs.empty())
        fail(model.sourcePath, "the model has no outputs");

    // Only what the outputs need runs: mark backwards from them, then keep topological order.
    std::vector<std::size_t> roots;
    for (const auto& o : m_outputs)
        roots.push_back(o.node);
    std::vector<bool> needed = index.reachable(roots, /*followControl=*/false);
    // Control flow and TensorLists need frames and deadness: the dataflow interpreter, which
    // also follows control inputs (they carry deadness and place nodes in loop frames).
    bool dataflow = false;
    for (std::size_t k = 0; k < m_nodes.size(); ++k)
        dataflow = dataflow || (needed[k] && ref::isDataflowOp(m_nodes[k].op));
    std::vector<ref::DataflowProgram::Ref> dataflowOutputs;
    for (const auto& o : m_outputs)
        dataflowOutputs.push_back(ref::DataflowProgram::Ref{o.node, o.output});
    if (dataflow) {
        needed = ref::DataflowProgram::reach(index, dataflowOutputs);
        m_info.device += "; dataflow interpreter for control flow";
    }
    const auto& single = ref::kernels();
    const auto& multi = ref::multiKernels();
    std::set<std::string> missingOps;
    for (std::size_t k = 0; k < m_nodes.size() && !dataflow; ++k)
        if (needed[k] && m_constants[k].empty() && m_nodes[k].op != "Placeholder" && !single.count(m_nodes[k].op)
            && !multi.count(m_nodes[k].op))
            missingOps.insert(m_nodes[k].op);
    if (!missingOps.empty()) {
        std::string list;
        for (const auto& op : missingOps)
            list += (list.empty() ? "" : ", ") + op;
        fail(model.sourcePath, "the reference executor does not implement: " + list);
    }
    // Shapes once, at load (schemas in core/ops), with the concrete input shapes when given.
    core::InferOptions inferOptions;
    for (const auto& [name, dims] : options.inputShapes)
        inferOptions.inputShapes[name] = core::Shape{dims, false};
    const auto inferred = core::inferShapes(model, inferOptions);
    const std::uint64_t budget = core::memoryBudgetOr(options.maxMemoryBytes);
    m_expected.resize(m_nodes.size());
    for (std::size_t k = 0; k < m_nodes.size(); ++k)
        for (const auto& t : inferred.outputs[k]) {
            const bool known = !t.shape.unknownRank
                && std::all_of(t.shape.dims.begin(), t.shape.dims.end(), [](std::int64_t d) { return d >= 0; });
            m_expected[k].push_back(known ? std::optional(t.shape.dims) : std::nullopt);
            // A shape that came from the file (a batch dimension of 100000) must not make a run
            // allocate what the machine cannot hold: refused now, naming the node.
            if (known) {
                std::uint64_t bytes = 4; // every value type we compute in takes at most 4 bytes
                bool overflow = false;
                for (const auto d : t.shape.dims) {
                    if (d != 0 && bytes > std::numeric_limits<std::uint64_t>::max() / static_cast<std::uint64_t>(d))
                        overflow = true;
                    else
                        bytes *= static_cast<std::uint64_t>(d);
                }
                if (overflow || bytes > budget) {
                    std::string shape;
                    for (const auto d : t.shape.dims)
                        shape += (shape.empty() ? "" : ",") + std::to_string(d);
                    fail(Location::atNode(model.sourcePath, m_nodes[k].name),
                        "its output of shape [" + shape + "] needs " + (overflow ? std::string("more than 2^64") : std::to_string(bytes))
                            + " bytes, over the memory budget of " + core::byteSizeText(budget)
                            + " (raise it with --max-memory if the model is trusted)");
                }
            }
        }
    if (dataflow) {
        m_dataflow = std::make_unique<ref::DataflowProgram>(m_nodes, index, needed, dataflowOutputs, model.sourcePath);
        return;
    }
    for (const auto k : index.topologicalOrder(needed, model.sourcePath)) {
        const auto& n = m_nodes[k];
        if (!m_constants[k].empty() || n.op == "Placeholder")
            continue;
        Step step{k, {}};
        for (const auto& in : index.inputs(k))
            if (!in.control)
                step.inputs.push_back(Ref{in.node, static_cast<std::size_t>(in.output)});
        m_steps.push_back(std::move(step));
    }
}

RunResult ReferenceSession::run(const std::map<std::string, Tensor>& inputs, const RunOptions& options)
{
    std::vector<std::vector<Tensor>> values(m_nodes.size());
    std::vector<const std::vector<Tensor>*> ready(m_nodes.size(), nullptr);
    for (std::size_t k = 0; k < m_nodes.size(); ++k)
        if (!m_constants[k].empty())
            ready[k] = &m_constants[k];
    std::vector<const Tensor*> fed(m_nodes.size(), nullptr);
    for (const auto k : m_placeholders) {
        const auto& name = m_nodes[k].name;
        auto it = inputs.find(name);
        if (it == inputs.end())
            it = inputs.find(name + ":0");
        if (it == inputs.end())
            fail("reference executor", "input '" + name + "' was not given");
        fed[k] = &it->second; // read in place: inputs are never copied per run
    }
    if (m_dataflow) {
        std::vector<const Tensor*> sources(m_nodes.size(), nullptr);
        for (std::size_t k = 0; k < m_nodes.size(); ++k)
            sources[k] = fed[k] ? fed[k] : (m_constants[k].empty() ? nullptr : &m_constants[k][0]);
        RunResult result;
        const auto runStart = Clock::now();
        for (auto& t : m_dataflow->run(sources, m_expected, options.profile ? &result.profile : nullptr))
            result.outputs.emplace_back(std::move(t));
        result.deviceMs = msSince(runStart);
        return result;
    }
    auto valueOf = [&](const Ref& r, const core::Node& reader) -> const Tensor* {
        if (fed[r.node]) {
            if (r.output != 0)
                fail(Location::atNode("", reader.name), "reads output " + std::to_string(r.output) + " of placeholder '"
                        + m_nodes[r.node].name + "', which has 1");
            return fed[r.node];
        }
        const auto* v = ready[r.node];
        if (!v)
            fail(Location::atNode("", reader.name), "input '" + m_nodes[r.node].name + "' has no value");
        if (r.output >= v->size())
            fail(Location::atNode("", reader.name), "reads output " + std::to_string(r.output) + " of '"
                    + m_nodes[r.node].name + "', which has " + std::to_string(v->size()));
        return &(*v)[r.output];
    };
    RunResult result;
    const auto& single = ref::kernels();
    const auto& multi = ref::multiKernels();
    const auto runStart = Clock::now();
    for (const auto& step : m_steps) {
        const auto& node = m_nodes[step.node];
        std::vector<const Tensor*> args;
        args.reserve(step.inputs.size());
        for (const auto& r : step.inputs)
            args.push_back(valueOf(r, node));
        const auto t0 = Clock::now();
        if (const auto it = single.find(node.op); it != single.end())
            values[step.node].push_back(it->second(node, args));
        else
            values[step.node] = multi.at(node.op)(node, args);
        if (options.profile)
            result.profile.push_back(NodeTiming{node.name, node.op, msSince(t0)});
        const auto& expected = m_expected[step.node];
        const auto& got = values[step.node];
        for (std::size_t j = 0; j < got.size() && j < expected.size(); ++j)
            if (expected[j] && got[j].shape != *expected[j])
                fail(Location::atNode("", node.name), "the " + node.op + " kernel produced " + got[j].shapeText()
                        + " where shape inference says " + core::Shape{*expected[j], false}.toString());
        ready[step.node] = &values[step.node];
    }
    result.deviceMs = msSince(runStart);
    for (const auto& o : m_outputs) {
        if (!ready[o.node] && !fed[o.node])
            fail("reference executor", "output '" + m_nodes[o.node].name + "' was not computed");
        result.outputs.emplace_back(*valueOf(o, m_nodes[o.node]));
    }
    return result;
}

ReferenceSession::~ReferenceSession() = default;

namespace {

class ReferenceBackend final : public Backend {
public:
    BackendInfo info() const override
    {
        return BackendInfo{"reference", "plain C++ CPU executor, the numerical oracle (slow on purpose)", true, {}};
    }
    std::unique_ptr<Session> compile(const core::Model& model, const CompileOptions& options) const override
    {
        return std::make_unique<ReferenceSession>(model, options);
    }
};

} // namespace

std::unique_ptr<Backend> makeReferenceBackend()
{
    return std::make_unique<ReferenceBackend>();
}

} // namespace studio::rt
