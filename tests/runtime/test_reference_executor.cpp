// The reference executor against real TensorFlow.js: outputs that TF.js (cpu backend) computed
// for the same model and inputs, dumped by tests/parity/dump_outputs.js into JSON files given
// on the command line after "--cases": MODEL_JSON=DUMP_JSON ...
#include "converter/importers/importer.h"
#include "core/error.h"
#include "runtime/inputs.h"
#include "runtime/reference/kernels.h"
#include "runtime/reference/reference_executor.h"

#include <QtTest>

#include <cmath>
#include <fstream>

using namespace studio;

namespace {
std::vector<std::pair<std::string, std::string>> g_cases;

rt::Tensor fromJson(const nlohmann::json& j)
{
    rt::Tensor t;
    t.shape = j["shape"].get<std::vector<std::int64_t>>();
    if (j["dtype"] == "float32")
        t.f = j["data"].get<std::vector<float>>();
    else {
        t.dtype = core::DType::Int32;
        t.i = j["data"].get<std::vector<std::int32_t>>();
    }
    return t;
}

core::Node node(const std::string& op, core::AttrMap attrs = {})
{
    core::Node n;
    n.name = "test/" + op;
    n.op = op;
    n.attrs = std::move(attrs);
    return n;
}

core::AttrValue intList(std::vector<std::int64_t> v)
{
    core::AttrValue a;
    a.kind = core::AttrValue::Kind::List;
    a.list.i = std::move(v);
    return a;
}
} // namespace

class TestReferenceExecutor : public QObject {
    Q_OBJECT
private slots:
    void matchesTfjs_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("dump");
        QVERIFY2(!g_cases.empty(), "no cases given (run through ctest)");
        for (const auto& [model, dump] : g_cases)
            QTest::newRow(model.c_str()) << QString::fromStdString(model) << QString::fromStdString(dump);
    }

    void matchesTfjs()
    {
        QFETCH(QString, model);
        QFETCH(QString, dump);
        std::ifstream in(dump.toStdString());
        QVERIFY2(in, qPrintable("missing TF.js dump " + dump));
        const auto expected = nlohmann::json::parse(in);
        rt::ReferenceExecutor exec;
        const auto imported = conv::importModel(model.toStdString());
        exec.load(imported);
        std::map<std::string, rt::Tensor> feeds;
        for (const auto& x : expected["inputs"])
            feeds[x["name"].get<std::string>()] = fromJson(x);
        // Our input generator makes exactly the harness's bytes, so benchmarks and parity runs
        // can feed the same data on both sides.
        const auto ours = rt::makeInputs(imported);
        for (const auto& [name, t] : feeds) {
            QVERIFY2(ours.count(name), name.c_str());
            QCOMPARE(ours.at(name).shape, t.shape);
            QVERIFY(ours.at(name).f == t.f && ours.at(name).i == t.i);
        }
        const auto outputs = exec.run(feeds);
        QCOMPARE(outputs.size(), expected["outputs"].size());
        for (std::size_t k = 0; k < outputs.size(); ++k) {
            const auto& want = expected["outputs"][k];
            // TF.js names outputs by node; ours follow the model's output list.
            const auto pos = std::find(exec.outputNames().begin(), exec.outputNames().end(), want["name"].get<std::string>());
            QVERIFY2(pos != exec.outputNames().end(), want["name"].get<std::string>().c_str());
            const auto& got = outputs[static_cast<std::size_t>(pos - exec.outputNames().begin())];
            QCOMPARE(got.shape, want["shape"].get<std::vector<std::int64_t>>());
            const auto values = want["data"].get<std::vector<double>>();
            double maxAbs = 0, maxRef = 0;
            for (std::size_t i = 0; i < values.size(); ++i) {
                maxAbs = std::max(maxAbs, std::abs(static_cast<double>(got.f[i]) - values[i]));
                maxRef = std::max(maxRef, std::abs(values[i]));
            }
            // Float32 sums in another order: differences of a few ulps of the largest value.
            const double bound = 1e-5 * std::max(1.0, maxRef);
            qInfo("%s %s: max |ours - tfjs| = %.3g (bound %.3g, max |tfjs| = %.3g)", qPrintable(model),
                want["name"].get<std::string>().c_str(), maxAbs, bound, maxRef);
            QVERIFY2(maxAbs <= bound, qPrintable(QString("output %1 differs from TF.js by %2").arg(k).arg(maxAbs)));
        }
    }

    // Awkward shapes, small enough to check by hand: SAME padding with stride 2 on odd sizes
    // pads more at the end, as TensorFlow does.
    void samePaddingOddSizes()
    {
        core::AttrMap attrs{{"strides", intList({1, 2, 2, 1})}, {"padding", core::AttrValue::ofString("SAME")}};
        const auto n = node("Conv2D", attrs);
        // 1x3x3x1 input 1..9, 2x2 filter of ones: out 2x2; pads 0 before, 1 after.
        const auto x = rt::Tensor::floats({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
        const auto w = rt::Tensor::floats({2, 2, 1, 1}, {1, 1, 1, 1});
        const auto y = rt::ref::conv2d(n, {&x, &w});
        QCOMPARE(y.shape, (std::vector<std::int64_t>{1, 2, 2, 1}));
        QCOMPARE(y.f, (std::vector<float>{12, 9, 15, 9})); // 1+2+4+5, 3+6, 7+8, 9
        core::AttrMap pool{{"ksize", intList({1, 2, 2, 1})}, {"strides", intList({1, 2, 2, 1})},
            {"padding", core::AttrValue::ofString("SAME")}};
        const auto avg = rt::ref::avgPool(node("AvgPool", pool), {&x});
        QCOMPARE(avg.f, (std::vector<float>{3, 4.5f, 7.5f, 9})); // padded cells do not count
    }

    void unsupportedOpNamed()
    {
        core::Model m;
        m.kind = core::ModelKind::GraphModel;
        m.sourcePath = "toy.json";
        auto in = node("Placeholder");
        in.name = "x";
        auto op = node("Erfinv");
        op.name = "y";
        op.inputs = {"x"};
        m.graph.nodes = {in, op};
        m.outputs = {{"y", "y:0", std::nullopt, std::nullopt}};
        rt::ReferenceExecutor exec;
        try {
            exec.load(m);
            QFAIL("an unknown op was accepted");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("does not implement: Erfinv"), e.what());
        }
    }
};

int main(int argc, char** argv)
{
    // Arguments after "--cases" are ours; the rest go to Qt Test.
    std::vector<char*> qtArgs;
    bool cases = false;
    for (int i = 0; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--cases") {
            cases = true;
            continue;
        }
        if (cases) {
            const auto eq = a.find('=');
            g_cases.emplace_back(a.substr(0, eq), a.substr(eq + 1));
        } else {
            qtArgs.push_back(argv[i]);
        }
    }
    TestReferenceExecutor test;
    return QTest::qExec(&test, static_cast<int>(qtArgs.size()), qtArgs.data());
}

#include "test_reference_executor.moc"
