// The op check: the corpus's graph models (made by the reference converter, which ran the
// same check) pass; injected unsupported ops are named with their nodes.
#include "converter/op_check.h"
#include "core/ops/op_table.h"
#include "core/tfjs/artifacts.h"

#include <QFile>
#include <QtTest>

#include <algorithm>
#include <filesystem>

using namespace studio;
namespace fs = std::filesystem;

class TestOpCheck : public QObject {
    Q_OBJECT
private slots:
    void table()
    {
        QCOMPARE(core::tfjsOps().size(), std::size_t(248));
        QCOMPARE(core::tfjsOpCategory("Conv2D"), std::optional<std::string_view>("convolution"));
        QVERIFY(core::tfjsSupportsOp("_FusedConv2D"));
        QVERIFY(!core::tfjsSupportsOp("StatefulPartitionedCall"));
        QVERIFY(core::tfjsSupportsOp("Assert", true));
        QVERIFY(!core::tfjsSupportsOp("Assert", false));
    }

    void corpusGraphModelsPass()
    {
        int checked = 0;
        for (const char* rel : {"tfjs-graph-blazeface-front-float32/blazeface-front.json",
                 "tfjs-graph-handtrack-ssd-uint8-controlflow/handtrack.json",
                 "tfjs-graph-selfie-segmentation-float16/selfie.json",
                 "pair-savedmodel-tf23-korean-spacing-graph/tfjs_graph_model/model.json",
                 "pair-keras205-gender-minixception-graph/tfjs_graph_model/gender.json"}) {
            const auto model = core::readTfjsModel(fs::path(STUDIO_MODELS_DIR) / rel);
            const auto r = conv::checkOps(model);
            QVERIFY2(r.ok(), qPrintable(QString(rel) + ": " + QString::fromStdString(conv::describe(r))));
            QCOMPARE(r.checkedNodes, model.graph.nodes.size());
            QVERIFY2(r.malformed.empty(),
                qPrintable(QString(rel) + ": " + QString::fromStdString(r.malformed.empty() ? "" : r.malformed.front())));
            ++checked;
        }
        QCOMPARE(checked, 5);
    }

    void unsupportedOpsNamed()
    {
        auto model = core::readTfjsModel(fs::path(STUDIO_MODELS_DIR) / "tfjs-graph-blazeface-front-float32/blazeface-front.json");
        model.graph.nodes[3].op = "StatefulPartitionedCall";
        model.graph.nodes[7].op = "MyCustomOp";
        model.graph.nodes[9].op = "MyCustomOp";
        core::Function fn;
        fn.name = "__inference_body_12";
        core::Node inner;
        inner.name = "x";
        inner.op = "ReadVariableOp";
        fn.nodes.push_back(inner);
        model.graph.functions.push_back(fn);
        const auto r = conv::checkOps(model);
        QCOMPARE(r.unsupported.size(), std::size_t(3));
        QCOMPARE(QString::fromStdString(r.unsupported[0].op), QString("MyCustomOp"));
        QCOMPARE(r.unsupported[0].nodes.size(), std::size_t(2));
        QCOMPARE(QString::fromStdString(r.unsupported[1].nodes[0]), QString("__inference_body_12/x"));
        const auto text = QString::fromStdString(conv::describe(r));
        QVERIFY2(text.startsWith("Unsupported Ops in the model: MyCustomOp"), qPrintable(text));
        QVERIFY(text.contains(QString::fromStdString(model.graph.nodes[3].name)));
        QVERIFY(text.contains("freezing should have inlined"));
    }

    // modelInitializer's nodes are checked too: TF.js runs them at load. A table read from a text
    // file (InitializeTableFromTextFileV2) has no TF.js kernel.
    void initializerNodesChecked()
    {
        auto model = core::readTfjsModel(fs::path(STUDIO_MODELS_DIR) / "tfjs-graph-blazeface-front-float32/blazeface-front.json");
        const std::size_t graphNodes = conv::checkOps(model).checkedNodes;
        model.meta.modelInitializer = {{"node", {{{"name", "table"}, {"op", "HashTableV2"}},
                                                   {{"name", "init/from_file"}, {"op", "InitializeTableFromTextFileV2"}, {"input", {"table"}}}}}};
        const auto r = conv::checkOps(model);
        QCOMPARE(r.checkedNodes, graphNodes + 2);
        QCOMPARE(r.unsupported.size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(r.unsupported[0].op), QString("InitializeTableFromTextFileV2"));
        QCOMPARE(QString::fromStdString(r.unsupported[0].nodes.at(0)), QString("modelInitializer/init/from_file"));
        model.meta.modelInitializer["node"][1]["op"] = "LookupTableImportV2";
        QVERIFY(conv::checkOps(model).ok());
    }

    // Layers models are checked by layer class: the corpus's Keras layers pass, and the user-defined
    // HyperScale layer (which the reference converter passed through unchanged, so TF.js fails to
    // load it) is named with its layer. Names come from the model.json, read here by hand.
    void layerClassesChecked()
    {
        const auto ok = core::readTfjsModel(fs::path(STUDIO_MODELS_DIR) / "tfjs-layers-mobilenetv2-float32-seeded/model.json");
        const auto r = conv::checkOps(ok);
        QVERIFY2(r.ok(), conv::describe(r).c_str());
        QCOMPARE(r.checkedNodes, ok.layers.size());

        const fs::path custom = fs::path(STUDIO_MODELS_DIR) / "keras-custom-layer-hyperscale-layers/tfjs_layers_model/model.json";
        QFile f(QString::fromStdString(custom.string()));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray json = f.readAll();
        QVERIFY(json.contains("\"class_name\": \"HyperScale\""));
        QVERIFY(json.contains("\"name\": \"hyper_scale_1\""));
        const auto bad = conv::checkOps(core::readTfjsModel(custom));
        QCOMPARE(bad.unsupported.size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(bad.unsupported[0].op), QString("HyperScale"));
        QVERIFY(bad.unsupported[0].layerClass);
        QCOMPARE(bad.unsupported[0].nodes, std::vector<std::string>{"hyper_scale_1"});
        QVERIFY(QString::fromStdString(conv::describe(bad)).startsWith("Unsupported layer classes in the model: HyperScale"));
        QVERIFY(!conv::tfjsSupportsLayerClass("Lambda"));
        QVERIFY(conv::tfjsSupportsLayerClass("DepthwiseConv2D"));
    }

    // The op check reads the op schemas too: a node TF.js supports but whose inputs cannot fit
    // (here a Reshape to a size that does not match) is reported by name, beside the op check.
    void malformedNodesNamed()
    {
        auto model = core::readTfjsModel(fs::path(STUDIO_MODELS_DIR) / "tfjs-graph-blazeface-front-float32/blazeface-front.json");
        const auto reshape = std::find_if(model.graph.nodes.begin(), model.graph.nodes.end(),
            [](const core::Node& n) { return n.op == "Reshape"; });
        QVERIFY(reshape != model.graph.nodes.end());
        // Read the Reshape's own target as its data too: a 1-D int tensor cannot take the model's shape.
        const std::string target = reshape->inputs.at(1);
        reshape->inputs[0] = target;
        const auto r = conv::checkOps(model);
        QVERIFY(r.ok()); // every op is supported
        QCOMPARE(r.malformed.size(), std::size_t(1));
        QVERIFY2(QString::fromStdString(r.malformed[0]).contains(QString::fromStdString("'" + reshape->name + "'")),
            r.malformed[0].c_str());
    }
};

QTEST_APPLESS_MAIN(TestOpCheck)
#include "test_op_check.moc"
