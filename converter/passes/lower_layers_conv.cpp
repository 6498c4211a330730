// Lowering of the convolutional and pooling layers: Conv1D/2D/3D, DepthwiseConv2D,
// SeparableConv1D/2D, Conv2DTranspose, Cropping, UpSampling and ZeroPadding 1D-3D, max / average
// pooling 1D-3D and their global forms. 1-D layers run as 2-D ops over a height of 1, as TF.js
// does; channels_first inputs are transposed to channels_last around ops that only exist NHWC.
#include "converter/passes/lower_layers_impl.h"

#include <limits>

namespace studio::conv::lowering {

using core::AttrValue;

namespace {

AttrValue ints(std::vector<std::int64_t> v)
{
    AttrValue a;
    a.kind = AttrValue::Kind::List;
    a.list.i = std::move(v);
    return a;
}

// The spatial rank a layer class works on (its name ends in 1D / 2D / 3D), or 0.
int spatialRank(const std::string& cls)
{
    if (cls.size() < 2 || cls.back() != 'D')
        return 0;
    const char d = cls[cls.size() - 2];
    return d >= '1' && d <= '3' ? d - '0' : 0;
}

std::string stem(const std::string& cls)
{
    return spatialRank(cls) ? cls.substr(0, cls.size() - 2) : cls;
}

} // namespace

bool Lowering::lowerConvLayer(const core::Layer& l, const std::vector<std::string>& in, std::string& out)
{
    const auto& c = l.config;
    const std::string& cls = l.className;
    const int n = cls == "Conv2DTranspose" ? 2 : spatialRank(cls);
    const std::string kind = stem(cls);
    static const std::set<std::string> kMine{"Conv", "DepthwiseConv", "SeparableConv", "Conv2DTranspose", "Cropping",
        "UpSampling", "ZeroPadding", "MaxPooling", "AveragePooling", "GlobalMaxPooling", "GlobalAveragePooling",
        "Convolution", "MaxPool", "AvgPool", "GlobalMaxPool", "GlobalAvgPool"};
    if (!n || !kMine.count(cls == "Conv2DTranspose" ? cls : kind))
        return false;
    if (in.size() != 1)
        bad(l, "takes one input, has " + std::to_string(in.size()));
    const std::string base = l.name + "/";
    std::string x = in[0];
    const Dims s = shapeOf(l, x);
    const auto rank = static_cast<std::int64_t>(s.size());
    if (rank != n + 2)
        bad(l, "needs a " + std::to_string(n + 2) + "-D input (batch, " + std::to_string(n) + " spatial, channels), got rank "
                + std::to_string(rank));
    const std::string format = c.value("data_format", std::string("channels_last"));
    if (format != "channels_last" && format != "channels_first")
        bad(l, "data_format '" + format + "' is not supported");
    const bool first = format == "channels_first";
    // Axis of spatial dimension k (0-based) in the layer's own layout.
    auto spatialAxis = [&](int k) { return first ? k + 2 : k + 1; };

    // ---- data movement: no weights, any layout
    if (kind == "ZeroPadding") {
        std::vector<std::int32_t> p(static_cast<std::size_t>(2 * rank), 0);
        const Json& pj = c.value("padding", Json(1));
        for (int k = 0; k < n; ++k) {
            std::int64_t lo, hi;
            if (pj.is_number_integer()) {
                lo = hi = pj.get<std::int64_t>();
            } else if (pj.is_array() && pj.size() == static_cast<std::size_t>(n) && pj[static_cast<std::size_t>(k)].is_array()) {
                const auto v = intsOf(pj[static_cast<std::size_t>(k)], 2, "padding", *this, l);
                lo = v[0];
                hi = v[1];
            } else if (n == 1 && pj.is_array()) {
                const auto v = intsOf(pj, 2, "padding", *this, l);
                lo = v[0];
                hi = v[1];
            } else {
                lo = hi = intsOf(pj, static_cast<std::size_t>(n), "padding", *this, l)[static_cast<std::size_t>(k)];
            }
            if (lo < 0 || hi < 0)
                bad(l, "padding " + pj.dump() + " is negative");
            p[static_cast<std::size_t>(2 * spatialAxis(k))] = static_cast<std::int32_t>(lo);
            p[static_cast<std::size_t>(2 * spatialAxis(k) + 1)] = static_cast<std::int32_t>(hi);
        }
        out = node(base + "Pad", "Pad", {x, intConst(base + "paddings", {rank, 2}, p)});
        return true;
    }
    if (kind == "Cropping") {
        const Dims st = staticShape(l, x);
        const Json& cj = c.value("cropping", Json(1));
        for (int k = 0; k < n; ++k) {
            std::int64_t lo, hi;
            if (cj.is_number_integer()) {
                lo = hi = cj.get<std::int64_t>();
            } else if (cj.is_array() && cj.size() == static_cast<std::size_t>(n) && cj[static_cast<std::size_t>(k)].is_array()) {
                const auto v = intsOf(cj[static_cast<std::size_t>(k)], 2, "cropping", *this, l);
                lo = v[0];
                hi = v[1];
            } else if (n == 1 && cj.is_array()) {
                const auto v = intsOf(cj, 2, "cropping", *this, l);
                lo = v[0];
                hi = v[1];
            } else {
                lo = hi = intsOf(cj, static_cast<std::size_t>(n), "cropping", *this, l)[static_cast<std::size_t>(k)];
            }
            const auto axis = spatialAxis(k);
            const auto size = st[static_cast<std::size_t>(axis)];
            if (lo < 0 || hi < 0 || lo + hi >= size)
                bad(l, "cropping " + cj.dump() + " leaves nothing of the input " + std::to_string(size) + " wide");
            x = sliceAxis(l, x, axis, lo, size - hi, "crop" + std::to_string(k));
        }
        out = x;
        return true;
    }
    if (kind == "UpSampling") {
        const Dims st = staticShape(l, x);
        const auto interpolation = c.value("interpolation", std::string("nearest"));
        if (interpolation != "nearest")
            bad(l, "interpolation '" + interpolation + "' is not supported (nearest only)");
        const Json& sj = c.contains("size") ? c["size"] : (c.contains("length") ? c["length"] : Json(2));
        const auto size = intsOf(sj, static_cast<std::size_t>(n), "size", *this, l);
        // Nearest-neighbour repetition is a gather of each index `size` times, axis by axis.
        for (int k = 0; k < n; ++k) {
            const auto f = size[static_cast<std::size_t>(k)];
            if (f <= 0 || st[static_cast<std::size_t>(spatialAxis(k))] * f > kMaxIndexTable)
                bad(l, "size " + sj.dump() + " must be positive and keep the output under "
                        + std::to_string(kMaxIndexTable) + " per axis");
            if (f == 1)
                continue;
            const auto axis = spatialAxis(k);
            std::vector<std::int32_t> idx;
            for (std::int64_t i = 0; i < st[static_cast<std::size_t>(axis)]; ++i)
                for (std::int64_t r = 0; r < f; ++r)
                    idx.push_back(static_cast<std::int32_t>(i));
            x = gather(l, x, idx, static_cast<int>(axis), "repeat" + std::to_string(k));
        }
        out = x;
        return true;
    }
    if (kind == "GlobalMaxPooling" || kind == "GlobalAveragePooling" || kind == "GlobalMaxPool" || kind == "GlobalAvgPool") {
        std::vector<std::int32_t> axes;
        for (int k = 0; k < n; ++k)
            axes.push_back(spatialAxis(k));
        const bool isMax = kind.find("Max") != std::string::npos;
        const bool keep = c.value("keepdims", false);
        out = node(base + (isMax ? "Max" : "Mean"), isMax ? "Max" : "Mean",
            {x, intConst(base + (isMax ? "Max" : "Mean") + "/reduction_indices", {static_cast<std::int64_t>(axes.size())}, axes)},
            {{"keep_dims", AttrValue::ofBool(keep)}, {"Tidx", AttrValue::ofType(3)}});
        return true;
    }

    // ---- window ops: run channels_last, with 1-D as 2-D over a height of 1
    std::vector<std::int32_t> toLast{0}, toFirst{0, static_cast<std::int32_t>(rank - 1)};
    for (std::int64_t k = 2; k < rank; ++k)
        toLast.push_back(static_cast<std::int32_t>(k));
    toLast.push_back(1);
    for (std::int64_t k = 1; k < rank - 1; ++k)
        toFirst.push_back(static_cast<std::int32_t>(k));
    if (first)
        x = transpose(l, x, toLast, "to_channels_last");
    Dims sl = s; // the shape channels_last
    if (first) {
        sl = {s[0]};
        for (std::int64_t k = 2; k < rank; ++k)
            sl.push_back(s[static_cast<std::size_t>(k)]);
        sl.push_back(s[1]);
    }
    const std::int64_t channels = sl.back();
    if (n == 1)
        x = node(base + "ExpandDims", "ExpandDims", {x, intConst(base + "ExpandDims/dim", {}, {1})});
    const int m = n == 1 ? 2 : n; // spatial rank of the op
    // Keras values per spatial dimension, widened to the op's rank (1-D: height 1 first).
    auto perDim = [&](const char* key, const Json& fallback) {
        const Json& v = c.contains(key) && !c[key].is_null() ? c[key] : fallback;
        auto vals = intsOf(v, static_cast<std::size_t>(n), key, *this, l);
        for (auto d : vals)
            if (d <= 0)
                bad(l, std::string(key) + " " + v.dump() + " must be positive");
        if (n == 1)
            vals.insert(vals.begin(), 1);
        return vals;
    };
    auto opList = [&](const std::vector<std::int64_t>& v) {
        std::vector<std::int64_t> r{1};
        r.insert(r.end(), v.begin(), v.end());
        r.push_back(1);
        return ints(r);
    };
    std::string padding = c.value("padding", std::string("valid"));
    if (padding != "valid" && padding != "same" && !(padding == "causal" && cls == "Conv1D"))
        bad(l, "padding '" + padding + "' is not supported");
    const std::string layout = m == 3 ? "NDHWC" : "NHWC";
    std::string y;

    if (kind == "MaxPooling" || kind == "AveragePooling" || kind == "MaxPool" || kind == "AvgPool") {
        const Json& pj = c.contains("pool_size") ? c["pool_size"] : (c.contains("pool_length") ? c["pool_length"] : Json(2));
        auto pool = intsOf(pj, static_cast<std::size_t>(n), "pool_size", *this, l);
        if (n == 1)
            pool.insert(pool.begin(), 1);
        const auto strides = c.contains("strides") && !c["strides"].is_null() ? perDim("strides", Json()) : pool;
        const bool isMax = kind.find("Max") != std::string::npos;
        const std::string op = std::string(isMax ? "MaxPool" : "AvgPool") + (m == 3 ? "3D" : "");
        y = node(base + op, op, {x},
            {{"ksize", opList(pool)}, {"strides", opList(strides)}, {"padding", AttrValue::ofString(padding == "same" ? "SAME" : "VALID")},
                {"data_format", AttrValue::ofString(layout)}});
    } else {
        // Convolutions.
        const auto strides = perDim("strides", Json(1));
        const auto dilations = perDim("dilation_rate", Json(1));
        const Json& kj = c.at("kernel_size");
        auto ksize = intsOf(kj, static_cast<std::size_t>(n), "kernel_size", *this, l);
        if (padding == "causal") {
            // Left-pad the time axis by the dilated window, then slide VALID.
            const auto p = static_cast<std::int32_t>((ksize[0] - 1) * dilations[1]);
            x = node(base + "causal_pad", "Pad", {x, intConst(base + "causal_pad/paddings", {4, 2}, {0, 0, 0, 0, p, 0, 0, 0})});
            padding = "valid";
        }
        const AttrValue pad = AttrValue::ofString(padding == "same" ? "SAME" : "VALID");
        auto kernelShape = [&](std::int64_t inCh, std::int64_t outCh) {
            Dims d = ksize;
            d.push_back(inCh);
            d.push_back(outCh);
            return d;
        };
        auto opKernel = [&](const core::Weight& w) {
            if (n != 1)
                return constFor(w);
            Dims d{1};
            d.insert(d.end(), w.shape.begin(), w.shape.end());
            return constReshaped(w, d);
        };
        std::int64_t outChannels = 0;
        if (kind == "Conv" || kind == "Convolution") {
            const auto filters = c.at("filters").get<std::int64_t>();
            const auto& kernel = weight(l, "kernel", kernelShape(channels, filters));
            const std::string op = m == 3 ? "Conv3D" : "Conv2D";
            y = node(base + op, op, {x, opKernel(kernel)},
                {{"strides", opList(strides)}, {"dilations", opList(dilations)}, {"padding", pad},
                    {"data_format", AttrValue::ofString(layout)}});
            outChannels = filters;
        } else if (kind == "DepthwiseConv" && n == 2) {
            const auto mult = c.value("depth_multiplier", std::int64_t{1});
            const auto& kernel = weight(l, "depthwise_kernel", kernelShape(channels, mult));
            y = node(base + "depthwise", "DepthwiseConv2dNative", {x, constFor(kernel)},
                {{"strides", opList(strides)}, {"dilations", opList(dilations)}, {"padding", pad},
                    {"data_format", AttrValue::ofString("NHWC")}});
            outChannels = channels * mult;
        } else if (kind == "SeparableConv" && n <= 2) {
            const auto filters = c.at("filters").get<std::int64_t>();
            const auto mult = c.value("depth_multiplier", std::int64_t{1});
            const auto& dk = weight(l, "depthwise_kernel", kernelShape(channels, mult));
            Dims pk(static_cast<std::size_t>(n), 1);
            pk.push_back(channels * mult);
            pk.push_back(filters);
            const auto& pw = weight(l, "pointwise_kernel", pk);
            // Named as tf.nn.separable_conv2d names its ops.
            y = node(base + "separable_conv2d/depthwise", "DepthwiseConv2dNative", {x, opKernel(dk)},
                {{"strides", opList(strides)}, {"dilations", opList(dilations)}, {"padding", pad},
                    {"data_format", AttrValue::ofString("NHWC")}});
            y = node(base + "separable_conv2d", "Conv2D", {y, opKernel(pw)},
                {{"strides", ints({1, 1, 1, 1})}, {"dilations", ints({1, 1, 1, 1})}, {"padding", AttrValue::ofString("VALID")},
                    {"data_format", AttrValue::ofString("NHWC")}});
            outChannels = filters;
        } else if (cls == "Conv2DTranspose") {
            const auto filters = c.at("filters").get<std::int64_t>();
            for (auto d : dilations)
                if (d != 1)
                    bad(l, "dilation_rate " + c["dilation_rate"].dump() + " is not supported");
            const auto& kernel = weight(l, "kernel", kernelShape(filters, channels));
            // Keras' output size (deconv_output_length).
            Dims size;
            const Json op = c.value("output_padding", Json());
            std::vector<std::int64_t> outPad;
            if (!op.is_null())
                outPad = intsOf(op, 2, "output_padding", *this, l);
            for (int k = 0; k < 2; ++k) {
                const auto inSize = sl[static_cast<std::size_t>(k + 1)];
                if (inSize < 0)
                    bad(l, "needs a known spatial input size");
                const auto kk = ksize[static_cast<std::size_t>(k)], st = strides[static_cast<std::size_t>(k)];
                std::int64_t o;
                if (outPad.empty())
                    o = padding == "same" ? inSize * st : inSize * st + std::max<std::int64_t>(kk - st, 0);
                else
                    o = (inSize - 1) * st + kk - 2 * (padding == "same" ? kk / 2 : 0) + outPad[static_cast<std::size_t>(k)];
                if (o <= 0 || o > std::numeric_limits<std::int32_t>::max())
                    bad(l, "the output size " + std::to_string(o) + " is out of range");
                size.push_back(o);
            }
            // input_sizes = [batch (from the input at run time), height, width, filters].
            const auto shape = node(base + "Shape", "Shape", {x}, {{"T", AttrValue::ofType(1)}, {"out_type", AttrValue::ofType(3)}});
            const auto batch = node(base + "batch", "StridedSlice",
                {shape, intConst(base + "batch/begin", {1}, {0}), intConst(base + "batch/end", {1}, {1}),
                    intConst(base + "batch/strides", {1}, {1})},
                {{"T", AttrValue::ofType(3)}, {"Index", AttrValue::ofType(3)}, {"begin_mask", AttrValue::ofInt(0)},
                    {"end_mask", AttrValue::ofInt(0)}, {"ellipsis_mask", AttrValue::ofInt(0)}, {"new_axis_mask", AttrValue::ofInt(0)},
                    {"shrink_axis_mask", AttrValue::ofInt(0)}});
            const auto rest = intConst(base + "output_size", {3},
                {static_cast<std::int32_t>(size[0]), static_cast<std::int32_t>(size[1]), static_cast<std::int32_t>(filters)});
            const auto sizes = node(base + "input_sizes", "ConcatV2", {batch, rest, intConst(base + "input_sizes/axis", {}, {0})},
                {{"T", AttrValue::ofType(3)}, {"N", AttrValue::ofInt(2)}, {"Tidx", AttrValue::ofType(3)}});
            y = node(base + "conv2d_transpose", "Conv2DBackpropInput", {sizes, constFor(kernel), x},
                {{"strides", opList(strides)}, {"dilations", ints({1, 1, 1, 1})}, {"padding", pad},
                    {"data_format", AttrValue::ofString("NHWC")}});
            outChannels = filters;
        } else {
            bad(l, "layer class " + cls + " is not lowered yet");
        }
        if (c.value("use_bias", true))
            y = node(base + "BiasAdd", "BiasAdd", {y, constFor(weight(l, "bias", {outChannels}))});
        y = activation(l, y);
    }
    if (n == 1)
        y = node(base + "Squeeze", "Squeeze", {y}, {{"squeeze_dims", ints({1})}});
    if (first)
        y = transpose(l, y, toFirst, "to_channels_first");
    out = y;
    return true;
}

} // namespace studio::conv::lowering
