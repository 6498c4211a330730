// Image resizing (NHWC): ResizeBilinear and ResizeNearestNeighbor with align_corners and
// half_pixel_centers, using the coordinate rules of TF.js's cpu kernels in double precision.
#include "runtime/reference/kernels.h"

#include <algorithm>
#include <cmath>

namespace studio::rt::ref {

namespace {

struct Resize {
    std::int64_t batch, inH, inW, channels, outH, outW;
    double scaleH, scaleW; // input pixels per output pixel
    bool alignCorners, halfPixel;
};

Resize plan(const core::Node& node, const std::vector<const Tensor*>& in)
{
    if (in.empty())
        fail(node, "needs images");
    const Tensor& x = *in[0];
    if (x.shape.size() != 4)
        fail(node, "images must be 4-D NHWC, got " + x.shapeText());
    const auto size = intValues(node, in, 1);
    if (size.size() != 2 || size[0] <= 0 || size[1] <= 0)
        fail(node, "size must be two positive values");
    Resize r{x.shape[0], x.shape[1], x.shape[2], x.shape[3], size[0], size[1], 0, 0,
        boolAttr(node, "align_corners", false), boolAttr(node, "half_pixel_centers", false)};
    if (r.alignCorners && r.halfPixel)
        fail(node, "align_corners and half_pixel_centers cannot both be set");
    // align_corners maps the corner pixels onto each other, so it spans n - 1 intervals.
    const auto scale = [&](std::int64_t from, std::int64_t to) {
        const bool corners = r.alignCorners && to > 1;
        return static_cast<double>(corners ? from - 1 : from) / static_cast<double>(corners ? to - 1 : to);
    };
    r.scaleH = scale(r.inH, r.outH);
    r.scaleW = scale(r.inW, r.outW);
    return r;
}

std::size_t offset(const Resize& r, std::int64_t b, std::int64_t y, std::int64_t x)
{
    return static_cast<std::size_t>(((b * r.inH + y) * r.inW + x) * r.channels);
}

} // namespace

Tensor resizeBilinear(const core::Node& node, const std::vector<const Tensor*>& in)
{
    const Tensor& x = floatInput(node, in, 0);
    const auto r = plan(node, in);
    // Source coordinate of an output pixel, and the two input pixels it falls between. With
    // half-pixel centers the first pixels map below 0; both neighbours are then pixel 0.
    struct Tap {
        std::int64_t lo, hi;
        double frac;
    };
    const auto tap = [&](std::int64_t o, double scale, std::int64_t inSize) {
        const double src = r.halfPixel ? scale * (static_cast<double>(o) + 0.5) - 0.5 : scale * static_cast<double>(o);
        const double lo = std::max(0.0, std::floor(src));
        return Tap{static_cast<std::int64_t>(lo), std::min(inSize - 1, static_cast<std::int64_t>(std::ceil(src))), src - lo};
    };
    Tensor y = Tensor::floats({r.batch, r.outH, r.outW, r.channels});
    std::size_t out = 0;
    for (std::int64_t b = 0; b < r.batch; ++b)
        for (std::int64_t oy = 0; oy < r.outH; ++oy) {
            const auto ty = tap(oy, r.scaleH, r.inH);
            for (std::int64_t ox = 0; ox < r.outW; ++ox) {
                const auto tx = tap(ox, r.scaleW, r.inW);
                const float* topLeft = &x.f[offset(r, b, ty.lo, tx.lo)];
                const float* topRight = &x.f[offset(r, b, ty.lo, tx.hi)];
                const float* bottomLeft = &x.f[offset(r, b, ty.hi, tx.lo)];
                const float* bottomRight = &x.f[offset(r, b, ty.hi, tx.hi)];
                for (std::int64_t c = 0; c < r.channels; ++c) {
                    const auto at = [c](const float* p) { return static_cast<double>(p[c]); };
                    const double top = at(topLeft) + (at(topRight) - at(topLeft)) * tx.frac;
                    const double bottom = at(bottomLeft) + (at(bottomRight) - at(bottomLeft)) * tx.frac;
                    y.f[out++] = static_cast<float>(top + (bottom - top) * ty.frac);
                }
            }
        }
    return y;
}

Tensor resizeNearestNeighbor(const core::Node& node, const std::vector<const Tensor*>& in)
{
    const auto r = plan(node, in);
    // align_corners rounds to the nearest source pixel (halves up); otherwise the source
    // coordinate is floored, which with half-pixel centers picks the pixel containing the centre.
    const auto nearest = [&](std::int64_t o, double scale, std::int64_t inSize) {
        const double src = r.halfPixel ? scale * (static_cast<double>(o) + 0.5) : scale * static_cast<double>(o);
        const double picked = r.alignCorners ? std::floor(src + 0.5) : std::floor(src);
        return std::clamp(static_cast<std::int64_t>(picked), std::int64_t{0}, inSize - 1);
    };
    std::vector<std::size_t> from;
    from.reserve(static_cast<std::size_t>(r.batch * r.outH * r.outW * r.channels));
    for (std::int64_t b = 0; b < r.batch; ++b)
        for (std::int64_t oy = 0; oy < r.outH; ++oy) {
            const auto sy = nearest(oy, r.scaleH, r.inH);
            for (std::int64_t ox = 0; ox < r.outW; ++ox) {
                const auto row = offset(r, b, sy, nearest(ox, r.scaleW, r.inW));
                for (std::int64_t c = 0; c < r.channels; ++c)
                    from.push_back(row + static_cast<std::size_t>(c));
            }
        }
    return pick(*in[0], {r.batch, r.outH, r.outW, r.channels}, from);
}

} // namespace studio::rt::ref
