// Layers models lowered to ops and run on the reference executor predict what real TF.js
// predicts for the same inputs (dumps by tests/parity/dump_outputs.js, given after --cases).
#include "converter/importers/importer.h"
#include "converter/passes/lower_layers.h"
#include "core/error.h"
#include "core/tfjs/keras_topology.h"
#include "runtime/inputs.h"
#include "runtime/backend.h"

#include "tests/support/cases_main.h"

#include <QtTest>

#include <cmath>
#include <fstream>

using namespace studio;

namespace {
std::vector<std::pair<std::string, std::string>> g_cases;
}

class TestLowerLayers : public QObject {
    Q_OBJECT
private slots:
    void matchesTfjs_data() { studio::test::addCaseRows(g_cases); }

    void matchesTfjs()
    {
        QFETCH(QString, model);
        QFETCH(QString, dump);
        const auto expected = studio::test::loadDump(dump);
        const auto layers = conv::importModel(model.toStdString());
        const auto graph = conv::lowerLayersModel(layers);
        QCOMPARE(graph.outputs.size(), layers.outputs.size());
        const auto session = rt::compile(graph, "reference");
        // Same generator as the harness: the dumped inputs are exactly ours.
        const auto inputs = rt::makeInputs(graph);
        QCOMPARE(inputs.size(), expected["inputs"].size());
        QVERIFY(inputs.begin()->second.f == expected["inputs"][0]["data"].get<std::vector<float>>());
        std::vector<rt::Tensor> outputs;
        for (const auto& v : session->run(inputs).outputs)
            outputs.push_back(v.toHost());
        QCOMPARE(outputs.size(), expected["outputs"].size());
        for (std::size_t k = 0; k < outputs.size(); ++k) {
            const auto want = expected["outputs"][k]["data"].get<std::vector<double>>();
            QCOMPARE(outputs[k].size(), want.size());
            // Static shape inference must agree with what TF.js computed.
            auto inferred = graph.outputs[k].shape->dims;
            auto actual = expected["outputs"][k]["shape"].get<std::vector<std::int64_t>>();
            inferred[0] = actual[0];
            QCOMPARE(inferred, actual);
            double maxAbs = 0, maxRef = 0;
            for (std::size_t i = 0; i < want.size(); ++i) {
                maxAbs = std::max(maxAbs, std::abs(static_cast<double>(outputs[k].f[i]) - want[i]));
                maxRef = std::max(maxRef, std::abs(want[i]));
            }
            // Batch norm folded into a scale and an offset rounds differently from TF.js's
            // (x - mean) * gamma / sqrt(var + eps) + beta, over 50+ layers: allow 1e-4 of the range.
            const double bound = 1e-4 * std::max(1.0, maxRef);
            qInfo("%s output %zu: max |ours - tfjs| = %.3g (bound %.3g, max |tfjs| = %.3g)", qPrintable(model), k, maxAbs,
                bound, maxRef);
            QVERIFY2(maxAbs <= bound, qPrintable(QString("differs from TF.js by %1").arg(maxAbs)));
        }
    }

    // A layer class the lowering does not know is refused naming the layer and its class.
    void unsupportedLayerNamed()
    {
        const auto topology = nlohmann::ordered_json::parse(R"({"class_name": "Sequential", "config": {"name": "s", "layers": [
            {"class_name": "Dense", "config": {"name": "dense", "units": 2, "batch_input_shape": [null, 3]}},
            {"class_name": "Lambda", "config": {"name": "lambda_1", "function": "x"}}]}})");
        const auto view = core::kerasLayerView(topology, "lambda.json");
        core::Model m;
        m.kind = core::ModelKind::LayersModel;
        m.sourcePath = "lambda.json";
        m.layers = view.layers;
        m.inputs = view.inputs;
        m.outputs = view.outputs;
        core::Weight kernel;
        kernel.name = "dense/kernel";
        kernel.shape = {3, 2};
        kernel.byteLength = 24;
        kernel.source = std::make_shared<core::MemorySource>(std::vector<std::uint8_t>(24, 0));
        core::Weight bias = kernel;
        bias.name = "dense/bias";
        bias.shape = {2};
        bias.byteLength = 8;
        bias.source = std::make_shared<core::MemorySource>(std::vector<std::uint8_t>(8, 0));
        m.weightGroups.push_back({{kernel, bias}, {}});
        try {
            conv::lowerLayersModel(m);
            QFAIL("a Lambda layer was lowered");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("layer 'lambda_1' (Lambda)") && QString(e.what()).contains("is not lowered yet"), e.what());
        }
    }
};

int main(int argc, char** argv)
{
    TestLowerLayers test;
    return studio::test::runWithCases(test, argc, argv, g_cases);
}

#include "test_lower_layers.moc"
