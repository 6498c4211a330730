// StridedSlice with TensorFlow's full mask semantics (begin, end, ellipsis, new_axis, shrink_axis).
#include "runtime/reference/kernels.h"

#include <algorithm>
#include <bit>

namespace studio::rt::ref {

namespace {

bool bit(std::int64_t mask, std::size_t k) { return k < 63 && ((mask >> k) & 1) != 0; }

// One input dimension of the slice after the spec has been matched to the input's rank.
struct DenseDim {
    std::int64_t begin = 0, end = 0, stride = 1;
    bool beginMasked = true, endMasked = true, shrink = false;
};

} // namespace

// The spec (one entry per begin/end/strides value) is first expanded to one entry per input
// dimension, the way TensorFlow's ValidateStridedSliceOp does: the ellipsis stands for every
// dimension the other entries do not name, new axes name none, and a spec without an ellipsis
// behaves as if one followed its last entry.
Tensor stridedSlice(const core::Node& node, const std::vector<const Tensor*>& in)
{
    if (in.size() < 4)
        fail(node, "needs input, begin, end and strides");
    const Tensor& x = *in[0];
    const auto begin = intValues(node, in, 1), end = intValues(node, in, 2), strides = intValues(node, in, 3);
    if (begin.size() != end.size() || begin.size() != strides.size())
        fail(node, "begin, end and strides have different lengths");
    if (begin.size() > 62)
        fail(node, "more slice entries than the 64-bit masks can describe");
    const auto beginMask = intAttr(node, "begin_mask", 0), endMask = intAttr(node, "end_mask", 0);
    const auto newAxisMask = intAttr(node, "new_axis_mask", 0), shrinkMask = intAttr(node, "shrink_axis_mask", 0);
    auto ellipsisMask = intAttr(node, "ellipsis_mask", 0);
    if (std::popcount(static_cast<std::uint64_t>(ellipsisMask)) > 1)
        fail(node, "more than one ellipsis in the slice spec");
    std::size_t entries = begin.size();
    if (ellipsisMask == 0)
        ellipsisMask = std::int64_t{1} << entries++;

    const std::size_t rank = x.shape.size();
    std::vector<DenseDim> dense(rank);
    constexpr std::int64_t kNewAxis = -1;
    std::vector<std::int64_t> outputFrom; // per output dimension: a dense dimension or kNewAxis
    std::size_t full = 0;
    for (std::size_t k = 0; k < entries; ++k) {
        if (bit(ellipsisMask, k)) {
            std::int64_t newAxesAfter = 0;
            for (std::size_t j = k + 1; j < entries; ++j)
                newAxesAfter += bit(newAxisMask, j) && !bit(ellipsisMask, j) ? 1 : 0;
            const std::int64_t next = std::min(static_cast<std::int64_t>(rank) - static_cast<std::int64_t>(entries - k) + 1
                    + newAxesAfter, static_cast<std::int64_t>(rank));
            for (; static_cast<std::int64_t>(full) < next; ++full)
                outputFrom.push_back(static_cast<std::int64_t>(full)); // whole dimension (masked both ends)
        } else if (bit(newAxisMask, k)) {
            outputFrom.push_back(kNewAxis);
        } else {
            if (full >= rank)
                fail(node, "the slice spec names more dimensions than the input " + x.shapeText() + " has");
            dense[full] = {begin[k], end[k], strides[k], bit(beginMask, k), bit(endMask, k), bit(shrinkMask, k)};
            if (!dense[full].shrink)
                outputFrom.push_back(static_cast<std::int64_t>(full));
            ++full;
        }
    }

    std::vector<std::int64_t> size(rank), step(rank);
    std::int64_t base = 0;
    const auto xStrides = stridesOf(x.shape);
    for (std::size_t i = 0; i < rank; ++i) {
        const auto& d = dense[i];
        const std::int64_t dim = x.shape[i];
        if (d.stride == 0)
            fail(node, "strides[" + std::to_string(i) + "] is 0");
        std::int64_t first = 0, last = 0;
        if (d.shrink) {
            if (d.stride < 0)
                fail(node, "only stride 1 allowed on a shrunk (indexed) dimension");
            first = d.begin < 0 ? dim + d.begin : d.begin;
            if (first < 0 || first >= dim)
                fail(node, "index " + std::to_string(d.begin) + " is out of range for dimension " + std::to_string(i)
                        + " of " + x.shapeText());
            last = first + 1;
        } else {
            // Masked ends take the whole range in the stride's direction; others count from the
            // back when negative and are clamped, so that out-of-range bounds select less, not fail.
            const std::int64_t lo = d.stride > 0 ? 0 : -1, hi = d.stride > 0 ? dim : dim - 1;
            const auto canonical = [&](std::int64_t v, bool masked, bool isEnd) {
                if (masked)
                    return (d.stride > 0) == isEnd ? hi : lo;
                return std::clamp(v < 0 ? dim + v : v, lo, hi);
            };
            first = canonical(d.begin, d.beginMasked, false);
            last = canonical(d.end, d.endMasked, true);
        }
        const std::int64_t interval = last - first;
        size[i] = interval == 0 || (interval < 0) != (d.stride < 0)
            ? 0
            : interval / d.stride + (interval % d.stride != 0 ? 1 : 0);
        step[i] = d.stride * xStrides[i];
        base += first * xStrides[i];
    }

    std::vector<std::int64_t> shape;
    for (const auto from : outputFrom)
        shape.push_back(from == kNewAxis ? 1 : size[static_cast<std::size_t>(from)]);
    // Shrunk and new axes have size 1, so the dense walk already yields the output's order.
    return pick(x, std::move(shape), walk(size, base, step));
}

} // namespace studio::rt::ref
