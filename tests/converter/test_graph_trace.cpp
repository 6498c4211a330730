// The graph passes as the studio's original-vs-optimized view runs them (conv::optimizeGraph),
// and where each node went (conv::traceGraph): on a hand-made graph whose fates are known, and on
// a real Keras file whose optimized graph the reference converter wrote too.
#include "converter/convert.h"
#include "converter/graph_trace.h"
#include "converter/importers/importer.h"
#include "core/error.h"
#include "core/tfjs/artifacts.h"
#include "runtime/constant_eval.h"

#include <QtTest>

#include <filesystem>
#include <map>

using namespace studio;
namespace fs = std::filesystem;

namespace {

const fs::path kModels = STUDIO_MODELS_DIR;

core::Node node(const std::string& name, const std::string& op, std::vector<std::string> inputs = {})
{
    core::Node n;
    n.name = name;
    n.op = op;
    n.inputs = std::move(inputs);
    return n;
}

std::map<std::string, int> opCounts(const core::Graph& g)
{
    std::map<std::string, int> counts;
    for (const auto& n : g.nodes)
        ++counts[n.op];
    return counts;
}

std::string text(const std::map<std::string, int>& c)
{
    std::string s;
    for (const auto& [op, n] : c)
        s += op + "=" + std::to_string(n) + " ";
    return s;
}

} // namespace

class TestGraphTrace : public QObject {
    Q_OBJECT
private slots:
    void fatesOfAHandMadeGraph()
    {
        core::Graph before;
        before.nodes = {node("x", "Placeholder"), node("w", "Const"), node("conv", "Conv2D", {"x", "w"}),
            node("b", "Const"), node("bias", "BiasAdd", {"conv", "b"}), node("relu", "Relu", {"bias"}),
            node("dead", "Const"), node("assert", "Assert", {"relu"}), node("out", "Identity", {"relu", "^assert"})};
        core::Graph after;
        after.nodes = {node("x", "Placeholder"), node("w", "Const"), node("b", "Const"),
            node("relu", "_FusedConv2D", {"x", "w", "b"}), node("out", "Identity", {"relu"}), node("relu/folded", "Const")};
        conv::PassReport prune, remap, fold;
        prune.pass = "prune";
        prune.removed = {"dead"};
        remap.pass = "remap";
        remap.removed = {"conv", "bias"};
        fold.pass = "constfold";
        fold.added = {"relu/folded"};
        conv::PassReport strip;
        strip.pass = "strip_debug_ops";
        strip.removed = {"assert"};
        const auto t = conv::traceGraph(before, after, {prune, strip, remap, fold});

        QCOMPARE(t.fates.size(), before.nodes.size());
        for (const char* kept : {"x", "w", "b", "relu", "out"})
            QVERIFY2(t.fates.at(kept).kind == conv::NodeFate::Kind::Kept, kept);
        for (const char* merged : {"conv", "bias"}) {
            QVERIFY2(t.fates.at(merged).kind == conv::NodeFate::Kind::Merged, merged);
            QCOMPARE(t.fates.at(merged).into, std::string("relu"));
            QCOMPARE(t.fates.at(merged).pass, std::string("remap"));
        }
        QCOMPARE(t.mergedInto.at("relu"), (std::vector<std::string>{"conv", "bias"}));
        // Without consumers, or read only through a control edge: gone, nothing took its work.
        QVERIFY(t.fates.at("dead").kind == conv::NodeFate::Kind::Removed);
        QCOMPARE(t.fates.at("dead").pass, std::string("prune"));
        QVERIFY(t.fates.at("assert").kind == conv::NodeFate::Kind::Removed);
        QCOMPARE(t.fates.at("assert").pass, std::string("strip_debug_ops"));
        QCOMPARE(t.addedBy.size(), std::size_t(1));
        QCOMPARE(t.addedBy.at("relu/folded"), std::string("constfold"));
        QVERIFY(t.fate("relu/folded") == nullptr);
    }

    // Keras 2.0.5's mini-Xception: its optimized graph has the reference converter's ops (the
    // reference's own graph-model of the file is the oracle), and every convolution of the
    // lowering ends inside one of the fused convolutions.
    void miniXceptionThroughThePasses()
    {
        const auto dir = kModels / "pair-keras205-gender-minixception-graph";
        const auto model = conv::importModel((dir / "keras" / "gender_mini_XCEPTION.21-0.95.hdf5").string());
        conv::ConvertHooks hooks;
        hooks.evaluate = rt::referenceConstantEvaluator();
        const auto r = conv::optimizeGraph(model, conv::Format::Keras, conv::ConvertOptions{}, hooks);
        const auto ref = core::readTfjsModel(dir / "tfjs_graph_model" / "gender.json");
        QCOMPARE(text(opCounts(r.after.graph)), text(opCounts(ref.graph)));
        QVERIFY(!r.passes.empty());

        const auto t = conv::traceGraph(r.before.graph, r.after.graph, r.passes);
        QCOMPARE(t.fates.size(), r.before.graph.nodes.size());
        std::map<std::string, std::string> afterOp;
        for (const auto& n : r.after.graph.nodes)
            afterOp[n.name] = n.op;
        int convs = 0, batchNorms = 0;
        std::map<std::string, int> convsPerFused;
        for (const auto& n : r.before.graph.nodes) {
            const auto* f = t.fate(n.name);
            QVERIFY2(f, n.name.c_str());
            if (n.op == "Conv2D") {
                ++convs;
                const std::string& at = f->kind == conv::NodeFate::Kind::Kept ? n.name : f->into;
                QVERIFY2(afterOp[at] == "_FusedConv2D", (n.name + " -> " + at + " " + afterOp[at]).c_str());
                ++convsPerFused[at];
            }
            if (n.op == "FusedBatchNormV3") {
                // Folded into a convolution: merged into the Relu after it, or the fused node
                // took the batch norm's own name (no activation follows).
                ++batchNorms;
                if (f->kind == conv::NodeFate::Kind::Merged)
                    QVERIFY2(!f->pass.empty(), n.name.c_str());
                else
                    QVERIFY2(f->kind == conv::NodeFate::Kind::Kept && afterOp[n.name] == "_FusedConv2D", n.name.c_str());
            }
        }
        // 15 fused convolutions in the reference's graph, each made from exactly one Conv2D.
        QCOMPARE(static_cast<int>(convsPerFused.size()), opCounts(ref.graph)["_FusedConv2D"]);
        QCOMPARE(convs, opCounts(ref.graph)["_FusedConv2D"]);
        QVERIFY(batchNorms > 0);
        for (const auto& [into, from] : t.mergedInto)
            QVERIFY2(afterOp.contains(into), into.c_str());
    }

    void refusesWhatHasNoPasses()
    {
        const auto tfjs = kModels / "tfjs-graph-blazeface-front-float32";
        fs::path json;
        for (const auto& e : fs::directory_iterator(tfjs))
            if (e.path().extension() == ".json")
                json = e.path();
        const auto model = core::readTfjsModel(json);
        try {
            (void)conv::optimizeGraph(model, conv::Format::TfjsGraphModel, conv::ConvertOptions{});
            QFAIL("a TF.js graph model was optimized again");
        } catch (const Error& e) {
            const std::string what = e.what();
            QVERIFY2(what.find(json.filename().string()) != std::string::npos, e.what());
            QVERIFY2(what.find("TensorFlow.js graph model") != std::string::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestGraphTrace)
#include "test_graph_trace.moc"
