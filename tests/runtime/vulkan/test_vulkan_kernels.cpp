// Each Vulkan kernel against the reference executor on awkward shapes (13, 17, odd channel
// counts, stride 2 with SAME padding on odd sizes), fixed seed, shapes printed on failure. Runs on
// whatever Vulkan device exists (lavapipe in CI); skips, loudly, only when there is none.
#include "runtime/vulkan/vk.h"
#include "tests/runtime/vulkan/toy_model.h"

#include <QtTest>

#include <cmath>
#include <limits>
#include <cstring>
#include <functional>
#include <random>

using namespace studio;
using namespace studio::vktest;

namespace {

struct ConvCase {
    std::vector<std::int64_t> x, w;
    std::vector<std::int64_t> strides, dilations;
    std::string padding;
    std::vector<std::string> fused; // empty: plain op
};

} // namespace

class TestVulkanKernels : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QString why;
        // scripts/setup.sh installs Mesa's lavapipe, so a machine without any Vulkan device is a
        // broken setup: fail, naming why, instead of passing with nothing tested.
        QVERIFY2(vulkanAvailable(why), qPrintable("no Vulkan device (setup installs mesa-vulkan-drivers): " + why));
    }

    void conv2d()
    {
        const std::vector<ConvCase> cases{
            {{1, 13, 17, 5}, {3, 3, 5, 7}, {1, 1, 1, 1}, {1, 1, 1, 1}, "SAME", {}},
            {{1, 13, 17, 5}, {3, 3, 5, 7}, {1, 2, 2, 1}, {1, 1, 1, 1}, "SAME", {"BiasAdd", "Relu"}},
            {{2, 13, 17, 3}, {5, 5, 3, 9}, {1, 2, 2, 1}, {1, 1, 1, 1}, "SAME", {"BiasAdd"}},
            {{1, 13, 17, 5}, {2, 2, 5, 6}, {1, 2, 2, 1}, {1, 1, 1, 1}, "VALID", {"BiasAdd", "Relu6"}},
            {{1, 15, 13, 4}, {3, 3, 4, 5}, {1, 1, 1, 1}, {1, 2, 2, 1}, "SAME", {"BiasAdd", "Elu"}},
            {{1, 9, 11, 24}, {1, 1, 24, 27}, {1, 1, 1, 1}, {1, 1, 1, 1}, "VALID", {"BiasAdd", "LeakyRelu"}},
            {{1, 16, 16, 32}, {1, 1, 32, 96}, {1, 1, 1, 1}, {1, 1, 1, 1}, "SAME", {"BiasAdd", "Sigmoid"}},
            {{1, 127, 3, 1}, {3, 3, 1, 13}, {1, 2, 1, 1}, {1, 1, 1, 1}, "SAME", {"BiasAdd", "Tanh"}},
            // inC % 4 == 0 takes the vec4 4x4-tile kernel; outC % 4 == 0 its vec4 stores.
            {{1, 13, 17, 8}, {3, 3, 8, 12}, {1, 2, 2, 1}, {1, 1, 1, 1}, "SAME", {"BiasAdd", "Relu"}},
            {{2, 13, 17, 12}, {5, 5, 12, 7}, {1, 2, 2, 1}, {1, 1, 1, 1}, "VALID", {}},
            {{1, 13, 7, 4}, {3, 3, 4, 8}, {1, 1, 1, 1}, {1, 2, 2, 1}, "SAME", {"BiasAdd", "Relu6"}},
            // At most 4 input channels, filters up to 5 wide, no dilation: the row kernel (output
            // channels along the lanes, 8 pixels per invocation); a 7-wide filter takes the tile kernel.
            {{1, 33, 35, 3}, {3, 3, 3, 32}, {1, 2, 2, 1}, {1, 1, 1, 1}, "SAME", {"BiasAdd", "Relu6"}},
            {{1, 20, 19, 3}, {5, 5, 3, 24}, {1, 2, 2, 1}, {1, 1, 1, 1}, "SAME", {"BiasAdd", "Relu"}},
            {{2, 9, 12, 4}, {4, 4, 4, 6}, {1, 1, 1, 1}, {1, 1, 1, 1}, "VALID", {}},
            {{1, 8, 30, 2}, {3, 5, 2, 8}, {1, 1, 2, 1}, {1, 1, 1, 1}, "SAME", {"BiasAdd"}},
            {{1, 11, 11, 3}, {7, 7, 3, 8}, {1, 2, 2, 1}, {1, 1, 1, 1}, "SAME", {"BiasAdd", "Relu"}},
            // 3 channels in whole texels (pixels % 4 == 0): picked out of the row's texels, at
            // every phase of a row's first float, each invocation computing every output channel
            // of its 8 pixels (5 and 12 channels: a partial vec4, and 3 vec4s in its loop).
            {{1, 12, 17, 3}, {3, 3, 3, 16}, {1, 2, 2, 1}, {1, 1, 1, 1}, "SAME", {"BiasAdd", "Relu6"}},
            {{2, 9, 10, 3}, {5, 5, 3, 12}, {1, 1, 1, 1}, {1, 1, 1, 1}, "SAME", {"BiasAdd"}},
            {{1, 8, 13, 3}, {4, 3, 3, 5}, {1, 1, 2, 1}, {1, 1, 1, 1}, "VALID", {}},
            // Widths a multiple of 4: every row starts at the same phase, fixed in the pipeline
            // (BlazeFace's first layer: phase 1 from 1 column of padding; 2 columns: phase 2; none: 0).
            {{1, 12, 16, 3}, {5, 5, 3, 24}, {1, 2, 2, 1}, {1, 1, 1, 1}, "SAME", {"BiasAdd", "Relu"}},
            {{2, 9, 8, 3}, {5, 5, 3, 12}, {1, 1, 1, 1}, {1, 1, 1, 1}, "SAME", {"BiasAdd"}},
            {{1, 8, 12, 3}, {4, 3, 3, 5}, {1, 1, 2, 1}, {1, 1, 1, 1}, "VALID", {}},
        };
        for (const auto& c : cases) {
            ToyModel t;
            const auto x = t.input("x", c.x);
            const auto w = t.weight("w", c.w);
            std::vector<std::string> in{x, w};
            core::AttrMap attrs{{"strides", ints(c.strides)}, {"dilations", ints(c.dilations)}, {"padding", str(c.padding)},
                {"data_format", str("NHWC")}};
            std::string opName = "Conv2D";
            if (!c.fused.empty()) {
                opName = "_FusedConv2D";
                in.push_back(t.weight("b", {c.w[3]}));
                attrs.emplace_back("fused_ops", strs(c.fused));
                attrs.emplace_back("num_args", core::AttrValue::ofInt(1));
                attrs.emplace_back("leakyrelu_alpha", core::AttrValue::ofFloat(0.1));
            }
            t.output(t.op("conv", opName, in, attrs));
            std::string what = opName + " x" + shapeText(c.x) + " w" + shapeText(c.w) + " s" + std::to_string(c.strides[1])
                + "x" + std::to_string(c.strides[2]) + " d" + std::to_string(c.dilations[1]) + " " + c.padding;
            for (const auto& f : c.fused)
                what += " " + f;
            compare(t, what);
        }
    }

    void depthwiseConv2d()
    {
        const std::vector<ConvCase> cases{
            {{1, 13, 17, 6}, {3, 3, 6, 1}, {1, 1, 1, 1}, {1, 1, 1, 1}, "SAME", {}},
            {{1, 13, 17, 6}, {3, 3, 6, 1}, {1, 2, 2, 1}, {1, 1, 1, 1}, "SAME", {"BiasAdd", "Relu6"}},
            {{2, 13, 17, 5}, {5, 5, 5, 2}, {1, 2, 2, 1}, {1, 1, 1, 1}, "VALID", {"BiasAdd", "Relu"}},
            {{1, 17, 13, 3}, {3, 3, 3, 3}, {1, 1, 1, 1}, {1, 2, 2, 1}, "SAME", {"BiasAdd"}},
            {{1, 64, 64, 24}, {5, 5, 24, 1}, {1, 1, 1, 1}, {1, 1, 1, 1}, "SAME", {}},
            // Multiplier 1 and C % 4 == 0 take the vec4 kernel.
            {{1, 13, 17, 8}, {3, 3, 8, 1}, {1, 2, 2, 1}, {1, 1, 1, 1}, "SAME", {"BiasAdd", "Relu6"}},
            {{2, 15, 13, 12}, {3, 3, 12, 1}, {1, 1, 1, 1}, {1, 2, 2, 1}, "VALID", {"BiasAdd"}},
            {{1, 13, 17, 4}, {5, 5, 4, 1}, {1, 1, 1, 1}, {1, 1, 1, 1}, "SAME", {"BiasAdd", "Relu"}},
            // 3x3 without dilation, stride 1 or 2 along x: the row kernel (8 pixels per
            // invocation), on widths that are not a multiple of 8 and rows that end early.
            {{1, 13, 17, 12}, {3, 3, 12, 1}, {1, 1, 1, 1}, {1, 1, 1, 1}, "SAME", {"BiasAdd", "Relu6"}},
            {{2, 9, 23, 8}, {3, 3, 8, 1}, {1, 2, 2, 1}, {1, 1, 1, 1}, "VALID", {"BiasAdd"}},
            {{1, 7, 7, 16}, {3, 3, 16, 1}, {1, 1, 1, 1}, {1, 1, 1, 1}, "SAME", {}},
            {{1, 12, 31, 4}, {3, 3, 4, 1}, {1, 2, 1, 1}, {1, 1, 1, 1}, "SAME", {"BiasAdd", "Relu"}},
            {{1, 10, 10, 4}, {3, 3, 4, 1}, {1, 1, 2, 1}, {1, 1, 1, 1}, "VALID", {}},
            {{1, 4, 3, 36}, {3, 3, 36, 1}, {1, 2, 2, 1}, {1, 1, 1, 1}, "SAME", {"BiasAdd", "Relu6"}},
            // The same row kernel one channel per lane (C % 4 != 0; the first two cases above too).
            {{1, 9, 30, 42}, {3, 3, 42, 1}, {1, 2, 2, 1}, {1, 1, 1, 1}, "SAME", {"BiasAdd", "Relu"}},
            {{2, 7, 9, 5}, {3, 3, 5, 1}, {1, 2, 1, 1}, {1, 1, 1, 1}, "VALID", {}},
        };
        for (const auto& c : cases) {
            ToyModel t;
            const auto x = t.input("x", c.x);
            const auto w = t.weight("w", c.w);
            std::vector<std::string> in{x, w};
            core::AttrMap attrs{{"strides", ints(c.strides)}, {"dilations", ints(c.dilations)}, {"padding", str(c.padding)},
                {"data_format", str("NHWC")}};
            std::string opName = "DepthwiseConv2dNative";
            if (!c.fused.empty()) {
                opName = "FusedDepthwiseConv2dNative";
                in.push_back(t.weight("b", {c.w[2] * c.w[3]}));
                attrs.emplace_back("fused_ops", strs(c.fused));
                attrs.emplace_back("num_args", core::AttrValue::ofInt(1));
            }
            t.output(t.op("dw", opName, in, attrs));
            std::string what = opName + " x" + shapeText(c.x) + " w" + shapeText(c.w) + " s" + std::to_string(c.strides[1])
                + " d" + std::to_string(c.dilations[1]) + " " + c.padding;
            for (const auto& f : c.fused)
                what += " " + f;
            compare(t, what);
        }
    }

    void binaryBroadcast()
    {
        struct Case {
            std::string op;
            std::vector<std::int64_t> a, b;
            bool bConst;
        };
        const std::vector<Case> cases{
            {"AddV2", {1, 13, 17, 5}, {1, 13, 17, 5}, false},
            {"Sub", {1, 13, 17, 8}, {1, 13, 17, 8}, false}, // n % 4 == 0: the vec4 kernel
            {"RealDiv", {1, 13, 17, 8}, {1, 13, 17, 8}, true},
            {"Add", {2, 3, 1, 5}, {1, 7, 5}, false},
            {"Sub", {13, 1}, {1, 127}, false},
            {"Mul", {1, 13, 17, 5}, {}, true},
            {"Mul", {1, 13, 17, 5}, {5}, true},
            {"RealDiv", {3, 13, 7}, {3, 1, 7}, true},
            {"Maximum", {127}, {127}, false},
            {"Minimum", {2, 1, 3, 1, 5, 1}, {1, 4, 1, 6, 1, 7}, false},
            {"SquaredDifference", {1, 13, 17, 5}, {1, 1, 1, 5}, false},
            {"BiasAdd", {1, 13, 17, 5}, {5}, true},
        };
        for (const auto& c : cases) {
            ToyModel t;
            const auto a = t.input("a", c.a);
            const auto b = c.bConst ? t.weight("b", c.b, 0.5f, 2.0f) : t.input("b", c.b);
            t.output(t.op("y", c.op, {a, b}));
            compare(t, c.op + " " + shapeText(c.a) + " " + shapeText(c.b) + (c.bConst ? " (const)" : ""));
        }
        // AddV2 -> Relu: the activation is folded into the add, and still agrees.
        ToyModel t;
        const auto a = t.input("a", {1, 13, 17, 5});
        const auto b = t.input("b", {1, 13, 17, 5});
        t.op("add", "AddV2", {a, b});
        t.output(t.op("relu", "Relu", {"add"}));
        compare(t, "AddV2 + Relu (fused) [1,13,17,5]");
        ToyModel t4;
        const auto a4 = t4.input("a", {1, 13, 17, 12});
        const auto b4 = t4.input("b", {1, 13, 17, 12});
        t4.op("add", "AddV2", {a4, b4});
        t4.output(t4.op("relu6", "Relu6", {"add"}));
        compare(t4, "AddV2 + Relu6 (fused, vec4) [1,13,17,12]");
    }

    void unary()
    {
        for (const std::string op : {"Relu", "Relu6", "Sigmoid", "Tanh", "Exp", "Rsqrt", "Elu", "LeakyRelu", "Log", "Neg",
                 "Abs", "Reciprocal", "Sign", "Softplus", "Sqrt", "Square"}) {
            ToyModel t;
            auto x = t.input("x", {1, 13, 17, 5});
            if (op == "Rsqrt" || op == "Log" || op == "Sqrt" || op == "Reciprocal") {
                for (auto& v : t.feeds["x"].f)
                    v = std::fabs(v) + 0.1f;
            } else {
                for (auto& v : t.feeds["x"].f)
                    v *= 8.0f; // reach Relu6's clamp
            }
            t.output(t.op("y", op, {x}));
            compare(t, op + " [1,13,17,5]", 2e-6);
        }
    }

    void pad()
    {
        {
            ToyModel t;
            const auto x = t.input("x", {1, 13, 17, 5});
            const auto p = t.intConstant("p", {4, 2}, {0, 0, 1, 2, 0, 3, 0, 4});
            t.output(t.op("y", "Pad", {x, p}));
            compare(t, "Pad [1,13,17,5] by [[0,0],[1,2],[0,3],[0,4]]", 0);
        }
        {
            ToyModel t;
            const auto x = t.input("x", {13, 7});
            const auto p = t.intConstant("p", {2, 2}, {3, 0, 2, 5});
            t.output(t.op("y", "Pad", {x, p}));
            compare(t, "Pad [13,7] by [[3,0],[2,5]]", 0);
        }
        // Only the last dimension: the channel kernel (no per-element index arithmetic).
        {
            ToyModel t;
            const auto x = t.input("x", {2, 5, 3, 6});
            const auto p = t.intConstant("p", {4, 2}, {0, 0, 0, 0, 0, 0, 2, 1});
            t.output(t.op("y", "Pad", {x, p}));
            compare(t, "Pad [2,5,3,6] by [[0,0],[0,0],[0,0],[2,1]]", 0);
        }
        {
            ToyModel t;
            const auto x = t.input("x", {13, 7});
            const auto p = t.intConstant("p", {2, 2}, {0, 0, 1, 4});
            t.output(t.op("y", "Pad", {x, p}));
            compare(t, "Pad [13,7] by [[0,0],[1,4]]", 0);
        }
    }

    // BlazeFace's residual widening: Add(conv, Pad(x) on channels only) -> Relu, the Pad folded
    // into the add; and the same Pad with a second reader, which is not folded.
    void channelPadFoldedIntoAdd()
    {
        for (const bool secondReader : {false, true}) {
            ToyModel t;
            const auto x = t.input("x", {1, 13, 17, 5});
            const auto a = t.input("a", {1, 13, 17, 9});
            const auto p = t.intConstant("p", {4, 2}, {0, 0, 0, 0, 0, 0, 1, 3});
            t.op("pad", "Pad", {x, p});
            t.op("add", "AddV2", {a, "pad"});
            t.output(t.op("relu", "Relu", {"add"}));
            if (secondReader)
                t.output(t.op("neg", "Mul", {"pad", t.weight("k", {9})}));
            compare(t, std::string("AddV2(a, Pad(x) channels 5->9 by [1,3]) -> Relu") + (secondReader ? ", Pad read twice" : ""), 0);
            // Folded: one step (the add, carrying the Relu); read twice: pad, add, mul.
            rt::RunOptions profile;
            profile.profile = true;
            const auto steps = rt::compile(t.m, "vulkan")->run(t.feeds, profile).profile.size();
            QCOMPARE(steps, std::size_t(secondReader ? 3 : 1));
        }
    }

    void pooling()
    {
        struct Case {
            std::string op;
            std::vector<std::int64_t> x, k, s;
            std::string padding;
        };
        const std::vector<Case> cases{
            {"MaxPool", {1, 13, 17, 5}, {1, 3, 3, 1}, {1, 2, 2, 1}, "SAME"},
            {"MaxPool", {1, 13, 17, 5}, {1, 2, 2, 1}, {1, 2, 2, 1}, "SAME"},
            {"MaxPool", {2, 13, 17, 3}, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID"},
            {"AvgPool", {1, 13, 17, 5}, {1, 3, 3, 1}, {1, 1, 1, 1}, "SAME"},
            {"AvgPool", {1, 13, 17, 5}, {1, 2, 3, 1}, {1, 2, 2, 1}, "VALID"},
            // C % 4 == 0: 4 channels per invocation.
            {"MaxPool", {1, 13, 17, 8}, {1, 3, 3, 1}, {1, 2, 2, 1}, "SAME"},
            {"MaxPool", {2, 12, 9, 24}, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID"},
            {"AvgPool", {1, 13, 17, 12}, {1, 3, 3, 1}, {1, 1, 1, 1}, "SAME"},
            {"AvgPool", {1, 7, 11, 4}, {1, 2, 3, 1}, {1, 2, 1, 1}, "VALID"},
        };
        for (const auto& c : cases) {
            ToyModel t;
            const auto x = t.input("x", c.x);
            t.output(t.op("y", c.op, {x}, {{"ksize", ints(c.k)}, {"strides", ints(c.s)}, {"padding", str(c.padding)}}));
            compare(t, c.op + " " + shapeText(c.x) + " k" + shapeText(c.k) + " s" + std::to_string(c.s[1]) + " " + c.padding);
        }
    }

    void concatAndTranspose()
    {
        {
            ToyModel t;
            const auto a = t.input("a", {1, 5, 7, 3});
            const auto b = t.input("b", {1, 5, 7, 4});
            const auto c = t.weight("c", {1, 5, 7, 1});
            const auto axis = t.intConstant("axis", {}, {-1});
            t.output(t.op("y", "ConcatV2", {a, b, c, axis}, {{"N", core::AttrValue::ofInt(3)}}));
            compare(t, "ConcatV2 axis -1 [1,5,7,3] [1,5,7,4] [1,5,7,1]", 0);
        }
        {
            ToyModel t;
            const auto a = t.input("a", {2, 13, 3});
            const auto b = t.input("b", {2, 4, 3});
            const auto axis = t.intConstant("axis", {}, {1});
            t.output(t.op("y", "ConcatV2", {a, b, axis}, {{"N", core::AttrValue::ofInt(2)}}));
            compare(t, "ConcatV2 axis 1 [2,13,3] [2,4,3]", 0);
        }
        {
            ToyModel t;
            const auto x = t.input("x", {2, 3, 5, 7});
            const auto perm = t.intConstant("perm", {4}, {0, 3, 1, 2});
            t.output(t.op("y", "Transpose", {x, perm}));
            compare(t, "Transpose [2,3,5,7] perm [0,3,1,2]", 0);
        }
    }

    // A chain with a view (Reshape) and an op without a Vulkan kernel (Softsign): the CPU fallback
    // runs between two command buffers, and the device line says so.
    void fallbackAndViews()
    {
        ToyModel t;
        const auto x = t.input("x", {1, 13, 17, 5});
        t.op("relu", "Relu", {x});
        const auto shape = t.intConstant("shape", {2}, {13 * 17, 5});
        t.op("flat", "Reshape", {"relu", shape});
        t.op("soft", "Softsign", {"flat"});
        t.output(t.op("y", "Mul", {"soft", t.weight("k", {5})}));
        compare(t, "Relu -> Reshape -> Softsign (CPU) -> Mul");
        const auto session = rt::compile(t.m, "vulkan");
        const auto device = QString::fromStdString(session->info().device);
        QVERIFY2(device.contains("1 of 3 nodes on the CPU fallback (Softsign)"), qPrintable(device));
        rt::RunOptions profile;
        profile.profile = true;
        const auto r = session->run(t.feeds, profile);
        QCOMPARE(r.profile.size(), std::size_t(3));
        QCOMPARE(QString::fromStdString(r.profile[1].op), QString("Softsign (CPU fallback)"));
        QVERIFY(r.deviceMs.has_value());
    }

    void badInputs()
    {
        ToyModel t;
        const auto x = t.input("x", {1, 13, 17, 5});
        t.output(t.op("y", "Relu", {x}));
        auto session = rt::compile(t.m, "vulkan");
        auto feeds = t.feeds;
        feeds["x"] = rt::Tensor::floats({1, 13, 17, 4});
        try {
            (void)session->run(feeds);
            QFAIL("a wrong shape ran");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("input 'x' has shape [1,13,17,4]"), e.what());
        }
        feeds["x"] = rt::Tensor::ints({1, 13, 17, 5}, std::vector<std::int32_t>(13 * 17 * 5, 1));
        try {
            (void)session->run(feeds);
            QFAIL("a wrong dtype ran");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("input 'x' is int32"), e.what());
        }
        try {
            (void)session->run({});
            QFAIL("a missing input ran");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("input 'x' was not given"), e.what());
        }
        rt::CompileOptions options;
        options.device = 99;
        try {
            (void)rt::compile(t.m, "vulkan", options);
            QFAIL("device 99 opened");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("device 99 does not exist"), e.what());
        }
        // An op no backend has is named before anything is allocated.
        t.op("z", "NoSuchOp", {x});
        t.output("z");
        try {
            (void)rt::compile(t.m, "vulkan");
            QFAIL("an unknown op compiled");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("NoSuchOp"), e.what());
        }
    }

    // With the Khronos layer installed, ctest turns validation on (STUDIO_VULKAN_VALIDATION=1):
    // the whole run must leave no message.
    void cleanupTestCase() { QCOMPARE(vk::Instance::validationMessages(), std::uint64_t(0)); }

    // Replaying the recorded command buffer gives the same bits every time.
    void replayIsStable()
    {
        ToyModel t;
        const auto x = t.input("x", {1, 13, 17, 5});
        const auto w = t.weight("w", {3, 3, 5, 7});
        t.output(t.op("conv", "Conv2D", {x, w}, {{"strides", ints({1, 1, 1, 1})}, {"padding", str("SAME")}}));
        auto session = rt::compile(t.m, "vulkan");
        const auto first = session->run(t.feeds).outputs[0].toHost().f;
        for (int k = 0; k < 20; ++k)
            QVERIFY(session->run(t.feeds).outputs[0].toHost().f == first);
    }
};

QTEST_GUILESS_MAIN(TestVulkanKernels)
#include "test_vulkan_kernels.moc"
