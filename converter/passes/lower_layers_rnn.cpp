// Lowering of the recurrent layers (SimpleRNN, LSTM, GRU in both reset_after variants) and of
// the wrappers Bidirectional and TimeDistributed.
//
// A recurrent layer is unrolled into a static graph over its time axis rather than given an op
// of its own: layers models fix the sequence length in their input shape, so every step's shape
// is static, and the unrolled steps are only MatMul / Add / Mul / activations, which every
// executor here and TF.js graph models already run. The price is graph size (a few nodes per
// gate and step), which the shape inference and the executors handle at model sizes where
// sequences run to hundreds of steps. The input projection of all steps is one MatMul.
#include "converter/passes/lower_layers_impl.h"

#include "core/tfjs/decode.h"

namespace studio::conv::lowering {

using core::AttrValue;

namespace {

bool isRecurrentClass(const std::string& cls)
{
    return cls == "SimpleRNN" || cls == "LSTM" || cls == "GRU";
}

std::string output(const std::string& node, std::int64_t k)
{
    return k == 0 ? node : node + ":" + std::to_string(k);
}

} // namespace

core::Layer Lowering::innerLayer(const core::Layer& wrapper, const Json& spec, const std::string& suffix, WeightScope scope)
{
    if (!spec.is_object() || !spec.contains("class_name") || !spec["class_name"].is_string())
        bad(wrapper, "has no wrapped layer (config.layer with a class_name)");
    core::Layer inner;
    inner.className = spec["class_name"].get<std::string>();
    inner.config = spec.value("config", Json::object());
    if (!inner.config.is_object())
        bad(wrapper, "the wrapped layer's config is not an object");
    inner.name = wrapper.name + "/" + suffix;
    inner.path = inner.name;
    m_scopes[inner.name] = std::move(scope);
    return inner;
}

bool Lowering::lowerRecurrentLayer(const core::Layer& l, const std::vector<std::string>& in, std::string& out)
{
    const auto& c = l.config;
    const std::string& cls = l.className;
    if (!isRecurrentClass(cls) && cls != "Bidirectional" && cls != "TimeDistributed")
        return false;
    if (in.size() != 1)
        bad(l, "takes one input (initial states are not supported), has " + std::to_string(in.size()));
    const std::string& x = in[0];
    if (isRecurrentClass(cls)) {
        out = recurrent(l, x);
    } else if (cls == "Bidirectional") {
        const Json& spec = c.contains("layer") ? c["layer"] : Json();
        auto fwd = innerLayer(l, spec, "forward", {weightPrefix(l), "forward"});
        if (!isRecurrentClass(fwd.className))
            bad(l, "wraps a " + fwd.className + ", only SimpleRNN, LSTM and GRU are supported");
        auto bwd = innerLayer(l, spec, "backward", {weightPrefix(l), "backward"});
        // Keras builds the backward layer as a copy running the other way.
        bwd.config["go_backwards"] = !fwd.config.value("go_backwards", false);
        const auto yf = recurrent(fwd, x);
        auto yb = recurrent(bwd, x);
        if (fwd.config.value("return_sequences", false)) {
            // The backward outputs come in processing order: put them back in time order.
            const auto t = staticShape(l, yb)[1];
            std::vector<std::int32_t> rev;
            for (auto k = t; k-- > 0;)
                rev.push_back(static_cast<std::int32_t>(k));
            yb = gather(l, yb, rev, 1, "reverse");
        }
        const Json mode = c.value("merge_mode", Json("concat"));
        const std::string base = l.name + "/";
        if (mode == "concat")
            out = node(base + "concat", "ConcatV2", {yf, yb, intConst(base + "concat/axis", {}, {-1})},
                {{"N", AttrValue::ofInt(2)}, {"Tidx", AttrValue::ofType(3)}});
        else if (mode == "sum")
            out = node(base + "add", "AddV2", {yf, yb});
        else if (mode == "mul")
            out = node(base + "mul", "Mul", {yf, yb});
        else if (mode == "ave")
            out = node(base + "ave", "Mul", {node(base + "add", "AddV2", {yf, yb}), scalar(base + "half", 0.5f)});
        else
            bad(l, "merge_mode " + mode.dump() + " is not supported (concat, sum, mul, ave)");
    } else {
        // TimeDistributed: fold time into the batch, run the layer, unfold.
        const Dims s = staticShape(l, x);
        if (s.size() < 3)
            bad(l, "needs an input of rank 3 or more (batch, time, ...), got rank " + std::to_string(s.size()));
        const Json& spec = c.contains("layer") ? c["layer"] : Json();
        const std::string innerName = spec.is_object() && spec.contains("config") && spec["config"].is_object()
            ? spec["config"].value("name", std::string("layer"))
            : std::string("layer");
        auto inner = innerLayer(l, spec, innerName, {weightPrefix(l), ""});
        if (inner.className == "Bidirectional" || inner.className == "TimeDistributed")
            bad(l, "nested wrappers are not supported");
        const auto folded = reshape(l, x, Dims(s.begin() + 2, s.end()), "fold_time");
        const auto y = lowerLayer(inner, {folded});
        const Dims ys = staticShape(l, y);
        Dims target{s[1]};
        target.insert(target.end(), ys.begin() + 1, ys.end());
        out = reshape(l, y, target, "unfold_time");
    }
    return true;
}

std::string Lowering::recurrent(const core::Layer& l, const std::string& x)
{
    const auto& c = l.config;
    const std::string& cls = l.className;
    const std::string base = l.name + "/";
    if (c.value("return_state", false))
        bad(l, "return_state is not supported (the layer would have several outputs)");
    if (c.value("time_major", false))
        bad(l, "time_major is not supported");
    // dropout / recurrent_dropout only act in training; stateful layers run from a zero state
    // on every call (the state between calls is the application's, not the model's).
    const Dims s = staticShape(l, x);
    if (s.size() != 3)
        bad(l, "needs a 3-D input (batch, time, features), got rank " + std::to_string(s.size()));
    const std::int64_t steps = s[1], features = s[2];
    if (steps < 1)
        bad(l, "needs at least one time step");
    if (steps > kMaxUnrolledSteps)
        bad(l, "a sequence of " + std::to_string(steps) + " steps is longer than the " + std::to_string(kMaxUnrolledSteps)
                + " this lowering unrolls");
    const auto units = c.at("units").get<std::int64_t>();
    if (units <= 0 || units > kMaxIndexTable)
        bad(l, "units must be in [1, " + std::to_string(kMaxIndexTable) + "], got " + std::to_string(units));
    const std::int64_t gates = cls == "LSTM" ? 4 : (cls == "GRU" ? 3 : 1);
    const std::int64_t width = gates * units;
    const std::string act = activationName(l, c, "activation", "tanh");
    const std::string ract = activationName(l, c, "recurrent_activation", "hard_sigmoid");
    const bool useBias = c.value("use_bias", true);
    const bool resetAfter = cls == "GRU" && c.value("reset_after", false);

    const auto& kernel = weight(l, "kernel", {features, width});
    const auto recurrentKernel = values(l, "recurrent_kernel", {units, width});
    std::vector<float> biasIn, biasRec;
    if (useBias) {
        const auto b = values(l, "bias", resetAfter ? Dims{2, width} : Dims{width});
        biasIn.assign(b.begin(), b.begin() + width);
        if (resetAfter)
            biasRec.assign(b.begin() + width, b.end());
    }
    // Columns [from, from + count) of the recurrent kernel, as a Const.
    auto columns = [&](std::int64_t from, std::int64_t count, const std::string& tag) {
        std::vector<float> v;
        v.reserve(static_cast<std::size_t>(units * count));
        for (std::int64_t r = 0; r < units; ++r)
            for (std::int64_t k = 0; k < count; ++k)
                v.push_back(recurrentKernel[static_cast<std::size_t>(r * width + from + k)]);
        return floatConst(base + tag, {units, count}, v);
    };

    // Every step's input projection at once: [N, T, F] -> [N*T, F] x W (+ b) -> [N, T, G].
    std::string xw = matMul(l, reshape(l, x, {features}, "fold_time"), constFor(kernel), "input_projection");
    if (useBias)
        xw = node(base + "input_projection/BiasAdd", "BiasAdd", {xw, floatConst(base + "input_bias", {width}, biasIn)});
    xw = reshape(l, xw, {steps, width}, "unfold_time");
    const auto stepsIn = node(base + "unstack", "Unpack", {xw}, {{"num", AttrValue::ofInt(steps)}, {"axis", AttrValue::ofInt(1)}});
    const auto splitAxis = intConst(base + "split_axis", {}, {1});
    auto split = [&](const std::string& t, std::int64_t parts, const std::string& tag) {
        const auto n = node(base + tag, "Split", {splitAxis, t}, {{"num_split", AttrValue::ofInt(parts)}});
        std::vector<std::string> outs;
        for (std::int64_t k = 0; k < parts; ++k)
            outs.push_back(output(n, k));
        return outs;
    };
    auto add = [&](const std::string& a, const std::string& b, const std::string& tag) { return node(base + tag, "AddV2", {a, b}); };
    auto mul = [&](const std::string& a, const std::string& b, const std::string& tag) { return node(base + tag, "Mul", {a, b}); };

    std::string recurrentAll, recurrentZr, recurrentH;
    if (cls == "GRU" && !resetAfter) {
        recurrentZr = columns(0, 2 * units, "recurrent_kernel_zr");
        recurrentH = columns(2 * units, units, "recurrent_kernel_h");
    } else {
        recurrentAll = columns(0, width, "recurrent_kernel");
    }
    std::string recurrentBias;
    std::vector<std::string> zeroStateRec; // GRU reset_after: h0 . U + b_rec with h0 = 0
    if (resetAfter) {
        if (biasRec.empty())
            biasRec.assign(static_cast<std::size_t>(width), 0.0f);
        recurrentBias = floatConst(base + "recurrent_bias", {width}, biasRec);
        for (std::int64_t g = 0; g < 3; ++g)
            zeroStateRec.push_back(floatConst(base + "recurrent_bias_" + "zrh"[g],
                {units}, std::vector<float>(biasRec.begin() + g * units, biasRec.begin() + (g + 1) * units)));
    }

    const bool backwards = c.value("go_backwards", false);
    std::string h, cell; // empty: the zero initial state, whose terms are left out
    std::vector<std::string> outputs;
    for (std::int64_t i = 0; i < steps; ++i) {
        const std::int64_t t = backwards ? steps - 1 - i : i;
        const std::string tag = "step" + std::to_string(i) + "/";
        const std::string xt = output(stepsIn, t);
        if (cls == "SimpleRNN") {
            std::string pre = xt;
            if (!h.empty())
                pre = add(pre, matMul(l, h, recurrentAll, tag + "MatMul"), tag + "add");
            h = activation(l, pre, act, tag + "activation");
        } else if (cls == "LSTM") {
            // Keras gate order: input, forget, cell, output.
            std::string pre = xt;
            if (!h.empty())
                pre = add(pre, matMul(l, h, recurrentAll, tag + "MatMul"), tag + "add");
            const auto g = split(pre, 4, tag + "split");
            const auto ig = activation(l, g[0], ract, tag + "i");
            const auto cc = activation(l, g[2], act, tag + "c");
            const auto og = activation(l, g[3], ract, tag + "o");
            const auto update = mul(ig, cc, tag + "mul_ic");
            if (cell.empty()) {
                cell = update;
            } else {
                const auto fg = activation(l, g[1], ract, tag + "f");
                cell = add(mul(fg, cell, tag + "mul_fc"), update, tag + "cell");
            }
            h = mul(og, activation(l, cell, act, tag + "cell_activation"), tag + "h");
        } else {
            // GRU, Keras gate order: update (z), reset (r), candidate (h).
            const auto xg = split(xt, 3, tag + "split_x");
            std::string z, hh;
            if (resetAfter) {
                std::vector<std::string> rg = zeroStateRec;
                if (!h.empty())
                    rg = split(node(base + tag + "BiasAdd", "BiasAdd", {matMul(l, h, recurrentAll, tag + "MatMul"), recurrentBias}), 3,
                        tag + "split_h");
                z = activation(l, add(xg[0], rg[0], tag + "add_z"), ract, tag + "z");
                const auto r = activation(l, add(xg[1], rg[1], tag + "add_r"), ract, tag + "r");
                hh = activation(l, add(xg[2], mul(r, rg[2], tag + "mul_rh"), tag + "add_h"), act, tag + "hh");
            } else if (h.empty()) {
                z = activation(l, xg[0], ract, tag + "z");
                hh = activation(l, xg[2], act, tag + "hh");
            } else {
                const auto rg = split(matMul(l, h, recurrentZr, tag + "MatMul_zr"), 2, tag + "split_h");
                z = activation(l, add(xg[0], rg[0], tag + "add_z"), ract, tag + "z");
                const auto r = activation(l, add(xg[1], rg[1], tag + "add_r"), ract, tag + "r");
                const auto rh = matMul(l, mul(r, h, tag + "mul_rh"), recurrentH, tag + "MatMul_h");
                hh = activation(l, add(xg[2], rh, tag + "add_h"), act, tag + "hh");
            }
            // h = z * h_prev + (1 - z) * hh = hh + z * (h_prev - hh); h_prev = 0 at the start.
            if (h.empty())
                h = node(base + tag + "h", "Sub", {hh, mul(z, hh, tag + "mul_zh")});
            else
                h = add(hh, mul(z, node(base + tag + "sub", "Sub", {h, hh}), tag + "mul_zh"), tag + "h");
        }
        outputs.push_back(h);
    }
    if (!c.value("return_sequences", false))
        return h;
    if (outputs.size() == 1)
        return node(base + "ExpandDims", "ExpandDims", {h, intConst(base + "ExpandDims/dim", {}, {1})});
    return node(base + "stack", "Pack", outputs, {{"N", AttrValue::ofInt(steps)}, {"axis", AttrValue::ofInt(1)}});
}

} // namespace studio::conv::lowering
