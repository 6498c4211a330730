// Builders of the Vulkan op table beyond convolutions, matrix products and element-wise ops:
// reductions, softmax, resizing, slicing, gathers, packing and splitting, casts, AddN, inference
// batch norm and the transposed convolution. Same contract as ops.cpp: plan the dispatches and
// return true, or decline (CPU fallback) having planned nothing. Where the reference kernel
// resolves something (slice masks, resize taps, convolution windows), the builder uses the same
// resolution, so both agree by construction; inputs the reference would reject are declined, so
// its error is the one the user sees.
#include "runtime/vulkan/kernels/ops.h"

#include "core/ops/strided_slice.h"
#include "runtime/reference/kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace studio::vk {

namespace {

constexpr std::size_t kMaxRank = 6;
// The kernels index with 32-bit ints.
constexpr std::int64_t kMaxElements = std::numeric_limits<std::int32_t>::max();

bool isFloat(const ValueInfo* v) { return v->dtype == core::DType::Float32; }

bool allFloat(const OpCall& c)
{
    return std::all_of(c.inputs.begin(), c.inputs.end(), isFloat) && std::all_of(c.outputs.begin(), c.outputs.end(), isFloat);
}

// A constant int32 input's values (axes, sizes, begin / end / strides), or nothing.
const std::vector<std::int32_t>* hostInts(const OpCall& c, std::size_t k)
{
    if (k >= c.inputs.size() || !c.inputs[k]->host || c.inputs[k]->host->isFloat())
        return nullptr;
    return &c.inputs[k]->host->i;
}

// An axis in [-rank, rank) made non-negative, or -1 (the reference then reports it).
std::int64_t axisIn(std::int64_t axis, std::size_t rank)
{
    const auto r = static_cast<std::int64_t>(rank);
    if (axis < -r || axis >= r)
        return -1;
    return axis < 0 ? axis + r : axis;
}

// One strided copy of 32-bit elements (copy_strided_bits): the walked shape (rank <= 6) goes
// from srcBase + sum(c * srcStep) to dstBase + sum(c * dstStep).
void copyStrided(Planner& p, int out, int in, const std::vector<std::int64_t>& shape, std::int64_t srcBase,
    const std::vector<std::int64_t>& srcStep, std::int64_t dstBase, const std::vector<std::int64_t>& dstStep)
{
    std::array<std::int64_t, kMaxRank> dims{}, src{}, dst{};
    dims.fill(1);
    const std::size_t off = kMaxRank - shape.size();
    std::int64_t n = 1;
    for (std::size_t d = 0; d < shape.size(); ++d) {
        dims[off + d] = shape[d];
        src[off + d] = srcStep[d];
        dst[off + d] = dstStep[d];
        n *= shape[d];
    }
    Push push;
    push.i(n).i(srcBase).i(dstBase).i(0);
    for (auto d : dims)
        push.i(d);
    for (auto s : src)
        push.i(s);
    for (auto s : dst)
        push.i(s);
    p.dispatch("copy_strided_bits", {out, in}, push, p.flat(n));
}

void copyFlat(Planner& p, int out, int in, std::int64_t n)
{
    copyStrided(p, out, in, {n}, 0, {1}, 0, {1});
}

// Mean, Sum, Max, Min, Prod over constant axes (float32). Dimensions of size 1 are dropped and
// neighbours of the same kind (kept / reduced) merged, leaving at most 3 groups of each.
bool reduce(const OpCall& c, Planner& p)
{
    static const std::map<std::string, int> kOps{{"Sum", 0}, {"Mean", 1}, {"Max", 2}, {"Min", 3}, {"Prod", 4}};
    const auto* axes = hostInts(c, 1);
    if (c.inputs.size() != 2 || !axes || !isFloat(c.inputs[0]) || !isFloat(c.outputs[0]))
        return false;
    const auto& x = *c.inputs[0];
    const auto& y = *c.outputs[0];
    const std::size_t rank = x.shape.size();
    if (rank == 0 || rank > kMaxRank || x.count() == 0 || x.count() > kMaxElements || y.count() == 0)
        return false;
    std::vector<bool> reduced(rank, false);
    for (const auto a : *axes) {
        const auto k = axisIn(a, rank);
        if (k < 0)
            return false;
        reduced[static_cast<std::size_t>(k)] = true;
    }
    struct Group {
        bool reduced;
        std::int64_t size, stride;
    };
    std::vector<Group> groups;
    const auto strides = rt::ref::stridesOf(x.shape);
    for (std::size_t k = 0; k < rank; ++k) {
        if (x.shape[k] == 1)
            continue;
        if (!groups.empty() && groups.back().reduced == reduced[k]) {
            groups.back().size *= x.shape[k];
            groups.back().stride = strides[k];
        } else {
            groups.push_back({reduced[k], x.shape[k], strides[k]});
        }
    }
    std::vector<Group> kept, summed;
    for (const auto& g : groups)
        (g.reduced ? summed : kept).push_back(g);
    if (kept.size() > 3 || summed.size() > 3)
        return false;
    std::array<std::int64_t, 3> keptDims{1, 1, 1}, keptStride{0, 0, 0}, redDims{1, 1, 1}, redStride{0, 0, 0};
    for (std::size_t k = 0; k < kept.size(); ++k) {
        keptDims[3 - kept.size() + k] = kept[k].size;
        keptStride[3 - kept.size() + k] = kept[k].stride;
    }
    std::int64_t count = 1;
    for (std::size_t k = 0; k < summed.size(); ++k) {
        redDims[k] = summed[k].size;
        redStride[k] = summed[k].stride;
        count *= summed[k].size;
    }
    if (count * y.count() != x.count())
        return false;
    Push push;
    push.i(y.count()).i(kOps.at(c.node.op)).i(count).i(0);
    for (const auto* list : {&keptDims, &keptStride, &redDims, &redStride})
        for (auto v : *list)
            push.i(v);
    p.dispatch("reduce_axes", {p.outputBuffer(0), p.inputBuffer(0)}, push, p.flat(y.count()));
    return true;
}

// Softmax and LogSoftmax over the last axis, one row per invocation.
bool softmax(const OpCall& c, Planner& p)
{
    if (c.inputs.size() != 1 || !allFloat(c))
        return false;
    const auto& x = *c.inputs[0];
    if (x.shape.empty() || x.shape.back() == 0 || x.count() == 0 || x.count() > kMaxElements || c.outputs[0]->shape != x.shape)
        return false;
    const std::int64_t width = x.shape.back(), rows = x.count() / width;
    Push push;
    push.i(rows).i(width).i(c.node.op == "LogSoftmax" ? 1 : 0);
    p.dispatch("softmax_rows", {p.outputBuffer(0), p.inputBuffer(0)}, push, p.flat(rows));
    return true;
}

// ResizeBilinear / ResizeNearestNeighbor: the taps of each output row and column computed here
// with the reference kernel's formulas, in double precision, so both pick the same pixels.
bool resize(const OpCall& c, Planner& p)
{
    const auto* size = hostInts(c, 1);
    if (c.inputs.size() != 2 || !size || size->size() != 2 || !isFloat(c.inputs[0]) || !isFloat(c.outputs[0]))
        return false;
    const auto& x = *c.inputs[0];
    if (x.shape.size() != 4 || x.count() == 0 || x.count() > kMaxElements)
        return false;
    const bool alignCorners = rt::ref::boolAttr(c.node, "align_corners", false);
    const bool halfPixel = rt::ref::boolAttr(c.node, "half_pixel_centers", false);
    const std::int64_t batch = x.shape[0], inH = x.shape[1], inW = x.shape[2], channels = x.shape[3];
    const std::int64_t outH = (*size)[0], outW = (*size)[1];
    if (alignCorners && halfPixel)
        return false;
    if (outH <= 0 || outW <= 0 || c.outputs[0]->shape != std::vector<std::int64_t>{batch, outH, outW, channels}
        || c.outputs[0]->count() > kMaxElements)
        return false;
    const bool nearest = c.node.op == "ResizeNearestNeighbor";
    const auto scale = [&](std::int64_t from, std::int64_t to) {
        const bool corners = alignCorners && to > 1;
        return static_cast<double>(corners ? from - 1 : from) / static_cast<double>(corners ? to - 1 : to);
    };
    std::vector<float> taps;
    const auto add = [&](std::int64_t outSize, std::int64_t inSize) {
        const double s = scale(inSize, outSize);
        for (std::int64_t o = 0; o < outSize; ++o) {
            const double at = static_cast<double>(o);
            if (nearest) {
                const double src = halfPixel ? s * (at + 0.5) : s * at;
                const double picked = alignCorners ? std::floor(src + 0.5) : std::floor(src);
                const auto k = std::clamp(static_cast<std::int64_t>(picked), std::int64_t{0}, inSize - 1);
                taps.insert(taps.end(), {static_cast<float>(k), static_cast<float>(k), 0.0f, 0.0f});
            } else {
                const double src = halfPixel ? s * (at + 0.5) - 0.5 : s * at;
                const double lo = std::max(0.0, std::floor(src));
                const auto hi = std::min(inSize - 1, static_cast<std::int64_t>(std::ceil(src)));
                taps.insert(taps.end(), {static_cast<float>(lo), static_cast<float>(hi), static_cast<float>(src - lo), 0.0f});
            }
        }
    };
    add(outH, inH);
    add(outW, inW);
    const int table = p.constantBuffer(taps, c.node.name + "/source taps");
    const std::int64_t n = c.outputs[0]->count();
    if (channels % 4 == 0) {
        Push push;
        push.i(n / 4).i(inH).i(inW).i(channels / 4).i(outH).i(outW).i(nearest ? 1 : 0);
        if (p.preferTexelLoads())
            p.dispatch("resize_nhwc_vec4_texel", {p.outputBuffer(0), Binding::texel(p.inputBuffer(0)), table}, push, p.flat(n / 4));
        else
            p.dispatch("resize_nhwc_vec4", {p.outputBuffer(0), p.inputBuffer(0), table}, push, p.flat(n / 4));
        return true;
    }
    Push push;
    push.i(n).i(inH).i(inW).i(channels).i(outH).i(outW).i(nearest ? 1 : 0);
    p.dispatch("resize_nhwc", {p.outputBuffer(0), p.inputBuffer(0), table}, push, p.flat(n));
    return true;
}

// StridedSlice with constant begin / end / strides: the masks are resolved by the same
// core::planStridedSlice the reference kernel walks, so both read the same elements.
bool stridedSlice(const OpCall& c, Planner& p)
{
    const auto *begin = hostInts(c, 1), *end = hostInts(c, 2), *strides = hostInts(c, 3);
    if (c.inputs.size() != 4 || !begin || !end || !strides || c.inputs[0]->dtype != c.outputs[0]->dtype)
        return false;
    const auto& x = *c.inputs[0];
    const auto& y = *c.outputs[0];
    if (x.shape.empty() || x.shape.size() > kMaxRank || x.count() > kMaxElements || y.count() == 0)
        return false;
    core::StridedSliceSpec spec;
    spec.begin.assign(begin->begin(), begin->end());
    spec.end.assign(end->begin(), end->end());
    spec.strides.assign(strides->begin(), strides->end());
    spec.beginMask = rt::ref::intAttr(c.node, "begin_mask", 0);
    spec.endMask = rt::ref::intAttr(c.node, "end_mask", 0);
    spec.ellipsisMask = rt::ref::intAttr(c.node, "ellipsis_mask", 0);
    spec.newAxisMask = rt::ref::intAttr(c.node, "new_axis_mask", 0);
    spec.shrinkAxisMask = rt::ref::intAttr(c.node, "shrink_axis_mask", 0);
    // A spec the reference rejects is declined here, so the user gets its error.
    struct Rejected {};
    core::StridedSlicePlan plan;
    try {
        plan = core::planStridedSlice(x.shape, spec, [](const std::string&) { throw Rejected{}; });
    } catch (const Rejected&) {
        return false;
    }
    std::int64_t n = 1;
    for (auto d : plan.size)
        n *= d;
    if (!plan.exact || plan.size.size() != x.shape.size() || plan.outputShape != y.shape || n != y.count())
        return false;
    copyStrided(p, p.outputBuffer(0), p.inputBuffer(0), plan.size, plan.base, plan.step, 0, rt::ref::stridesOf(plan.size));
    return true;
}

// Slice with constant begin and size (-1: to the end); the same walk as StridedSlice.
bool slice(const OpCall& c, Planner& p)
{
    const auto *begin = hostInts(c, 1), *size = hostInts(c, 2);
    if (c.inputs.size() != 3 || !begin || !size || c.inputs[0]->dtype != c.outputs[0]->dtype)
        return false;
    const auto& x = *c.inputs[0];
    const std::size_t rank = x.shape.size();
    if (rank == 0 || rank > kMaxRank || begin->size() != rank || size->size() != rank || x.count() > kMaxElements)
        return false;
    const auto strides = rt::ref::stridesOf(x.shape);
    std::vector<std::int64_t> sizes(rank);
    std::int64_t base = 0;
    for (std::size_t k = 0; k < rank; ++k) {
        const std::int64_t b = (*begin)[k], s = (*size)[k] == -1 ? x.shape[k] - b : (*size)[k];
        if (b < 0 || s <= 0 || b + s > x.shape[k])
            return false;
        sizes[k] = s;
        base += b * strides[k];
    }
    if (sizes != c.outputs[0]->shape)
        return false;
    copyStrided(p, p.outputBuffer(0), p.inputBuffer(0), sizes, base, strides, 0, rt::ref::stridesOf(sizes));
    return true;
}

// GatherV2 (batch_dims 0) with a constant axis; int32 indices computed on the device or constant
// (checked here: an index out of range is left to the reference, which names it).
bool gather(const OpCall& c, Planner& p)
{
    const auto* axisValue = hostInts(c, 2);
    if (c.inputs.size() != 3 || !axisValue || axisValue->size() != 1 || c.inputs[1]->dtype != core::DType::Int32
        || c.inputs[0]->dtype != c.outputs[0]->dtype || rt::ref::intAttr(c.node, "batch_dims", 0) != 0)
        return false;
    const auto& params = *c.inputs[0];
    const auto& indices = *c.inputs[1];
    const auto axis = axisIn((*axisValue)[0], params.shape.size());
    if (axis < 0 || params.count() == 0 || params.count() > kMaxElements || c.outputs[0]->count() == 0
        || c.outputs[0]->count() > kMaxElements)
        return false;
    const auto a = static_cast<std::size_t>(axis);
    std::int64_t outer = 1, inner = 1;
    for (std::size_t k = 0; k < a; ++k)
        outer *= params.shape[k];
    for (std::size_t k = a + 1; k < params.shape.size(); ++k)
        inner *= params.shape[k];
    const std::int64_t count = params.shape[a], picks = indices.count();
    if (outer * picks * inner != c.outputs[0]->count())
        return false;
    if (indices.host)
        for (const auto i : indices.host->i)
            if (i < 0 || i >= count)
                return false;
    Push push;
    push.i(c.outputs[0]->count()).i(count).i(picks).i(inner);
    p.dispatch("gather_axis", {p.outputBuffer(0), p.inputBuffer(0), p.inputBuffer(1)}, push, p.flat(c.outputs[0]->count()));
    return true;
}

// Cast between float32 and int32 storage (int64 is held as int32, bool as 0 / 1 in int32), with
// the reference kernel's rules: truncation toward zero, anything non-zero is true.
bool cast(const OpCall& c, Planner& p)
{
    if (c.inputs.size() != 1)
        return false;
    const auto* dst = core::findAttr(c.node.attrs, "DstT");
    if (!dst || dst->kind != core::AttrValue::Kind::Type)
        return false;
    const bool toFloat = dst->type == 1 || dst->type == 2 || dst->type == 19; // float, double, half
    const bool toBool = dst->type == 10;
    const bool toInt = dst->type == 3 || dst->type == 9 || toBool; // int32, int64, bool
    const auto& x = *c.inputs[0];
    const auto& y = *c.outputs[0];
    if ((!toFloat && !toInt) || toFloat != isFloat(&y) || y.shape != x.shape || x.count() == 0 || x.count() > kMaxElements)
        return false;
    const int out = p.outputBuffer(0), in = p.inputBuffer(0);
    int mode = -1;
    if (isFloat(&x) && toInt)
        mode = toBool ? 2 : 0;
    else if (!isFloat(&x) && toFloat)
        mode = 1;
    else if (!isFloat(&x) && toBool)
        mode = 3;
    if (mode < 0) {
        copyFlat(p, out, in, x.count()); // same storage type: the values as they are
        return true;
    }
    Push push;
    push.i(x.count()).i(mode);
    p.dispatch("cast_elementwise", {out, in}, push, p.flat(x.count()));
    return true;
}

// Pack: each input copied into its slice of the output along the new axis.
bool pack(const OpCall& c, Planner& p)
{
    if (c.inputs.empty())
        return false;
    const auto& first = *c.inputs[0];
    const auto& y = *c.outputs[0];
    for (const auto* v : c.inputs)
        if (v->shape != first.shape || v->dtype != y.dtype)
            return false;
    const auto axis = axisIn(rt::ref::intAttr(c.node, "axis", 0), first.shape.size() + 1);
    if (axis < 0 || y.shape.size() != first.shape.size() + 1 || y.shape.size() > kMaxRank || first.count() == 0
        || y.count() > kMaxElements)
        return false;
    const auto a = static_cast<std::size_t>(axis);
    if (y.shape[a] != static_cast<std::int64_t>(c.inputs.size()))
        return false;
    const auto yStrides = rt::ref::stridesOf(y.shape);
    auto dst = yStrides;
    dst.erase(dst.begin() + static_cast<std::ptrdiff_t>(a));
    const int out = p.outputBuffer(0);
    for (std::size_t k = 0; k < c.inputs.size(); ++k)
        copyStrided(p, out, p.inputBuffer(k), first.shape, 0, rt::ref::stridesOf(first.shape),
            static_cast<std::int64_t>(k) * yStrides[a], dst);
    return true;
}

// Split, SplitV, Unpack: one strided copy per output (Planner::outputBuffer(k)).
bool split(const OpCall& c, Planner& p)
{
    const ValueInfo* x = nullptr;
    std::int64_t axisValue = 0;
    if (c.node.op == "Split") {
        const auto* a = hostInts(c, 0);
        if (c.inputs.size() != 2 || !a || a->size() != 1)
            return false;
        x = c.inputs[1];
        axisValue = (*a)[0];
    } else if (c.node.op == "SplitV") {
        const auto* a = hostInts(c, 2);
        if (c.inputs.size() != 3 || !a || a->size() != 1 || !hostInts(c, 1))
            return false;
        x = c.inputs[0];
        axisValue = (*a)[0];
    } else {
        if (c.inputs.size() != 1)
            return false;
        x = c.inputs[0];
        axisValue = rt::ref::intAttr(c.node, "axis", 0);
    }
    const auto axis = axisIn(axisValue, x->shape.size());
    if (axis < 0 || x->shape.size() > kMaxRank || x->count() > kMaxElements || c.outputs.empty())
        return false;
    const auto a = static_cast<std::size_t>(axis);
    // The pieces' sizes along the axis, read back from the planned output shapes and checked to
    // tile the input exactly.
    const bool squeeze = c.node.op == "Unpack";
    std::int64_t total = 0;
    for (const auto* out : c.outputs) {
        auto expected = x->shape;
        const std::int64_t size = squeeze ? 1 : (out->shape.size() == x->shape.size() ? out->shape[a] : -1);
        expected[a] = size;
        if (squeeze)
            expected.erase(expected.begin() + static_cast<std::ptrdiff_t>(a));
        if (size <= 0 || out->shape != expected || out->dtype != x->dtype)
            return false;
        total += size;
    }
    if (total != x->shape[a])
        return false;
    const auto strides = rt::ref::stridesOf(x->shape);
    const int in = p.inputBuffer(c.node.op == "Split" ? 1 : 0);
    std::int64_t start = 0;
    for (std::size_t k = 0; k < c.outputs.size(); ++k) {
        auto shape = x->shape;
        shape[a] = squeeze ? 1 : c.outputs[k]->shape[a];
        copyStrided(p, p.outputBuffer(k), in, shape, start * strides[a], strides, 0, rt::ref::stridesOf(shape));
        start += shape[a];
    }
    return true;
}

// AddN: the first two inputs added, then each further one added in place, with the binary
// kernels of ops.cpp (vec4 when the size allows).
bool addN(const OpCall& c, Planner& p)
{
    if (c.inputs.empty() || !allFloat(c))
        return false;
    const auto& y = *c.outputs[0];
    for (const auto* v : c.inputs)
        if (v->shape != y.shape)
            return false;
    if (y.count() == 0 || y.count() > kMaxElements)
        return false;
    const int out = p.outputBuffer(0);
    if (c.inputs.size() == 1) {
        copyFlat(p, out, p.inputBuffer(0), y.count());
        return true;
    }
    for (std::size_t k = 1; k < c.inputs.size(); ++k) {
        const int a = k == 1 ? p.inputBuffer(0) : out, b = p.inputBuffer(k);
        const bool last = k + 1 == c.inputs.size();
        const auto act = static_cast<std::int32_t>(last ? c.fusedAct : Act::None);
        if (y.count() % 4 == 0) {
            Push push;
            push.i(y.count() / 4).i(0).i(act).f(c.fusedAlpha);
            p.dispatch("binary_same_shape_vec4", {out, a, b}, push, p.flat(y.count() / 4));
        } else {
            Push push;
            push.i(y.count()).i(0).i(act).i(1);
            for (int d = 0; d < 6; ++d)
                push.i(1);
            for (int d = 0; d < 12; ++d)
                push.i(0);
            push.f(c.fusedAlpha);
            p.dispatch("binary_broadcast", {out, a, b}, push, p.flat(y.count()));
        }
    }
    return true;
}

// Conv2DBackpropInput with constant input_sizes and filter, dilation 1: geometry from the
// reference's window(), the filter packed [kH][kW][outC][inC].
bool conv2dBackpropInput(const OpCall& c, Planner& p)
{
    const auto* sizes = hostInts(c, 0);
    if (c.inputs.size() != 3 || !sizes || sizes->size() != 4 || !c.inputs[1]->host || !isFloat(c.inputs[1])
        || !isFloat(c.inputs[2]) || !isFloat(c.outputs[0]))
        return false;
    if (rt::ref::stringAttr(c.node, "data_format", "NHWC") != "NHWC"
        || rt::ref::intList(c.node, "dilations", {1, 1, 1, 1}) != std::vector<std::int64_t>{1, 1, 1, 1})
        return false;
    const auto& w = *c.inputs[1];
    const auto& dy = *c.inputs[2];
    const std::vector<std::int64_t> dxShape{(*sizes)[0], (*sizes)[1], (*sizes)[2], (*sizes)[3]};
    if (w.shape.size() != 4 || w.shape[2] != (*sizes)[3] || c.outputs[0]->shape != dxShape || c.outputs[0]->count() == 0
        || c.outputs[0]->count() > kMaxElements || dy.count() > kMaxElements)
        return false;
    rt::Tensor probe;
    probe.shape = dxShape;
    const auto g = rt::ref::window(c.node, probe, w.shape[0], w.shape[1], rt::ref::intList(c.node, "strides", {1, 1, 1, 1}),
        {1, 1, 1, 1});
    const std::int64_t outC = w.shape[3];
    if (dy.shape != std::vector<std::int64_t>{g.batch, g.outH, g.outW, outC})
        return false;
    const auto& wf = w.host->f;
    const std::int64_t taps = g.kH * g.kW;
    std::vector<float> packed(wf.size());
    for (std::int64_t t = 0; t < taps; ++t)
        for (std::int64_t i = 0; i < g.inC; ++i)
            for (std::int64_t o = 0; o < outC; ++o)
                packed[static_cast<std::size_t>((t * outC + o) * g.inC + i)] = wf[static_cast<std::size_t>((t * g.inC + i) * outC + o)];
    const int filter = p.constantBuffer(packed, c.node.name + "/filter (packed)");
    const std::int64_t n = c.outputs[0]->count();
    Push push;
    push.i(n).i(g.inH).i(g.inW).i(g.inC).i(g.outH).i(g.outW).i(outC).i(g.kH);
    push.i(g.kW).i(g.strideH).i(g.strideW).i(g.padTop).i(g.padLeft);
    p.dispatch("conv2d_backprop_input_nhwc", {p.outputBuffer(0), p.inputBuffer(2), filter}, push, p.flat(n));
    return true;
}

// Inference FusedBatchNorm (NHWC) with constant scale, offset, mean and variance; the
// reference's checks (is_training false, one value per channel) decline here when unmet.
bool batchNorm(const OpCall& c, Planner& p)
{
    if (c.inputs.size() < 5 || c.outputs.empty() || !isFloat(c.inputs[0]) || !isFloat(c.outputs[0]))
        return false;
    if (rt::ref::stringAttr(c.node, "data_format", "NHWC") != "NHWC" || rt::ref::boolAttr(c.node, "is_training", true))
        return false;
    const auto& x = *c.inputs[0];
    if (x.shape.empty() || x.count() == 0 || x.count() > kMaxElements || c.outputs[0]->shape != x.shape)
        return false;
    const std::int64_t channels = x.shape.back();
    for (std::size_t k = 1; k <= 4; ++k)
        if (!c.inputs[k]->host || !isFloat(c.inputs[k]) || c.inputs[k]->count() != channels)
            return false;
    const double epsilon = rt::ref::floatAttr(c.node, "epsilon", 1e-4);
    const auto value = [&](std::size_t input, std::int64_t ch) {
        return static_cast<double>(c.inputs[input]->host->f[static_cast<std::size_t>(ch)]);
    };
    std::vector<float> table;
    for (std::int64_t ch = 0; ch < channels; ++ch)
        table.insert(table.end(), {static_cast<float>(value(3, ch)), static_cast<float>(value(1, ch) / std::sqrt(value(4, ch) + epsilon)),
                                      static_cast<float>(value(2, ch)), 0.0f});
    const int channelTable = p.constantBuffer(table, c.node.name + "/per-channel mean, scale, offset");
    Push push;
    push.i(x.count()).i(channels);
    p.dispatch("batch_norm_nhwc", {p.outputBuffer(0), p.inputBuffer(0), channelTable}, push, p.flat(x.count()));
    return true;
}

} // namespace

const std::map<std::string, Builder>& shapeAndReduceBuilders()
{
    static const std::map<std::string, Builder> kTable{
        {"AddN", addN},
        {"Cast", cast},
        {"Conv2DBackpropInput", conv2dBackpropInput},
        {"FusedBatchNorm", batchNorm},
        {"FusedBatchNormV2", batchNorm},
        {"FusedBatchNormV3", batchNorm},
        {"GatherV2", gather},
        {"LogSoftmax", softmax},
        {"Max", reduce},
        {"Mean", reduce},
        {"Min", reduce},
        {"Pack", pack},
        {"Prod", reduce},
        {"ResizeBilinear", resize},
        {"ResizeNearestNeighbor", resize},
        {"Slice", slice},
        {"Softmax", softmax},
        {"Split", split},
        {"SplitV", split},
        {"StridedSlice", stridedSlice},
        {"Sum", reduce},
        {"Unpack", split},
    };
    return kTable;
}

} // namespace studio::vk
