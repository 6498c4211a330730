// The graph-model optimization passes (CONVERTER.md §3.2-3.5): each pass on a small hand-built
// graph (node and op counts after, the reference executor computing the same outputs before and
// after), the whole pass list with and without a constant evaluator, and real frozen GraphDefs
// from ../shared/models converted end to end.
#include "converter/convert.h"
#include "converter/importers/importer.h"
#include "converter/passes/graph_edit.h"
#include "converter/passes/graph_passes.h"
#include "core/error.h"
#include "core/tfjs/artifacts.h"
#include "runtime/backend.h"
#include "runtime/constant_eval.h"
#include "runtime/inputs.h"

#include <QtTest>

#include <cmath>
#include <filesystem>
#include <random>

using namespace studio;
namespace fs = std::filesystem;

namespace {

const fs::path kModels = STUDIO_MODELS_DIR;

core::Node node(std::string name, std::string op, std::vector<std::string> inputs = {})
{
    core::Node n;
    n.name = std::move(name);
    n.op = std::move(op);
    n.inputs = std::move(inputs);
    n.attrs.emplace_back("T", core::AttrValue::ofType(1));
    return n;
}

core::AttrValue ints(std::vector<std::int64_t> v)
{
    core::AttrValue a;
    a.kind = core::AttrValue::Kind::List;
    a.list.i = std::move(v);
    return a;
}

// Builds small graphs: Consts with random (seeded) or given float values, a float placeholder.
struct Builder {
    core::Model m;
    std::mt19937 rng{7};
    Builder() { m.weightGroups.emplace_back(); }
    std::string input(const std::string& name, std::vector<std::int64_t> shape)
    {
        core::Node n;
        n.name = name;
        n.op = "Placeholder";
        n.attrs.emplace_back("dtype", core::AttrValue::ofType(1));
        n.attrs.emplace_back("shape", core::AttrValue::ofShape(core::Shape{shape, false}));
        m.graph.nodes.push_back(n);
        core::TensorSpec t;
        t.key = name;
        t.name = name + ":0";
        t.tfDtype = 1;
        t.shape = core::Shape{shape, false};
        m.inputs.push_back(t);
        return name;
    }
    std::string constant(const std::string& name, std::vector<std::int64_t> shape, std::vector<float> values = {}, float lo = -1, float hi = 1)
    {
        std::int64_t count = 1;
        for (auto d : shape)
            count *= d;
        if (values.empty()) {
            std::uniform_real_distribution<float> u(lo, hi);
            for (std::int64_t k = 0; k < count; ++k)
                values.push_back(u(rng));
        }
        m.graph.nodes.push_back(conv::edit::makeConstNode(name, 1, shape));
        m.weightGroups[0].weights.push_back(conv::edit::makeFloatWeight(name, shape, values));
        return name;
    }
    std::string intConstant(const std::string& name, std::vector<std::int64_t> shape, std::vector<std::int32_t> values)
    {
        m.graph.nodes.push_back(conv::edit::makeConstNode(name, 3, shape));
        std::vector<std::uint8_t> bytes(values.size() * 4);
        std::memcpy(bytes.data(), values.data(), bytes.size());
        m.weightGroups[0].weights.push_back(conv::edit::makeWeight(name, core::DType::Int32, shape, bytes));
        return name;
    }
    core::Node& add(core::Node n)
    {
        m.graph.nodes.push_back(std::move(n));
        return m.graph.nodes.back();
    }
    core::Node& conv2d(const std::string& name, const std::string& x, const std::string& w, const std::string& op = "Conv2D")
    {
        auto& n = add(node(name, op, {x, w}));
        n.attrs.emplace_back("strides", ints({1, 1, 1, 1}));
        n.attrs.emplace_back("padding", core::AttrValue::ofString("SAME"));
        n.attrs.emplace_back("data_format", core::AttrValue::ofString("NHWC"));
        n.attrs.emplace_back("dilations", ints({1, 1, 1, 1}));
        return n;
    }
    void output(const std::string& name)
    {
        core::TensorSpec t;
        t.key = name;
        t.name = name + ":0";
        m.outputs.push_back(t);
    }
};

std::map<std::string, std::size_t> opCounts(const core::Model& m)
{
    std::map<std::string, std::size_t> c;
    for (const auto& n : m.graph.nodes)
        ++c[n.op];
    return c;
}

std::vector<rt::Tensor> runReference(const core::Model& m, const std::map<std::string, rt::Tensor>& inputs)
{
    std::vector<rt::Tensor> out;
    for (const auto& v : rt::compile(m, "reference")->run(inputs).outputs)
        out.push_back(v.toHost());
    return out;
}

// Same outputs within `tol` of each output's range (float32 reassociation in folded weights).
void requireSameOutputs(const std::vector<rt::Tensor>& a, const std::vector<rt::Tensor>& b, double tol = 1e-5)
{
    QCOMPARE(a.size(), b.size());
    for (std::size_t k = 0; k < a.size(); ++k) {
        QCOMPARE(a[k].shape, b[k].shape);
        QCOMPARE(a[k].f.size(), b[k].f.size());
        QCOMPARE(a[k].i, b[k].i);
        double range = 0;
        for (const auto v : a[k].f)
            range = std::max(range, std::abs(static_cast<double>(v)));
        for (std::size_t i = 0; i < a[k].f.size(); ++i)
            if (std::abs(static_cast<double>(a[k].f[i]) - static_cast<double>(b[k].f[i])) > tol * std::max(1.0, range))
                QFAIL(qPrintable(QString("output %1 element %2: %3 vs %4").arg(k).arg(i).arg(static_cast<double>(a[k].f[i])).arg(static_cast<double>(b[k].f[i]))));
    }
}

std::vector<conv::PassReport> runPasses(core::Model& m, std::vector<std::unique_ptr<conv::Pass>> passes, bool evaluator = true)
{
    conv::PassManager pm;
    for (auto& p : passes)
        pm.add(std::move(p));
    conv::PassContext c;
    if (evaluator)
        c.evaluate = rt::referenceConstantEvaluator();
    return pm.run(m, c);
}

template <class... P>
std::vector<std::unique_ptr<conv::Pass>> list(P... p)
{
    std::vector<std::unique_ptr<conv::Pass>> v;
    (v.push_back(std::move(p)), ...);
    return v;
}

// Runs `passes` on the builder's model and checks the reference executor computes the same outputs.
std::vector<conv::PassReport> checkPasses(Builder& b, std::vector<std::unique_ptr<conv::Pass>> passes, double tol = 1e-5)
{
    const auto inputs = rt::makeInputs(b.m, 99);
    const auto before = runReference(b.m, inputs);
    auto reports = runPasses(b.m, std::move(passes));
    const auto after = runReference(b.m, inputs);
    requireSameOutputs(before, after, tol);
    return reports;
}

std::string text(const std::vector<std::string>& v)
{
    std::string s;
    for (const auto& x : v)
        s += x + "; ";
    return s;
}

std::vector<std::string> fusedOps(const core::Node& n)
{
    const auto* a = core::findAttr(n.attrs, "fused_ops");
    return a ? a->list.s : std::vector<std::string>{};
}

} // namespace

class TestPasses : public QObject {
    Q_OBJECT
private slots:
    void pruningDropsDeadBranchesAndForwardingNodes()
    {
        Builder b;
        b.input("x", {1, 4});
        b.add(node("id1", "Identity", {"x"}));
        b.add(node("relu", "Relu", {"id1"}));
        b.add(node("sg", "Identity", {"relu"}));
        b.add(node("out", "Neg", {"sg"}));
        b.add(node("dead", "Sigmoid", {"x"}));
        b.constant("deadConst", {4});
        b.add(node("dead2", "Add", {"dead", "deadConst"}));
        b.output("out");
        const auto r = checkPasses(b, list(conv::makePruningPass()));
        QCOMPARE(b.m.graph.nodes.size(), std::size_t(3)); // x, relu, out
        QCOMPARE(b.m.graph.find("relu")->inputs, std::vector<std::string>{"x"});
        QCOMPARE(b.m.graph.find("out")->inputs, std::vector<std::string>{"relu"});
        QCOMPARE(r[0].removed.size(), std::size_t(5));
        QVERIFY(!conv::edit::findWeight(b.m, "deadConst")); // a removed Const's weight goes too
    }
    void constantFoldingEvaluatesWithTheReferenceKernels()
    {
        Builder b;
        b.input("x", {2, 3});
        b.constant("a", {3});
        b.constant("c", {3});
        b.add(node("sum", "AddV2", {"a", "c"}));
        b.add(node("scaled", "Mul", {"sum", "c"}));
        b.add(node("y", "Mul", {"x", "scaled"}));
        b.intConstant("shape", {2}, {3, 2});
        b.add(node("r", "Reshape", {"y", "shape"}));
        b.output("r");
        const auto r = checkPasses(b, list(conv::makeConstantFoldingPass()));
        auto c = opCounts(b.m);
        QCOMPARE(c["AddV2"], std::size_t(0));
        QCOMPARE(c["Mul"], std::size_t(1));
        QCOMPARE(c["Const"], std::size_t(2)); // "scaled" (folded under its own name) and "shape"
        QVERIFY(b.m.graph.find("scaled")->op == "Const");
        QVERIFY(conv::edit::findWeight(b.m, "scaled"));
        QVERIFY(!b.m.graph.find("a") && !b.m.graph.find("sum")); // dead after folding
        QVERIFY(!r[0].notes.empty());
    }
    void constantFoldingWithoutEvaluatorFoldsNothingAndSaysWhy()
    {
        Builder b;
        b.input("x", {3});
        b.constant("a", {3});
        b.add(node("n", "Neg", {"a"}));
        b.add(node("y", "Mul", {"x", "n"}));
        b.output("y");
        const auto r = runPasses(b.m, list(conv::makeConstantFoldingPass()), false);
        QCOMPARE(b.m.graph.find("n")->op, std::string("Neg"));
        QVERIFY(!r[0].changed());
        QVERIFY2(text(r[0].notes).find("no constant evaluator") != std::string::npos, text(r[0].notes).c_str());
    }
    void constantFoldingRespectsSizeAndStatefulOps()
    {
        Builder b;
        b.input("x", {1});
        b.intConstant("dims", {2}, {1024, 4096}); // 16 MiB of float32 from 8 + 4 bytes of input
        b.constant("one", {}, {1.0f});
        b.add(node("fill", "Fill", {"dims", "one"}));
        auto& rand = b.add(node("rand", "RandomUniform", {"dims"}));
        rand.attrs.emplace_back("dtype", core::AttrValue::ofType(1));
        b.add(node("z", "Mul", {"x", "fill"}));
        b.add(node("z2", "Mul", {"z", "rand"}));
        b.output("z2");
        const auto r = runPasses(b.m, list(conv::makeConstantFoldingPass()));
        QCOMPARE(b.m.graph.find("fill")->op, std::string("Fill"));
        QCOMPARE(b.m.graph.find("rand")->op, std::string("RandomUniform"));
        QVERIFY2(text(r[0].notes).find("fill (Fill): not folded") != std::string::npos, text(r[0].notes).c_str());
        QVERIFY(!r[0].changed());
    }
    void arithmeticRemovesNoOps()
    {
        Builder b;
        b.input("x", {2, 3});
        b.constant("ones", {3}, {1, 1, 1});
        b.constant("zero", {}, {0});
        b.add(node("m1", "Mul", {"x", "ones"}));
        b.add(node("a0", "AddV2", {"zero", "m1"}));
        b.add(node("n1", "Neg", {"a0"}));
        b.add(node("n2", "Neg", {"n1"}));
        b.intConstant("perm", {2}, {0, 1});
        b.add(node("t", "Transpose", {"n2", "perm"}));
        b.intConstant("s1", {1}, {6});
        b.intConstant("s2", {2}, {3, 2});
        b.add(node("r1", "Reshape", {"t", "s1"}));
        b.add(node("r2", "Reshape", {"r1", "s2"}));
        b.add(node("sq", "Mul", {"r2", "r2"}));
        b.output("sq");
        checkPasses(b, list(conv::makeArithmeticPass()));
        auto c = opCounts(b.m);
        QCOMPARE(c["Neg"], std::size_t(0));
        QCOMPARE(c["Transpose"], std::size_t(0));
        QCOMPARE(c["AddV2"], std::size_t(0));
        QCOMPARE(c["Reshape"], std::size_t(1));
        // The fetched Mul(x, x) stays (TF does not rewrite preserved nodes); the other Mul is x*1.
        QCOMPARE(c["Mul"], std::size_t(1));
        QCOMPARE(b.m.graph.find("r2")->inputs.front(), std::string("x"));
    }
    void arithmeticSquare()
    {
        Builder b;
        b.input("x", {4});
        b.add(node("m", "Mul", {"x", "x"}));
        b.add(node("out", "Relu", {"m"}));
        b.output("out");
        checkPasses(b, list(conv::makeArithmeticPass()));
        QCOMPARE(opCounts(b.m)["Square"], std::size_t(1));
        QVERIFY(b.m.graph.find("ArithmeticOptimizer/ReplaceMulWithSquare_m"));
    }
    void dependencyRemovesIdentityAndNoOp()
    {
        Builder b;
        b.input("x", {3});
        b.add(node("noop", "NoOp", {"^x"}));
        b.add(node("id", "Identity", {"x", "^noop"}));
        b.add(node("out", "Relu", {"id", "^x"}));
        b.output("out");
        checkPasses(b, list(conv::makeDependencyPass()));
        QCOMPARE(b.m.graph.nodes.size(), std::size_t(2));
        QCOMPARE(b.m.graph.find("out")->inputs, std::vector<std::string>{"x"});
    }
    void foldBatchNormsIntoConvFilter()
    {
        for (const std::string convOp : {"Conv2D", "DepthwiseConv2dNative"}) {
            Builder b;
            b.input("x", {1, 5, 5, 3});
            const std::int64_t channels = convOp == "Conv2D" ? 4 : 6;
            b.constant("w", {3, 3, 3, convOp == "Conv2D" ? 4 : 2});
            b.conv2d("conv", "x", "w", convOp);
            b.constant("bias", {channels});
            b.add(node("add", "Add", {"conv", "bias"}));
            b.constant("gamma", {channels}, {}, 0.5f, 2.0f);
            b.constant("beta", {channels});
            b.constant("mean", {channels});
            b.constant("var", {channels}, {}, 0.1f, 3.0f);
            auto& bn = b.add(node("bn", "FusedBatchNormV3", {"add", "gamma", "beta", "mean", "var"}));
            bn.attrs.emplace_back("epsilon", core::AttrValue::ofFloat(0.001));
            bn.attrs.emplace_back("is_training", core::AttrValue::ofBool(false));
            b.add(node("out", "Relu", {"bn"}));
            b.output("out");
            const auto r = checkPasses(b, list(conv::makeFoldBatchNormsPass()), 1e-5);
            auto c = opCounts(b.m);
            QCOMPARE(c["FusedBatchNormV3"], std::size_t(0));
            QCOMPARE(c["Add"], std::size_t(0));
            QCOMPARE(c["BiasAdd"], std::size_t(1));
            QCOMPARE(b.m.graph.find("bn")->op, std::string("BiasAdd")); // named like the BN
            QCOMPARE(b.m.graph.find("bn")->inputs, (std::vector<std::string>{"conv", "conv_bn_offset"}));
            QCOMPARE(b.m.graph.find("conv")->inputs[1], std::string("conv_weights"));
            QVERIFY(!b.m.graph.find("w"));
            QCOMPARE(r[0].fused.size(), std::size_t(1));
        }
    }
    void normalizeBiasAddThenRemap()
    {
        Builder b;
        b.input("x", {1, 4, 4, 2});
        b.constant("w", {3, 3, 2, 3});
        b.conv2d("conv", "x", "w");
        b.constant("b", {3});
        b.add(node("add", "AddV2", {"conv", "b"}));
        b.add(node("act", "Relu6", {"add"}));
        b.intConstant("flat", {2}, {1, 48});
        b.add(node("reshape", "Reshape", {"act", "flat"}));
        b.constant("w2", {48, 5});
        auto& mm = b.add(node("mm", "MatMul", {"reshape", "w2"}));
        mm.attrs.emplace_back("transpose_a", core::AttrValue::ofBool(false));
        mm.attrs.emplace_back("transpose_b", core::AttrValue::ofBool(false));
        b.constant("b2", {5});
        b.add(node("bias2", "BiasAdd", {"mm", "b2"}));
        b.add(node("act2", "Elu", {"bias2"}));
        b.constant("w3", {3, 3, 3, 3});
        b.conv2d("conv3", "act", "w3");
        b.constant("b3", {3});
        b.add(node("bias3", "BiasAdd", {"conv3", "b3"}));
        auto& leaky = b.add(node("leaky", "LeakyRelu", {"bias3"}));
        leaky.attrs.emplace_back("alpha", core::AttrValue::ofFloat(0.3));
        b.output("act2");
        b.output("leaky");
        const auto r = checkPasses(b, list(conv::makeNormalizeBiasAddPass(), conv::makeCpuDevicePass(), conv::makeRemapPass()));
        QCOMPARE(r[0].opCounts.at("BiasAdd"), (std::pair<std::size_t, std::size_t>{2, 3}));
        auto c = opCounts(b.m);
        // act has two readers (reshape, conv3), which does not stop it being the fused node.
        QCOMPARE(c["_FusedConv2D"], std::size_t(2));
        QCOMPARE(c["_FusedMatMul"], std::size_t(1));
        QCOMPARE(c["BiasAdd"] + c["Conv2D"] + c["MatMul"] + c["Relu6"] + c["Elu"] + c["LeakyRelu"], std::size_t(0));
        const auto* act = b.m.graph.find("act");
        QCOMPARE(act->op, std::string("_FusedConv2D"));
        QCOMPARE(fusedOps(*act), (std::vector<std::string>{"BiasAdd", "Relu6"}));
        QCOMPARE(act->inputs, (std::vector<std::string>{"x", "w", "b"}));
        QCOMPARE(act->device, std::string("/device:CPU:0"));
        QCOMPARE(core::findAttr(act->attrs, "num_args")->i, std::int64_t(1));
        QCOMPARE(core::findAttr(act->attrs, "epsilon")->f, 0.0);
        QVERIFY(!core::findAttr(act->attrs, "leakyrelu_alpha"));
        const auto* l = b.m.graph.find("leaky");
        QCOMPARE(fusedOps(*l), (std::vector<std::string>{"BiasAdd", "LeakyRelu"}));
        QCOMPARE(static_cast<float>(core::findAttr(l->attrs, "leakyrelu_alpha")->f), 0.3f);
        QCOMPARE(fusedOps(*b.m.graph.find("act2")), (std::vector<std::string>{"BiasAdd", "Elu"}));
    }
    void remapDecomposesInferenceBatchNorm()
    {
        Builder b;
        b.input("x", {1, 3, 3, 4});
        b.add(node("relu", "Relu", {"x"}));
        b.constant("gamma", {4}, {}, 0.5f, 2.0f);
        b.constant("beta", {4});
        b.constant("mean", {4});
        b.constant("var", {4}, {}, 0.1f, 3.0f);
        auto& bn = b.add(node("bn", "FusedBatchNormV3", {"relu", "gamma", "beta", "mean", "var"}));
        bn.attrs.emplace_back("epsilon", core::AttrValue::ofFloat(0.001));
        bn.attrs.emplace_back("is_training", core::AttrValue::ofBool(false));
        b.add(node("out", "Sigmoid", {"bn"}));
        b.output("out");
        checkPasses(b, list(conv::makeRemapPass(), conv::makeConstantFoldingPass()));
        auto c = opCounts(b.m);
        QCOMPARE(c["FusedBatchNormV3"], std::size_t(0));
        QCOMPARE(c["Mul"], std::size_t(1));
        QCOMPARE(c["Add"], std::size_t(1));
        QCOMPARE(c["Const"], std::size_t(2));
        QVERIFY(b.m.graph.find("bn/Scaled") && b.m.graph.find("bn/Scaled")->op == "Const");
        QVERIFY(b.m.graph.find("bn/Offset") && b.m.graph.find("bn/Offset")->op == "Const");
    }
    void preluFusions()
    {
        Builder b;
        b.input("x", {1, 4, 4, 2});
        b.constant("w", {3, 3, 2, 3});
        b.conv2d("conv", "x", "w");
        b.constant("b", {3});
        b.add(node("bias", "BiasAdd", {"conv", "b"}));
        b.add(node("pos", "Relu", {"bias"}));
        b.add(node("neg", "Neg", {"bias"}));
        b.add(node("negRelu", "Relu", {"neg"}));
        b.constant("alpha", {3}, {-0.1f, -0.2f, -0.3f}); // Keras stores -alpha here
        b.add(node("mul", "Mul", {"alpha", "negRelu"}));
        b.add(node("prelu", "AddV2", {"pos", "mul"}));
        b.add(node("out", "Sigmoid", {"prelu"}));
        b.output("out");
        // fuse_ops_for_prelu alone: one Prelu node, alpha negated.
        Builder alone = b;
        checkPasses(alone, list(conv::makeFusePreluPass()));
        QCOMPARE(opCounts(alone.m)["Prelu"], std::size_t(1));
        QCOMPARE(alone.m.graph.nodes.size(), b.m.graph.nodes.size() - 4);
        QCOMPARE(*conv::edit::floatValues(alone.m, "alpha"), (std::vector<float>{0.1f, 0.2f, 0.3f}));
        QVERIFY(!core::findAttr(alone.m.graph.find("pos")->attrs, "T"));
        // With the remapper before it and the fused-PReLU pass after: one _FusedConv2D.
        checkPasses(b, list(conv::makeCpuDevicePass(), conv::makeRemapPass(), conv::makeFusePreluPass(),
                           conv::makeFusePreluWithFusedPass()));
        const auto* fused = b.m.graph.find("bias");
        QVERIFY(fused);
        QCOMPARE(fused->op, std::string("_FusedConv2D"));
        QCOMPARE(fusedOps(*fused), (std::vector<std::string>{"BiasAdd", "Prelu"}));
        QCOMPARE(core::findAttr(fused->attrs, "num_args")->i, std::int64_t(2));
        QCOMPARE(fused->inputs, (std::vector<std::string>{"x", "w", "b", "alpha"}));
        QCOMPARE(opCounts(b.m)["Prelu"], std::size_t(0));
    }
    void fuseDepthwise()
    {
        Builder b;
        b.input("x", {1, 5, 5, 2});
        b.constant("w1", {3, 3, 2, 2});
        b.conv2d("dw1", "x", "w1", "DepthwiseConv2dNative");
        b.constant("b1", {4});
        b.add(node("bias1", "BiasAdd", {"dw1", "b1"}));
        b.add(node("relu1", "Relu6", {"bias1"}));
        b.constant("w2", {3, 3, 4, 1});
        b.conv2d("dw2", "relu1", "w2", "DepthwiseConv2dNative");
        b.add(node("elu2", "Elu", {"dw2"}));
        b.constant("w3", {3, 3, 4, 1});
        b.conv2d("dw3", "elu2", "w3", "DepthwiseConv2dNative");
        b.constant("b3", {4});
        b.add(node("bias3", "BiasAdd", {"dw3", "b3"}));
        b.add(node("out", "Sigmoid", {"bias3"}));
        b.output("out");
        checkPasses(b, list(conv::makeFuseDepthwiseConv2dPass()));
        QCOMPARE(opCounts(b.m)["FusedDepthwiseConv2dNative"], std::size_t(3));
        QCOMPARE(b.m.graph.nodes.size(), std::size_t(10));
        QCOMPARE(fusedOps(*b.m.graph.find("dw1")), (std::vector<std::string>{"BiasAdd", "Relu6"}));
        QCOMPARE(fusedOps(*b.m.graph.find("dw2")), (std::vector<std::string>{"NoOp", "Elu"}));
        QCOMPARE(core::findAttr(b.m.graph.find("dw2")->attrs, "num_args")->i, std::int64_t(0));
        QCOMPARE(fusedOps(*b.m.graph.find("dw3")), (std::vector<std::string>{"BiasAdd"}));
        QCOMPARE(b.m.graph.find("dw3")->inputs, (std::vector<std::string>{"dw2", "w3", "b3"}));
        QCOMPARE(b.m.graph.find("out")->inputs, std::vector<std::string>{"dw3"});
    }
    void removeUnusedControlFlowInputs()
    {
        Builder b;
        b.input("x", {2});
        b.input("unused_control_flow_input_3", {1});
        b.add(node("out", "Relu", {"x"}));
        b.output("out");
        checkPasses(b, list(conv::makeRemoveUnusedControlFlowInputsPass()));
        QVERIFY(!b.m.graph.find("unused_control_flow_input_3"));
        QCOMPARE(b.m.inputs.size(), std::size_t(1));
    }
    // The whole route on the tensorspace LeNet frozen graph: conv + Add + Relu pairs become
    // _FusedConv2D, MatMul + Add [+ Relu] _FusedMatMul, and the network predicts the same.
    void frozenLenetEndToEnd()
    {
        const auto pb = kModels / "tensorspace-mnist-lenet-multiformat/frozen_graphdef_tf1/frozen_model.pb";
        auto original = conv::importModel(pb);
        const auto out = fs::temp_directory_path() / "tfjs-studio-test-passes-lenet";
        fs::remove_all(out);
        conv::ConvertOptions o;
        o.inputPath = pb.string();
        o.outputPath = out.string();
        o.outputNodeNames = {"MySoftMax"};
        conv::ConvertHooks hooks;
        hooks.evaluate = rt::referenceConstantEvaluator();
        const auto r = conv::convert(o, hooks);
        for (const auto& p : r.passes)
            qInfo("%s", p.summary().c_str());
        auto converted = core::readTfjsModel(out / "model.json");
        const auto c = opCounts(converted);
        QCOMPARE(c.at("_FusedConv2D"), std::size_t(2));
        QCOMPARE(c.at("_FusedMatMul"), std::size_t(3));
        QCOMPARE(c.count("Conv2D") + c.count("Add") + c.count("MatMul") + c.count("Identity") + c.count("Relu"), std::size_t(0));
        QCOMPARE(converted.meta.signature["outputs"]["MySoftMax"]["name"].get<std::string>(), std::string("MySoftMax"));
        // Every weight of the output is the same bytes as the frozen graph's Const of that name.
        for (const auto& g : converted.weightGroups)
            for (const auto& w : g.weights) {
                const auto* src = conv::edit::findWeight(original, w.name);
                QVERIFY2(src, w.name.c_str());
                QCOMPARE(w.storedBytes(), src->storedBytes());
            }
        // Same predictions on the reference executor.
        original.outputs = {converted.outputs.at(0)};
        const auto inputs = rt::makeInputs(original, 5, 2);
        requireSameOutputs(runReference(original, inputs), runReference(converted, inputs));
        fs::remove_all(out);
    }
    // tf2onnx's frozen graphs: each converts (or fails with the op check's message), and where
    // the reference executor runs both, the predictions before and after agree.
    void tf2onnxFrozenGraphs()
    {
        struct Case {
            std::string dir, output;
            bool run;
        };
        for (const auto& k : {Case{"fc-layers", "output", true}, Case{"regression", "pred", true}, Case{"lstm", "output", false},
                 Case{"gru", "output", false}}) {
            const auto pb = kModels / "frozen-graphdef-tf1-tf2onnx-rnn-and-mlp" / k.dir / "frozen.pb";
            const auto out = fs::temp_directory_path() / ("tfjs-studio-test-passes-" + k.dir);
            fs::remove_all(out);
            conv::ConvertOptions o;
            o.inputPath = pb.string();
            o.outputPath = out.string();
            o.outputNodeNames = {k.output};
            conv::ConvertHooks hooks;
            hooks.evaluate = rt::referenceConstantEvaluator();
            conv::ConvertResult r;
            try {
                r = conv::convert(o, hooks);
            } catch (const Error& e) {
                const std::string what = e.what();
                QVERIFY2(what.find("Unsupported Ops in the model") != std::string::npos, (k.dir + ": " + what).c_str());
                QVERIFY(!fs::exists(out));
                continue;
            }
            auto converted = core::readTfjsModel(out / "model.json");
            std::string ops;
            for (const auto& [op, count] : opCounts(converted))
                ops += op + " " + std::to_string(count) + ", ";
            qInfo("%s: %zu -> %zu nodes: %s", k.dir.c_str(), conv::importModel(pb).graph.nodes.size(), converted.graph.nodes.size(),
                ops.c_str());
            if (k.dir == "fc-layers") {
                const auto c = opCounts(converted);
                QVERIFY(c.count("_FusedMatMul") && c.at("_FusedMatMul") >= 3);
                QCOMPARE(c.count("MatMul") + c.count("BiasAdd"), std::size_t(0));
            }
            if (k.run) {
                auto original = conv::importModel(pb);
                original.outputs = converted.outputs;
                std::map<std::string, rt::Tensor> inputs;
                try {
                    inputs = rt::makeInputs(converted, 11, 3);
                } catch (const Error&) {
                    // regression's X has no declared shape: a vector of values makes sense for it.
                    for (const auto& in : converted.inputs)
                        inputs[core::inputNodeName(in.name)] = rt::Tensor::floats({5}, {-2.0f, -0.5f, 0.0f, 0.25f, 3.0f});
                }
                requireSameOutputs(runReference(original, inputs), runReference(converted, inputs));
            }
            fs::remove_all(out);
        }
    }
};

QTEST_GUILESS_MAIN(TestPasses)
#include "test_passes.moc"
