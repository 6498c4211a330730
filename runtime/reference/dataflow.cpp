// The dataflow interpreter: frame analysis at load, then per run a ready queue of (node, frame
// instance, iteration) with pending inputs, deadness and a bounded amount of work.
#include "runtime/reference/dataflow.h"

#include "core/error.h"
#include "runtime/reference/kernels.h"
#include "runtime/reference/tensor_list.h"

#include <chrono>
#include <deque>
#include <map>
#include <set>
#include <tuple>

namespace studio::rt::ref {

namespace {

const std::set<std::string>& controlFlowOps()
{
    static const std::set<std::string> kOps{"Enter", "Exit", "LoopCond", "Merge", "NextIteration", "Switch"};
    return kOps;
}

std::string frameText(const std::string& name)
{
    return name.empty() ? std::string("the root frame") : "loop frame '" + name + "'";
}

// A tensor owned elsewhere (a constant or a fed input that outlives the run), shared without a copy.
std::shared_ptr<const Tensor> borrow(const Tensor* t)
{
    return std::shared_ptr<const Tensor>(std::shared_ptr<const Tensor>{}, t);
}

} // namespace

bool isDataflowOp(const std::string& op)
{
    return controlFlowOps().count(op) || listKernels().count(op);
}

std::vector<Tensor> dataflowOnly(const core::Node& node, const std::vector<const Tensor*>&)
{
    fail(node, "runs only in the reference executor's dataflow interpreter (control flow and TensorList values "
               "need frames and deadness, not one kernel call)");
}

std::vector<bool> DataflowProgram::reach(const core::GraphIndex& index, const std::vector<Ref>& outputs)
{
    std::vector<std::size_t> roots;
    for (const auto& o : outputs)
        roots.push_back(o.node);
    return index.reachable(roots, /*followControl=*/true);
}

DataflowProgram::DataflowProgram(const std::vector<core::Node>& nodes, const core::GraphIndex& index,
    const std::vector<bool>& needed, const std::vector<Ref>& outputs, const std::string& source)
    : m_nodes(&nodes), m_source(source), m_info(nodes.size()), m_outputs(outputs)
{
    const auto at = [&](std::size_t k) { return Location::atNode(source, nodes[k].name); };
    const auto& single = kernels();
    const auto& multi = multiKernels();
    const auto& lists = listKernels();
    std::set<std::string> missing;
    for (std::size_t k = 0; k < nodes.size(); ++k) {
        if (!needed[k])
            continue;
        const auto& n = nodes[k];
        auto& info = m_info[k];
        bool hasInputs = false;
        for (const auto& in : index.inputs(k)) {
            hasInputs = true;
            if (!in.control) {
                ++info.dataInputs;
                info.inputNodes.push_back(in.node);
                info.inputOutputs.push_back(static_cast<std::size_t>(in.output));
            }
        }
        if (n.op == "Placeholder" || (n.op == "Const" && !hasInputs))
            info.kind = Kind::Source;
        else if (n.op == "Const")
            info.kind = Kind::ConstGated; // its control inputs place it in a frame and carry deadness
        else if (n.op == "Enter")
            info.kind = Kind::Enter;
        else if (n.op == "Exit")
            info.kind = Kind::Exit;
        else if (n.op == "Switch")
            info.kind = Kind::Switch;
        else if (n.op == "Merge")
            info.kind = Kind::Merge;
        else if (n.op == "NextIteration")
            info.kind = Kind::NextIteration;
        else if (n.op == "LoopCond" || n.op == "Identity" || n.op == "Snapshot")
            info.kind = Kind::PassThrough; // values of any kind, TensorLists included, without a copy
        else if (n.op == "NoOp")
            info.kind = Kind::NoOp;
        else if (lists.count(n.op))
            info.kind = Kind::List;
        else if (single.count(n.op) || multi.count(n.op))
            info.kind = Kind::Regular;
        else
            missing.insert(n.op);
        if (info.kind == Kind::Enter) {
            if (stringAttr(n, "frame_name").empty())
                studio::fail(at(k), "Enter has no frame_name");
            info.constantEnter = boolAttr(n, "is_constant", false);
        }
        if ((info.kind == Kind::Switch && info.dataInputs != 2) || (info.kind == Kind::Merge && info.dataInputs < 1)
            || ((info.kind == Kind::Enter || info.kind == Kind::Exit || info.kind == Kind::NextIteration) && info.dataInputs != 1))
            studio::fail(at(k), n.op + " has " + std::to_string(info.dataInputs) + " data inputs");
    }
    if (!missing.empty()) {
        std::string list;
        for (const auto& op : missing)
            list += (list.empty() ? "" : ", ") + op;
        studio::fail(source, "the reference executor does not implement: " + list);
    }

    // Invariants: ordinary ops computed only from constants and inputs, without control inputs.
    // They run once per run, before anything else, and every frame sees them (TF.js treats
    // such values the same way, so a graph whose converter dropped the control edges that put
    // a constant into a loop still runs).
    std::vector<int> state(nodes.size(), 0); // 0 unknown, 1 visiting, 2 invariant, 3 not
    std::vector<std::pair<std::size_t, std::size_t>> stack;
    for (std::size_t root = 0; root < nodes.size(); ++root) {
        if (!needed[root] || state[root])
            continue;
        stack.push_back({root, 0});
        state[root] = 1;
        while (!stack.empty()) {
            auto& [k, next] = stack.back();
            const auto& info = m_info[k];
            const bool candidate = info.kind == Kind::Regular && info.dataInputs == index.inputs(k).size();
            if (candidate && next < info.inputNodes.size()) {
                const auto in = info.inputNodes[next++];
                if (!state[in]) {
                    state[in] = 1;
                    stack.push_back({in, 0});
                }
                continue;
            }
            bool invariant = info.kind == Kind::Source;
            if (candidate) {
                invariant = true;
                for (const auto in : info.inputNodes)
                    invariant = invariant && state[in] == 2;
            }
            state[k] = invariant ? 2 : 3;
            if (invariant && info.kind == Kind::Regular) {
                m_info[k].kind = Kind::Invariant;
                m_invariantOrder.push_back(k);
            }
            stack.pop_back();
        }
    }
    const auto fixed = [&](std::size_t k) { return m_info[k].kind == Kind::Source || m_info[k].kind == Kind::Invariant; };

    // Edges between nodes that run in frames; inputs from fixed nodes are filled in up front.
    for (std::size_t k = 0; k < nodes.size(); ++k) {
        if (!needed[k] || fixed(k))
            continue;
        auto& info = m_info[k];
        std::size_t slot = 0;
        for (const auto& in : index.inputs(k)) {
            if (in.control) {
                if (!fixed(in.node)) {
                    ++info.waitControl;
                    m_info[in.node].control.push_back(k);
                }
                continue;
            }
            const auto output = static_cast<std::size_t>(in.output);
            if (fixed(in.node)) {
                info.prefill.push_back(Prefill{slot, in.node, output});
            } else {
                ++info.waitData;
                m_info[in.node].data.push_back(Edge{k, slot, output});
            }
            ++slot;
        }
        if (info.waitData == 0 && info.waitControl == 0)
            m_start.push_back(k);
    }

    // Frames: from the start nodes along the edges, Enter opening its frame_name and Exit
    // returning to the parent. Every node must be reached in exactly one frame.
    m_frameNames.push_back("");
    m_frameParent.push_back(0);
    m_frameExits.emplace_back();
    std::map<std::string, std::size_t> frameIds;
    std::vector<bool> placed(nodes.size(), false);
    std::deque<std::size_t> queue;
    std::string conflict;
    std::size_t conflictNode = 0;
    const auto place = [&](std::size_t consumer, std::size_t outFrame, std::size_t producer) {
        std::size_t frame = outFrame;
        if (m_info[consumer].kind == Kind::Enter) {
            const auto name = stringAttr(nodes[consumer], "frame_name");
            const auto [it, fresh] = frameIds.emplace(name, m_frameNames.size());
            if (fresh) {
                m_frameNames.push_back(name);
                m_frameParent.push_back(outFrame);
                m_frameExits.emplace_back();
            } else if (m_frameParent[it->second] != outFrame) {
                studio::fail(at(consumer), "enters " + frameText(name) + " from " + frameText(m_frameNames[outFrame]) + ", but other Enters of it come from "
                        + frameText(m_frameNames[m_frameParent[it->second]]));
            }
            frame = it->second;
        }
        if (!placed[consumer]) {
            placed[consumer] = true;
            m_info[consumer].frame = frame;
            queue.push_back(consumer);
        } else if (m_info[consumer].frame != frame && conflict.empty()) {
            conflict = "reads '" + nodes[producer].name + "' from " + frameText(m_frameNames[frame]) + " but runs in "
                + frameText(m_frameNames[m_info[consumer].frame]);
            conflictNode = consumer;
        }
    };
    for (const auto k : m_start) {
        placed[k] = true;
        if (m_info[k].kind == Kind::Enter) {
            placed[k] = false;
            place(k, 0, k);
        } else {
            queue.push_back(k);
        }
    }
    while (!queue.empty()) {
        const auto k = queue.front();
        queue.pop_front();
        auto& info = m_info[k];
        std::size_t outFrame = info.frame;
        if (info.kind == Kind::Exit) {
            if (info.frame == 0)
                studio::fail(at(k), "Exit is not inside a loop frame (no Enter leads to it)");
            m_frameExits[info.frame].push_back(k);
            outFrame = m_frameParent[info.frame];
        }
        for (const auto& e : info.data)
            place(e.node, outFrame, k);
        for (const auto c : info.control)
            place(c, outFrame, k);
    }
    if (!conflict.empty()) {
        // The walk meets the mistake wherever its two frames collide; name the node that reads
        // from two frames at once when there is one, since that is where the graph is wrong.
        const auto outFrame = [&](std::size_t k) {
            return m_info[k].kind == Kind::Exit ? m_frameParent[m_info[k].frame] : m_info[k].frame;
        };
        const auto checkInputs = [&](std::size_t k) {
            std::optional<std::size_t> first;
            for (const auto& in : index.inputs(k)) {
                if (fixed(in.node) || !placed[in.node])
                    continue;
                if (!first) {
                    first = in.node;
                } else if (outFrame(in.node) != outFrame(*first)) {
                    const auto inner = outFrame(in.node) == 0 ? *first : in.node;
                    const auto outer = inner == in.node ? *first : in.node;
                    studio::fail(at(k), "reads '" + nodes[outer].name + "' from " + frameText(m_frameNames[outFrame(outer)])
                            + " and '" + nodes[inner].name + "' from " + frameText(m_frameNames[outFrame(inner)])
                            + " (values enter a loop only through Enter and leave it only through Exit)");
                }
            }
        };
        // Merges last: downstream of the mistake a loop's Merge sees its two inputs disagree too.
        for (const bool merges : {false, true})
            for (std::size_t k = 0; k < nodes.size(); ++k)
                if (needed[k] && !fixed(k) && placed[k] && m_info[k].kind != Kind::Enter && (m_info[k].kind == Kind::Merge) == merges)
                    checkInputs(k);
        studio::fail(at(conflictNode), conflict + " (values enter a loop only through Enter and leave it only through Exit)");
    }
    for (std::size_t k = 0; k < nodes.size(); ++k)
        if (needed[k] && placed[k] && m_info[k].kind == Kind::NextIteration && m_info[k].frame == 0)
            studio::fail(at(k), "NextIteration is not inside a loop frame (no Enter leads to it)");
    for (std::size_t k = 0; k < nodes.size(); ++k)
        if (needed[k] && !fixed(k) && !placed[k])
            studio::fail(at(k), "cannot be reached from the graph's inputs and constants (a cycle with no Enter into it)");
    for (const auto& o : outputs)
        if (!fixed(o.node) && m_info[o.node].frame != 0
            && !(m_info[o.node].kind == Kind::Exit && m_frameParent[m_info[o.node].frame] == 0))
            studio::fail(at(o.node), "is a model output inside " + frameText(m_frameNames[m_info[o.node].frame])
                    + "; outputs must be read after the loop's Exit");
}

// One run: frame instances, pending inputs, the ready queue.
struct DataflowRun {
    using Kind = DataflowProgram::Kind;
    const DataflowProgram& program;
    const std::vector<core::Node>& nodes;
    const std::vector<const Tensor*>& sources;
    const ExpectedShapes& expected;
    std::vector<NodeTiming>* profile;
    std::size_t maxExecutions;

    struct Instance {
        std::size_t frame;
        std::size_t parent;
        std::size_t parentIteration;
        std::size_t iterations = 1;
        std::vector<std::pair<std::size_t, FlowValue>> constants; // is_constant Enters and their values
        std::set<std::size_t> liveExits;
        bool closed = false;
    };
    struct Pending {
        std::vector<FlowValue> in;
        std::vector<bool> have;
        std::size_t data = 0;
        std::size_t control = 0;
        std::size_t deadData = 0;
        bool dead = false;
        bool fired = false; // Merge only: it fires once per iteration and ignores later inputs
        std::size_t liveSlot = 0;
        bool hasLive = false;
    };
    struct Work {
        std::size_t node;
        std::size_t instance;
        std::size_t iteration;
        std::vector<FlowValue> in;
        bool dead;
        std::size_t mergeSlot;
    };

    std::vector<Instance> instances;
    std::map<std::tuple<std::size_t, std::size_t, std::size_t>, std::size_t> instanceIds; // parent, iteration, frame
    std::map<std::tuple<std::size_t, std::size_t, std::size_t>, Pending> pending;        // node, instance, iteration
    std::deque<Work> ready;
    std::vector<std::vector<FlowValue>> invariants;
    std::vector<std::optional<std::vector<FlowValue>>> rootValues; // outputs of nodes run in the root frame
    std::vector<bool> isOutput;
    std::size_t executions = 0;

    const DataflowProgram::Info& info(std::size_t k) const { return program.m_info[k]; }

    FlowValue fixedValue(std::size_t node, std::size_t output, std::size_t reader)
    {
        if (info(node).kind == Kind::Source) {
            if (output != 0 || !sources[node])
                fail(nodes[reader], "reads output " + std::to_string(output) + " of '" + nodes[node].name + "', which has 1");
            FlowValue v;
            v.tensor = borrow(sources[node]);
            return v;
        }
        const auto& values = invariants[node];
        if (output >= values.size())
            fail(nodes[reader], "reads output " + std::to_string(output) + " of '" + nodes[node].name + "', which has "
                    + std::to_string(values.size()));
        return values[output];
    }

    Pending& pendingFor(std::size_t node, std::size_t instance, std::size_t iteration)
    {
        const auto key = std::make_tuple(node, instance, iteration);
        auto it = pending.find(key);
        if (it != pending.end())
            return it->second;
        Pending p;
        const auto& i = info(node);
        p.in.resize(i.dataInputs);
        p.have.assign(i.dataInputs, false);
        for (const auto& f : i.prefill) {
            p.in[f.slot] = fixedValue(f.node, f.output, node);
            p.have[f.slot] = true;
            if (i.kind == Kind::Merge && !p.hasLive) {
                p.hasLive = true;
                p.liveSlot = f.slot;
            }
        }
        return pending.emplace(key, std::move(p)).first->second;
    }

    void checkReady(std::size_t node, std::size_t instance, std::size_t iteration, Pending& p)
    {
        const auto& i = info(node);
        if (p.control < i.waitControl || p.fired)
            return;
        if (i.kind == Kind::Merge) {
            if (p.hasLive && !p.dead) {
                p.fired = true;
                ready.push_back(Work{node, instance, iteration, {p.in[p.liveSlot]}, false, p.liveSlot});
            } else if (p.dead || p.deadData == i.waitData) {
                p.fired = true;
                ready.push_back(Work{node, instance, iteration, {}, true, 0});
            }
            return; // kept: inputs arriving after the Merge fired are ignored
        }
        if (p.data < i.waitData)
            return;
        Work w{node, instance, iteration, std::move(p.in), p.dead, 0};
        pending.erase(std::make_tuple(node, instance, iteration));
        ready.push_back(std::move(w));
    }

    void arriveData(std::size_t node, std::size_t slot, FlowValue v, std::size_t instance, std::size_t iteration)
    {
        auto& p = pendingFor(node, instance, iteration);
        if (info(node).kind == Kind::Merge) {
            if (p.fired)
                return;
            if (v.dead) {
                ++p.deadData;
            } else if (!p.hasLive) {
                p.hasLive = true;
                p.liveSlot = slot;
                p.in[slot] = std::move(v);
            }
        } else {
            if (p.have[slot])
                fail(nodes[node], "input " + std::to_string(slot) + " arrived twice in one iteration of "
                        + frameText(program.m_frameNames[instances[instance].frame]));
            p.have[slot] = true;
            ++p.data;
            p.dead = p.dead || v.dead;
            p.in[slot] = std::move(v);
        }
        checkReady(node, instance, iteration, p);
    }

    void arriveControl(std::size_t node, bool dead, std::size_t instance, std::size_t iteration)
    {
        auto& p = pendingFor(node, instance, iteration);
        if (p.fired)
            return;
        ++p.control;
        // A dead control input kills a Merge too (TensorFlow's rule for control edges).
        p.dead = p.dead || dead;
        checkReady(node, instance, iteration, p);
    }

    // The outputs of `node` (or its deadness) to every consumer in the given frame instance.
    void deliver(std::size_t node, const std::vector<FlowValue>& outputs, bool dead, std::size_t instance, std::size_t iteration)
    {
        const auto& i = info(node);
        for (const auto& e : i.data) {
            FlowValue v;
            if (dead) {
                v.dead = true;
            } else if (e.output < outputs.size()) {
                v = outputs[e.output];
            } else {
                fail(nodes[e.node], "reads output " + std::to_string(e.output) + " of '" + nodes[node].name + "', which has "
                        + std::to_string(outputs.size()));
            }
            arriveData(e.node, e.slot, std::move(v), instance, iteration);
        }
        for (const auto c : i.control)
            arriveControl(c, dead, instance, iteration);
    }

    std::size_t childInstance(std::size_t parent, std::size_t iteration, std::size_t frame)
    {
        const auto key = std::make_tuple(parent, iteration, frame);
        const auto it = instanceIds.find(key);
        if (it != instanceIds.end())
            return it->second;
        instances.push_back(Instance{frame, parent, iteration, 1, {}, {}, false});
        instanceIds.emplace(key, instances.size() - 1);
        return instances.size() - 1;
    }

    // Where a node's outputs go: Enter into its frame, Exit out of it, NextIteration onwards.
    void send(std::size_t node, std::vector<FlowValue> outputs, bool dead, std::size_t instance, std::size_t iteration)
    {
        const auto& i = info(node);
        if (instance == 0 && isOutput[node])
            rootValues[node] = dead ? std::vector<FlowValue>{} : outputs;
        switch (i.kind) {
        case Kind::Enter: {
            const auto child = childInstance(instance, iteration, i.frame);
            instances[child].closed = false;
            if (i.constantEnter) {
                FlowValue v = dead ? FlowValue{} : outputs.front();
                v.dead = dead;
                instances[child].constants.push_back({node, v});
                for (std::size_t it = 0; it < instances[child].iterations; ++it)
                    deliver(node, outputs, dead, child, it);
            } else {
                deliver(node, outputs, dead, child, 0);
            }
            return;
        }
        case Kind::Exit:
            if (dead)
                return; // every iteration but the last sends its Exits a dead value
            instances[instance].liveExits.insert(node);
            if (instances[instance].parent == 0 && isOutput[node])
                rootValues[node] = outputs;
            deliver(node, outputs, false, instances[instance].parent, instances[instance].parentIteration);
            return;
        case Kind::NextIteration: {
            if (dead)
                return; // the loop ended: nothing more for the next iteration
            auto& inst = instances[instance];
            const auto next = iteration + 1;
            if (next == inst.iterations) {
                ++inst.iterations;
                const auto constants = inst.constants; // deliver() may add instances, not constants here
                for (const auto& [enter, value] : constants)
                    deliver(enter, {value}, value.dead, instance, next);
            }
            deliver(node, outputs, false, instance, next);
            return;
        }
        default:
            deliver(node, outputs, dead, instance, iteration);
        }
    }

    std::vector<FlowValue> execute(std::size_t k, const std::vector<FlowValue>& in, std::size_t mergeSlot)
    {
        const auto& node = nodes[k];
        const auto& i = info(k);
        switch (i.kind) {
        case Kind::Switch: {
            const auto& pred = in[1];
            if (!pred.tensor || pred.tensor->isFloat() || pred.tensor->size() != 1)
                fail(node, "the predicate (input 1) must be a bool scalar");
            std::vector<FlowValue> out(2);
            const std::size_t taken = pred.tensor->i[0] ? 1 : 0;
            out[taken] = in[0];
            out[1 - taken].dead = true;
            return out;
        }
        case Kind::Merge:
            return {in[0], FlowValue{std::make_shared<const Tensor>(Tensor::ints({}, {static_cast<std::int32_t>(mergeSlot)})), {}, false}};
        case Kind::Enter:
        case Kind::Exit:
        case Kind::NextIteration:
        case Kind::PassThrough:
            if (in.empty())
                fail(node, "needs an input");
            return {in[0]};
        case Kind::NoOp:
            return {};
        case Kind::ConstGated: {
            FlowValue v;
            if (!sources[k])
                fail(node, "Const node has no value");
            v.tensor = borrow(sources[k]);
            return {v};
        }
        case Kind::List: {
            std::vector<const FlowValue*> args;
            for (const auto& v : in)
                args.push_back(&v);
            return listKernels().at(node.op)(node, args);
        }
        default:
            break;
        }
        std::vector<const Tensor*> args;
        for (std::size_t s = 0; s < in.size(); ++s) {
            if (!in[s].tensor)
                fail(node, "input " + std::to_string(s) + " is a TensorList; " + node.op + " needs a tensor");
            args.push_back(in[s].tensor.get());
        }
        std::vector<Tensor> results;
        if (const auto it = kernels().find(node.op); it != kernels().end())
            results.push_back(it->second(node, args));
        else
            results = multiKernels().at(node.op)(node, args);
        const auto& want = expected[k];
        std::vector<FlowValue> out;
        for (std::size_t j = 0; j < results.size(); ++j) {
            if (j < want.size() && want[j] && results[j].shape != *want[j])
                fail(node, "the " + node.op + " kernel produced " + results[j].shapeText() + " where shape inference says "
                        + core::Shape{*want[j], false}.toString());
            out.push_back(FlowValue{std::make_shared<const Tensor>(std::move(results[j])), {}, false});
        }
        return out;
    }

    std::vector<FlowValue> timed(std::size_t k, const std::vector<FlowValue>& in, std::size_t mergeSlot)
    {
        if (!profile)
            return execute(k, in, mergeSlot);
        const auto t0 = std::chrono::steady_clock::now();
        auto out = execute(k, in, mergeSlot);
        profile->push_back(NodeTiming{nodes[k].name, nodes[k].op,
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count()});
        return out;
    }

    void drain()
    {
        while (!ready.empty()) {
            Work w = std::move(ready.front());
            ready.pop_front();
            if (++executions > maxExecutions) {
                const auto& inst = instances[w.instance];
                studio::fail(program.m_source, frameText(program.m_frameNames[inst.frame]) + " is still running after "
                        + std::to_string(maxExecutions) + " node executions (iteration " + std::to_string(w.iteration)
                        + ", node '" + nodes[w.node].name + "'): a loop that does not end, or one too long for the reference executor");
            }
            if (w.dead) {
                send(w.node, {}, true, w.instance, w.iteration);
                continue;
            }
            send(w.node, timed(w.node, w.in, w.mergeSlot), false, w.instance, w.iteration);
        }
    }

    std::vector<Tensor> run()
    {
        instances.push_back(Instance{0, 0, 0, 1, {}, {}, false});
        invariants.resize(nodes.size());
        rootValues.resize(nodes.size());
        isOutput.assign(nodes.size(), false);
        for (const auto& o : program.m_outputs)
            isOutput[o.node] = true;
        for (const auto k : program.m_invariantOrder) {
            std::vector<FlowValue> in;
            for (std::size_t s = 0; s < info(k).inputNodes.size(); ++s)
                in.push_back(fixedValue(info(k).inputNodes[s], info(k).inputOutputs[s], k));
            ++executions;
            invariants[k] = timed(k, in, 0);
        }
        for (const auto k : program.m_start) {
            auto& p = pendingFor(k, 0, 0);
            checkReady(k, 0, 0, p);
        }
        drain();
        // Nothing can move: the innermost open frame instance is finished, and its Exits that
        // never saw a live value become dead in the parent (a loop inside an untaken branch).
        for (;;) {
            std::size_t open = 0;
            for (std::size_t id = instances.size(); id-- > 1;)
                if (!instances[id].closed) {
                    open = id;
                    break;
                }
            if (!open)
                break;
            instances[open].closed = true;
            const auto inst = instances[open];
            for (const auto exit : program.m_frameExits[inst.frame])
                if (!inst.liveExits.count(exit))
                    deliver(exit, {}, true, inst.parent, inst.parentIteration);
            drain();
        }

        std::vector<Tensor> result;
        for (const auto& o : program.m_outputs) {
            const auto& name = nodes[o.node].name;
            const auto kind = info(o.node).kind;
            FlowValue v;
            if (kind == Kind::Source || kind == Kind::Invariant) {
                v = fixedValue(o.node, o.output, o.node);
            } else if (!rootValues[o.node]) {
                std::string waiting;
                for (const auto& [key, p] : pending)
                    if (info(std::get<0>(key)).kind == Kind::Merge && !p.fired) {
                        waiting = "; Merge '" + nodes[std::get<0>(key)].name + "' never received a live input";
                        break;
                    }
                studio::fail(Location::atNode(program.m_source, name), "the output was never computed" + waiting);
            } else if (rootValues[o.node]->empty()) {
                studio::fail(Location::atNode(program.m_source, name), "the output is dead: it depends on the untaken side of a Switch");
            } else if (o.output >= rootValues[o.node]->size()) {
                studio::fail(Location::atNode(program.m_source, name), "output " + std::to_string(o.output) + " does not exist");
            } else {
                v = (*rootValues[o.node])[o.output];
            }
            if (v.dead)
                studio::fail(Location::atNode(program.m_source, name), "the output is dead: it depends on the untaken side of a Switch");
            if (!v.tensor)
                studio::fail(Location::atNode(program.m_source, name), "the output is a TensorList, not a tensor");
            result.push_back(*v.tensor);
        }
        return result;
    }
};

std::vector<Tensor> DataflowProgram::run(const std::vector<const Tensor*>& sources, const ExpectedShapes& expected,
    std::vector<NodeTiming>* profile, std::size_t maxExecutions) const
{
    DataflowRun r{*this, *m_nodes, sources, expected, profile, maxExecutions, {}, {}, {}, {}, {}, {}, {}, 0};
    return r.run();
}

} // namespace studio::rt::ref
