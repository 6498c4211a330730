// The pass manager: passes run in order, each report says what changed (node counts, op counts,
// added / removed nodes); the debug stripper on a real graph keeps the numbers; cancellation.
#include "converter/convert.h"
#include "converter/importers/importer.h"
#include "converter/passes/pass_manager.h"
#include "core/error.h"
#include "runtime/backend.h"
#include "runtime/inputs.h"

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

// A toy pass: removes Identity nodes, rewiring their consumers to the Identity's input.
class DropIdentity final : public conv::Pass {
public:
    std::string name() const override { return "drop_identity"; }
    void run(core::Model& model, conv::PassContext&) const override
    {
        auto& nodes = model.graph.nodes;
        std::map<std::string, std::string> replace;
        for (const auto& n : nodes)
            if (n.op == "Identity")
                replace[n.name] = n.inputs.at(0);
        for (auto& n : nodes)
            for (auto& in : n.inputs) {
                auto it = replace.find(in);
                while (it != replace.end()) {
                    in = it->second;
                    it = replace.find(in);
                }
            }
        std::erase_if(nodes, [](const core::Node& n) { return n.op == "Identity"; });
    }
};

// A toy pass that adds a node, to see "added" in the report.
class AddMarker final : public conv::Pass {
public:
    std::string name() const override { return "add_marker"; }
    void run(core::Model& model, conv::PassContext& context) const override
    {
        model.graph.nodes.push_back(node("marker", "NoOp"));
        context.report->fused.push_back("nothing, really");
    }
};

core::Model toy()
{
    core::Model m;
    m.graph.nodes = {node("x", "Placeholder"), node("i1", "Identity", {"x"}), node("i2", "Identity", {"i1"}),
        node("r", "Relu", {"i2"}), node("i3", "Identity", {"r"})};
    return m;
}

} // namespace

class TestPassManager : public QObject {
    Q_OBJECT
private slots:
    void reportsWhatEachPassChanged()
    {
        conv::PassManager pm;
        pm.add(std::make_unique<DropIdentity>());
        pm.add(std::make_unique<AddMarker>());
        pm.add(std::make_unique<DropIdentity>()); // nothing left to drop
        QCOMPARE(pm.names(), (std::vector<std::string>{"drop_identity", "add_marker", "drop_identity"}));
        auto m = toy();
        const auto reports = pm.run(m, {});
        QCOMPARE(reports.size(), std::size_t(3));
        const auto& r = reports[0];
        QCOMPARE(r.nodesBefore, std::size_t(5));
        QCOMPARE(r.nodesAfter, std::size_t(2));
        QCOMPARE(r.removed, (std::vector<std::string>{"i1", "i2", "i3"}));
        QVERIFY(r.added.empty());
        QCOMPARE(r.opCounts.at("Identity"), (std::pair<std::size_t, std::size_t>{3, 0}));
        QVERIFY(!r.opCounts.count("Relu")); // unchanged ops are not listed
        QCOMPARE(QString::fromStdString(r.summary()), QString("drop_identity: 5 -> 2 nodes; Identity -3 (3->0)"));
        QCOMPARE(reports[1].added, (std::vector<std::string>{"marker"}));
        QCOMPARE(reports[1].fused.size(), std::size_t(1));
        QVERIFY(!reports[2].changed());
        QCOMPARE(QString::fromStdString(reports[2].summary()), QString("drop_identity: no change"));
        QCOMPARE(m.graph.nodes[1].inputs, std::vector<std::string>{"x"}); // Relu rewired
    }
    void cancelledBetweenPasses()
    {
        conv::PassManager pm;
        pm.add(std::make_unique<DropIdentity>());
        auto m = toy();
        conv::PassContext c;
        c.cancel = CancelToken::make();
        c.cancel.cancel();
        QVERIFY_THROWS_EXCEPTION(Cancelled, pm.run(m, c));
        QCOMPARE(m.graph.nodes.size(), std::size_t(5)); // untouched
    }
    // The debug stripper on a real model with an Assert and a CheckNumerics spliced in: counts in
    // the report, and the reference executor computes the same outputs before and after.
    void stripDebugOpsKeepsTheNumbers()
    {
        const auto path = std::string(STUDIO_SOURCE_DIR) + "/resources/samples/blazeface/model.json";
        auto model = conv::importModel(path);
        const auto before = rt::compile(model, "reference")->run(rt::makeInputs(model)).outputs;
        // Splice CheckNumerics after the first Relu and an Assert hanging off it by control.
        auto& nodes = model.graph.nodes;
        const auto relu = std::find_if(nodes.begin(), nodes.end(), [](const core::Node& n) { return n.op == "Relu"; });
        QVERIFY(relu != nodes.end());
        const std::string reluName = relu->name;
        auto check = node("check", "CheckNumerics", {reluName});
        check.attrs.emplace_back("T", core::AttrValue::ofType(1));
        check.attrs.emplace_back("message", core::AttrValue::ofString("bad"));
        auto cond = node("assert", "Assert", {reluName, reluName});
        for (auto& n : nodes)
            for (auto& in : n.inputs)
                if (in == reluName)
                    in = "check";
        nodes.push_back(check);
        nodes.push_back(cond);
        nodes.back().inputs.push_back("^check");
        QVERIFY(!conv::checkOps(model, false).ok()); // Assert / CheckNumerics are debug ops
        conv::ConvertOptions o;
        conv::PassContext c;
        c.options = &o;
        // The debug stripper is the first Grappler pass, after the freezing-time control-flow
        // lowering; it runs alone here so the stripped nodes can be looked at (the passes after
        // it prune what no output reads).
        const auto names = conv::graphPasses(o).names();
        QCOMPARE(names.at(1), std::string("lower_control_flow"));
        QCOMPARE(names.at(2), std::string("strip_debug_ops"));
        conv::PassManager strip;
        strip.add(conv::makeStripDebugOpsPass());
        const auto reports = strip.run(model, c);
        QCOMPARE(reports.size(), std::size_t(1));
        QCOMPARE(reports[0].pass, std::string("strip_debug_ops"));
        QCOMPARE(reports[0].opCounts.at("Assert"), (std::pair<std::size_t, std::size_t>{1, 0}));
        QCOMPARE(reports[0].opCounts.at("CheckNumerics"), (std::pair<std::size_t, std::size_t>{1, 0}));
        QCOMPARE(reports[0].opCounts.at("NoOp"), (std::pair<std::size_t, std::size_t>{0, 1}));
        QCOMPARE(reports[0].opCounts.at("Identity").second, reports[0].opCounts.at("Identity").first + 1);
        const auto* stripped = model.graph.find("assert");
        QCOMPARE(stripped->inputs, (std::vector<std::string>{"^" + reluName, "^" + reluName, "^check"}));
        QVERIFY(conv::checkOps(model, false).ok());
        const auto after = rt::compile(model, "reference")->run(rt::makeInputs(model)).outputs;
        QCOMPARE(after.size(), before.size());
        for (std::size_t k = 0; k < after.size(); ++k)
            QVERIFY(after[k].toHost().f == before[k].toHost().f);
    }
    // Cancelling an import and a conversion: Cancelled (never an Error), and no output folder.
    void cancelImportAndConvert()
    {
        const auto path = std::string(STUDIO_SOURCE_DIR) + "/resources/samples/blazeface/model.json";
        conv::ImportOptions io;
        io.cancel = CancelToken::make();
        io.cancel.cancel();
        QVERIFY_THROWS_EXCEPTION(Cancelled, conv::importModel(path, io));

        const auto out = std::filesystem::temp_directory_path() / "tfjs-studio-test-pass-manager-cancel";
        std::filesystem::remove_all(out);
        conv::ConvertOptions o;
        o.inputPath = path;
        o.outputPath = out.string();
        conv::ConvertHooks hooks;
        hooks.cancel = CancelToken::make();
        int calls = 0;
        hooks.progress = [&](const std::string& stage, double) {
            if (stage == "writing weights" && ++calls == 1)
                hooks.cancel.cancel();
        };
        bool cancelled = false;
        try {
            (void)conv::convert(o, hooks);
        } catch (const Cancelled&) {
            cancelled = true;
        }
        QVERIFY(cancelled);
        QVERIFY(!std::filesystem::exists(out));
        for (const auto& e : std::filesystem::directory_iterator(out.parent_path()))
            QVERIFY2(e.path().filename().string().find("tfjs-studio-test-pass-manager-cancel") == std::string::npos,
                e.path().c_str()); // no temporary folder left beside it
    }
};

QTEST_APPLESS_MAIN(TestPassManager)
#include "test_pass_manager.moc"
