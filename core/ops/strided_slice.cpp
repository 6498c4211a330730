// StridedSlice spec resolution and the row-major walks that slices and transposes share.
#include "core/ops/strided_slice.h"

#include "core/ops/op_schema.h"

#include <algorithm>
#include <bit>

namespace studio::core {

namespace {

bool bit(std::int64_t mask, std::size_t k) { return k < 63 && ((mask >> k) & 1) != 0; }

// One input dimension of a strided slice after the spec is matched to the input's rank.
struct DenseDim {
    std::int64_t begin = 0, end = 0, stride = 1; // kUnknownValue when not known statically
    bool beginMasked = true, endMasked = true, shrink = false;
};

std::string dimsText(const std::vector<std::int64_t>& dims)
{
    std::string s = "[";
    for (std::size_t k = 0; k < dims.size(); ++k)
        s += (k ? "," : "") + (dims[k] < 0 ? std::string("?") : std::to_string(dims[k]));
    return s + "]";
}

} // namespace

// The spec (one entry per begin / end / strides value) is expanded to one entry per input
// dimension the way TensorFlow's ValidateStridedSliceOp does: the ellipsis stands for every
// dimension the other entries do not name, new axes name none, and a spec without an ellipsis
// behaves as if one followed its last entry. Unknown bounds give unknown sizes, never a guess.
StridedSlicePlan planStridedSlice(const std::vector<std::int64_t>& shape, const StridedSliceSpec& spec,
    const std::function<void(const std::string&)>& fail)
{
    if (spec.begin.size() != spec.end.size() || spec.begin.size() != spec.strides.size())
        fail("begin, end and strides have different lengths");
    if (spec.begin.size() > 62)
        fail("more slice entries than the 64-bit masks can describe");
    auto ellipsisMask = spec.ellipsisMask;
    if (std::popcount(static_cast<std::uint64_t>(ellipsisMask)) > 1)
        fail("more than one ellipsis in the slice spec");
    std::size_t entries = spec.begin.size();
    if (ellipsisMask == 0)
        ellipsisMask = std::int64_t{1} << entries++;

    const std::size_t rank = shape.size();
    std::vector<DenseDim> dense(rank);
    constexpr std::int64_t kNewAxis = -1;
    std::vector<std::int64_t> outputFrom; // per output dimension: a dense dimension or kNewAxis
    std::size_t full = 0;
    for (std::size_t k = 0; k < entries; ++k) {
        if (bit(ellipsisMask, k)) {
            std::int64_t newAxesAfter = 0;
            for (std::size_t j = k + 1; j < entries; ++j)
                newAxesAfter += bit(spec.newAxisMask, j) && !bit(ellipsisMask, j) ? 1 : 0;
            const std::int64_t next = std::min(static_cast<std::int64_t>(rank) - static_cast<std::int64_t>(entries - k) + 1
                    + newAxesAfter, static_cast<std::int64_t>(rank));
            for (; static_cast<std::int64_t>(full) < next; ++full)
                outputFrom.push_back(static_cast<std::int64_t>(full)); // whole dimension (masked both ends)
        } else if (bit(spec.newAxisMask, k)) {
            outputFrom.push_back(kNewAxis);
        } else {
            if (full >= rank)
                fail("the slice spec names more dimensions than the input " + dimsText(shape) + " has");
            dense[full] = {spec.begin[k], spec.end[k], spec.strides[k], bit(spec.beginMask, k), bit(spec.endMask, k),
                bit(spec.shrinkAxisMask, k)};
            if (!dense[full].shrink)
                outputFrom.push_back(static_cast<std::int64_t>(full));
            ++full;
        }
    }

    StridedSlicePlan plan;
    plan.size.assign(rank, 0);
    plan.step.assign(rank, 0);
    const auto xStrides = rowMajorStrides(shape);
    for (std::size_t i = 0; i < rank; ++i) {
        const auto& d = dense[i];
        const std::int64_t dim = shape[i];
        if (d.stride == 0)
            fail("strides[" + std::to_string(i) + "] is 0");
        const bool beginKnown = d.beginMasked || d.begin != kUnknownValue;
        const bool endKnown = d.endMasked || d.end != kUnknownValue;
        if (d.shrink) {
            plan.size[i] = 1;
            if (d.stride != kUnknownValue && d.stride < 0)
                fail("only stride 1 allowed on a shrunk (indexed) dimension");
            // TensorFlow ignores the begin mask on a shrunk dimension: the index is begin itself.
            if (dim < 0 || d.begin == kUnknownValue) {
                plan.exact = false;
                continue;
            }
            const std::int64_t first = d.begin < 0 ? dim + d.begin : d.begin;
            if (first < 0 || first >= dim)
                fail("index " + std::to_string(d.begin) + " is out of range for dimension " + std::to_string(i) + " of "
                    + dimsText(shape));
            plan.step[i] = xStrides[i];
            plan.base += first * xStrides[i];
            continue;
        }
        if (dim < 0 || d.stride == kUnknownValue || !beginKnown || !endKnown) {
            plan.size[i] = -1;
            plan.exact = false;
            continue;
        }
        // Masked ends take the whole range in the stride's direction; others count from the
        // back when negative and are clamped, so that out-of-range bounds select less, not fail.
        const std::int64_t lo = d.stride > 0 ? 0 : -1, hi = d.stride > 0 ? dim : dim - 1;
        const auto canonical = [&](std::int64_t v, bool masked, bool isEnd) {
            if (masked)
                return (d.stride > 0) == isEnd ? hi : lo;
            return std::clamp(v < 0 ? dim + v : v, lo, hi);
        };
        const std::int64_t first = canonical(d.begin, d.beginMasked, false);
        const std::int64_t last = canonical(d.end, d.endMasked, true);
        const std::int64_t interval = last - first;
        plan.size[i] = interval == 0 || (interval < 0) != (d.stride < 0)
            ? 0
            : interval / d.stride + (interval % d.stride != 0 ? 1 : 0);
        plan.step[i] = d.stride * xStrides[i];
        plan.base += first * xStrides[i];
    }
    for (const auto from : outputFrom)
        plan.outputShape.push_back(from == kNewAxis ? 1 : plan.size[static_cast<std::size_t>(from)]);
    return plan;
}

std::vector<std::int64_t> rowMajorStrides(const std::vector<std::int64_t>& shape)
{
    std::vector<std::int64_t> strides(shape.size(), 1);
    for (std::size_t k = shape.size(); k-- > 1;)
        strides[k - 1] = strides[k] * std::max<std::int64_t>(shape[k], 0);
    return strides;
}

std::vector<std::size_t> walkOffsets(const std::vector<std::int64_t>& shape, std::int64_t base, const std::vector<std::int64_t>& step)
{
    std::size_t total = 1;
    for (const auto d : shape)
        total *= static_cast<std::size_t>(d);
    std::vector<std::size_t> out(total);
    std::vector<std::int64_t> pos(shape.size(), 0);
    std::int64_t at = base;
    for (std::size_t i = 0; i < total; ++i) {
        out[i] = static_cast<std::size_t>(at);
        // Odometer: bump the last dimension, carrying into earlier ones.
        for (std::size_t k = shape.size(); k-- > 0;) {
            at += step[k];
            if (++pos[k] < shape[k])
                break;
            at -= step[k] * shape[k];
            pos[k] = 0;
        }
    }
    return out;
}

} // namespace studio::core
