// The Vulkan kernels of kernels/ops_shape_reduce.cpp (reductions, (log) softmax, resizing, slicing,
// gathers, packing and splitting, casts, AddN, batch norm, the transposed convolution) against the
// reference executor on awkward shapes, fixed seed: data movement must match exactly, arithmetic
// within a few float32 ulps of the output's range, and every node must have run on the device.
// Ops the reference lacks (LogSoftmax, Slice) are checked against an equivalent graph of its ops.
// Fails, naming why, when no Vulkan device exists (setup installs lavapipe).
#include "runtime/vulkan/vk.h"
#include "tests/runtime/vulkan/toy_model.h"

#include <QtTest>

#include <cmath>

using namespace studio;
using namespace studio::vktest;

namespace {

// Arithmetic kernels: a few ulps of float32 relative to the output's range.
constexpr double kUlps = 1e-6;

// Values as written in a spec ([0,-1,16]), where shapeText would print -1 as unknown.
std::string list(const std::vector<std::int64_t>& v)
{
    std::string text;
    for (const auto x : v)
        text += (text.empty() ? "" : ",") + std::to_string(x);
    return "[" + text + "]";
}

core::AttrValue flag(bool b) { return core::AttrValue::ofBool(b); }
core::AttrValue integer(std::int64_t v) { return core::AttrValue::ofInt(v); }

std::vector<std::int32_t> int32s(const std::vector<std::int64_t>& v) { return {v.begin(), v.end()}; }

} // namespace

class TestVulkanOpsMore : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QString why;
        QVERIFY2(vulkanAvailable(why), qPrintable("no Vulkan device (setup installs mesa-vulkan-drivers): " + why));
    }

    void reductions()
    {
        struct Case {
            std::vector<std::int64_t> x, axes;
        };
        const std::vector<Case> cases{
            {{1, 13, 17, 5}, {1, 2}},
            {{7}, {-1}},
            {{3, 5, 1}, {0, 2}},
            {{3, 5, 1}, {-2}},
            {{2, 3, 5, 7}, {0, 2}},
            {{2, 3, 5, 7}, {3, 1, -1}},
            {{2, 3, 2, 3, 2, 5}, {1, 3, 5}},
            {{13, 17}, {0, 1}},
        };
        for (const std::string op : {"Mean", "Sum", "Max", "Min", "Prod"})
            for (const auto& c : cases)
                for (const bool keep : {false, true}) {
                    ToyModel t;
                    const auto x = t.input("x", c.x);
                    if (op == "Prod")
                        for (auto& v : t.feeds["x"].f)
                            v = 1.0f + 0.05f * v; // products that neither vanish nor overflow
                    const auto axes = t.intConstant("axes", {static_cast<std::int64_t>(c.axes.size())}, int32s(c.axes));
                    t.output(t.op("y", op, {x, axes}, {{"keep_dims", flag(keep)}}));
                    compare(t, op + " " + shapeText(c.x) + " axes " + list(c.axes) + (keep ? " keep_dims" : ""),
                        op == "Max" || op == "Min" ? 0 : op == "Prod" ? 4 * kUlps : kUlps, true); // Prod: one rounding per factor
                }
        // A long mean far from zero: a plain float sum would drift by ~1e-5 here.
        ToyModel t;
        const auto x = t.input("x", {1, 64, 64, 3});
        for (auto& v : t.feeds["x"].f)
            v = 100.0f + v;
        const auto axes = t.intConstant("axes", {2}, {1, 2});
        t.output(t.op("y", "Mean", {x, axes}, {{"keep_dims", flag(true)}}));
        compare(t, "Mean [1,64,64,3] + 100 axes [1,2] keep_dims", kUlps, true);
    }

    void softmax()
    {
        for (const auto& shape : std::vector<std::vector<std::int64_t>>{{7}, {3, 5, 1}, {1, 13, 17, 5}, {2, 1001}}) {
            ToyModel t;
            const auto x = t.input("x", shape);
            for (auto& v : t.feeds["x"].f)
                v *= 30.0f; // exp would overflow without the max subtracted
            t.output(t.op("y", "Softmax", {x}));
            compare(t, "Softmax " + shapeText(shape), kUlps, true);
        }
    }

    // The reference has no LogSoftmax: its oracle is the reference's Softmax then Log.
    void logSoftmax()
    {
        for (const auto& shape : std::vector<std::vector<std::int64_t>>{{7}, {3, 5, 1}, {1, 13, 17, 5}, {2, 1001}}) {
            ToyModel t, oracle;
            const auto x = t.input("x", shape);
            for (auto& v : t.feeds["x"].f)
                v *= 5.0f;
            t.output(t.op("y", "LogSoftmax", {x}));
            oracle.input("x", shape);
            oracle.op("soft", "Softmax", {"x"});
            oracle.output(oracle.op("y", "Log", {"soft"}));
            compare(t, "LogSoftmax " + shapeText(shape) + " (oracle: Softmax, Log)", kUlps, true, &oracle);
        }
    }

    void resize()
    {
        struct Case {
            std::vector<std::int64_t> x;
            std::int32_t h, w;
            bool alignCorners, halfPixel;
        };
        const std::vector<Case> cases{
            {{1, 13, 17, 5}, 26, 34, false, false},
            {{1, 13, 17, 5}, 7, 9, false, false},
            {{1, 13, 17, 5}, 26, 34, true, false},
            {{2, 13, 17, 3}, 7, 40, true, false},
            {{1, 13, 17, 5}, 26, 34, false, true},
            {{1, 13, 17, 5}, 5, 11, false, true},
            {{1, 1, 7, 2}, 3, 1, true, false},
            {{1, 13, 17, 8}, 13, 17, false, true},
            // C % 4 == 0 takes the vec4 kernel.
            {{1, 13, 17, 8}, 26, 34, false, true},
            {{2, 7, 5, 12}, 13, 3, true, false},
            {{1, 13, 17, 4}, 5, 11, false, false},
        };
        for (const std::string op : {"ResizeBilinear", "ResizeNearestNeighbor"})
            for (const auto& c : cases) {
                ToyModel t;
                const auto x = t.input("x", c.x);
                const auto size = t.intConstant("size", {2}, {c.h, c.w});
                t.output(t.op("y", op, {x, size}, {{"align_corners", flag(c.alignCorners)}, {"half_pixel_centers", flag(c.halfPixel)}}));
                compare(t,
                    op + " " + shapeText(c.x) + " to " + std::to_string(c.h) + "x" + std::to_string(c.w)
                        + (c.alignCorners ? " align_corners" : "") + (c.halfPixel ? " half_pixel_centers" : ""),
                    op == "ResizeBilinear" ? kUlps : 0, true);
            }
    }

    void stridedSlice()
    {
        struct Case {
            std::vector<std::int64_t> x, begin, end, strides;
            std::int64_t beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask;
        };
        const std::vector<Case> cases{
            {{1, 13, 17, 5}, {0, 1, 2, 0}, {1, 12, 15, 5}, {1, 2, 3, 1}, 0, 0, 0, 0, 0},
            {{1, 13, 17, 5}, {0, -1, 16, 4}, {1, 0, 0, 0}, {1, -2, -3, -1}, 0, 0, 0, 0, 0},
            {{1, 13, 17, 5}, {0, 0, 0, 1}, {0, 0, 0, 4}, {1, 1, 1, 2}, 7, 7, 0, 0, 0},
            {{1, 13, 17, 5}, {0, 3, 0, 0}, {1, 4, 17, 5}, {1, 1, 1, 1}, 0, 0, 0, 0, 3},
            {{1, 13, 17, 5}, {0, 4}, {0, 1}, {1, -1}, 0, 0, 1, 0, 0},
            {{13, 7}, {0, 0, 2}, {0, 0, 6}, {1, 1, 1}, 3, 3, 0, 2, 0},
            {{7}, {-1}, {0}, {-1}, 0, 1, 0, 0, 0},
            {{3, 5, 1}, {2, -4, 0}, {0, 5, 1}, {-1, 2, 1}, 1, 0, 0, 0, 4},
        };
        for (const bool integers : {false, true})
            for (const auto& c : cases) {
                ToyModel t;
                const auto x = integers ? t.intInput("x", c.x, -1000, 1000) : t.input("x", c.x);
                const auto n = static_cast<std::int64_t>(c.begin.size());
                const auto begin = t.intConstant("begin", {n}, int32s(c.begin));
                const auto end = t.intConstant("end", {n}, int32s(c.end));
                const auto strides = t.intConstant("strides", {n}, int32s(c.strides));
                t.output(t.op("y", "StridedSlice", {x, begin, end, strides},
                    {{"begin_mask", integer(c.beginMask)}, {"end_mask", integer(c.endMask)}, {"ellipsis_mask", integer(c.ellipsisMask)},
                        {"new_axis_mask", integer(c.newAxisMask)}, {"shrink_axis_mask", integer(c.shrinkAxisMask)}}));
                compare(t,
                    std::string("StridedSlice ") + (integers ? "int32 " : "") + shapeText(c.x) + " " + list(c.begin) + ":" + list(c.end)
                        + ":" + list(c.strides) + " masks b" + std::to_string(c.beginMask) + " e" + std::to_string(c.endMask) + " ..."
                        + std::to_string(c.ellipsisMask) + " new" + std::to_string(c.newAxisMask) + " shrink"
                        + std::to_string(c.shrinkAxisMask),
                    0, true);
            }
    }

    // The reference has no Slice: its oracle is the reference's StridedSlice over the same box.
    void slice()
    {
        struct Case {
            std::vector<std::int64_t> x, begin, size;
            bool integers;
        };
        const std::vector<Case> cases{
            {{1, 13, 17, 5}, {0, 2, 3, 1}, {1, -1, 7, 3}, false},
            {{7}, {2}, {4}, false},
            {{3, 5, 1}, {1, 0, 0}, {2, 5, -1}, true},
            {{2, 3, 2, 3, 2, 5}, {1, 1, 0, 2, 1, 0}, {1, 2, -1, 1, 1, 4}, false},
        };
        for (const auto& c : cases) {
            ToyModel t, oracle;
            const auto n = static_cast<std::int64_t>(c.x.size());
            const auto x = c.integers ? t.intInput("x", c.x, -1000, 1000) : t.input("x", c.x);
            t.output(t.op("y", "Slice", {x, t.intConstant("begin", {n}, int32s(c.begin)), t.intConstant("size", {n}, int32s(c.size))}));
            std::vector<std::int64_t> end(c.x.size());
            for (std::size_t k = 0; k < c.x.size(); ++k)
                end[k] = c.size[k] == -1 ? c.x[k] : c.begin[k] + c.size[k];
            if (c.integers)
                oracle.intInput("x", c.x, 0, 0);
            else
                oracle.input("x", c.x);
            oracle.output(oracle.op("y", "StridedSlice",
                {"x", oracle.intConstant("begin", {n}, int32s(c.begin)), oracle.intConstant("end", {n}, int32s(end)),
                    oracle.intConstant("strides", {n}, std::vector<std::int32_t>(c.x.size(), 1))}));
            compare(t,
                std::string("Slice ") + (c.integers ? "int32 " : "") + shapeText(c.x) + " begin " + list(c.begin) + " size "
                    + list(c.size) + " (oracle: StridedSlice)",
                0, true, &oracle);
        }
    }

    void gather()
    {
        struct Case {
            std::vector<std::int64_t> params, indices;
            std::int32_t axis;
            bool constIndices, intParams;
        };
        const std::vector<Case> cases{
            {{7, 5}, {4}, 0, true, false},
            {{1, 13, 17, 5}, {2, 3}, -1, true, false},
            {{1, 13, 17, 5}, {6}, 2, false, false},
            {{3, 5, 1}, {2, 2}, 1, false, true},
            {{7}, {11}, 0, false, true},
            {{13, 7}, {}, 0, true, true},
        };
        for (const auto& c : cases) {
            ToyModel t;
            const auto params = c.intParams ? t.intInput("params", c.params, -100000, 100000) : t.input("params", c.params);
            const auto axis = static_cast<std::size_t>(c.axis < 0 ? c.axis + static_cast<std::int32_t>(c.params.size()) : c.axis);
            const auto limit = static_cast<std::int32_t>(c.params[axis] - 1);
            std::string indices;
            if (c.constIndices) {
                std::vector<std::int32_t> v(static_cast<std::size_t>(count(c.indices)));
                std::uniform_int_distribution<std::int32_t> pick(0, limit);
                for (auto& i : v)
                    i = pick(t.rng());
                indices = t.intConstant("indices", c.indices, v);
            } else {
                indices = t.intInput("indices", c.indices, 0, limit);
            }
            const auto axisValue = t.intConstant("axis", {}, {c.axis});
            t.output(t.op("y", "GatherV2", {params, indices, axisValue}, {{"batch_dims", integer(0)}}));
            compare(t,
                std::string("GatherV2 ") + (c.intParams ? "int32 " : "") + shapeText(c.params) + " indices " + shapeText(c.indices)
                    + (c.constIndices ? " (const)" : "") + " axis " + std::to_string(c.axis),
                0, true);
        }
    }

    void cast()
    {
        // float -> int32 (truncation toward zero) / bool, with exact zeros among the values.
        for (const int dst : {3, 9, 10}) {
            ToyModel t;
            const auto x = t.input("x", {1, 13, 17, 5});
            auto& f = t.feeds["x"].f;
            for (std::size_t k = 0; k < f.size(); ++k)
                f[k] = k % 7 == 0 ? 0.0f : f[k] * 300.0f;
            t.output(t.op("y", "Cast", {x}, {{"DstT", core::AttrValue::ofType(dst)}, {"SrcT", core::AttrValue::ofType(1)}}));
            compare(t, "Cast float32 [1,13,17,5] to TF type " + std::to_string(dst), 0, true);
        }
        // int32 -> float32 / bool / int32, and float32 -> float32.
        for (const int dst : {1, 10, 3}) {
            ToyModel t;
            const auto x = t.intInput("x", {3, 5, 1}, -3, 3);
            t.output(t.op("y", "Cast", {x}, {{"DstT", core::AttrValue::ofType(dst)}, {"SrcT", core::AttrValue::ofType(3)}}));
            compare(t, "Cast int32 [3,5,1] to TF type " + std::to_string(dst), 0, true);
        }
        ToyModel t;
        const auto x = t.input("x", {7});
        t.output(t.op("y", "Cast", {x}, {{"DstT", core::AttrValue::ofType(1)}, {"SrcT", core::AttrValue::ofType(1)}}));
        compare(t, "Cast float32 [7] to float32", 0, true);
        // A large int32 to float32 rounds the same way on both.
        ToyModel big;
        const auto xi = big.intInput("x", {13, 17}, -2000000000, 2000000000);
        big.output(big.op("y", "Cast", {xi}, {{"DstT", core::AttrValue::ofType(1)}, {"SrcT", core::AttrValue::ofType(3)}}));
        compare(big, "Cast int32 [13,17] (large) to float32", 0, true);
    }

    void packAndSplit()
    {
        for (const std::int64_t axis : {0, 1, -1}) {
            ToyModel t;
            const auto a = t.input("a", {3, 5, 1});
            const auto b = t.input("b", {3, 5, 1});
            const auto c = t.weight("c", {3, 5, 1});
            t.output(t.op("y", "Pack", {a, b, c}, {{"axis", integer(axis)}, {"N", integer(3)}}));
            compare(t, "Pack 3 x [3,5,1] axis " + std::to_string(axis), 0, true);
        }
        {
            ToyModel t;
            const auto a = t.intInput("a", {7}, -50, 50);
            const auto b = t.intInput("b", {7}, -50, 50);
            t.output(t.op("y", "Pack", {a, b}, {{"axis", integer(1)}, {"N", integer(2)}}));
            compare(t, "Pack int32 2 x [7] axis 1", 0, true);
        }
        const auto outputs = [](ToyModel& t, const std::string& node, int n) {
            for (int k = 0; k < n; ++k)
                t.m.outputs.push_back({node + "_" + std::to_string(k), node + ":" + std::to_string(k), std::nullopt, std::nullopt});
        };
        {
            ToyModel t;
            const auto x = t.input("x", {2, 13, 6});
            const auto axis = t.intConstant("axis", {}, {-1});
            t.op("y", "Split", {axis, x}, {{"num_split", integer(3)}});
            outputs(t, "y", 3);
            compare(t, "Split [2,13,6] axis -1 in 3", 0, true);
        }
        {
            ToyModel t;
            const auto x = t.input("x", {2, 13, 5});
            const auto sizes = t.intConstant("sizes", {3}, {4, -1, 2});
            const auto axis = t.intConstant("axis", {}, {1});
            t.op("y", "SplitV", {x, sizes, axis}, {{"num_split", integer(3)}});
            outputs(t, "y", 3);
            compare(t, "SplitV [2,13,5] axis 1 sizes [4,-1,2]", 0, true);
        }
        for (const std::int64_t axis : {1, -1}) {
            ToyModel t;
            const auto x = t.input("x", {3, 5, 7});
            const auto n = axis == 1 ? 5 : 7;
            t.op("y", "Unpack", {x}, {{"axis", integer(axis)}, {"num", integer(n)}});
            outputs(t, "y", n);
            compare(t, "Unpack [3,5,7] axis " + std::to_string(axis), 0, true);
        }
    }

    void addN()
    {
        for (const auto& shape : std::vector<std::vector<std::int64_t>>{{1, 13, 17, 5}, {4, 8}, {7}}) {
            ToyModel t;
            const auto a = t.input("a", shape);
            const auto b = t.input("b", shape);
            const auto c = t.weight("c", shape);
            t.output(t.op("y", "AddN", {a, b, c, a}, {{"N", integer(4)}}));
            compare(t, "AddN 4 x " + shapeText(shape), kUlps, true);
        }
    }

    void conv2dBackpropInput()
    {
        struct Case {
            std::vector<std::int64_t> dx, w, strides;
            std::string padding;
        };
        const std::vector<Case> cases{
            {{1, 13, 17, 5}, {3, 3, 5, 7}, {1, 2, 2, 1}, "SAME"},
            {{1, 13, 17, 5}, {3, 3, 5, 7}, {1, 1, 1, 1}, "SAME"},
            {{2, 13, 17, 3}, {4, 4, 3, 8}, {1, 2, 2, 1}, "SAME"},
            {{1, 13, 17, 5}, {2, 3, 5, 6}, {1, 2, 3, 1}, "VALID"},
            {{1, 14, 14, 16}, {2, 2, 16, 32}, {1, 2, 2, 1}, "VALID"},
            {{1, 26, 34, 1}, {2, 2, 1, 16}, {1, 2, 2, 1}, "SAME"}, // a one-channel mask, as in selfie segmentation
        };
        for (const auto& c : cases) {
            // The forward output's size gives out_backprop's shape.
            const auto out = [&](std::int64_t in, std::int64_t k, std::int64_t s) {
                return c.padding == "SAME" ? (in + s - 1) / s : (in - k) / s + 1;
            };
            const std::vector<std::int64_t> dy{c.dx[0], out(c.dx[1], c.w[0], c.strides[1]), out(c.dx[2], c.w[1], c.strides[2]), c.w[3]};
            ToyModel t;
            const auto sizes = t.intConstant("sizes", {4}, int32s(c.dx));
            const auto w = t.weight("w", c.w);
            const auto grad = t.input("dy", dy);
            t.output(t.op("dx", "Conv2DBackpropInput", {sizes, w, grad},
                {{"strides", ints(c.strides)}, {"padding", str(c.padding)}, {"data_format", str("NHWC")}}));
            compare(t,
                "Conv2DBackpropInput dx" + shapeText(c.dx) + " w" + shapeText(c.w) + " dy" + shapeText(dy) + " s"
                    + std::to_string(c.strides[1]) + "x" + std::to_string(c.strides[2]) + " " + c.padding,
                kUlps, true);
        }
    }

    void fusedBatchNorm()
    {
        for (const auto& shape : std::vector<std::vector<std::int64_t>>{{1, 13, 17, 5}, {3, 5, 1}, {7}}) {
            ToyModel t;
            const auto x = t.input("x", shape);
            const std::vector<std::int64_t> c{shape.back()};
            const auto scale = t.weight("scale", c, 0.5f, 2.0f);
            const auto offset = t.weight("offset", c);
            const auto mean = t.weight("mean", c);
            const auto variance = t.weight("variance", c, 0.1f, 3.0f);
            t.output(t.op("y", "FusedBatchNorm", {x, scale, offset, mean, variance},
                {{"epsilon", core::AttrValue::ofFloat(0.001)}, {"is_training", flag(false)}, {"data_format", str("NHWC")}}));
            compare(t, "FusedBatchNorm " + shapeText(shape), kUlps, true);
        }
    }

    // Inputs the reference rejects are declined by the builders, so the reference's error is the
    // one reported (naming the node), not a wrong result or a crash on the device.
    void rejectedInputsKeepTheReferenceError()
    {
        ToyModel t;
        const auto params = t.input("params", {7, 5});
        const auto indices = t.intConstant("indices", {2}, {1, 7});
        const auto axis = t.intConstant("axis", {}, {0});
        t.output(t.op("y", "GatherV2", {params, indices, axis}));
        try {
            auto session = rt::compile(t.m, "vulkan");
            (void)session->run(t.feeds);
            QFAIL("a gather with index 7 of 7 ran");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("node 'y' (GatherV2)"), e.what());
            QVERIFY2(QString(e.what()).contains("index 7 is outside [0, 7)"), e.what());
        }
    }

    // With the Khronos layer installed, ctest turns validation on: no message may appear.
    void cleanupTestCase() { QCOMPARE(vk::Instance::validationMessages(), std::uint64_t(0)); }
};

QTEST_GUILESS_MAIN(TestVulkanOpsMore)
#include "test_vulkan_ops_more.moc"
