// Volumetric ops (NDHWC): Conv3D, MaxPool3D and AvgPool3D with TensorFlow's SAME / VALID
// padding. Sums in double, rounded once; AvgPool3D divides by the cells inside the input.
#include "runtime/reference/kernels.h"

#include <algorithm>
#include <limits>

namespace studio::rt::ref {

namespace {

// One spatial axis of a window: output size and the padding before the first cell.
struct Axis {
    std::int64_t in, k, out, stride, dilation, padBefore;
};

struct Window3 {
    std::int64_t batch, channels;
    Axis ax[3]; // depth, height, width
};

Window3 window3(const core::Node& node, const Tensor& x, const std::int64_t k[3], const std::vector<std::int64_t>& strides,
    const std::vector<std::int64_t>& dilations)
{
    if (x.shape.size() != 5)
        fail(node, "input must be 5-D NDHWC, got " + x.shapeText());
    if (stringAttr(node, "data_format", "NDHWC") != "NDHWC")
        fail(node, "only NDHWC is implemented");
    if (strides.size() != 5 || dilations.size() != 5)
        fail(node, "strides and dilations need 5 values");
    const std::string padding = stringAttr(node, "padding", "VALID");
    if (padding != "SAME" && padding != "VALID")
        fail(node, "unknown padding '" + padding + "'");
    Window3 g{x.shape[0], x.shape[4], {}};
    for (int d = 0; d < 3; ++d) {
        Axis& a = g.ax[d];
        a.in = x.shape[static_cast<std::size_t>(d + 1)];
        a.k = k[d];
        a.stride = strides[static_cast<std::size_t>(d + 1)];
        a.dilation = dilations[static_cast<std::size_t>(d + 1)];
        if (a.stride <= 0 || a.dilation <= 0 || a.k <= 0)
            fail(node, "window, strides and dilations must be positive");
        const std::int64_t eff = (a.k - 1) * a.dilation + 1;
        if (padding == "SAME") {
            a.out = (a.in + a.stride - 1) / a.stride;
            a.padBefore = std::max<std::int64_t>((a.out - 1) * a.stride + eff - a.in, 0) / 2;
        } else {
            a.out = a.in < eff ? 0 : (a.in - eff) / a.stride + 1;
            a.padBefore = 0;
        }
        if (a.out <= 0)
            fail(node, "the window does not fit the input " + x.shapeText());
    }
    return g;
}

Tensor pool3d(const core::Node& node, const std::vector<const Tensor*>& in, bool isMax)
{
    const Tensor& x = floatInput(node, in, 0);
    const auto ksize = intList(node, "ksize", {});
    if (ksize.size() != 5 || ksize[0] != 1 || ksize[4] != 1)
        fail(node, "ksize must be [1, d, h, w, 1]");
    const std::int64_t k[3] = {ksize[1], ksize[2], ksize[3]};
    const auto g = window3(node, x, k, intList(node, "strides", {}), {1, 1, 1, 1, 1});
    const auto& [D, H, W] = g.ax;
    Tensor y = Tensor::floats({g.batch, D.out, H.out, W.out, g.channels});
    std::size_t o = 0;
    for (std::int64_t b = 0; b < g.batch; ++b)
        for (std::int64_t od = 0; od < D.out; ++od)
            for (std::int64_t oh = 0; oh < H.out; ++oh)
                for (std::int64_t ow = 0; ow < W.out; ++ow)
                    for (std::int64_t c = 0; c < g.channels; ++c, ++o) {
                        double acc = isMax ? -std::numeric_limits<double>::infinity() : 0.0;
                        int count = 0;
                        for (std::int64_t kd = 0; kd < D.k; ++kd) {
                            const std::int64_t id = od * D.stride - D.padBefore + kd;
                            if (id < 0 || id >= D.in)
                                continue;
                            for (std::int64_t kh = 0; kh < H.k; ++kh) {
                                const std::int64_t ih = oh * H.stride - H.padBefore + kh;
                                if (ih < 0 || ih >= H.in)
                                    continue;
                                for (std::int64_t kw = 0; kw < W.k; ++kw) {
                                    const std::int64_t iw = ow * W.stride - W.padBefore + kw;
                                    if (iw < 0 || iw >= W.in)
                                        continue;
                                    const auto v = static_cast<double>(
                                        x.f[static_cast<std::size_t>((((b * D.in + id) * H.in + ih) * W.in + iw) * g.channels + c)]);
                                    acc = isMax ? std::max(acc, v) : acc + v;
                                    ++count;
                                }
                            }
                        }
                        y.f[o] = static_cast<float>(isMax ? acc : acc / count);
                    }
    return y;
}

} // namespace

Tensor conv3d(const core::Node& node, const std::vector<const Tensor*>& in)
{
    const Tensor& x = floatInput(node, in, 0);
    const Tensor& w = floatInput(node, in, 1);
    if (w.shape.size() != 5)
        fail(node, "filter must be 5-D [kd, kh, kw, in, out], got " + w.shapeText());
    if (x.shape.size() != 5 || w.shape[3] != x.shape[4])
        fail(node, "filter " + w.shapeText() + " does not match input " + x.shapeText());
    const std::int64_t k[3] = {w.shape[0], w.shape[1], w.shape[2]};
    const auto g = window3(node, x, k, intList(node, "strides", {}), intList(node, "dilations", {1, 1, 1, 1, 1}));
    const auto& [D, H, W] = g.ax;
    const std::int64_t inC = g.channels, outC = w.shape[4];
    Tensor y = Tensor::floats({g.batch, D.out, H.out, W.out, outC});
    std::vector<double> acc(static_cast<std::size_t>(outC));
    std::size_t o = 0;
    for (std::int64_t b = 0; b < g.batch; ++b)
        for (std::int64_t od = 0; od < D.out; ++od)
            for (std::int64_t oh = 0; oh < H.out; ++oh)
                for (std::int64_t ow = 0; ow < W.out; ++ow) {
                    std::fill(acc.begin(), acc.end(), 0.0);
                    for (std::int64_t kd = 0; kd < D.k; ++kd) {
                        const std::int64_t id = od * D.stride - D.padBefore + kd * D.dilation;
                        if (id < 0 || id >= D.in)
                            continue;
                        for (std::int64_t kh = 0; kh < H.k; ++kh) {
                            const std::int64_t ih = oh * H.stride - H.padBefore + kh * H.dilation;
                            if (ih < 0 || ih >= H.in)
                                continue;
                            for (std::int64_t kw = 0; kw < W.k; ++kw) {
                                const std::int64_t iw = ow * W.stride - W.padBefore + kw * W.dilation;
                                if (iw < 0 || iw >= W.in)
                                    continue;
                                const float* px = &x.f[static_cast<std::size_t>((((b * D.in + id) * H.in + ih) * W.in + iw) * inC)];
                                const float* pw = &w.f[static_cast<std::size_t>(((kd * H.k + kh) * W.k + kw) * inC * outC)];
                                for (std::int64_t c = 0; c < inC; ++c) {
                                    const double v = static_cast<double>(px[c]);
                                    for (std::int64_t f = 0; f < outC; ++f)
                                        acc[static_cast<std::size_t>(f)] += v * static_cast<double>(pw[c * outC + f]);
                                }
                            }
                        }
                    }
                    for (std::int64_t f = 0; f < outC; ++f)
                        y.f[o++] = static_cast<float>(acc[static_cast<std::size_t>(f)]);
                }
    return y;
}

Tensor maxPool3d(const core::Node& node, const std::vector<const Tensor*>& in) { return pool3d(node, in, true); }
Tensor avgPool3d(const core::Node& node, const std::vector<const Tensor*>& in) { return pool3d(node, in, false); }

} // namespace studio::rt::ref
