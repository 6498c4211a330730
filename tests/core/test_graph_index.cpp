// The graph index (names, resolved inputs, consumers, order, cycles), input parsing, value
// semantics of function attributes, and errors that carry their location.
#include "core/error.h"
#include "core/ir/graph.h"

#include <QtTest>

using namespace studio;

namespace {

core::Node node(std::string name, std::string op, std::vector<std::string> inputs = {})
{
    core::Node n;
    n.name = std::move(name);
    n.op = std::move(op);
    n.inputs = std::move(inputs);
    return n;
}

} // namespace

class TestGraphIndex : public QObject {
    Q_OBJECT
private slots:
    void parsesInputs()
    {
        auto p = core::parseInput("conv/Relu:2");
        QCOMPARE(p.node, std::string_view("conv/Relu"));
        QCOMPARE(p.output, 2);
        QVERIFY(!p.control);
        p = core::parseInput("^init");
        QCOMPARE(p.node, std::string_view("init"));
        QVERIFY(p.control);
        p = core::parseInput("odd:name"); // not an output index: the whole text is the node
        QCOMPARE(p.node, std::string_view("odd:name"));
        QCOMPARE(p.output, 0);
    }
    void indexesConsumersAndOrder()
    {
        core::Graph g;
        // Listed out of order on purpose: the order must come from the edges.
        g.nodes = {node("out", "AddV2", {"a:0", "split:1", "^init"}), node("a", "Relu", {"x"}),
            node("split", "Split", {"axis", "x"}), node("x", "Placeholder"), node("axis", "Const"), node("init", "NoOp"),
            node("lost", "Relu", {"nowhere:0"})};
        const core::GraphIndex index(g);
        QCOMPARE(index.size(), std::size_t(7));
        QCOMPARE(*index.find("split"), std::size_t(2));
        QVERIFY(!index.find("nowhere"));
        const auto& in = index.inputs(0);
        QCOMPARE(in.size(), std::size_t(3));
        QCOMPARE(in[1].node, std::size_t(2));
        QCOMPARE(in[1].output, 1);
        QVERIFY(in[2].control);
        QCOMPARE(index.consumers(3), (std::vector<std::size_t>{1, 2})); // x feeds a and split
        QCOMPARE(index.dangling().size(), std::size_t(1));
        QCOMPARE(index.dangling()[0].second, std::string("nowhere:0"));
        const auto order = index.topologicalOrder();
        QCOMPARE(order.size(), std::size_t(7));
        std::vector<std::size_t> pos(7);
        for (std::size_t k = 0; k < order.size(); ++k)
            pos[order[k]] = k;
        for (std::size_t k = 0; k < 7; ++k)
            for (const auto& r : index.inputs(k))
                QVERIFY(pos[r.node] < pos[k]);
    }
    void cycleIsAnErrorNamingANode()
    {
        core::Graph g;
        g.nodes = {node("a", "Add", {"b", "x"}), node("b", "Relu", {"a"}), node("x", "Placeholder")};
        const core::GraphIndex index(g);
        try {
            (void)index.topologicalOrder("loop.json");
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).startsWith("loop.json: node '"), e.what());
            QVERIFY(QString(e.what()).contains("cycle"));
            QCOMPARE(e.where().file, std::string("loop.json"));
            QVERIFY(e.where().node == "a" || e.where().node == "b");
        }
        // Restricted to the acyclic part, the order exists.
        QCOMPARE(index.topologicalOrder(std::vector<bool>{false, false, true}), std::vector<std::size_t>{2});
    }
    void functionAttributesAreValues()
    {
        core::AttrValue f;
        f.kind = core::AttrValue::Kind::Func;
        f.func.name = "body";
        f.func.attrs = core::Boxed<core::AttrMap>::make();
        f.func.attrs->emplace_back("T", core::AttrValue::ofType(1));
        core::AttrValue copy = f;
        (*copy.func.attrs)[0].second.type = 3;
        QCOMPARE((*f.func.attrs)[0].second.type, 1); // the original did not change
        QCOMPARE((*copy.func.attrs)[0].second.type, 3);
        core::AttrValue none;
        none.kind = core::AttrValue::Kind::Func;
        const core::AttrValue noneCopy = none;
        QVERIFY(!noneCopy.func.attrs);
    }
    void errorsCarryTheirLocation()
    {
        try {
            fail(Location::atWeight("model.json", "conv1/kernel"), "1048576 bytes, manifest expects 4194304");
        } catch (const Error& e) {
            QCOMPARE(QString(e.what()), QString("model.json: weight 'conv1/kernel': 1048576 bytes, manifest expects 4194304"));
            QCOMPARE(e.where().weight, std::string("conv1/kernel"));
        }
        try {
            fail("group1-shard1of1.bin", "truncated");
        } catch (const Error& e) {
            QCOMPARE(e.where().file, std::string("group1-shard1of1.bin"));
        }
        // Cancelled is not an Error: a catch of errors never swallows it.
        bool asError = false, asCancelled = false;
        try {
            try {
                CancelToken t = CancelToken::make();
                t.cancel();
                t.check();
            } catch (const Error&) {
                asError = true;
            }
        } catch (const Cancelled&) {
            asCancelled = true;
        }
        QVERIFY(!asError && asCancelled);
        QVERIFY(!CancelToken().cancelled()); // a default token can never be cancelled
    }
};

QTEST_APPLESS_MAIN(TestGraphIndex)
#include "test_graph_index.moc"
