// The matrix-product kernels (1x1 convolutions, MatMul, BatchMatMul, _FusedMatMul), the residual
// Add (channel-padded too) and activation folded into them, spatial Pads folded into convolutions,
// and activation memory shared by liveness: each against the
// reference executor on awkward shapes (rows and columns that fill no tile, channel counts that
// are not multiples of 4), fixed seed, shapes printed on failure.
#include "runtime/vulkan/vk.h"
#include "tests/runtime/vulkan/toy_model.h"

#include <QtTest>

using namespace studio;
using namespace studio::vktest;

namespace {

core::AttrMap convAttrs(const std::string& padding = "VALID")
{
    return {{"strides", ints({1, 1, 1, 1})}, {"padding", str(padding)}};
}

core::AttrMap fusedAttrs(std::vector<std::string> ops)
{
    auto a = convAttrs();
    a.emplace_back("fused_ops", strs(std::move(ops)));
    a.emplace_back("num_args", core::AttrValue::ofInt(1));
    return a;
}

core::AttrValue flag(bool b) { return core::AttrValue::ofBool(b); }

// Nodes that ran as their own step (fused nodes do not appear in a profile).
std::size_t steps(ToyModel& t)
{
    auto session = rt::compile(t.m, "vulkan");
    rt::RunOptions o;
    o.profile = true;
    return session->run(t.feeds, o).profile.size();
}

} // namespace

class TestVulkanGemm : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QString why;
        if (!vulkanAvailable(why))
            QFAIL(qPrintable("no Vulkan device (setup installs mesa-vulkan-drivers): " + why));
    }

    void pointwiseConv_data()
    {
        QTest::addColumn<QList<qint64>>("in");
        QTest::addColumn<qint64>("outC");
        QTest::addColumn<QString>("fused");
        QTest::newRow("13x17x8 -> 7 (columns fill no vec4)") << QList<qint64>{1, 13, 17, 8} << qint64(7) << "";
        QTest::newRow("13x17x8 -> 24, bias + relu6") << QList<qint64>{1, 13, 17, 8} << qint64(24) << "Relu6";
        QTest::newRow("2x5x3x12 -> 20 (batch 2, 30 rows), bias") << QList<qint64>{2, 5, 3, 12} << qint64(20) << "BiasAdd";
        QTest::newRow("1x7x9x5 -> 33 (input channels padded), bias + relu") << QList<qint64>{1, 7, 9, 5} << qint64(33) << "Relu";
        QTest::newRow("1x1x1x64 -> 1000 (one row)") << QList<qint64>{1, 1, 1, 64} << qint64(1000) << "BiasAdd";
        QTest::newRow("1x56x56x24 -> 144") << QList<qint64>{1, 56, 56, 24} << qint64(144) << "Relu6";
    }
    void pointwiseConv()
    {
        QFETCH(QList<qint64>, in);
        QFETCH(qint64, outC);
        QFETCH(QString, fused);
        ToyModel t;
        const std::vector<std::int64_t> shape(in.begin(), in.end());
        const auto x = t.input("x", shape);
        const auto w = t.weight("w", {1, 1, shape[3], outC});
        std::string y;
        if (fused.isEmpty()) {
            y = t.op("conv", "Conv2D", {x, w}, convAttrs());
        } else {
            const auto b = t.weight("b", {outC});
            std::vector<std::string> ops{"BiasAdd"};
            if (fused != "BiasAdd")
                ops.push_back(fused.toStdString());
            y = t.op("conv", "_FusedConv2D", {x, w, b}, fusedAttrs(ops));
        }
        t.output(y);
        compare(t, "1x1 conv " + shapeText(shape) + " -> " + std::to_string(outC) + " " + fused.toStdString(), 2e-6, true);
    }

    // conv -> Add(residual) -> Relu: one kernel.
    void residualAddFolded_data()
    {
        QTest::addColumn<bool>("convFirst");
        QTest::addColumn<bool>("relu");
        QTest::newRow("Add(conv, x), Relu") << true << true;
        QTest::newRow("Add(x, conv)") << false << false;
    }
    void residualAddFolded()
    {
        QFETCH(bool, convFirst);
        QFETCH(bool, relu);
        ToyModel t;
        const auto x = t.input("x", {1, 9, 11, 16});
        const auto w = t.weight("w", {1, 1, 16, 16});
        const auto b = t.weight("b", {16});
        const auto conv = t.op("conv", "_FusedConv2D", {x, w, b}, fusedAttrs({"BiasAdd"}));
        auto y = t.op("add", "AddV2", convFirst ? std::vector<std::string>{conv, x} : std::vector<std::string>{x, conv});
        if (relu)
            y = t.op("relu", "Relu", {y});
        t.output(y);
        compare(t, std::string("residual add folded into a 1x1 conv") + (relu ? " + relu" : ""), 2e-6, true);
        QCOMPARE(steps(t), std::size_t(1));
    }

    // BlazeFace's block: conv -> Add(conv, Pad(x) along the channels) -> Relu, one kernel.
    void channelPaddedResidualFolded_data()
    {
        QTest::addColumn<qint64>("before");
        QTest::addColumn<qint64>("channels");
        QTest::newRow("12 channels + 4 after") << qint64(0) << qint64(12);
        QTest::newRow("2 before, 9 channels, 5 after") << qint64(2) << qint64(9);
        // Channels and offset multiples of 4: the residual is read a vec4 at a time.
        QTest::newRow("4 before, 8 channels, 4 after") << qint64(4) << qint64(8);
    }
    void channelPaddedResidualFolded()
    {
        QFETCH(qint64, before);
        QFETCH(qint64, channels);
        ToyModel t;
        const auto x = t.input("x", {1, 9, 11, channels});
        const auto w = t.weight("w", {1, 1, channels, 16});
        const auto b = t.weight("b", {16});
        const auto conv = t.op("conv", "_FusedConv2D", {x, w, b}, fusedAttrs({"BiasAdd"}));
        const auto pads = t.intConstant("pads", {4, 2}, {0, 0, 0, 0, 0, 0, static_cast<std::int32_t>(before),
            static_cast<std::int32_t>(16 - channels - before)});
        const auto padded = t.op("pad", "Pad", {x, pads});
        t.output(t.op("relu", "Relu", {t.op("add", "AddV2", {conv, padded})}));
        compare(t, "channel-padded residual (" + std::to_string(before) + " before) folded into a 1x1 conv", 2e-6, true);
        QCOMPARE(steps(t), std::size_t(1));
    }

    // MobileNet's ZeroPadding2D before a stride-2 VALID depthwise (and a regular conv): the Pad
    // is read as zeros by the convolution, not written.
    void spatialPadFolded_data()
    {
        QTest::addColumn<QString>("op");
        QTest::newRow("depthwise 3x3 s2") << "DepthwiseConv2dNative";
        QTest::newRow("conv 3x3 s2") << "Conv2D";
    }
    void spatialPadFolded()
    {
        QFETCH(QString, op);
        ToyModel t;
        const auto x = t.input("x", {1, 13, 17, 8});
        const bool depthwise = op.startsWith("Depthwise");
        const auto w = t.weight("w", {3, 3, 8, depthwise ? 1 : 12});
        const auto pads = t.intConstant("pads", {4, 2}, {0, 0, 0, 1, 1, 2, 0, 0});
        const auto padded = t.op("pad", "Pad", {x, pads});
        t.output(t.op("conv", op.toStdString(), {padded, w}, {{"strides", ints({1, 2, 2, 1})}, {"padding", str("VALID")}}));
        compare(t, "zero Pad of H and W folded into " + op.toStdString(), 2e-6, true);
        QCOMPARE(steps(t), std::size_t(1));
    }

    // The residual is folded only where the other operand has the output's shape.
    void residualBroadcastNotFolded()
    {
        ToyModel t;
        const auto x = t.input("x", {1, 9, 11, 16});
        const auto w = t.weight("w", {1, 1, 16, 16});
        const auto r = t.weight("r", {16});
        const auto conv = t.op("conv", "Conv2D", {x, w}, convAttrs());
        t.output(t.op("add", "AddV2", {conv, r}));
        compare(t, "broadcast add after a 1x1 conv", 2e-6, true);
        QCOMPARE(steps(t), std::size_t(2));
    }

    // Activations with C % 4 != 0 widened to a multiple of 4 with zero channels where every node
    // around them can take it (widen_channels.h): the outputs are unchanged, and the plan says
    // which group was widened. A BlazeFace-like stage with 42 channels: a block whose 1x1 conv
    // adds a channel-padded residual, then a stride-2 depthwise into a 1x1 conv beside a max pool
    // whose result is channel-padded into the next residual.
    void widenedChannels_data()
    {
        QTest::addColumn<QString>("variant");
        QTest::addColumn<QString>("note"); // expected plan note prefix, empty: nothing widened
        QTest::newRow("42-channel stage") << "stage" << "42 -> 44 channels";
        QTest::newRow("a member is a graph output") << "output" << "";
        QTest::newRow("a Sigmoid epilogue makes no zeros") << "sigmoid" << "";
        QTest::newRow("13 channels read by a 3x3 conv") << "conv" << "13 -> 16 channels";
    }
    void widenedChannels()
    {
        QFETCH(QString, variant);
        QFETCH(QString, note);
        ToyModel t;
        if (variant == "conv") {
            const auto x = t.input("x", {1, 7, 9, 16});
            const auto a = t.op("a", "_FusedConv2D", {x, t.weight("wa", {1, 1, 16, 13}), t.weight("ba", {13})}, fusedAttrs({"BiasAdd", "Relu"}));
            t.output(t.op("y", "Conv2D", {a, t.weight("wy", {3, 3, 13, 8})}, convAttrs("SAME")));
        } else {
            const auto x = t.input("x", {1, 10, 12, 36});
            const auto dw = t.op("dw", "DepthwiseConv2dNative", {x, t.weight("wdw", {3, 3, 36, 1})}, convAttrs("SAME"));
            const auto conv = t.op("conv", "_FusedConv2D", {dw, t.weight("wc", {1, 1, 36, 42}), t.weight("bc", {42})},
                fusedAttrs(variant == "sigmoid" ? std::vector<std::string>{"BiasAdd", "Sigmoid"} : std::vector<std::string>{"BiasAdd"}));
            const auto px = t.op("px", "Pad", {x, t.intConstant("ppx", {4, 2}, {0, 0, 0, 0, 0, 0, 0, 6})});
            const auto r = t.op("r", "Relu", {t.op("add", "AddV2", {conv, px})});
            const auto dw2 = t.op("dw2", "FusedDepthwiseConv2dNative", {r, t.weight("wdw2", {3, 3, 42, 1}), t.weight("bdw2", {42})},
                {{"strides", ints({1, 2, 2, 1})}, {"padding", str("SAME")}, {"fused_ops", strs({"BiasAdd"})},
                    {"num_args", core::AttrValue::ofInt(1)}});
            const auto c6 = t.op("c6", "_FusedConv2D", {dw2, t.weight("wc6", {1, 1, 42, 48}), t.weight("bc6", {48})}, fusedAttrs({"BiasAdd"}));
            const auto pool = t.op("pool", "MaxPool", {r},
                {{"ksize", ints({1, 2, 2, 1})}, {"strides", ints({1, 2, 2, 1})}, {"padding", str("SAME")}});
            const auto pp = t.op("pp", "Pad", {pool, t.intConstant("ppp", {4, 2}, {0, 0, 0, 0, 0, 0, 0, 6})});
            t.output(t.op("y", "Relu", {t.op("add2", "AddV2", {c6, pp})}));
            if (variant == "output")
                t.output(r);
        }
        compare(t, "widened channels: " + variant.toStdString(), 2e-6, true);
        const auto notes = rt::compile(t.m, "vulkan")->info().planNotes;
        if (note.isEmpty()) {
            QVERIFY2(notes.empty(), notes.empty() ? "" : notes[0].c_str());
        } else {
            QCOMPARE(notes.size(), std::size_t(1));
            QVERIFY2(QString::fromStdString(notes[0]).startsWith(note), notes[0].c_str());
        }
    }

    void matmul_data()
    {
        QTest::addColumn<QList<qint64>>("a");
        QTest::addColumn<QList<qint64>>("b");
        QTest::addColumn<QString>("op");
        QTest::addColumn<bool>("transposeB");
        QTest::newRow("13x20 * 20x9") << QList<qint64>{13, 20} << QList<qint64>{20, 9} << "MatMul" << false;
        QTest::newRow("13x10 * (9x10)^T, K = 10") << QList<qint64>{13, 10} << QList<qint64>{9, 10} << "MatMul" << true;
        QTest::newRow("1x1280 * 1280x1001") << QList<qint64>{1, 1280} << QList<qint64>{1280, 1001} << "MatMul" << false;
        QTest::newRow("batch 2x7x12 * 12x5") << QList<qint64>{2, 7, 12} << QList<qint64>{12, 5} << "BatchMatMulV2" << false;
        QTest::newRow("batch 3x4x6 * (1x7x6)^T") << QList<qint64>{3, 4, 6} << QList<qint64>{1, 7, 6} << "BatchMatMulV2" << true;
        QTest::newRow("fused 5x36 * 36x17 + bias, relu") << QList<qint64>{5, 36} << QList<qint64>{36, 17} << "_FusedMatMul" << false;
    }
    void matmul()
    {
        QFETCH(QList<qint64>, a);
        QFETCH(QList<qint64>, b);
        QFETCH(QString, op);
        QFETCH(bool, transposeB);
        ToyModel t;
        const std::vector<std::int64_t> as(a.begin(), a.end()), bs(b.begin(), b.end());
        const auto x = t.input("a", as);
        const auto w = t.weight("b", bs);
        const bool batch = op.startsWith("Batch");
        core::AttrMap attrs{{batch ? "adj_x" : "transpose_a", flag(false)}, {batch ? "adj_y" : "transpose_b", flag(transposeB)}};
        std::vector<std::string> inputs{x, w};
        if (op == "_FusedMatMul") {
            inputs.push_back(t.weight("bias", {transposeB ? bs[0] : bs.back()}));
            attrs.emplace_back("fused_ops", strs({"BiasAdd", "Relu"}));
            attrs.emplace_back("num_args", core::AttrValue::ofInt(1));
        }
        t.output(t.op("mm", op.toStdString(), inputs, attrs));
        compare(t, op.toStdString() + " " + shapeText(as) + " x " + shapeText(bs) + (transposeB ? "^T" : ""), 2e-6, true);
    }

    // A computed right-hand side is not a packed weight: the node still gives the right values.
    void matmulOfTwoInputs()
    {
        ToyModel t;
        const auto x = t.input("a", {6, 8});
        const auto y = t.input("b", {8, 5});
        t.output(t.op("mm", "MatMul", {x, y}, {{"transpose_a", flag(false)}, {"transpose_b", flag(false)}}));
        compare(t, "MatMul of two inputs", 2e-6, false);
    }

    // A chain of element-wise ops needs two activation blocks besides the input and output,
    // whatever its length; the values stay right.
    void activationsShareMemory()
    {
        ToyModel t;
        const std::vector<std::int64_t> shape{1, 64, 64, 16};
        auto y = t.input("x", shape);
        const char* ops[] = {"Abs", "Sqrt", "Neg", "Exp", "Square", "Sigmoid", "Abs", "Sqrt", "Neg", "Exp", "Square", "Sigmoid"};
        int k = 0;
        for (const char* op : ops)
            y = t.op("u" + std::to_string(k++), op, {y});
        t.output(y);
        compare(t, "12 element-wise ops in a chain", 1e-6, true);
        auto session = rt::compile(t.m, "vulkan");
        const std::uint64_t tensor = static_cast<std::uint64_t>(count(shape)) * 4;
        qInfo("device memory %llu bytes for 13 tensors of %llu", static_cast<unsigned long long>(session->info().deviceMemoryBytes),
            static_cast<unsigned long long>(tensor));
        QVERIFY(session->info().deviceMemoryBytes >= 3 * tensor);
        QVERIFY(session->info().deviceMemoryBytes <= 4 * tensor + 4096);
    }

    void cleanupTestCase() { QCOMPARE(vk::Instance::validationMessages(), std::uint64_t(0)); }
};

QTEST_GUILESS_MAIN(TestVulkanGemm)
#include "test_vulkan_gemm.moc"
