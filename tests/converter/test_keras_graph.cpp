// Keras .h5 -> TF.js graph-model (the layer lowering, then the reference converter's passes)
// against the reference converter's own graph-models of the same files: predictions on the
// reference executor, op counts per type, and the bytes of every weight both graphs hold.
#include "converter/convert.h"
#include "core/error.h"
#include "core/tfjs/artifacts.h"
#include "runtime/backend.h"
#include "runtime/constant_eval.h"

#include <QtTest>

#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <unistd.h>

using namespace studio;
namespace fs = std::filesystem;

namespace {

const fs::path kModels = STUDIO_MODELS_DIR;

fs::path scratch(const std::string& name)
{
    const fs::path p = fs::temp_directory_path() / ("tfjs-studio-keras-graph-test-" + std::to_string(::getpid())) / name;
    fs::remove_all(p);
    fs::create_directories(p.parent_path());
    return p;
}

core::Model convertToGraph(const fs::path& h5, const std::string& name)
{
    conv::ConvertOptions o;
    o.inputPath = h5.string();
    o.outputPath = scratch(name).string();
    o.outputFormat = "tfjs_graph_model";
    conv::ConvertHooks hooks;
    hooks.evaluate = rt::referenceConstantEvaluator();
    const auto r = conv::convert(o, hooks);
    if (!r.opCheck || !r.opCheck->ok())
        throw Error("op check failed for " + name);
    return core::readTfjsModel(o.outputPath);
}

std::map<std::string, int> opCounts(const core::Model& m)
{
    std::map<std::string, int> counts;
    for (const auto& n : m.graph.nodes)
        ++counts[n.op];
    return counts;
}

std::string countsText(const std::map<std::string, int>& c)
{
    std::string s;
    for (const auto& [op, n] : c)
        s += op + "=" + std::to_string(n) + " ";
    return s;
}

const core::Weight* findWeight(const core::Model& m, const std::string& name)
{
    for (const auto& g : m.weightGroups)
        for (const auto& w : g.weights)
            if (w.name == name)
                return &w;
    return nullptr;
}

// Weights with the same name and shape in both models must hold the same bytes; returns how
// many were compared.
int compareNamedWeights(const core::Model& ours, const core::Model& ref)
{
    int same = 0;
    for (const auto& w : ref.weightGroups.at(0).weights) {
        const auto* o = findWeight(ours, w.name);
        if (!o || o->shape != w.shape)
            continue;
        if (o->dtype != w.dtype || o->storedBytes() != w.storedBytes())
            throw Error("weight '" + w.name + "' differs from the reference converter's");
        ++same;
    }
    return same;
}

// Weights the reference names after the signature function's captured inputs (unknown_N) are
// compared through the node reading them: the Const inputs of nodes with the same name.
int compareWeightsByReader(const core::Model& ours, const core::Model& ref)
{
    int same = 0;
    for (const auto& rn : ref.graph.nodes) {
        const auto* on = ours.graph.find(rn.name);
        if (!on || rn.op == "Const" || on->inputs.size() != rn.inputs.size())
            continue;
        for (std::size_t k = 0; k < rn.inputs.size(); ++k) {
            const auto* rw = findWeight(ref, core::inputNodeName(rn.inputs[k]));
            const auto* ow = findWeight(ours, core::inputNodeName(on->inputs[k]));
            if (!rw || !ow)
                continue;
            if (ow->shape != rw->shape || ow->storedBytes() != rw->storedBytes())
                throw Error("input " + std::to_string(k) + " of '" + rn.name + "' differs from the reference converter's");
            ++same;
        }
    }
    return same;
}

// Both graphs on the reference executor, on the same seeded input; each output within 1e-5 of
// its range.
void comparePredictions(const core::Model& ours, const core::Model& ref, std::vector<std::int64_t> shape, std::uint32_t seed)
{
    QCOMPARE(ours.inputs.size(), std::size_t(1));
    QCOMPARE(ref.inputs.size(), std::size_t(1));
    rt::Tensor x;
    x.dtype = core::DType::Float32;
    x.shape = std::move(shape);
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> dist(0.0f, 1.0f);
    x.f.resize(x.size());
    for (auto& v : x.f)
        v = dist(gen);
    auto run = [&](const core::Model& m) {
        std::vector<rt::Tensor> out;
        const auto input = core::inputNodeName(m.inputs[0].name);
        for (const auto& v : rt::compile(m, "reference")->run({{input, x}}).outputs)
            out.push_back(v.toHost());
        return out;
    };
    const auto a = run(ours), b = run(ref);
    QCOMPARE(a.size(), b.size());
    for (std::size_t o = 0; o < a.size(); ++o) {
        QCOMPARE(a[o].shape, b[o].shape);
        float lo = b[o].f.at(0), hi = lo;
        for (const auto v : b[o].f) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
        const float tol = 1e-5f * std::max(hi - lo, 1e-3f);
        for (std::size_t k = 0; k < a[o].f.size(); ++k)
            QVERIFY2(std::abs(a[o].f[k] - b[o].f[k]) <= tol,
                (std::to_string(k) + ": " + std::to_string(a[o].f[k]) + " vs " + std::to_string(b[o].f[k])).c_str());
    }
}

} // namespace

class TestKerasGraph : public QObject {
    Q_OBJECT

private slots:
    void miniXceptionMatchesTheReference()
    {
        // Keras 2.0.5 file; the reference wrote its graph-model through a TF2 SavedModel.
        const auto dir = kModels / "pair-keras205-gender-minixception-graph";
        const auto ours = convertToGraph(dir / "keras" / "gender_mini_XCEPTION.21-0.95.hdf5", "gender");
        const auto ref = core::readTfjsModel(dir / "tfjs_graph_model" / "gender.json");
        // Every op type the same number of times: 15 _FusedConv2D (batch norms folded into the
        // convs, the Relus fused), 8 DepthwiseConv2dNative, 4 MaxPool, 4 AddV2, Mean, Softmax,
        // Identity, the Placeholder and 39 Consts.
        QCOMPARE(countsText(opCounts(ours)), countsText(opCounts(ref)));
        QCOMPARE(ours.weightGroups.size(), std::size_t(1));
        QCOMPARE(ours.outputs.size(), std::size_t(1));
        QCOMPARE(ours.outputs[0].name, std::string("Identity:0"));
        QCOMPARE(ours.inputs[0].name, std::string("input_1:0"));
        // 29 weights share a name (the folded conv weights and offsets, the reduction indices);
        // the reference calls the depthwise kernels and the last conv's weights unknown_N.
        QCOMPARE(compareNamedWeights(ours, ref), 29);
        QCOMPARE(compareWeightsByReader(ours, ref), 39);
        comparePredictions(ours, ref, {2, 64, 64, 1}, 20260101);
    }

    void tinyMnistMatchesTheReference()
    {
        const auto dir = kModels / "pair-tfkeras224-mnist-bn-layers-and-graph";
        const auto ours = convertToGraph(dir / "keras" / "tiny_mnist.h5", "mnist");
        const auto ref = core::readTfjsModel(dir / "tfjs_graph_model");
        auto expected = opCounts(ref);
        // The one difference: tf.keras' Flatten with an unknown batch reshapes to
        // Pack(StridedSlice(Shape(x)), -1), 3 ops and 3 Consts; the lowering reshapes to the
        // Const [-1, 2048], which TF.js computes the same.
        for (const char* op : {"Shape", "StridedSlice", "Pack"})
            QCOMPARE(expected[op]--, 1);
        expected["Const"] -= 2;
        std::erase_if(expected, [](const auto& p) { return p.second == 0; });
        QCOMPARE(countsText(opCounts(ours)), countsText(expected));
        // Batch norms after Relu stay Mul / Add with <bn>/FusedBatchNormV3/Scaled and /Offset;
        // all 14 float weights share names with the reference (Conv2D/ReadVariableOp, ...).
        QCOMPARE(compareNamedWeights(ours, ref), 14);
        QVERIFY(findWeight(ours, "StatefulPartitionedCall/model/batch_normalization/FusedBatchNormV3/Scaled"));
        comparePredictions(ours, ref, {3, 28, 28, 1}, 7);
    }
};

QTEST_GUILESS_MAIN(TestKerasGraph)
#include "test_keras_graph.moc"
