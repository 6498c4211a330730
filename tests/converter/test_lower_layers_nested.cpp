// Shared layers and nested models through the layers lowering: Keras 3 models that call a layer
// several times, nest a Sequential in a functional model, a functional model in a Sequential,
// and nest two levels deep (tests/keras3/make_lowering_models.py, real Keras), imported from
// .keras and .h5, lowered and run on the reference executor: Keras's own predictions within
// 1e-5. Then what the graph looks like (one Const per shared weight, readable unique names) and
// the errors for wiring that cannot be lowered.
#include "converter/importers/importer.h"
#include "converter/passes/lower_layers.h"
#include "core/error.h"
#include "core/tfjs/json_limits.h"
#include "core/tfjs/keras_topology.h"
#include "runtime/backend.h"

#include <QtTest>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

using namespace studio;
using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

namespace {

const char* const kModels[] = {"shared_dense", "sequential_in_functional", "functional_in_sequential", "two_levels"};

fs::path modelsDir()
{
    const char* dir = std::getenv("STUDIO_LOWERING_MODELS");
    return dir ? fs::path(dir) : fs::path(STUDIO_LOWERING_MODELS);
}

Json readJson(const fs::path& p)
{
    std::ifstream in(p);
    return core::parseJsonLimited(in, p.string());
}

const core::Node* findNode(const core::Model& g, const std::string& name)
{
    for (const auto& n : g.graph.nodes)
        if (n.name == name)
            return &n;
    return nullptr;
}

// The nodes reading `name` (any output of it), by name.
std::set<std::string> readersOf(const core::Model& g, const std::string& name)
{
    std::set<std::string> out;
    for (const auto& n : g.graph.nodes)
        for (const auto& in : n.inputs)
            if (core::inputNodeName(in) == name)
                out.insert(n.name);
    return out;
}

std::set<std::string> names(std::initializer_list<const char*> list)
{
    std::set<std::string> out;
    for (const char* s : list)
        out.insert(s);
    return out;
}

std::string joined(const std::set<std::string>& s)
{
    std::string out;
    for (const auto& e : s)
        out += (out.empty() ? "" : ", ") + e;
    return out;
}

// A layers model from a Keras topology written here (no weights needed: the layers have none).
core::Model fromTopology(const char* text)
{
    const auto topology = Json::parse(text);
    const auto view = core::kerasLayerView(topology, "wiring.json");
    core::Model m;
    m.kind = core::ModelKind::LayersModel;
    m.sourcePath = "wiring.json";
    m.layers = view.layers;
    m.inputs = view.inputs;
    m.outputs = view.outputs;
    m.meta.modelTopology = topology;
    m.weightGroups.emplace_back();
    return m;
}

// A studio::Error inside a Qt test function aborts the whole run: report it as that row's failure.
#define GUARD(...)                                                                                           \
    try {                                                                                                    \
        __VA_ARGS__                                                                                          \
    } catch (const std::exception& e) {                                                                      \
        QFAIL(e.what());                                                                                     \
    }

} // namespace

class TestLowerLayersNested : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(fs::exists(modelsDir() / "two_levels.json"),
            qPrintable("no models in " + QString::fromStdString(modelsDir().string())
                + ": run tests/keras3/make_lowering_models.py with the venv of scripts/setup.sh (ctest does)"));
    }

    void predictsLikeKeras_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<bool>("referenceNames");
        for (const char* name : kModels)
            for (const char* ext : {".keras", ".h5"})
                for (const bool reference : {false, true})
                    QTest::newRow((std::string(name) + ext + (reference ? " reference names" : "")).c_str())
                        << QString::fromStdString(name + std::string(ext)) << reference;
    }

    void predictsLikeKeras()
    {
        QFETCH(QString, file);
        QFETCH(bool, referenceNames);
        GUARD(
        const fs::path path = modelsDir() / file.toStdString();
        const Json expected = readJson(fs::path(path).replace_extension(".json"));
        const auto model = conv::importModel(path);
        conv::LoweringOptions options;
        options.referenceNames = referenceNames;
        const auto graph = conv::lowerLayersModel(model, options);

        std::set<std::string> seen;
        for (const auto& n : graph.graph.nodes)
            QVERIFY2(seen.insert(n.name).second, ("node name used twice: " + n.name).c_str());

        const auto session = rt::compile(graph, "reference");
        std::map<std::string, rt::Tensor> feeds;
        for (const auto& in : expected["inputs"])
            feeds[in["name"].get<std::string>()] = rt::Tensor::floats(in["shape"].get<std::vector<std::int64_t>>(),
                in["data"].get<std::vector<float>>());
        QCOMPARE(graph.inputs.size(), feeds.size());
        const auto outputs = session->run(feeds).outputs;
        QCOMPARE(outputs.size(), expected["outputs"].size());
        for (std::size_t k = 0; k < outputs.size(); ++k) {
            const auto host = outputs[k].toHost();
            const auto want = expected["outputs"][k]["data"].get<std::vector<double>>();
            QCOMPARE(host.shape, expected["outputs"][k]["shape"].get<std::vector<std::int64_t>>());
            QCOMPARE(host.f.size(), want.size());
            double worst = 0, largest = 0;
            for (std::size_t i = 0; i < want.size(); ++i) {
                worst = std::max(worst, std::abs(static_cast<double>(host.f[i]) - want[i]));
                largest = std::max(largest, std::abs(want[i]));
            }
            qInfo("%s output %zu: max |ours - keras| = %.3g over %zu values (max |keras| %.3g)", qPrintable(file), k,
                worst, want.size(), largest);
            QVERIFY2(largest > 0.05, "Keras's outputs are all near zero: the comparison would prove little");
            QVERIFY2(worst <= 1e-5, qPrintable(QString("max abs difference %1").arg(worst)));
        }
        )
    }

    // A layer called three times: three MatMuls named per call, all reading the one Const of its
    // kernel; the third call reads the second's output.
    void sharedLayerSharesWeights()
    {
        GUARD(
        const auto graph = conv::lowerLayersModel(conv::importModel(modelsDir() / "shared_dense.keras"));
        std::size_t kernels = 0;
        for (const auto& n : graph.graph.nodes)
            kernels += n.op == "Const" && n.name.rfind("shared/kernel", 0) == 0;
        QCOMPARE(kernels, std::size_t{1});
        const auto readers = readersOf(graph, "shared/kernel");
        QVERIFY2(readers == names({"shared/MatMul", "shared_1/MatMul", "shared_2/MatMul"}), joined(readers).c_str());
        QVERIFY2(readersOf(graph, "shared/bias") == names({"shared/BiasAdd", "shared_1/BiasAdd", "shared_2/BiasAdd"}),
            joined(readersOf(graph, "shared/bias")).c_str());
        // Keras calls it on a, on that result, then on b (the order of its inbound nodes).
        const auto* second = findNode(graph, "shared_1/MatMul");
        QVERIFY(second);
        QCOMPARE(QString::fromStdString(second->inputs.at(0)), QString("shared/Tanh"));
        const auto* third = findNode(graph, "shared_2/MatMul");
        QVERIFY(third);
        QCOMPARE(QString::fromStdString(third->inputs.at(0)), QString("b"));
        )
    }

    // A nested model's layers are named under the model's call, and its calls share its weights.
    void nestedNamesAndWeights()
    {
        GUARD(
        const auto seq = conv::lowerLayersModel(conv::importModel(modelsDir() / "sequential_in_functional.h5"));
        QVERIFY2(readersOf(seq, "inner_a/kernel") == names({"inner/inner_a/MatMul", "inner_1/inner_a/MatMul"}),
            joined(readersOf(seq, "inner_a/kernel")).c_str());
        QVERIFY(findNode(seq, "lazy/lazy_dense/Sigmoid"));
        // The second call reads the Activation's output, the first the Dense before it.
        QCOMPARE(QString::fromStdString(findNode(seq, "inner_1/inner_a/MatMul")->inputs.at(0)), QString("squash/Tanh"));
        QCOMPARE(QString::fromStdString(findNode(seq, "inner/inner_a/MatMul")->inputs.at(0)), QString("pre/BiasAdd"));

        const auto fun = conv::lowerLayersModel(conv::importModel(modelsDir() / "functional_in_sequential.keras"));
        QVERIFY(findNode(fun, "block/block_a/Tanh"));
        QVERIFY(findNode(fun, "block/block_b/Relu"));
        QCOMPARE(QString::fromStdString(findNode(fun, "post/MatMul")->inputs.at(0)).startsWith("block/block_add/"), true);

        const auto deep = conv::lowerLayersModel(conv::importModel(modelsDir() / "two_levels.keras"));
        QVERIFY2(readersOf(deep, "deep_dense/kernel") == names({"middle/deep/deep_dense/MatMul", "middle_1/deep/deep_dense/MatMul"}),
            joined(readersOf(deep, "deep_dense/kernel")).c_str());
        // The second call of the middle model runs on the first one's output.
        QCOMPARE(QString::fromStdString(findNode(deep, "middle_1/middle_dense/MatMul")->inputs.at(0)).startsWith("middle/middle_add/"), true);
        )
    }

    // Wiring that cannot be lowered is refused naming the layer and what it reads.
    void badWiringNamed_data()
    {
        QTest::addColumn<QString>("topology");
        QTest::addColumn<QString>("layer");
        QTest::addColumn<QString>("message");
        QTest::newRow("call that does not exist") << R"({"class_name": "Functional", "config": {"name": "m", "layers": [
            {"class_name": "InputLayer", "name": "x", "config": {"name": "x", "batch_input_shape": [null, 3]}, "inbound_nodes": []},
            {"class_name": "Activation", "name": "act", "config": {"name": "act", "activation": "relu"}, "inbound_nodes": [[["x", 0, 0, {}]]]},
            {"class_name": "Activation", "name": "act2", "config": {"name": "act2", "activation": "tanh"}, "inbound_nodes": [[["act", 1, 0, {}]]]}],
            "input_layers": [["x", 0, 0]], "output_layers": [["act2", 0, 0]]}})"
            << "act2" << "reads call 2 of layer 'act', which has 1 call(s)";
        QTest::newRow("output that does not exist") << R"({"class_name": "Functional", "config": {"name": "m", "layers": [
            {"class_name": "InputLayer", "name": "x", "config": {"name": "x", "batch_input_shape": [null, 3]}, "inbound_nodes": []},
            {"class_name": "Activation", "name": "act", "config": {"name": "act", "activation": "relu"}, "inbound_nodes": [[["x", 0, 0, {}]]]},
            {"class_name": "Activation", "name": "act2", "config": {"name": "act2", "activation": "tanh"}, "inbound_nodes": [[["act", 0, 1, {}]]]}],
            "input_layers": [["x", 0, 0]], "output_layers": [["act2", 0, 0]]}})"
            << "act2" << "reads output 1 of layer 'act', which has 1";
        QTest::newRow("cycle") << R"({"class_name": "Functional", "config": {"name": "m", "layers": [
            {"class_name": "InputLayer", "name": "x", "config": {"name": "x", "batch_input_shape": [null, 3]}, "inbound_nodes": []},
            {"class_name": "Add", "name": "a1", "config": {"name": "a1"}, "inbound_nodes": [[["x", 0, 0, {}], ["a2", 0, 0, {}]]]},
            {"class_name": "Add", "name": "a2", "config": {"name": "a2"}, "inbound_nodes": [[["x", 0, 0, {}], ["a1", 0, 0, {}]]]}],
            "input_layers": [["x", 0, 0]], "output_layers": [["a2", 0, 0]]}})"
            << "a1" << "a cycle";
        // Node 0 of a nested model with inputs of its own is that model on its own inputs.
        QTest::newRow("nested model's own node") << R"({"class_name": "Functional", "config": {"name": "m", "layers": [
            {"class_name": "InputLayer", "name": "x", "config": {"name": "x", "batch_input_shape": [null, 3]}, "inbound_nodes": []},
            {"class_name": "Sequential", "name": "inner", "config": {"name": "inner", "layers": [
                {"class_name": "InputLayer", "config": {"name": "inner_in", "batch_input_shape": [null, 3]}},
                {"class_name": "Activation", "config": {"name": "inner_act", "activation": "relu"}}]},
             "inbound_nodes": [[["x", 0, 0, {}]]]},
            {"class_name": "Activation", "name": "after", "config": {"name": "after", "activation": "tanh"}, "inbound_nodes": [[["inner", 0, 0, {}]]]}],
            "input_layers": [["x", 0, 0]], "output_layers": [["after", 0, 0]]}})"
            << "after" << "reads node 0 of nested model 'inner'";
        QTest::newRow("nested model given too few inputs") << R"({"class_name": "Functional", "config": {"name": "m", "layers": [
            {"class_name": "InputLayer", "name": "x", "config": {"name": "x", "batch_input_shape": [null, 3]}, "inbound_nodes": []},
            {"class_name": "Functional", "name": "pair", "config": {"name": "pair", "layers": [
                {"class_name": "InputLayer", "name": "p", "config": {"name": "p", "batch_input_shape": [null, 3]}, "inbound_nodes": []},
                {"class_name": "InputLayer", "name": "q", "config": {"name": "q", "batch_input_shape": [null, 3]}, "inbound_nodes": []},
                {"class_name": "Add", "name": "pq", "config": {"name": "pq"}, "inbound_nodes": [[["p", 0, 0, {}], ["q", 0, 0, {}]]]}],
                "input_layers": [["p", 0, 0], ["q", 0, 0]], "output_layers": [["pq", 0, 0]]},
             "inbound_nodes": [[["x", 0, 0, {}]]]}],
            "input_layers": [["x", 0, 0]], "output_layers": [["pair", 1, 0]]}})"
            << "pair" << "is a model of 2 input(s), called on 1";
        // An error inside a nested model names the layer by its path, and the call.
        QTest::newRow("bad layer in a nested model") << R"({"class_name": "Functional", "config": {"name": "m", "layers": [
            {"class_name": "InputLayer", "name": "x", "config": {"name": "x", "batch_input_shape": [null, 3]}, "inbound_nodes": []},
            {"class_name": "Sequential", "name": "inner", "config": {"name": "inner", "layers": [
                {"class_name": "Activation", "config": {"name": "inner_act", "activation": "no_such_activation", "batch_input_shape": [null, 3]}}]},
             "inbound_nodes": [[["x", 0, 0, {}]]]}],
            "input_layers": [["x", 0, 0]], "output_layers": [["inner", 1, 0]]}})"
            << "inner/inner_act" << "layer 'inner/inner_act' (Activation): activation 'no_such_activation' is not supported";
    }

    void badWiringNamed()
    {
        QFETCH(QString, topology);
        QFETCH(QString, layer);
        QFETCH(QString, message);
        try {
            conv::lowerLayersModel(fromTopology(topology.toUtf8().constData()));
            QFAIL("lowered");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains(message) && QString(e.what()).startsWith("wiring.json"), e.what());
            if (!layer.isEmpty())
                QCOMPARE(QString::fromStdString(e.where().layer), layer);
        }
    }
};

QTEST_GUILESS_MAIN(TestLowerLayersNested)
#include "test_lower_layers_nested.moc"
