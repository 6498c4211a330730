// Pooling (NHWC): MaxPool and AvgPool; padded cells are skipped (AvgPool divides by the
// number of cells inside the input, as TensorFlow does).
#include "runtime/reference/kernels.h"

#include <limits>

namespace studio::rt::ref {

namespace {

Tensor pool(const core::Node& node, const std::vector<const Tensor*>& in, bool isMax)
{
    const Tensor& x = floatInput(node, in, 0);
    const auto ksize = intList(node, "ksize", {1, 1, 1, 1});
    if (ksize.size() != 4 || ksize[0] != 1 || ksize[3] != 1)
        fail(node, "ksize must be [1, h, w, 1]");
    const auto g = window(node, x, ksize[1], ksize[2], intList(node, "strides", {1, 1, 1, 1}), {1, 1, 1, 1});
    Tensor y = Tensor::floats({g.batch, g.outH, g.outW, g.inC});
    for (std::int64_t b = 0; b < g.batch; ++b)
        for (std::int64_t oy = 0; oy < g.outH; ++oy)
            for (std::int64_t ox = 0; ox < g.outW; ++ox)
                for (std::int64_t c = 0; c < g.inC; ++c) {
                    double acc = isMax ? -std::numeric_limits<double>::infinity() : 0.0;
                    int count = 0;
                    for (std::int64_t ky = 0; ky < g.kH; ++ky) {
                        const std::int64_t iy = oy * g.strideH - g.padTop + ky;
                        if (iy < 0 || iy >= g.inH)
                            continue;
                        for (std::int64_t kx = 0; kx < g.kW; ++kx) {
                            const std::int64_t ix = ox * g.strideW - g.padLeft + kx;
                            if (ix < 0 || ix >= g.inW)
                                continue;
                            const auto v = static_cast<double>(x.f[static_cast<std::size_t>(((b * g.inH + iy) * g.inW + ix) * g.inC + c)]);
                            acc = isMax ? std::max(acc, v) : acc + v;
                            ++count;
                        }
                    }
                    y.f[static_cast<std::size_t>(((b * g.outH + oy) * g.outW + ox) * g.inC + c)]
                        = static_cast<float>(isMax ? acc : acc / count);
                }
    return y;
}

} // namespace

Tensor maxPool(const core::Node& node, const std::vector<const Tensor*>& in) { return pool(node, in, true); }
Tensor avgPool(const core::Node& node, const std::vector<const Tensor*>& in) { return pool(node, in, false); }

} // namespace studio::rt::ref
