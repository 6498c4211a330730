// Schemas of the sliding-window ops: convolutions (plain, depthwise, fused, transposed, 3-D) and
// pooling (2-D, 3-D), with TensorFlow's SAME / VALID / EXPLICIT padding, strides, dilations and
// NHWC / NCHW (NDHWC) layouts.
#include "core/ops/schemas/common.h"

namespace studio::core::schema {

namespace {

// Positions of the batch, height, width and channel dimensions in a 4-D tensor.
struct Layout {
    std::size_t n, h, w, c;
};

Layout layoutOf(const InferContext& ctx)
{
    const auto format = ctx.stringAttr("data_format", "NHWC");
    if (format == "NHWC")
        return {0, 1, 2, 3};
    if (format == "NCHW")
        return {0, 2, 3, 1};
    ctx.fail("data_format '" + format + "' is not NHWC or NCHW");
}

// An attribute of four values in data_format order ("strides", "dilations", "ksize").
Dims fourValues(const InferContext& ctx, const std::string& attr)
{
    auto v = ctx.intList(attr, {1, 1, 1, 1});
    if (v.size() != 4)
        ctx.fail("'" + attr + "' needs 4 values, has " + std::to_string(v.size()));
    for (const auto x : v)
        if (x <= 0)
            ctx.fail("'" + attr + "' must be positive, got " + shapeText(v));
    return v;
}

// TensorFlow's output size along one spatial dimension; -1 when the input or window is unknown.
std::int64_t windowOut(const InferContext& ctx, std::int64_t in, std::int64_t k, std::int64_t stride, std::int64_t dilation,
    std::size_t dim)
{
    const auto padding = ctx.stringAttr("padding", "VALID");
    if (padding != "SAME" && padding != "VALID" && padding != "EXPLICIT")
        ctx.fail("unknown padding '" + padding + "'");
    if (in < 0)
        return -1;
    if (padding == "SAME") // the window size does not matter: TF pads whatever it needs
        return (in + stride - 1) / stride;
    if (k < 0)
        return -1;
    const std::int64_t effective = (k - 1) * dilation + 1;
    std::int64_t padded = in;
    if (padding == "EXPLICIT") {
        const auto p = ctx.intList("explicit_paddings");
        if (p.size() != 8)
            ctx.fail("EXPLICIT padding needs 8 explicit_paddings, has " + std::to_string(p.size()));
        padded += p[2 * dim] + p[2 * dim + 1];
    }
    const std::int64_t out = padded < effective ? 0 : (padded - effective) / stride + 1;
    if (out <= 0)
        ctx.fail("the " + std::to_string(k) + "-wide window (dilation " + std::to_string(dilation)
            + ") does not fit the input size " + std::to_string(in));
    return out;
}

// The output of a convolution-like op over input 0 with a [kh, kw, ...] window.
Dims convolved(const InferContext& ctx, const TensorType& x, std::int64_t kh, std::int64_t kw, const Dims& strides,
    const Dims& dilations, std::int64_t channels)
{
    const auto layout = layoutOf(ctx);
    Dims out(4, -1);
    out[layout.n] = x.shape.dims[layout.n];
    out[layout.h] = windowOut(ctx, x.shape.dims[layout.h], kh, strides[layout.h], dilations[layout.h], layout.h);
    out[layout.w] = windowOut(ctx, x.shape.dims[layout.w], kw, strides[layout.w], dilations[layout.w], layout.w);
    out[layout.c] = channels;
    return out;
}

// Conv2D and DepthwiseConv2dNative (plain or fused): input [N,H,W,C], filter [kh, kw, C, M].
std::vector<TensorType> conv(const InferContext& ctx, bool depthwise)
{
    const auto dtype = commonDType(ctx, {0, 1});
    requireRank(ctx, 0, 4, "the input");
    requireRank(ctx, 1, 4, "the filter");
    const auto& x = ctx.input(0);
    const auto& w = ctx.input(1);
    const auto layout = layoutOf(ctx);
    const auto strides = fourValues(ctx, "strides");
    const auto dilations = fourValues(ctx, "dilations");
    if (!hasRank(x))
        return {unknownRank(dtype)};
    const Dims filter = hasRank(w) ? w.shape.dims : Dims(4, -1);
    const auto inC = mergeDim(ctx, x.shape.dims[layout.c], filter[2],
        "input channels " + shapeText(x.shape) + " do not match the filter " + shapeText(filter));
    std::int64_t channels = filter[3];
    if (depthwise)
        channels = inC < 0 || filter[3] < 0 ? -1 : inC * filter[3];
    auto out = ranked(dtype, convolved(ctx, x, filter[0], filter[1], strides, dilations, channels));

    // Fused forms: BiasAdd reads input 2, Prelu the next one (num_args counts them).
    const auto ops = ctx.stringList("fused_ops");
    const auto numArgs = ctx.intAttr("num_args", 0);
    if (ctx.has("num_args") && static_cast<std::int64_t>(ctx.inputCount()) != 2 + numArgs)
        ctx.fail("num_args is " + std::to_string(numArgs) + " but the node has " + std::to_string(ctx.inputCount() - 2)
            + " extra inputs");
    if (!ops.empty() && ops[0] == "BiasAdd") {
        const auto& bias = ctx.input(2);
        requireRank(ctx, 2, 1, "the bias");
        if (hasRank(bias))
            out.shape.dims[layout.c] = mergeDim(ctx, out.shape.dims[layout.c], bias.shape.dims[0],
                "the bias " + shapeText(bias.shape) + " does not match the output channels");
    }
    return {out};
}

std::vector<TensorType> pool(const InferContext& ctx)
{
    const auto dtype = commonDType(ctx, {0});
    requireRank(ctx, 0, 4, "the input");
    const auto& x = ctx.input(0);
    const auto ksize = fourValues(ctx, "ksize");
    const auto strides = fourValues(ctx, "strides");
    if (!hasRank(x))
        return {unknownRank(dtype)};
    const auto layout = layoutOf(ctx);
    if (ksize[layout.n] != 1 || ksize[layout.c] != 1)
        ctx.fail("pooling across the batch or channels (ksize " + shapeText(ksize) + ") is not supported");
    return {ranked(dtype, convolved(ctx, x, ksize[layout.h], ksize[layout.w], strides, Dims(4, 1), x.shape.dims[layout.c]))};
}

// The gradient of Conv2D with respect to its input: the output is input_sizes; the forward
// geometry of a Conv2D over that size must give out_backprop's shape.
std::vector<TensorType> conv2dBackpropInput(const InferContext& ctx)
{
    const auto dtype = commonDType(ctx, {1, 2});
    requireRank(ctx, 1, 4, "the filter");
    requireRank(ctx, 2, 4, "out_backprop");
    const auto& sizes = ctx.input(0);
    if (hasRank(sizes) && (rankOf(sizes) != 1 || (sizes.shape.dims[0] >= 0 && sizes.shape.dims[0] != 4)))
        ctx.fail("input_sizes must hold 4 values, got shape " + shapeText(sizes.shape));
    const auto layout = layoutOf(ctx);
    const auto& w = ctx.input(1);
    const auto& dy = ctx.input(2);
    const Dims filter = hasRank(w) ? w.shape.dims : Dims(4, -1);
    Dims out(4, -1);
    // input_sizes computed in the graph (a dynamic batch packed with static sizes) still gives
    // the static dimensions it knows.
    if (const auto& v = sizes.intValues) {
        if (v->size() != 4)
            ctx.fail("input_sizes must hold 4 values, has " + std::to_string(v->size()));
        for (std::size_t k = 0; k < 4; ++k) {
            if ((*v)[k] == kUnknownValue)
                continue;
            if ((*v)[k] < 0)
                ctx.fail("input_sizes " + shapeText(*v) + " holds a negative size");
            out[k] = (*v)[k];
        }
    }
    out[layout.c] = mergeDim(ctx, out[layout.c], filter[2], "input_sizes channels do not match the filter " + shapeText(filter));
    if (hasRank(dy)) {
        out[layout.n] = mergeDim(ctx, out[layout.n], dy.shape.dims[layout.n], "input_sizes batch does not match out_backprop");
        const auto forward = convolved(ctx, ranked(dtype, out), filter[0], filter[1], fourValues(ctx, "strides"),
            fourValues(ctx, "dilations"), filter[3]);
        for (std::size_t k = 0; k < 4; ++k)
            mergeDim(ctx, forward[k], dy.shape.dims[k],
                "out_backprop " + shapeText(dy.shape) + " does not match the forward output " + shapeText(forward));
    }
    return {ranked(dtype, out)};
}

// Conv3D (input [N,D,H,W,C], filter [kd,kh,kw,C,F]) and MaxPool3D / AvgPool3D, NDHWC only:
// TF.js runs nothing else.
std::vector<TensorType> volumetric(const InferContext& ctx, bool isConv)
{
    const auto dtype = isConv ? commonDType(ctx, {0, 1}) : commonDType(ctx, {0});
    requireRank(ctx, 0, 5, "the input");
    if (isConv)
        requireRank(ctx, 1, 5, "the filter");
    const auto format = ctx.stringAttr("data_format", "NDHWC");
    if (format != "NDHWC")
        ctx.fail("data_format '" + format + "' is not supported (NDHWC only)");
    auto five = [&](const std::string& attr) {
        auto v = ctx.intList(attr, {1, 1, 1, 1, 1});
        if (v.size() != 5)
            ctx.fail("'" + attr + "' needs 5 values, has " + std::to_string(v.size()));
        for (const auto x : v)
            if (x <= 0)
                ctx.fail("'" + attr + "' must be positive, got " + shapeText(v));
        if (v[0] != 1 || v[4] != 1)
            ctx.fail("'" + attr + "' " + shapeText(v) + " must be 1 on the batch and channels");
        return v;
    };
    const auto strides = five("strides");
    const auto dilations = isConv ? five("dilations") : Dims(5, 1);
    const auto& x = ctx.input(0);
    if (!hasRank(x))
        return {unknownRank(dtype)};
    Dims window(5, -1);
    std::int64_t channels = x.shape.dims[4];
    if (isConv) {
        const auto& w = ctx.input(1);
        if (hasRank(w)) {
            window = w.shape.dims;
            mergeDim(ctx, x.shape.dims[4], w.shape.dims[3],
                "input channels " + shapeText(x.shape) + " do not match the filter " + shapeText(w.shape));
            channels = w.shape.dims[4];
        }
    } else {
        window = five("ksize");
    }
    Dims out(5, -1);
    out[0] = x.shape.dims[0];
    out[4] = channels;
    for (std::size_t d = 1; d <= 3; ++d) {
        const std::int64_t k = isConv ? window[d - 1] : window[d];
        out[d] = windowOut(ctx, x.shape.dims[d], k, strides[d], dilations[d], d);
    }
    return {ranked(dtype, out)};
}

} // namespace

void addConvSchemas(std::vector<OpSchema>& out)
{
    const std::vector<AttrSpec> convAttrs{{"strides", true}, {"padding", true}, {"dilations"}, {"data_format"},
        {"explicit_paddings"}, {"T"}};
    std::vector<AttrSpec> fusedAttrs = convAttrs;
    fusedAttrs.push_back({"fused_ops"});
    fusedAttrs.push_back({"num_args"});
    out.push_back(fixed("Conv2D", 2, 2, 1, convAttrs, [](const InferContext& c) { return conv(c, false); }));
    out.push_back(fixed("_FusedConv2D", 2, -1, 1, fusedAttrs, [](const InferContext& c) { return conv(c, false); }));
    out.push_back(fixed("DepthwiseConv2dNative", 2, 2, 1, convAttrs, [](const InferContext& c) { return conv(c, true); }));
    out.push_back(fixed("FusedDepthwiseConv2dNative", 2, -1, 1, fusedAttrs, [](const InferContext& c) { return conv(c, true); }));
    out.push_back(fixed("Conv2DBackpropInput", 3, 3, 1, convAttrs, conv2dBackpropInput));
    const std::vector<AttrSpec> poolAttrs{{"ksize", true}, {"strides", true}, {"padding", true}, {"data_format"}, {"T"}};
    out.push_back(fixed("MaxPool", 1, 1, 1, poolAttrs, pool));
    out.push_back(fixed("AvgPool", 1, 1, 1, poolAttrs, pool));
    out.push_back(fixed("Conv3D", 2, 2, 1, {{"strides", true}, {"padding", true}, {"dilations"}, {"data_format"}, {"T"}},
        [](const InferContext& c) { return volumetric(c, true); }));
    out.push_back(fixed("MaxPool3D", 1, 1, 1, poolAttrs, [](const InferContext& c) { return volumetric(c, false); }));
    out.push_back(fixed("AvgPool3D", 1, 1, 1, poolAttrs, [](const InferContext& c) { return volumetric(c, false); }));
}

} // namespace studio::core::schema
