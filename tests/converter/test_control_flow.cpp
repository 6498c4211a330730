// Control-flow lowering (CONVERTER.md 3.1 step 4) and function-body Consts as weights (3.2,
// end) on small hand-built graphs. The reference executor has no TF1 loop frames, so the
// lowered loop is run here by a small frame interpreter (Enter / Merge / Switch / LoopCond /
// NextIteration / Exit semantics, one frame) and compared with the hand computation of the
// functional While. The real TensorFlow models are compared with the reference converter's
// outputs in TF.js by converter.tfconv_compare (tf2_while, tf2_while_cfv2).
#include "converter/convert.h"
#include "converter/passes/graph_edit.h"
#include "converter/passes/graph_passes.h"
#include "core/error.h"

#include <QtTest>

#include <cmath>
#include <functional>
#include <map>
#include <optional>

using namespace studio;

namespace {

core::Node node(std::string name, std::string op, std::vector<std::string> inputs = {})
{
    core::Node n;
    n.name = std::move(name);
    n.op = std::move(op);
    n.inputs = std::move(inputs);
    n.attrs.emplace_back("T", core::AttrValue::ofType(1));
    return n;
}

void addConst(core::Model& m, std::vector<core::Node>& nodes, const std::string& node, const std::string& weight, float v)
{
    nodes.push_back(conv::edit::makeConstNode(node, 1, {}));
    conv::edit::putWeight(m, conv::edit::makeFloatWeight(weight, {}, {v}));
}

core::Function function(const std::string& name, std::vector<std::string> in, std::vector<std::string> out,
    nlohmann::ordered_json ret)
{
    core::Function f;
    f.name = name;
    f.signature = {{"name", name}, {"inputArg", nlohmann::ordered_json::array()}, {"outputArg", nlohmann::ordered_json::array()}};
    for (const auto& a : in)
        f.signature["inputArg"].push_back({{"name", a}, {"type", "DT_FLOAT"}});
    for (const auto& a : out)
        f.signature["outputArg"].push_back({{"name", a}, {"type", "DT_FLOAT"}});
    f.rest["ret"] = std::move(ret);
    return f;
}

// while (i < limit) { i = i + 1; x = x * 2 + bias }; y = x. Consts live in the functions.
core::Model whileModel(float limit)
{
    core::Model m;
    m.kind = core::ModelKind::GraphModel;
    m.meta.format = "tf_saved_model";
    m.weightGroups.emplace_back();
    auto x = node("x", "Placeholder");
    x.attrs = {{"dtype", core::AttrValue::ofType(1)}};
    m.graph.nodes.push_back(x);
    addConst(m, m.graph.nodes, "i0", "i0", 0.0f);
    auto w = node("loop", "StatelessWhile", {"i0", "x"});
    w.attrs.clear();
    core::AttrValue types;
    types.kind = core::AttrValue::Kind::List;
    types.list.type = {1, 1};
    w.attrs.emplace_back("T", types);
    core::AttrValue cond, body;
    cond.kind = body.kind = core::AttrValue::Kind::Func;
    cond.func.name = "cond_fn";
    body.func.name = "body_fn";
    w.attrs.emplace_back("cond", cond);
    w.attrs.emplace_back("body", body);
    m.graph.nodes.push_back(w);
    m.graph.nodes.push_back(node("y", "Identity", {"loop:1"}));

    auto c = function("cond_fn", {"i", "v"}, {"less"}, {{"less", "Less:z:0"}});
    addConst(m, c.nodes, "limit", "cond_fn/limit", limit);
    c.nodes.push_back(node("Less", "Less", {"i", "limit:output:0"}));
    auto b = function("body_fn", {"i", "v"}, {"i_out", "v_out"}, {{"i_out", "add:z:0"}, {"v_out", "fwd:output:0"}});
    addConst(m, b.nodes, "one", "body_fn/one", 1.0f);
    addConst(m, b.nodes, "two", "body_fn/two", 2.0f);
    addConst(m, b.nodes, "bias", "body_fn/bias", 0.5f);
    b.nodes.push_back(node("add", "AddV2", {"i", "one:output:0"}));
    b.nodes.push_back(node("mul", "Mul", {"v", "two:output:0"}));
    b.nodes.push_back(node("plus", "AddV2", {"mul:z:0", "bias:output:0"}));
    b.nodes.push_back(node("fwd", "Identity", {"plus:z:0"}));
    m.graph.functions = {c, b};
    m.graph.hasLibrary = true;
    core::TensorSpec in;
    in.key = "x";
    in.name = "x:0";
    m.inputs = {in};
    core::TensorSpec out;
    out.key = "y";
    out.name = "y:0";
    m.outputs = {out};
    return m;
}

// Runs a graph with one TF1 loop frame on scalars. Values are per iteration; a dead tensor
// (the untaken side of a Switch) is nullopt and makes its readers dead, except Merge.
double runFrame(const core::Model& m, double x, const std::string& output)
{
    std::map<std::string, const core::Node*> byName;
    for (const auto& n : m.graph.nodes)
        byName[n.name] = &n;
    using Value = std::optional<double>;
    std::map<std::string, Value> next, exits; // NextIteration values of the last iteration; Exit values
    int iteration = 0;
    std::map<std::string, Value> memo;
    std::function<Value(const std::string&)> eval = [&](const std::string& input) -> Value {
        const auto p = core::parseInput(input);
        const std::string name(p.node);
        const std::string key = name + ":" + std::to_string(p.output);
        if (auto it = memo.find(key); it != memo.end())
            return it->second;
        const core::Node* n = byName.at(name);
        std::vector<Value> in;
        for (const auto& i : n->inputs)
            if (!core::Node::isControlInput(i) && n->op != "Merge")
                in.push_back(eval(i));
        const bool dead = std::any_of(in.begin(), in.end(), [](const Value& v) { return !v; });
        Value v;
        if (n->op == "Placeholder")
            v = x;
        else if (n->op == "Const")
            v = (*conv::edit::floatValues(m, n->name))[0];
        else if (n->op == "Merge")
            v = iteration == 0 ? eval(n->inputs[0]) : next.at(core::inputNodeName(n->inputs[1]));
        else if (dead)
            v = std::nullopt;
        else if (n->op == "Switch") {
            const bool taken = *in[1] != 0.0;
            v = (p.output == 1) == taken ? in[0] : std::nullopt;
        } else if (n->op == "Enter" || n->op == "Exit" || n->op == "Identity" || n->op == "LoopCond" || n->op == "NextIteration")
            v = in[0];
        else if (n->op == "AddV2")
            v = *in[0] + *in[1];
        else if (n->op == "Mul")
            v = *in[0] * *in[1];
        else if (n->op == "Less")
            v = *in[0] < *in[1] ? 1.0 : 0.0;
        else
            throw std::runtime_error("runFrame: op " + n->op);
        memo[key] = v;
        return v;
    };
    for (; iteration < 100; ++iteration) {
        memo.clear();
        std::map<std::string, Value> now;
        bool alive = false;
        for (const auto& n : m.graph.nodes) {
            if (n.op == "NextIteration") {
                now[n.name] = eval(n.name);
                alive = alive || now[n.name].has_value();
            }
            if (n.op == "Exit")
                if (auto v = eval(n.name))
                    exits[n.name] = v;
        }
        if (!alive) {
            // The last iteration: the output reads the Exits.
            const auto out = eval(output);
            if (!out)
                throw std::runtime_error("runFrame: the output is dead");
            return *out;
        }
        next = std::move(now);
    }
    throw std::runtime_error("runFrame: no exit after 100 iterations");
}

std::size_t count(const core::Graph& g, const std::string& op)
{
    return static_cast<std::size_t>(std::count_if(g.nodes.begin(), g.nodes.end(), [&](const core::Node& n) { return n.op == op; }));
}

} // namespace

class TestControlFlow : public QObject {
    Q_OBJECT

private slots:
    void lowersWhileToAFrameThatComputesTheSame()
    {
        for (const float limit : {0.0f, 1.0f, 3.0f, 2.5f}) {
            core::Model m = whileModel(limit);
            conv::PassManager passes;
            passes.add(conv::makeSimplifyFunctionBodiesPass());
            passes.add(conv::makeLowerControlFlowPass());
            conv::PassContext c;
            const auto reports = passes.run(m, c);
            // One Enter / Merge / Switch / Exit / NextIteration per loop variable, one LoopCond.
            QCOMPARE(count(m.graph, "StatelessWhile"), std::size_t(0));
            for (const char* op : {"Enter", "Merge", "Switch", "Exit", "NextIteration"})
                QCOMPARE(count(m.graph, op), std::size_t(2));
            QCOMPARE(count(m.graph, "LoopCond"), std::size_t(1));
            QVERIFY(m.graph.functions.empty()); // the bodies are inlined; nothing calls them
            QVERIFY(!m.graph.hasLibrary);
            // The forwarding Identity of the body is gone before lowering.
            QCOMPARE(reports.at(0).pass, std::string("function_bodies"));
            // Names as TensorFlow's lowering writes them (counter from 1 input + 1 output + 1
            // captured Const "i0" + 1): cond/_4, body/_5, enter/_6.., Switch named after its input.
            QVERIFY(m.graph.find("loop/cond/_4/Less"));
            QVERIFY(m.graph.find("loop/enter/_6"));
            QVERIFY(m.graph.find("loop/x_switch/_12"));
            const auto* bodyConst = m.graph.find("loop/body/_5/two");
            QVERIFY(bodyConst);
            QCOMPARE(bodyConst->op, std::string("Const"));
            QVERIFY(!bodyConst->inputs.empty() && core::Node::isControlInput(bodyConst->inputs[0])); // inside the frame
            QCOMPARE((*conv::edit::floatValues(m, "loop/body/_5/two"))[0], 2.0f);
            // The hand computation of the functional loop.
            for (const double x : {0.25, -1.5}) {
                double i = 0, v = x;
                while (i < static_cast<double>(limit)) {
                    i += 1;
                    v = v * 2 + 0.5;
                }
                QCOMPARE(runFrame(m, x, "y"), v);
            }
        }
    }

    void keepsWhileWithControlFlowV2()
    {
        core::Model m = whileModel(3.0f);
        conv::ConvertOptions o;
        o.controlFlowV2 = true;
        conv::PassContext c;
        c.options = &o;
        conv::PassManager passes;
        passes.add(conv::makeLowerControlFlowPass());
        passes.run(m, c);
        QCOMPARE(count(m.graph, "StatelessWhile"), std::size_t(1));
        QCOMPARE(m.graph.functions.size(), std::size_t(2));
        // A frozen GraphDef is not lowered either: the reference lowers only while freezing.
        core::Model frozen = whileModel(3.0f);
        frozen.meta.format = "tf_frozen_model";
        conv::PassContext plain;
        passes.run(frozen, plain);
        QCOMPARE(count(frozen.graph, "StatelessWhile"), std::size_t(1));
    }

    void namesFunctionConstsLikeExtractWeights()
    {
        core::Model m = whileModel(3.0f);
        conv::edit::nameFunctionConsts(m.graph);
        conv::edit::weightsInConstOrder(m);
        // rename_constants: "<function>/<node>", and the body inputs that read them.
        const auto& body = m.graph.functions.at(1);
        QCOMPARE(body.nodes.at(0).name, std::string("body_fn/one"));
        QCOMPARE(body.nodes.at(3).inputs, (std::vector<std::string>{"i", "body_fn/one:output:0"}));
        // One group: top-level Consts, then each function's, in node order.
        std::vector<std::string> names;
        for (const auto& w : m.weightGroups.at(0).weights)
            names.push_back(w.name);
        QCOMPARE(names, (std::vector<std::string>{"i0", "cond_fn/limit", "body_fn/one", "body_fn/two", "body_fn/bias"}));
        // Idempotent: a second naming changes nothing.
        conv::edit::nameFunctionConsts(m.graph);
        QCOMPARE(m.graph.functions.at(1).nodes.at(0).name, std::string("body_fn/one"));
    }
};

QTEST_APPLESS_MAIN(TestControlFlow)
#include "test_control_flow.moc"
