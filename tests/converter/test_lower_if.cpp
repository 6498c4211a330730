// If / StatelessIf lowering (CONVERTER.md 3.1 step 4) on a small hand-built graph: node counts
// and names as TensorFlow's lowering writes them, and the lowered graph, run by a small
// Switch / Merge evaluator (the reference executor has no dead tensors), computes what the
// functional If computes by hand. The real model (tf.cond) is compared with the reference
// converter's output in TF.js by converter.tfconv_compare (tf2_cond, tf2_cond_cfv2).
#include "converter/convert.h"
#include "converter/passes/graph_edit.h"
#include "converter/passes/graph_passes.h"
#include "core/error.h"

#include <QtTest>

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

core::AttrValue typeList(std::vector<int> types)
{
    core::AttrValue a;
    a.kind = core::AttrValue::Kind::List;
    a.list.type = std::move(types);
    return a;
}

core::AttrValue func(const std::string& name)
{
    core::AttrValue a;
    a.kind = core::AttrValue::Kind::Func;
    a.func.name = name;
    return a;
}

// y = (x < 0) ? x * 2 + bias : x + bias, as a StatelessIf whose branches take x and bias.
core::Model ifModel()
{
    core::Model m;
    m.kind = core::ModelKind::GraphModel;
    m.meta.format = "tf_saved_model";
    m.weightGroups.emplace_back();
    auto x = node("x", "Placeholder");
    x.attrs = {{"dtype", core::AttrValue::ofType(1)}};
    m.graph.nodes.push_back(x);
    addConst(m, m.graph.nodes, "bias", "bias", 0.25f);
    addConst(m, m.graph.nodes, "zero", "zero", 0.0f);
    m.graph.nodes.push_back(node("neg", "Less", {"x", "zero"}));
    auto c = node("cond", "StatelessIf", {"neg", "x", "bias"});
    c.attrs.clear();
    c.attrs.emplace_back("Tcond", core::AttrValue::ofType(10));
    c.attrs.emplace_back("Tin", typeList({1, 1}));
    c.attrs.emplace_back("Tout", typeList({1}));
    c.attrs.emplace_back("then_branch", func("then_fn"));
    c.attrs.emplace_back("else_branch", func("else_fn"));
    m.graph.nodes.push_back(c);
    m.graph.nodes.push_back(node("y", "Identity", {"cond"}));

    auto t = function("then_fn", {"v", "b"}, {"out"}, {{"out", "plus:z:0"}});
    addConst(m, t.nodes, "two", "then_fn/two", 2.0f);
    t.nodes.push_back(node("mul", "Mul", {"v", "two:output:0"}));
    t.nodes.push_back(node("plus", "AddV2", {"mul:z:0", "b"}));
    auto e = function("else_fn", {"v", "b"}, {"out"}, {{"out", "plus:z:0"}});
    e.nodes.push_back(node("plus", "AddV2", {"v", "b"}));
    m.graph.functions = {t, e};
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

// Evaluates a graph of scalars with Switch / Merge: the untaken side of a Switch is dead
// (nullopt) and makes its readers dead; a Merge forwards its live input.
double run(const core::Model& m, double x, const std::string& output)
{
    std::map<std::string, const core::Node*> byName;
    for (const auto& n : m.graph.nodes)
        byName[n.name] = &n;
    using Value = std::optional<double>;
    std::map<std::string, Value> memo;
    std::function<Value(const std::string&)> eval = [&](const std::string& input) -> Value {
        const auto p = core::parseInput(input);
        const std::string name(p.node);
        const std::string key = name + ":" + std::to_string(p.output);
        if (auto it = memo.find(key); it != memo.end())
            return it->second;
        const core::Node* n = byName.at(name);
        std::vector<Value> in;
        bool controlDead = false;
        for (const auto& i : n->inputs) {
            if (core::Node::isControlInput(i))
                controlDead = controlDead || !eval(i.substr(1)).has_value();
            else
                in.push_back(eval(i));
        }
        Value v;
        if (n->op == "Merge") {
            for (const auto& a : in)
                if (a.has_value() && !v.has_value())
                    v = a;
        } else if (controlDead || std::any_of(in.begin(), in.end(), [](const Value& a) { return !a; })) {
            v = std::nullopt;
        } else if (n->op == "Placeholder") {
            v = x;
        } else if (n->op == "Const") {
            v = (*conv::edit::floatValues(m, n->name))[0];
        } else if (n->op == "Switch") {
            const bool taken = *in[1] != 0.0;
            v = (p.output == 1) == taken ? in[0] : std::nullopt;
        } else if (n->op == "Identity") {
            v = in[0];
        } else if (n->op == "AddV2") {
            v = *in[0] + *in[1];
        } else if (n->op == "Mul") {
            v = *in[0] * *in[1];
        } else if (n->op == "Less") {
            v = *in[0] < *in[1] ? 1.0 : 0.0;
        } else {
            throw std::runtime_error("run: op " + n->op);
        }
        memo[key] = v;
        return v;
    };
    const auto y = eval(output);
    if (!y)
        throw std::runtime_error("run: the output is dead");
    return *y;
}

std::size_t count(const core::Graph& g, const std::string& op)
{
    return static_cast<std::size_t>(std::count_if(g.nodes.begin(), g.nodes.end(), [&](const core::Node& n) { return n.op == op; }));
}

} // namespace

class TestLowerIf : public QObject {
    Q_OBJECT

private slots:
    void lowersIfToSwitchAndMerge()
    {
        core::Model m = ifModel();
        conv::PassManager passes;
        passes.add(conv::makeLowerControlFlowPass());
        conv::PassContext c;
        passes.run(m, c);
        QCOMPARE(count(m.graph, "StatelessIf"), std::size_t(0));
        // The condition switched on itself, one Switch per input, two pivots, one Merge per result.
        QCOMPARE(count(m.graph, "Switch"), std::size_t(3));
        QCOMPARE(count(m.graph, "Merge"), std::size_t(1));
        QCOMPARE(count(m.graph, "Identity"), std::size_t(3)); // pivot_f, pivot_t, y
        QVERIFY(m.graph.functions.empty());
        // Names as TensorFlow's lowering writes them (counter from 1 input + 1 output + 2 Consts
        // + 1): then/_5, else/_6, switch_pred/_7, pivot_f/_8, pivot_t/_9, the input switches
        // named after their inputs, output/_12.
        QVERIFY(m.graph.find("cond/switch_pred/_7"));
        QVERIFY(m.graph.find("cond/pivot_f/_8"));
        QVERIFY(m.graph.find("cond/pivot_t/_9"));
        QVERIFY(m.graph.find("cond/x/_10"));
        QVERIFY(m.graph.find("cond/bias/_11"));
        const auto* merge = m.graph.find("cond/output/_12");
        QVERIFY(merge);
        QCOMPARE(merge->inputs, (std::vector<std::string>{"cond/then/_5/plus", "cond/else/_6/plus"}));
        // A branch node that reads nothing of its branch waits for its side's pivot.
        const auto* two = m.graph.find("cond/then/_5/two");
        QVERIFY(two);
        QCOMPARE(two->inputs, (std::vector<std::string>{"^cond/pivot_t/_9"}));
        QCOMPARE((*conv::edit::floatValues(m, "cond/then/_5/two"))[0], 2.0f);
        const auto* y = m.graph.find("y");
        QVERIFY(y);
        QCOMPARE(y->inputs, (std::vector<std::string>{"cond/output/_12"}));
        // The hand computation of the functional If, on both branches.
        for (const double x : {-1.5, -0.25, 0.0, 2.0}) {
            const double want = x < 0 ? x * 2 + 0.25 : x + 0.25;
            QCOMPARE(run(m, x, "y"), want);
        }
    }

    void controlFlowV2KeepsTheIf()
    {
        core::Model m = ifModel();
        conv::ConvertOptions o;
        o.controlFlowV2 = true;
        conv::PassManager passes;
        passes.add(conv::makeLowerControlFlowPass());
        conv::PassContext c;
        c.options = &o;
        passes.run(m, c);
        QCOMPARE(count(m.graph, "StatelessIf"), std::size_t(1));
        QCOMPARE(m.graph.functions.size(), std::size_t(2));
    }

    void branchWithTheWrongResultCountIsAnError()
    {
        core::Model m = ifModel();
        m.graph.functions[1].signature["outputArg"].push_back({{"name", "extra"}, {"type", "DT_FLOAT"}});
        m.graph.functions[1].rest["ret"]["extra"] = "plus:z:0";
        conv::PassManager passes;
        passes.add(conv::makeLowerControlFlowPass());
        conv::PassContext c;
        try {
            passes.run(m, c);
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("the branches of StatelessIf 'cond' have 1 and 2 outputs for 1 results")
                    != std::string::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestLowerIf)
#include "test_lower_if.moc"
