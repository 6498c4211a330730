// Control-flow lowering, as convert_variables_to_constants_v2(lower_control_flow=True) does while
// the reference freezes a SavedModel (CONVERTER.md 3.1 step 4, FORMATS.md 7.6): each functional
// While / StatelessWhile becomes a TF1 loop frame (Enter, Merge, LoopCond, Switch, Exit,
// NextIteration) with its cond and body functions inlined, and each If / StatelessIf a Switch /
// Merge pair of branches, named as TensorFlow's lowering names them. Also the Grappler
// function-library cleanup the reference gets on the bodies it keeps.
#include "converter/options.h"
#include "converter/passes/graph_edit.h"
#include "converter/passes/graph_passes.h"
#include "core/error.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

namespace studio::conv {

namespace {

using core::AttrValue;
using core::Node;

// Ops whose outputs form more than one output arg: (arg name, tensors in it) in OpDef order, so
// that a body input "node:out_arg:k" becomes a flat output index (FORMATS.md 6.5). Every other op
// has one output arg and the flat index is k.
int flatOutput(const Node& producer, const std::string& arg, int k, const std::string& where)
{
    static const std::map<std::string, std::vector<std::string>> args = {
        {"FusedBatchNorm", {"y", "batch_mean", "batch_variance", "reserve_space_1", "reserve_space_2"}},
        {"FusedBatchNormV2", {"y", "batch_mean", "batch_variance", "reserve_space_1", "reserve_space_2"}},
        {"FusedBatchNormV3", {"y", "batch_mean", "batch_variance", "reserve_space_1", "reserve_space_2", "reserve_space_3"}},
        {"TopKV2", {"values", "indices"}},
        {"Unique", {"y", "idx"}},
        {"Switch", {"output_false", "output_true"}},
        {"Merge", {"output", "value_index"}},
    };
    auto it = args.find(producer.op);
    if (it == args.end())
        return k;
    for (std::size_t i = 0; i < it->second.size(); ++i)
        if (it->second[i] == arg)
            return static_cast<int>(i) + k;
    fail(where, "node '" + producer.name + "' (" + producer.op + ") has no output '" + arg + "'");
}

const core::Function* findFunction(const core::Graph& g, const std::string& name)
{
    for (const auto& f : g.functions)
        if (f.name == name)
            return &f;
    return nullptr;
}

std::vector<std::string> argNames(const core::Function& f, const char* key)
{
    std::vector<std::string> names;
    if (auto a = f.signature.find(key); a != f.signature.end() && a->is_array())
        for (const auto& arg : *a)
            names.push_back(arg.value("name", ""));
    return names;
}

std::string funcAttr(const Node& n, const std::string& key, const std::string& where)
{
    const auto* a = core::findAttr(n.attrs, key);
    if (!a || a->kind != AttrValue::Kind::Func || a->func.name.empty())
        fail(where, "node '" + n.name + "' (" + n.op + ") has no function attribute '" + key + "'");
    return a->func.name;
}

// The body of `f` copied into the graph under `prefix`: arguments read `args`, body Consts get
// copies of their "<function>/<node>" weights, and nodes that read nothing of the body wait for
// `control` so that they run inside the loop frame. Returns the function's results as graph tensors.
std::vector<std::string> inlineBody(core::Model& model, const core::Function& f, const std::string& prefix,
    const std::vector<std::string>& args, const std::string& control, std::vector<Node>& out, const std::string& where)
{
    const auto inNames = argNames(f, "inputArg");
    if (inNames.size() != args.size())
        fail(where, "function '" + f.name + "' takes " + std::to_string(inNames.size()) + " arguments, the loop has "
                + std::to_string(args.size()));
    std::unordered_map<std::string, std::string> argTensor;
    for (std::size_t i = 0; i < args.size(); ++i)
        argTensor[inNames[i]] = args[i];
    std::unordered_map<std::string, const Node*> body;
    for (const auto& n : f.nodes)
        body[n.name] = &n;
    auto tensor = [&](const std::string& ref) -> std::string {
        const bool ctl = Node::isControlInput(ref);
        const std::string s = ctl ? ref.substr(1) : ref;
        const auto colon = s.find(':');
        const std::string node = s.substr(0, colon);
        if (colon == std::string::npos) {
            if (auto a = argTensor.find(node); a != argTensor.end())
                return ctl ? "^" + core::inputNodeName(a->second) : a->second;
            if (body.count(node))
                return (ctl ? "^" : "") + prefix + node;
            fail(where, "function '" + f.name + "' reads '" + ref + "', neither an argument nor a node of it");
        }
        auto b = body.find(node);
        if (b == body.end())
            fail(where, "function '" + f.name + "' reads '" + ref + "', which names no node of it");
        if (ctl)
            return "^" + prefix + node;
        const std::string rest = s.substr(colon + 1);
        const auto colon2 = rest.find(':');
        int k = 0;
        if (colon2 != std::string::npos)
            k = std::stoi(rest.substr(colon2 + 1));
        const int flat = flatOutput(*b->second, rest.substr(0, colon2), k, where);
        return prefix + node + (flat == 0 ? "" : ":" + std::to_string(flat));
    };
    for (const auto& n : f.nodes) {
        if (n.op == "PartitionedCall" || n.op == "StatefulPartitionedCall" || findFunction(model.graph, n.op))
            fail(where, "function '" + f.name + "' calls another function in node '" + n.name
                    + "'; a loop body with calls cannot be lowered yet");
        Node c = n;
        c.name = prefix + n.name;
        for (auto& in : c.inputs)
            in = tensor(in);
        // TensorFlow's inliner routes the arguments through Identities that wait for the call's
        // control input, and Grappler then moves that wait onto their readers where no other
        // path implies it: every body node that reads nothing else of the body waits for it.
        const bool readsBody = std::any_of(n.inputs.begin(), n.inputs.end(),
            [&](const std::string& in) { return body.count(core::inputNodeName(in)) > 0; });
        if (!readsBody && !control.empty())
            c.inputs.push_back("^" + control);
        edit::tidyInputs(c);
        if (n.op == "Const") {
            const auto* w = edit::findWeight(model, f.name + "/" + n.name);
            if (!w)
                fail(where, "Const '" + n.name + "' of function '" + f.name + "' has no value");
            core::Weight copy = *w;
            copy.name = c.name;
            edit::putWeight(model, std::move(copy));
        }
        out.push_back(std::move(c));
    }
    std::vector<std::string> results;
    const auto ret = f.rest.find("ret");
    for (const auto& name : argNames(f, "outputArg")) {
        if (ret == f.rest.end() || !ret->contains(name) || !(*ret)[name].is_string())
            fail(where, "function '" + f.name + "' does not say what its output '" + name + "' is");
        results.push_back(tensor((*ret)[name].get<std::string>()));
    }
    return results;
}

class LowerControlFlow final : public Pass {
public:
    std::string name() const override { return "lower_control_flow"; }
    void run(core::Model& model, PassContext& context) const override
    {
        // The reference lowers while freezing a SavedModel; a frozen GraphDef is taken as it is.
        if ((context.options && context.options->controlFlowV2) || model.meta.format == "tf_frozen_model")
            return;
        int counter = firstName(model);
        for (;;) {
            context.cancel.check();
            std::size_t at = model.graph.nodes.size();
            for (std::size_t i = 0; i < model.graph.nodes.size() && at == model.graph.nodes.size(); ++i) {
                const auto& op = model.graph.nodes[i].op;
                if (op == "While" || op == "StatelessWhile" || op == "If" || op == "StatelessIf")
                    at = i;
            }
            if (at == model.graph.nodes.size())
                break;
            const std::string name = model.graph.nodes[at].name;
            const std::string op = model.graph.nodes[at].op;
            if (op == "If" || op == "StatelessIf") {
                lowerIf(model, at, counter);
                if (context.report)
                    context.report->fused.push_back(op + " '" + name + "' -> Switch / Merge");
            } else {
                lowerWhile(model, at, counter);
                if (context.report)
                    context.report->fused.push_back("While '" + name + "' -> Enter / Merge / Switch / Exit frame");
            }
        }
        dropUnusedFunctions(model.graph);
    }

private:
    // TensorFlow names the lowered nodes "<prefix>/_<k>" with one counter per graph, which its
    // function inliner has already advanced: one name per input and output of the inlined
    // signature call and one control node. Those inputs are the signature's inputs and its
    // captured variables, which freezing left as Consts outside every call (no '/' in their
    // names). A heuristic that reproduces the reference's names for single-call TF2 SavedModels;
    // other names still compute the same.
    static int firstName(const core::Model& model)
    {
        int captured = 0;
        for (const auto& n : model.graph.nodes)
            if (n.op == "Const" && n.name.find('/') == std::string::npos)
                ++captured;
        return static_cast<int>(model.inputs.size() + model.outputs.size()) + captured + 1;
    }

    static void lowerWhile(core::Model& model, std::size_t at, int& counter)
    {
        const Node w = model.graph.nodes[at];
        const std::string where = model.sourcePath;
        const core::Function* cond = findFunction(model.graph, funcAttr(w, "cond", where));
        const core::Function* body = findFunction(model.graph, funcAttr(w, "body", where));
        if (!cond || !body)
            fail(where, "While '" + w.name + "' names a function the graph does not have");
        std::vector<std::string> data, control;
        for (const auto& in : w.inputs)
            (Node::isControlInput(in) ? control : data).push_back(in);
        std::vector<int> types(data.size(), 1);
        if (const auto* t = core::findAttr(w.attrs, "T"); t && t->kind == AttrValue::Kind::List && t->list.type.size() == data.size())
            types.assign(t->list.type.begin(), t->list.type.end());
        else
            fail(where, "While '" + w.name + "' has no type list T for its " + std::to_string(data.size()) + " inputs");
        std::int64_t parallel = 10;
        if (const auto* p = core::findAttr(w.attrs, "parallel_iterations"); p && p->kind == AttrValue::Kind::Int)
            parallel = p->i;
        auto newName = [&](const std::string& infix) { return w.name + "/" + infix + "/_" + std::to_string(counter++); };
        auto typed = [&](const std::string& name, const std::string& op, std::vector<std::string> inputs, std::size_t i) {
            Node n;
            n.name = name;
            n.op = op;
            n.inputs = std::move(inputs);
            n.attrs.emplace_back("T", AttrValue::ofType(types[i]));
            return n;
        };
        const std::size_t count = data.size();
        const std::string condPrefix = newName("cond") + "/";
        const std::string bodyPrefix = newName("body") + "/";
        std::vector<Node> out;
        std::vector<std::string> enter(count), merge(count), sw(count), exit(count), next(count);
        for (std::size_t i = 0; i < count; ++i) {
            enter[i] = newName("enter");
            std::vector<std::string> in{data[i]};
            in.insert(in.end(), control.begin(), control.end());
            Node n = typed(enter[i], "Enter", in, i);
            n.attrs.emplace_back("frame_name", AttrValue::ofString(w.name));
            n.attrs.emplace_back("is_constant", AttrValue::ofBool(false));
            n.attrs.emplace_back("parallel_iterations", AttrValue::ofInt(parallel));
            out.push_back(std::move(n));
        }
        const std::size_t mergeAt = out.size();
        for (std::size_t i = 0; i < count; ++i) {
            merge[i] = newName("merge");
            Node n = typed(merge[i], "Merge", {enter[i], enter[i]}, i); // input 1: the NextIteration, below
            n.attrs.emplace_back("N", AttrValue::ofInt(2));
            out.push_back(std::move(n));
        }
        const auto condOut = inlineBody(model, *cond, condPrefix, merge, count ? merge[0] : std::string(), out, where);
        if (condOut.size() != 1)
            fail(where, "the cond function '" + cond->name + "' of While '" + w.name + "' has " + std::to_string(condOut.size())
                    + " outputs, not 1");
        const std::string loopCond = newName("LoopCond");
        {
            Node n;
            n.name = loopCond;
            n.op = "LoopCond";
            n.inputs = {condOut[0]};
            out.push_back(std::move(n));
        }
        for (std::size_t i = 0; i < count; ++i) {
            sw[i] = w.name + "/" + core::inputNodeName(data[i]) + "_switch/_" + std::to_string(counter++);
            out.push_back(typed(sw[i], "Switch", {merge[i], loopCond}, i));
        }
        std::vector<std::string> bodyArgs;
        for (std::size_t i = 0; i < count; ++i)
            bodyArgs.push_back(sw[i] + ":1");
        const std::string bodyControl = count ? newName("loop_body_control") : std::string();
        if (count)
            out.push_back(typed(bodyControl, "Identity", {bodyArgs[0]}, 0));
        const auto bodyOut = inlineBody(model, *body, bodyPrefix, bodyArgs, bodyControl, out, where);
        if (bodyOut.size() != count)
            fail(where, "the body function '" + body->name + "' of While '" + w.name + "' has " + std::to_string(bodyOut.size())
                    + " outputs for " + std::to_string(count) + " loop variables");
        for (std::size_t i = 0; i < count; ++i) {
            exit[i] = newName("exit");
            out.push_back(typed(exit[i], "Exit", {sw[i]}, i));
        }
        ++counter; // TensorFlow names one more node here (pruned from every graph we have seen)
        for (std::size_t i = 0; i < count; ++i) {
            next[i] = newName("next_iteration");
            std::vector<std::string> in{bodyOut[i]};
            if (!bodyControl.empty())
                in.push_back("^" + bodyControl);
            Node n = typed(next[i], "NextIteration", in, i);
            edit::tidyInputs(n);
            out.push_back(std::move(n));
            out[mergeAt + i].inputs[1] = next[i];
        }

        // Readers of the loop's outputs read the Exits; control readers wait for all of them.
        auto& nodes = model.graph.nodes;
        nodes.erase(nodes.begin() + static_cast<std::ptrdiff_t>(at));
        for (auto& n : nodes) {
            std::vector<std::string> inputs;
            for (const auto& in : n.inputs) {
                const auto p = core::parseInput(in);
                if (p.node != w.name) {
                    inputs.push_back(in);
                } else if (p.control) {
                    for (const auto& e : exit)
                        inputs.push_back("^" + e);
                } else {
                    if (p.output < 0 || static_cast<std::size_t>(p.output) >= count)
                        fail(where, "node '" + n.name + "' reads output " + std::to_string(p.output) + " of While '" + w.name
                                + "', which has " + std::to_string(count));
                    inputs.push_back(exit[static_cast<std::size_t>(p.output)]);
                }
            }
            n.inputs = std::move(inputs);
            edit::tidyInputs(n);
        }
        for (auto& o : model.outputs)
            if (core::inputNodeName(o.name) == w.name)
                fail(where, "the While '" + w.name + "' is itself an output of the model; it cannot be lowered");
        nodes.insert(nodes.begin() + static_cast<std::ptrdiff_t>(at), std::make_move_iterator(out.begin()),
            std::make_move_iterator(out.end()));
    }

    // An If as TensorFlow's lowering writes it: the condition switches itself into two pivots
    // (pivot_f, pivot_t), every input is switched on the condition, each branch is inlined on its
    // side of the switches (its nodes that read nothing of the branch wait for that side's
    // pivot), and each result is a Merge of the two branches' results (then, else).
    static void lowerIf(core::Model& model, std::size_t at, int& counter)
    {
        const Node c = model.graph.nodes[at];
        const std::string where = model.sourcePath;
        const core::Function* thenF = findFunction(model.graph, funcAttr(c, "then_branch", where));
        const core::Function* elseF = findFunction(model.graph, funcAttr(c, "else_branch", where));
        if (!thenF || !elseF)
            fail(where, c.op + " '" + c.name + "' names a function the graph does not have");
        std::vector<std::string> data, control;
        for (const auto& in : c.inputs)
            (Node::isControlInput(in) ? control : data).push_back(in);
        if (data.empty())
            fail(where, c.op + " '" + c.name + "' has no condition input");
        const std::string pred = data[0];
        const std::vector<std::string> args(data.begin() + 1, data.end());
        auto typeList = [&](const char* key, std::size_t count) {
            const auto* t = core::findAttr(c.attrs, key);
            if (!t || t->kind != AttrValue::Kind::List || t->list.type.size() != count)
                fail(where, c.op + " '" + c.name + "' has no type list " + key + " for its " + std::to_string(count)
                        + (std::string(key) == "Tin" ? " inputs" : " outputs"));
            return t->list.type;
        };
        const auto tin = typeList("Tin", args.size());
        const auto* toutAttr = core::findAttr(c.attrs, "Tout");
        const std::size_t results = toutAttr && toutAttr->kind == AttrValue::Kind::List ? toutAttr->list.type.size() : 0;
        const auto tout = typeList("Tout", results);
        int condType = 10; // DT_BOOL
        if (const auto* t = core::findAttr(c.attrs, "Tcond"); t && t->kind == AttrValue::Kind::Type)
            condType = t->type;
        auto newName = [&](const std::string& infix) { return c.name + "/" + infix + "/_" + std::to_string(counter++); };
        auto typed = [](const std::string& name, const std::string& op, std::vector<std::string> inputs, int type) {
            Node n;
            n.name = name;
            n.op = op;
            n.inputs = std::move(inputs);
            n.attrs.emplace_back("T", AttrValue::ofType(type));
            edit::tidyInputs(n);
            return n;
        };
        const std::string thenPrefix = newName("then") + "/";
        const std::string elsePrefix = newName("else") + "/";
        std::vector<Node> out;
        const std::string switchPred = newName("switch_pred");
        {
            std::vector<std::string> in{pred, pred};
            in.insert(in.end(), control.begin(), control.end());
            out.push_back(typed(switchPred, "Switch", in, condType));
        }
        const std::string pivotF = newName("pivot_f");
        out.push_back(typed(pivotF, "Identity", {switchPred}, condType));
        const std::string pivotT = newName("pivot_t");
        out.push_back(typed(pivotT, "Identity", {switchPred + ":1"}, condType));
        std::vector<std::string> thenArgs, elseArgs;
        for (std::size_t i = 0; i < args.size(); ++i) {
            const std::string sw = c.name + "/" + core::inputNodeName(args[i]) + "/_" + std::to_string(counter++);
            std::vector<std::string> in{args[i], pred};
            in.insert(in.end(), control.begin(), control.end());
            out.push_back(typed(sw, "Switch", in, tin[i]));
            thenArgs.push_back(sw + ":1");
            elseArgs.push_back(sw);
        }
        const auto thenOut = inlineBody(model, *thenF, thenPrefix, thenArgs, pivotT, out, where);
        const auto elseOut = inlineBody(model, *elseF, elsePrefix, elseArgs, pivotF, out, where);
        if (thenOut.size() != results || elseOut.size() != results)
            fail(where, "the branches of " + c.op + " '" + c.name + "' have " + std::to_string(thenOut.size()) + " and "
                    + std::to_string(elseOut.size()) + " outputs for " + std::to_string(results) + " results");
        std::vector<std::string> merges;
        for (std::size_t k = 0; k < results; ++k) {
            merges.push_back(newName("output"));
            Node m = typed(merges.back(), "Merge", {thenOut[k], elseOut[k]}, tout[k]);
            m.attrs.emplace_back("N", AttrValue::ofInt(2));
            out.push_back(std::move(m));
        }

        // Readers of the results read the Merges; control readers wait for all of them.
        auto& nodes = model.graph.nodes;
        nodes.erase(nodes.begin() + static_cast<std::ptrdiff_t>(at));
        for (auto& n : nodes) {
            std::vector<std::string> inputs;
            for (const auto& in : n.inputs) {
                const auto p = core::parseInput(in);
                if (p.node != c.name) {
                    inputs.push_back(in);
                } else if (p.control) {
                    for (const auto& m : merges)
                        inputs.push_back("^" + m);
                } else {
                    if (p.output < 0 || static_cast<std::size_t>(p.output) >= results)
                        fail(where, "node '" + n.name + "' reads output " + std::to_string(p.output) + " of " + c.op + " '"
                                + c.name + "', which has " + std::to_string(results));
                    inputs.push_back(merges[static_cast<std::size_t>(p.output)]);
                }
            }
            n.inputs = std::move(inputs);
            edit::tidyInputs(n);
        }
        for (auto& o : model.outputs)
            if (core::inputNodeName(o.name) == c.name)
                fail(where, "the " + c.op + " '" + c.name + "' is itself an output of the model; it cannot be lowered");
        nodes.insert(nodes.begin() + static_cast<std::ptrdiff_t>(at), std::make_move_iterator(out.begin()),
            std::make_move_iterator(out.end()));
    }

    // Functions no node refers to any more (the bodies of lowered loops) leave the library.
    static void dropUnusedFunctions(core::Graph& g)
    {
        std::set<std::string> used;
        std::vector<std::string> todo;
        auto visit = [&](const std::vector<Node>& nodes) {
            for (const auto& n : nodes) {
                if (findFunction(g, n.op))
                    todo.push_back(n.op);
                for (const auto& [key, a] : n.attrs) {
                    if (a.kind == AttrValue::Kind::Func)
                        todo.push_back(a.func.name);
                    for (const auto& f : a.list.func)
                        todo.push_back(f.name);
                }
            }
        };
        visit(g.nodes);
        while (!todo.empty()) {
            const std::string name = todo.back();
            todo.pop_back();
            if (!used.insert(name).second)
                continue;
            if (const auto* f = findFunction(g, name))
                visit(f->nodes);
        }
        std::erase_if(g.functions, [&](const core::Function& f) { return !used.count(f.name); });
        if (g.functions.empty() && g.libraryExtra.empty())
            g.hasLibrary = false;
    }
};

// Grappler optimizes the function library too: in the bodies the reference keeps, forwarding
// Identity nodes are gone and results read the forwarded tensor.
class SimplifyFunctionBodies final : public Pass {
public:
    std::string name() const override { return "function_bodies"; }
    void run(core::Model& model, PassContext& context) const override
    {
        for (auto& f : model.graph.functions) {
            std::set<std::string> controlled;
            for (const auto& n : f.nodes)
                for (const auto& in : n.inputs)
                    if (Node::isControlInput(in))
                        controlled.insert(in.substr(1));
            std::unordered_map<std::string, std::string> forward; // "identity:output:0" -> its input
            std::set<std::string> removed;
            for (const auto& n : f.nodes)
                if (n.op == "Identity" && n.inputs.size() == 1 && !Node::isControlInput(n.inputs[0])
                    && !controlled.count(n.name)) {
                    forward[n.name + ":output:0"] = n.inputs[0];
                    removed.insert(n.name);
                }
            if (removed.empty())
                continue;
            // Follows chains of Identities (bounded: each step removes one of them).
            auto resolve = [&](std::string t) {
                for (std::size_t step = 0; step <= forward.size(); ++step) {
                    auto it = forward.find(t);
                    if (it == forward.end())
                        break;
                    t = it->second;
                }
                return t;
            };
            std::erase_if(f.nodes, [&](const Node& n) { return removed.count(n.name) > 0; });
            for (auto& n : f.nodes)
                for (auto& in : n.inputs)
                    in = resolve(in);
            if (auto ret = f.rest.find("ret"); ret != f.rest.end() && ret->is_object())
                for (auto& [key, value] : ret->items())
                    if (value.is_string())
                        value = resolve(value.get<std::string>());
            if (context.report)
                context.report->modified = true;
        }
    }
};

} // namespace

std::unique_ptr<Pass> makeLowerControlFlowPass()
{
    return std::make_unique<LowerControlFlow>();
}

std::unique_ptr<Pass> makeSimplifyFunctionBodiesPass()
{
    return std::make_unique<SimplifyFunctionBodies>();
}

} // namespace studio::conv
