// Convolutions (NHWC): Conv2D, depthwise, their fused forms (bias + activation), and the
// transposed convolution Conv2DBackpropInput. Sums run in double and are rounded once, so the
// oracle's own rounding stays far below any float32 implementation it checks.
#include "runtime/reference/kernels.h"

#include <algorithm>
#include <string>

namespace studio::rt::ref {

namespace {

// Both operands must be 4-D before any dimension is read: x.shape.back() of a scalar is out of
// bounds, and a model can feed a convolution anything.
void checkConvRanks(const core::Node& node, const Tensor& x, const Tensor& w)
{
    if (x.shape.size() != 4)
        fail(node, "input must be 4-D NHWC, got " + x.shapeText());
    if (w.shape.size() != 4)
        fail(node, "filter must be 4-D, got " + w.shapeText());
}

Tensor conv(const core::Node& node, const Tensor& x, const Tensor& w)
{
    checkConvRanks(node, x, w);
    if (w.shape[2] != x.shape.back())
        fail(node, "filter " + w.shapeText() + " does not match input " + x.shapeText());
    const auto g = window(node, x, w.shape[0], w.shape[1], intList(node, "strides", {1, 1, 1, 1}), intList(node, "dilations", {1, 1, 1, 1}));
    const std::int64_t outC = w.shape[3];
    Tensor y = Tensor::floats({g.batch, g.outH, g.outW, outC});
    std::vector<double> acc(static_cast<std::size_t>(outC));
    for (std::int64_t b = 0; b < g.batch; ++b)
        for (std::int64_t oy = 0; oy < g.outH; ++oy)
            for (std::int64_t ox = 0; ox < g.outW; ++ox) {
                std::fill(acc.begin(), acc.end(), 0.0);
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
                            const double v = static_cast<double>(in[c]);
                            const float* row = filter + c * outC;
                            for (std::int64_t o = 0; o < outC; ++o)
                                acc[static_cast<std::size_t>(o)] += v * static_cast<double>(row[o]);
                        }
                    }
                }
                float* out = &y.f[static_cast<std::size_t>(((b * g.outH + oy) * g.outW + ox) * outC)];
                for (std::int64_t o = 0; o < outC; ++o)
                    out[o] = static_cast<float>(acc[static_cast<std::size_t>(o)]);
            }
    return y;
}

Tensor depthwise(const core::Node& node, const Tensor& x, const Tensor& w)
{
    checkConvRanks(node, x, w);
    if (w.shape[2] != x.shape.back())
        fail(node, "filter " + w.shapeText() + " does not match input " + x.shapeText());
    const auto g = window(node, x, w.shape[0], w.shape[1], intList(node, "strides", {1, 1, 1, 1}), intList(node, "dilations", {1, 1, 1, 1}));
    const std::int64_t mult = w.shape[3], outC = g.inC * mult;
    Tensor y = Tensor::floats({g.batch, g.outH, g.outW, outC});
    std::vector<double> acc(static_cast<std::size_t>(outC));
    for (std::int64_t b = 0; b < g.batch; ++b)
        for (std::int64_t oy = 0; oy < g.outH; ++oy)
            for (std::int64_t ox = 0; ox < g.outW; ++ox) {
                std::fill(acc.begin(), acc.end(), 0.0);
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
                                acc[static_cast<std::size_t>(c * mult + m)]
                                    += static_cast<double>(in[c]) * static_cast<double>(filter[c * mult + m]);
                    }
                }
                float* out = &y.f[static_cast<std::size_t>(((b * g.outH + oy) * g.outW + ox) * outC)];
                for (std::int64_t o = 0; o < outC; ++o)
                    out[o] = static_cast<float>(acc[static_cast<std::size_t>(o)]);
            }
    return y;
}

} // namespace

// fused_ops: ["BiasAdd"] or ["BiasAdd", activation]; FusedBatchNorm fusions are not produced
// for TF.js graph models by the converter's own fusion and are rejected here.
void applyFused(const core::Node& node, const std::vector<const Tensor*>& in, Tensor& y)
{
    const auto ops = stringList(node, "fused_ops");
    std::size_t k = 0;
    // fused_ops[0] is BiasAdd (the bias is the first extra input) or a placeholder such as
    // "NoOp" (no bias: a PReLU alpha is then the first extra input), as TF.js reads them.
    const bool hasBias = !ops.empty() && ops[0] == "BiasAdd";
    if (!ops.empty() && !hasBias && ops[0] == "NoOp")
        ++k;
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
            const Tensor& alpha = floatInput(node, in, hasBias ? 3 : 2);
            const std::size_t c = static_cast<std::size_t>(y.shape.back());
            for (std::size_t i = 0; i < y.f.size(); ++i)
                if (y.f[i] < 0.0f)
                    y.f[i] *= alpha.f[alpha.size() == 1 ? 0 : i % c];
            continue;
        }
        applyActivation(node, ops[k], y.f);
    }
}

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

// The gradient of Conv2D with respect to its input, i.e. a transposed convolution: the forward
// geometry (padding, output size) is that of a Conv2D over an input of `input_sizes`, and each
// input pixel collects every output pixel whose window covered it.
Tensor conv2dBackpropInput(const core::Node& node, const std::vector<const Tensor*>& in)
{
    const auto sizes = intValues(node, in, 0);
    const Tensor& w = floatInput(node, in, 1);
    const Tensor& dy = floatInput(node, in, 2);
    if (sizes.size() != 4)
        fail(node, "input_sizes must hold 4 values (NHWC)");
    if (w.shape.size() != 4 || w.shape[2] != sizes[3])
        fail(node, "filter " + w.shapeText() + " does not match input_sizes channels " + std::to_string(sizes[3]));
    const auto dilations = intList(node, "dilations", {1, 1, 1, 1});
    if (dilations != std::vector<std::int64_t>{1, 1, 1, 1})
        fail(node, "dilations other than 1 are not implemented");
    Tensor shapeOnly;
    shapeOnly.shape = {sizes[0], sizes[1], sizes[2], sizes[3]};
    const auto g = window(node, shapeOnly, w.shape[0], w.shape[1], intList(node, "strides", {1, 1, 1, 1}), dilations);
    const std::int64_t outC = w.shape[3];
    if (dy.shape != std::vector<std::int64_t>{g.batch, g.outH, g.outW, outC})
        fail(node, "out_backprop " + dy.shapeText() + " does not match the forward output [" + std::to_string(g.batch)
                + "," + std::to_string(g.outH) + "," + std::to_string(g.outW) + "," + std::to_string(outC) + "]");
    Tensor dx = Tensor::floats(shapeOnly.shape);
    std::vector<double> acc(static_cast<std::size_t>(g.inC));
    for (std::int64_t b = 0; b < g.batch; ++b)
        for (std::int64_t iy = 0; iy < g.inH; ++iy)
            for (std::int64_t ix = 0; ix < g.inW; ++ix) {
                std::fill(acc.begin(), acc.end(), 0.0);
                for (std::int64_t ky = 0; ky < g.kH; ++ky) {
                    // Output row oy covered input row iy through filter row ky when
                    // oy * stride - padTop + ky == iy.
                    const std::int64_t ty = iy + g.padTop - ky;
                    if (ty < 0 || ty % g.strideH != 0 || ty / g.strideH >= g.outH)
                        continue;
                    const std::int64_t oy = ty / g.strideH;
                    for (std::int64_t kx = 0; kx < g.kW; ++kx) {
                        const std::int64_t tx = ix + g.padLeft - kx;
                        if (tx < 0 || tx % g.strideW != 0 || tx / g.strideW >= g.outW)
                            continue;
                        const std::int64_t ox = tx / g.strideW;
                        const float* grad = &dy.f[static_cast<std::size_t>(((b * g.outH + oy) * g.outW + ox) * outC)];
                        const float* filter = &w.f[static_cast<std::size_t>((ky * g.kW + kx) * g.inC * outC)];
                        for (std::int64_t c = 0; c < g.inC; ++c) {
                            const float* row = filter + c * outC;
                            double sum = 0.0;
                            for (std::int64_t o = 0; o < outC; ++o)
                                sum += static_cast<double>(grad[o]) * static_cast<double>(row[o]);
                            acc[static_cast<std::size_t>(c)] += sum;
                        }
                    }
                }
                float* out = &dx.f[static_cast<std::size_t>(((b * g.inH + iy) * g.inW + ix) * g.inC)];
                for (std::int64_t c = 0; c < g.inC; ++c)
                    out[c] = static_cast<float>(acc[static_cast<std::size_t>(c)]);
            }
    return dx;
}

} // namespace studio::rt::ref
