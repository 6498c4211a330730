// Convolutions (NHWC): Conv2D, depthwise, and their fused forms (bias + activation).
#include "runtime/reference/kernels.h"

#include <algorithm>

namespace studio::rt::ref {

namespace {

Tensor conv(const core::Node& node, const Tensor& x, const Tensor& w)
{
    if (w.shape.size() != 4 || w.shape[2] != x.shape.back())
        fail(node, "filter " + w.shapeText() + " does not match input " + x.shapeText());
    const auto g = window(node, x, w.shape[0], w.shape[1], intList(node, "strides", {1, 1, 1, 1}), intList(node, "dilations", {1, 1, 1, 1}));
    const std::int64_t outC = w.shape[3];
    Tensor y = Tensor::floats({g.batch, g.outH, g.outW, outC});
    for (std::int64_t b = 0; b < g.batch; ++b)
        for (std::int64_t oy = 0; oy < g.outH; ++oy)
            for (std::int64_t ox = 0; ox < g.outW; ++ox) {
                float* out = &y.f[static_cast<std::size_t>(((b * g.outH + oy) * g.outW + ox) * outC)];
                for (std::int64_t ky = 0; ky < g.kH; ++ky) {
                    const std::int64_t iy = oy * g.strideH - g.padTop + ky * g.dilH;
                    if (iy < 0 || iy >= g.inH)
                        continue;
                    for (std::int64_t kx = 0; kx < g.kW; ++kx) {
                        const std::int64_t ix = ox * g.strideW - g.padLeft + kx * g.dilW;
                        if (ix < 0 || ix >= g.inW)
                            continue;
                        const float* in = &x.f[static_cast<std::size_t>(((b * g.inH + iy) * g.inW + ix) * g.inC)];
                        const float* filter = &w.f[static_cast<std::size_t>((ky * g.kW + kx) * g.inC * outC)];
                        for (std::int64_t c = 0; c < g.inC; ++c) {
                            const float v = in[c];
                            const float* row = filter + c * outC;
                            for (std::int64_t o = 0; o < outC; ++o)
                                out[o] += v * row[o];
                        }
                    }
                }
            }
    return y;
}

Tensor depthwise(const core::Node& node, const Tensor& x, const Tensor& w)
{
    if (w.shape.size() != 4 || w.shape[2] != x.shape.back())
        fail(node, "filter " + w.shapeText() + " does not match input " + x.shapeText());
    const auto g = window(node, x, w.shape[0], w.shape[1], intList(node, "strides", {1, 1, 1, 1}), intList(node, "dilations", {1, 1, 1, 1}));
    const std::int64_t mult = w.shape[3], outC = g.inC * mult;
    Tensor y = Tensor::floats({g.batch, g.outH, g.outW, outC});
    for (std::int64_t b = 0; b < g.batch; ++b)
        for (std::int64_t oy = 0; oy < g.outH; ++oy)
            for (std::int64_t ox = 0; ox < g.outW; ++ox) {
                float* out = &y.f[static_cast<std::size_t>(((b * g.outH + oy) * g.outW + ox) * outC)];
                for (std::int64_t ky = 0; ky < g.kH; ++ky) {
                    const std::int64_t iy = oy * g.strideH - g.padTop + ky * g.dilH;
                    if (iy < 0 || iy >= g.inH)
                        continue;
                    for (std::int64_t kx = 0; kx < g.kW; ++kx) {
                        const std::int64_t ix = ox * g.strideW - g.padLeft + kx * g.dilW;
                        if (ix < 0 || ix >= g.inW)
                            continue;
                        const float* in = &x.f[static_cast<std::size_t>(((b * g.inH + iy) * g.inW + ix) * g.inC)];
                        const float* filter = &w.f[static_cast<std::size_t>((ky * g.kW + kx) * outC)];
                        for (std::int64_t c = 0; c < g.inC; ++c)
                            for (std::int64_t m = 0; m < mult; ++m)
                                out[c * mult + m] += in[c] * filter[c * mult + m];
                    }
                }
            }
    return y;
}

// fused_ops: ["BiasAdd"] or ["BiasAdd", activation]; FusedBatchNorm fusions are not produced
// for TF.js graph models by the converter's own fusion and are rejected here.
void applyFused(const core::Node& node, const std::vector<const Tensor*>& in, Tensor& y)
{
    const auto ops = stringList(node, "fused_ops");
    std::size_t k = 0;
    if (k < ops.size() && ops[k] == "BiasAdd") {
        const Tensor& bias = floatInput(node, in, 2);
        const std::size_t c = static_cast<std::size_t>(y.shape.back());
        if (bias.size() != c)
            fail(node, "bias " + bias.shapeText() + " does not match " + std::to_string(c) + " channels");
        for (std::size_t i = 0; i < y.f.size(); ++i)
            y.f[i] += bias.f[i % c];
        ++k;
    }
    for (; k < ops.size(); ++k) {
        if (ops[k] == "Prelu") {
            const Tensor& alpha = floatInput(node, in, 3);
            const std::size_t c = static_cast<std::size_t>(y.shape.back());
            for (std::size_t i = 0; i < y.f.size(); ++i)
                if (y.f[i] < 0.0f)
                    y.f[i] *= alpha.f[alpha.size() == 1 ? 0 : i % c];
            continue;
        }
        applyActivation(node, ops[k], y.f);
    }
}

} // namespace

Tensor conv2d(const core::Node& node, const std::vector<const Tensor*>& in)
{
    return conv(node, floatInput(node, in, 0), floatInput(node, in, 1));
}

Tensor fusedConv2d(const core::Node& node, const std::vector<const Tensor*>& in)
{
    Tensor y = conv(node, floatInput(node, in, 0), floatInput(node, in, 1));
    applyFused(node, in, y);
    return y;
}

Tensor depthwiseConv2d(const core::Node& node, const std::vector<const Tensor*>& in)
{
    return depthwise(node, floatInput(node, in, 0), floatInput(node, in, 1));
}

Tensor fusedDepthwiseConv2d(const core::Node& node, const std::vector<const Tensor*>& in)
{
    Tensor y = depthwise(node, floatInput(node, in, 0), floatInput(node, in, 1));
    applyFused(node, in, y);
    return y;
}

} // namespace studio::rt::ref
