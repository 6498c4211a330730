// Builders of the Vulkan op table: each checks that its kernel covers the node (dtypes, ranks,
// constant attributes), packs weights, and plans the dispatches. Geometry (SAME/VALID padding)
// comes from the reference executor's own window(), so both backends agree on it by construction.
#include "runtime/vulkan/kernels/ops.h"

#include "runtime/reference/kernels.h"

#include <cstdlib>
#include <algorithm>
#include <bit>
#include <cstring>

namespace studio::vk {

namespace {

constexpr std::size_t kMaxRank = 6;

bool allFloat(const OpCall& c)
{
    for (const auto* v : c.inputs)
        if (v->dtype != core::DType::Float32)
            return false;
    for (const auto* v : c.outputs)
        if (v->dtype != core::DType::Float32)
            return false;
    return true;
}

std::uint32_t groupsOf(std::int64_t n, std::int64_t per) { return static_cast<std::uint32_t>((n + per - 1) / per); }

// Shapes right-aligned to rank 6 with leading 1s.
std::array<std::int64_t, kMaxRank> padShape(const std::vector<std::int64_t>& shape)
{
    std::array<std::int64_t, kMaxRank> out{};
    out.fill(1);
    const std::size_t off = kMaxRank - shape.size();
    for (std::size_t k = 0; k < shape.size(); ++k)
        out[off + k] = shape[k];
    return out;
}

// Fused activation of _FusedConv2D / FusedDepthwiseConv2dNative: fused_ops = [BiasAdd] or
// [BiasAdd, act]; Prelu and batch-norm fusions decline (CPU fallback) for now.
bool fusedOps(const OpCall& c, bool& hasBias, Act& act, float& alpha)
{
    const auto ops = rt::ref::stringList(c.node, "fused_ops");
    hasBias = false;
    act = Act::None;
    alpha = static_cast<float>(rt::ref::floatAttr(c.node, "leakyrelu_alpha", 0.2));
    std::size_t k = 0;
    if (k < ops.size() && ops[k] == "BiasAdd") {
        hasBias = true;
        ++k;
    }
    if (k < ops.size()) {
        if (!activationCode(ops[k], act))
            return false;
        ++k;
    }
    if (k != ops.size())
        return false;
    if (c.fusedAct != Act::None) {
        if (act != Act::None)
            return false;
        act = c.fusedAct;
        alpha = c.fusedAlpha;
    }
    return true;
}

// The bias and activation a kernel applies: the fused op's fused_ops (bias constant), or for the
// plain op an activation folded in from its consumer. False: the kernels do not carry them.
bool epilogue(const OpCall& c, const char* fusedOp, bool& hasBias, Act& act, float& alpha)
{
    hasBias = false;
    act = Act::None;
    alpha = 0;
    if (c.node.op == fusedOp)
        return fusedOps(c, hasBias, act, alpha) && (!hasBias || (c.inputs.size() >= 3 && c.inputs[2]->host));
    act = c.fusedAct;
    alpha = c.fusedAct != Act::None ? c.fusedAlpha : 0.0f;
    return true;
}

bool convGeometry(const OpCall& c, const ValueInfo& x, const ValueInfo& w, rt::ref::Window& g)
{
    if (x.shape.size() != 4 || w.shape.size() != 4 || rt::ref::stringAttr(c.node, "data_format", "NHWC") != "NHWC")
        return false;
    rt::Tensor probe;
    probe.shape = c.padded ? c.padded->shape : x.shape;
    g = rt::ref::window(c.node, probe, w.shape[0], w.shape[1], rt::ref::intList(c.node, "strides", {1, 1, 1, 1}),
        rt::ref::intList(c.node, "dilations", {1, 1, 1, 1}));
    if (c.padded) {
        // Rows and columns of the folded Pad lie outside the real input: the kernels read zeros there.
        g.inH = x.shape[1];
        g.inW = x.shape[2];
        g.padTop += c.spatialPad[0];
        g.padLeft += c.spatialPad[2];
    }
    return true;
}

std::vector<float> biasWords(const OpCall& c, bool hasBias, std::int64_t channels, std::int64_t padded)
{
    std::vector<float> bias(static_cast<std::size_t>(padded), 0.0f);
    if (hasBias) {
        const auto* b = c.inputs[2]->host;
        for (std::int64_t k = 0; k < channels; ++k)
            bias[static_cast<std::size_t>(k)] = b->f[static_cast<std::size_t>(k)];
    }
    return bias;
}

// The input with its last dimension zero-padded to a multiple of 4 (the kernels read 4 channels
// at a time): the input's own buffer when it already is, else a scratch copy (one cheap pass; the
// first layer's RGB input, say).
// Pads the last dimension of a tensor of `pixels` x inC floats to outC (`before` of them first).
void padChannels(Planner& p, int out, int in, std::int64_t pixels, std::int64_t inC, std::int64_t outC, std::int64_t before,
    float value)
{
    Push push;
    push.i(pixels).i(inC).i(outC).i(before).f(value);
    const std::int64_t rows = std::max<std::int64_t>(1, (pixels + 7) / 8), y = std::min<std::int64_t>(rows, 65535), z = (rows + y - 1) / y;
    p.dispatch("pad_channels", {out, in}, push,
        {static_cast<std::uint32_t>((outC + 7) / 8), static_cast<std::uint32_t>(y), static_cast<std::uint32_t>(z)});
}

int channelsPaddedTo4(const OpCall& c, Planner& p, std::size_t input)
{
    const auto& x = *c.inputs[input];
    const std::int64_t channels = x.shape.back(), c4 = (channels + 3) / 4 * 4;
    if (c4 == channels)
        return p.inputBuffer(input);
    auto padded = x.shape;
    padded.back() = c4;
    const std::int64_t n = x.count() / std::max<std::int64_t>(channels, 1) * c4;
    const int scratch = p.scratchBuffer(n, c.node.name + "/input padded to " + std::to_string(c4) + " channels");
    padChannels(p, scratch, p.inputBuffer(input), n / c4, channels, c4, 0, 0.0f);
    return scratch;
}

// Y[M][N] = act(A[M][K] B[K][N] + bias (+ residual)): `a` is the buffer of A with K padded to a
// multiple of 4; `b` is B as [K][N] floats on the host (row k, column n at b[k * N + n]), or
// transposed ([N][K]) when bTransposed.
// The residual of a gemm: the output's shape (vec4 loads: channels % 4 == 0), or, padded, the
// output's shape but for fewer channels that fit at their offset.
bool residualFits(const OpCall& c)
{
    const auto& y = c.outputs[0]->shape;
    const auto& r = c.residual->shape;
    if (c.residualPadBefore < 0)
        return r == y && y.back() % 4 == 0;
    return r.size() == y.size() && std::equal(r.begin(), r.end() - 1, y.begin())
        && c.residualPadBefore + r.back() <= y.back();
}

// The stride along x and the window's size, fixed in the conv, depthwise and pooling kernels
// (fixed_values.glsl ids 2-4) so that their loops over the taps unroll.
void fixWindow(Push& push, const rt::ref::Window& g)
{
    push.fixed(2, static_cast<std::int32_t>(g.strideW)).fixed(3, static_cast<std::int32_t>(g.kH)).fixed(4, static_cast<std::int32_t>(g.kW));
}

constexpr int kGemmTM = 8; // rows per invocation (TM in the gemm shaders)

// The gemm's column vec4s per invocation (gemm.glsl kTN) for N4 output vec4s: 4, or 3 where that
// computes fewer columns past N (6 vec4s: 2 x 3 rather than 2 x 4, a quarter of the work wasted).
// STUDIO_VK_GEMM_TN=4 (read per node) keeps 4, for comparisons.
int gemmColumns(std::int64_t N4)
{
    if (const char* v = std::getenv("STUDIO_VK_GEMM_TN"); v && std::string(v) == "4")
        return 4;
    const auto computed = [N4](std::int64_t tn) { return (N4 + tn - 1) / tn * tn; };
    return computed(3) < computed(4) ? 3 : 4;
}

void gemm(const OpCall& c, Planner& p, int a, std::int64_t M, std::int64_t K, std::int64_t N, const std::vector<float>& b,
    bool bTransposed, bool hasBias, Act act, float alpha)
{
    const int tn = gemmColumns((N + 3) / 4);
    const std::int64_t K4 = (K + 3) / 4, cols = 4 * tn, NB = (N + cols - 1) / cols;
    // [NB][K4 * 4][TN] vec4, zero past K and N.
    std::vector<float> packed(static_cast<std::size_t>(NB * K4 * 4 * cols), 0.0f);
    for (std::int64_t k = 0; k < K; ++k)
        for (std::int64_t n = 0; n < N; ++n)
            packed[static_cast<std::size_t>(((n / cols) * K4 * 4 + k) * cols + n % cols)]
                = b[static_cast<std::size_t>(bTransposed ? n * K + k : k * N + n)];
    const int weights = p.constantBuffer(packed, c.node.name + "/weights (packed)");
    const int bias = p.constantBuffer(biasWords(c, hasBias, N, NB * cols), c.node.name + "/bias");
    const bool padded = c.residual && c.residualPadBefore >= 0;
    // A padded residual whose channels and offset are multiples of 4 is read a vec4 at a time.
    const bool residualVec4 = padded && c.residual->shape.back() % 4 == 0 && c.residualPadBefore % 4 == 0;
    Push push;
    push.i(M).i(K4).i(N).i(NB).op(static_cast<std::int32_t>(act)).f(alpha).fixed(1, N % 4 == 0 ? 1 : 0).fixed(8, tn);
    push.i(padded ? c.residual->shape.back() : 0).i(padded ? c.residualPadBefore : 0);
    if (padded)
        push.fixed(6, residualVec4 ? 1 : 0);
    const std::array<std::uint32_t, 3> groups{groupsOf(M, 8 * kGemmTM), groupsOf(NB, 2), 1};
    const bool texel = p.preferTexelLoads();
    std::vector<Binding> bindings{p.outputBuffer(0), texel ? Binding::texel(a) : Binding(a),
        texel ? Binding::texel(weights) : Binding(weights), texel ? Binding::texel(bias) : Binding(bias)};
    std::string kernel = texel ? "gemm_texel" : "gemm_storage";
    // Through texels, such a residual is read as vec4 texels: storage-buffer loads cost CPU
    // devices a loop over the lanes (BlazeFace's 24 -> 28 channel 1x1 conv at 64x64 0.62-0.66 ->
    // 0.52 ms).
    if (residualVec4 && texel) {
        bindings.push_back(Binding::texel(p.inputBuffer(c.residualInput)));
        kernel += "_residual_padded4";
    } else if (padded) {
        bindings.push_back(p.inputBuffer(c.residualInput));
        kernel += "_residual_padded";
    } else if (c.residual) {
        const int r = p.inputBuffer(c.residualInput);
        bindings.push_back(texel ? Binding::texel(r) : Binding(r));
        kernel += "_residual";
    }
    p.dispatch(kernel + "_bias_act", bindings, push, groups);
}

// Y[M][N] for a few rows: B packed as [K4 * 4][N4] vec4, columns along the lanes.
void matmulRows(const OpCall& c, Planner& p, int a, std::int64_t M, std::int64_t K, std::int64_t N, const std::vector<float>& b,
    bool bTransposed, bool hasBias, Act act, float alpha)
{
    const std::int64_t K4 = (K + 3) / 4, N4 = (N + 3) / 4;
    std::vector<float> packed(static_cast<std::size_t>(K4 * 4 * N4 * 4), 0.0f);
    for (std::int64_t k = 0; k < K; ++k)
        for (std::int64_t n = 0; n < N; ++n)
            packed[static_cast<std::size_t>(k * N4 * 4 + n)] = b[static_cast<std::size_t>(bTransposed ? n * K + k : k * N + n)];
    const int weights = p.constantBuffer(packed, c.node.name + "/weights (packed by rows)");
    const int bias = p.constantBuffer(biasWords(c, hasBias, N, N4 * 4), c.node.name + "/bias");
    Push push;
    push.i(M).i(K4).i(N).i(N4).op(static_cast<std::int32_t>(act)).f(alpha).fixed(1, N % 4 == 0 ? 1 : 0);
    const bool texel = p.preferTexelLoads();
    p.dispatch(texel ? "matmul_rows_texel_bias_act" : "matmul_rows_storage_bias_act",
        {p.outputBuffer(0), texel ? Binding::texel(a) : Binding(a), texel ? Binding::texel(weights) : Binding(weights),
            texel ? Binding::texel(bias) : Binding(bias)}, push,
        {groupsOf(N4, 8), static_cast<std::uint32_t>(M), 1});
}

bool conv2d(const OpCall& c, Planner& p)
{
    if (c.inputs.size() < 2 || !allFloat(c) || !c.inputs[1]->host)
        return false;
    bool hasBias = false;
    Act act = Act::None;
    float alpha = 0;
    if (!epilogue(c, "_FusedConv2D", hasBias, act, alpha))
        return false;
    const auto& x = *c.inputs[0];
    const auto& w = *c.inputs[1];
    rt::ref::Window g{};
    if (!convGeometry(c, x, w, g) || w.shape[2] != g.inC)
        return false;
    const std::int64_t outC = w.shape[3], oc4 = (outC + 3) / 4;
    if (hasBias && c.inputs[2]->count() != outC)
        return false;
    // A 1x1 convolution without stride or padding is a matrix product: pixels x channels.
    const bool pointwise = g.kH == 1 && g.kW == 1 && g.strideH == 1 && g.strideW == 1 && g.padTop == 0 && g.padLeft == 0
        && g.outH == g.inH && g.outW == g.inW;
    if (c.residual && (!pointwise || !residualFits(c)))
        return false;
    if (pointwise) {
        const int input = channelsPaddedTo4(c, p, 0);
        gemm(c, p, input, g.batch * g.inH * g.inW, g.inC, outC, w.host->f, false, hasBias, act, alpha);
        return true;
    }
    const std::int64_t inC4 = (g.inC + 3) / 4 * 4;
    // An image's first layer (at most 4 input channels, filters up to 5 wide): output channels
    // along the lanes and each input row loaded once for 8 pixels; fewer than 4 channels are read
    // as they are, without a padding pass (STUDIO_VK_GENERIC_CONV=1 takes the general kernel, for
    // comparisons).
    const bool generic = std::getenv("STUDIO_VK_GENERIC_CONV") != nullptr; // read per node: bench_vulkan_variants varies it
    const bool rows = !generic && inC4 == 4 && g.kW <= 5 && g.dilH == 1 && g.dilW == 1 && (g.strideW == 1 || g.strideW == 2);
    const int input = rows && g.inC < 4 ? p.inputBuffer(0) : channelsPaddedTo4(c, p, 0);
    // [kH][kW][inC][outC] -> [outC/4][kH][kW][inC4] vec4, zero-filled past outC and inC.
    const auto& wf = w.host->f;
    const std::int64_t taps = g.kH * g.kW, block = taps * inC4;
    std::vector<float> packed(static_cast<std::size_t>(oc4 * block * 4), 0.0f);
    for (std::int64_t o = 0; o < outC; ++o)
        for (std::int64_t t = 0; t < taps; ++t)
            for (std::int64_t i = 0; i < g.inC; ++i)
                packed[static_cast<std::size_t>(((o / 4) * block + t * inC4 + i) * 4 + o % 4)]
                    = wf[static_cast<std::size_t>((t * g.inC + i) * outC + o)];
    const int weights = p.constantBuffer(packed, c.node.name + "/filter (packed)");
    const int bias = p.constantBuffer(biasWords(c, hasBias, outC, oc4 * 4), c.node.name + "/bias");
    Push push;
    // The row kernel reads fewer than 4 channels as floats: it takes the real count.
    push.i(g.inH).i(g.inW).i(rows && g.inC < 4 ? g.inC : inC4).i(g.outH).i(g.outW).i(outC).i(g.kH).i(g.kW);
    push.i(g.strideH).i(g.strideW).i(g.dilH).i(g.dilW).i(g.padTop).i(g.padLeft).i(oc4).op(static_cast<std::int32_t>(act)).f(alpha).fixed(1, outC % 4 == 0 ? 1 : 0);
    fixWindow(push, g);
    if (rows) {
        push.i(g.batch);
        const std::array<std::uint32_t, 3> groups{groupsOf(oc4 * ((g.outW + 7) / 8), 8), groupsOf(g.batch * g.outH, 2), 1};
        const bool texel = p.preferTexelLoads();
        const Binding filter = texel ? Binding::texel(weights) : Binding(weights);
        const Binding biasBinding = texel ? Binding::texel(bias) : Binding(bias);
        if (g.inC == 3 && texel && x.count() % 4 == 0) {
            // RGB through texels: a row's pixels picked out of the texels under it (all of them
            // inside whole texels: the view ends at the last whole one).
            // Every row starts at the same place in its texel when a row is a whole number of
            // texels: then that phase is fixed and the kernel carries one case, not all four.
            const bool runtimePhase = std::getenv("STUDIO_VK_RGB_PHASE") != nullptr;
            if (!runtimePhase && g.inW * 3 % 4 == 0)
                push.fixed(7, static_cast<std::int32_t>(((-3 * g.padLeft) % 4 + 4) % 4 + 1));
            // One invocation computes every output channel of its 8 pixels (ALL_CHANNELS), so the
            // rows it picks out of the texels serve all of them: BlazeFace's first layer 0.80 ->
            // 0.72 ms, MobileNetV2's 1.31 -> 1.04 ms (bench_vulkan_variants, 3-4 sessions each).
            p.dispatch("conv2d_rgb3_rows_nhwc_texel_bias_act", {p.outputBuffer(0), Binding::texel(input), filter, biasBinding}, push,
                {groupsOf((g.outW + 7) / 8, 8), groupsOf(g.batch * g.outH, 2), 1});
        } else if (g.inC < 4) {
            p.dispatch(texel ? "conv2d_rgb_rows_nhwc_texel_bias_act" : "conv2d_rgb_rows_nhwc_bias_act",
                {p.outputBuffer(0), input, filter, biasBinding}, push, groups);
        } else {
            p.dispatch(texel ? "conv2d_rgba_rows_nhwc_texel_bias_act" : "conv2d_rgba_rows_nhwc_bias_act",
                {p.outputBuffer(0), texel ? Binding::texel(input) : Binding(input), filter, biasBinding}, push, groups);
        }
        return true;
    }
    const std::array<std::uint32_t, 3> tiles{groupsOf((g.outW + 3) / 4, 8), groupsOf(g.outH, 4), static_cast<std::uint32_t>(g.batch * oc4)};
    if (p.preferTexelLoads())
        p.dispatch("conv2d_nhwc_vec4_texel_bias_act", {p.outputBuffer(0), Binding::texel(input), Binding::texel(weights), Binding::texel(bias)},
            push, tiles);
    else
        p.dispatch("conv2d_nhwc_vec4_bias_act", {p.outputBuffer(0), input, weights, bias}, push, tiles);
    return true;
}

// MatMul, BatchMatMul(V2) and _FusedMatMul with a constant right-hand side: A's leading dimensions
// flatten into the rows of one matrix product. A transposed A or a computed B runs on the CPU.
bool matmul(const OpCall& c, Planner& p)
{
    if (c.inputs.size() < 2 || !allFloat(c) || !c.inputs[1]->host || c.inputs[0]->host)
        return false;
    const bool batch = c.node.op == "BatchMatMul" || c.node.op == "BatchMatMulV2";
    const bool ta = rt::ref::boolAttr(c.node, batch ? "adj_x" : "transpose_a", false);
    const bool tb = rt::ref::boolAttr(c.node, batch ? "adj_y" : "transpose_b", false);
    bool hasBias = false;
    Act act = Act::None;
    float alpha = 0;
    if (!epilogue(c, "_FusedMatMul", hasBias, act, alpha))
        return false;
    const auto& a = *c.inputs[0];
    const auto& b = *c.inputs[1];
    const auto& y = *c.outputs[0];
    if (ta || a.shape.size() < 2 || (!batch && a.shape.size() != 2) || y.shape.size() != a.shape.size())
        return false;
    // B: [K][N] (or [N][K] transposed), or a batch of one of those.
    for (std::size_t d = 0; d + 2 < b.shape.size(); ++d)
        if (b.shape[d] != 1)
            return false;
    if (b.shape.size() < 2)
        return false;
    const std::int64_t K = a.shape.back(), M = a.count() / std::max<std::int64_t>(K, 1);
    const std::int64_t N = tb ? b.shape[b.shape.size() - 2] : b.shape.back();
    if ((tb ? b.shape.back() : b.shape[b.shape.size() - 2]) != K || y.shape.back() != N || y.count() != M * N)
        return false;
    if (hasBias && c.inputs[2]->count() != N)
        return false;
    if (c.residual && !residualFits(c))
        return false;
    // A few rows leave most lanes of a row-block gemm idle (a classifier's last Dense, say):
    // columns along the lanes instead.
    if (M < 4 * kGemmTM && !c.residual) {
        matmulRows(c, p, channelsPaddedTo4(c, p, 0), M, K, N, b.host->f, tb, hasBias, act, alpha);
        return true;
    }
    gemm(c, p, channelsPaddedTo4(c, p, 0), M, K, N, b.host->f, tb, hasBias, act, alpha);
    return true;
}

bool depthwise(const OpCall& c, Planner& p)
{
    if (c.inputs.size() < 2 || !allFloat(c) || !c.inputs[1]->host)
        return false;
    bool hasBias = false;
    Act act = Act::None;
    float alpha = 0;
    if (!epilogue(c, "FusedDepthwiseConv2dNative", hasBias, act, alpha))
        return false;
    const auto& x = *c.inputs[0];
    const auto& w = *c.inputs[1];
    rt::ref::Window g{};
    if (!convGeometry(c, x, w, g) || w.shape[2] != g.inC)
        return false;
    const std::int64_t mult = w.shape[3], outC = g.inC * mult;
    if (hasBias && c.inputs[2]->count() != outC)
        return false;
    const int weights = p.constantBuffer(w.host->f, c.node.name + "/filter");
    const int bias = p.constantBuffer(biasWords(c, hasBias, outC, outC), c.node.name + "/bias");
    Push push;
    push.i(g.inH).i(g.inW).i(g.inC).i(g.outH).i(g.outW).i(outC).i(g.kH).i(g.kW);
    push.i(g.strideH).i(g.strideW).i(g.dilH).i(g.dilW).i(g.padTop).i(g.padLeft).i(mult).op(static_cast<std::int32_t>(act)).f(alpha);
    fixWindow(push, g);
    const std::array<std::uint32_t, 3> tiles{groupsOf(outC / 4, 8), groupsOf((g.outW + 3) / 4, 4), static_cast<std::uint32_t>(g.outH * g.batch)};
    // MobileNet's case: 3x3, no dilation, stride 1 or 2 along x. Each input row is loaded once for
    // 8 output pixels (STUDIO_VK_GENERIC_DEPTHWISE=1 takes the general kernel, for comparisons).
    const bool generic = std::getenv("STUDIO_VK_GENERIC_DEPTHWISE") != nullptr; // per node, as above
    if (!generic && mult == 1 && g.kH == 3 && g.kW == 3 && g.dilH == 1 && g.dilW == 1 && (g.strideW == 1 || g.strideW == 2)) {
        const std::int64_t lanes = outC % 4 == 0 ? outC / 4 : outC; // vec4s, or single channels
        push.i(g.batch);
        const std::array<std::uint32_t, 3> rows{groupsOf(lanes * ((g.outW + 7) / 8), 8), groupsOf(g.outH * g.batch, 2), 1};
        const int input = p.inputBuffer(0);
        if (outC % 4 != 0)
            p.dispatch("depthwise_conv2d_3x3_nhwc_bias_act", {p.outputBuffer(0), input, weights, bias}, push, rows);
        else if (p.preferTexelLoads())
            p.dispatch("depthwise_conv2d_3x3_nhwc_vec4_texel_bias_act",
                {p.outputBuffer(0), Binding::texel(input), Binding::texel(weights), Binding::texel(bias)}, push, rows);
        else
            p.dispatch("depthwise_conv2d_3x3_nhwc_vec4_bias_act", {p.outputBuffer(0), input, weights, bias}, push, rows);
        return true;
    }
    if (mult == 1 && outC % 4 == 0 && p.preferTexelLoads())
        p.dispatch("depthwise_conv2d_nhwc_vec4_texel_bias_act",
            {p.outputBuffer(0), Binding::texel(p.inputBuffer(0)), Binding::texel(weights), Binding::texel(bias)}, push, tiles);
    else if (mult == 1 && outC % 4 == 0)
        p.dispatch("depthwise_conv2d_nhwc_vec4_bias_act", {p.outputBuffer(0), p.inputBuffer(0), weights, bias}, push, tiles);
    else
        p.dispatch("depthwise_conv2d_nhwc_bias_act", {p.outputBuffer(0), p.inputBuffer(0), weights, bias}, push,
            {groupsOf(outC, 8), groupsOf(g.outW, 4), static_cast<std::uint32_t>(g.outH * g.batch)});
    return true;
}

int binaryCode(const std::string& op)
{
    if (op == "Add" || op == "AddV2" || op == "BiasAdd")
        return 0;
    if (op == "Sub")
        return 1;
    if (op == "Mul")
        return 2;
    if (op == "RealDiv" || op == "Div")
        return 3;
    if (op == "Maximum")
        return 4;
    if (op == "Minimum")
        return 5;
    if (op == "SquaredDifference")
        return 6;
    if (op == "Pow")
        return 7;
    return -1;
}

bool binary(const OpCall& c, Planner& p)
{
    if (c.inputs.size() != 2 || !allFloat(c))
        return false;
    const auto& a = *c.inputs[0];
    const auto& b = *c.inputs[1];
    const auto& y = *c.outputs[0];
    if (y.shape.size() > kMaxRank)
        return false;
    if (c.padBefore >= 0) {
        Push push;
        push.i(y.count()).i(y.shape.back()).i(b.shape.back()).i(c.padBefore).op(static_cast<std::int32_t>(c.fusedAct)).f(c.fusedAlpha);
        p.dispatch("add_channel_padded", {p.outputBuffer(0), p.inputBuffer(0), p.inputBuffer(1)}, push, p.flat(y.count()));
        return true;
    }
    if (c.node.op == "BiasAdd" && rt::ref::stringAttr(c.node, "data_format", "NHWC") != "NHWC")
        return false;
    const auto out = padShape(y.shape), sa = padShape(a.shape), sb = padShape(b.shape);
    std::array<std::int64_t, kMaxRank> strideA{}, strideB{};
    std::int64_t accA = 1, accB = 1;
    for (std::size_t k = kMaxRank; k-- > 0;) {
        if ((sa[k] != out[k] && sa[k] != 1) || (sb[k] != out[k] && sb[k] != 1))
            return false;
        strideA[k] = sa[k] == 1 ? 0 : accA;
        strideB[k] = sb[k] == 1 ? 0 : accB;
        accA *= sa[k];
        accB *= sb[k];
    }
    const bool same = a.shape == y.shape && b.shape == y.shape;
    if (same && y.count() % 4 == 0) {
        Push push;
        push.i(y.count() / 4).i(binaryCode(c.node.op)).op(static_cast<std::int32_t>(c.fusedAct)).f(c.fusedAlpha);
        p.dispatch("binary_same_shape_vec4", {p.outputBuffer(0), p.inputBuffer(0), p.inputBuffer(1)}, push, p.flat(y.count() / 4));
        return true;
    }
    Push push;
    push.i(y.count()).i(binaryCode(c.node.op)).op(static_cast<std::int32_t>(c.fusedAct)).i(same ? 1 : 0);
    for (auto d : out)
        push.i(d);
    for (auto s : strideA)
        push.i(s);
    for (auto s : strideB)
        push.i(s);
    push.f(c.fusedAlpha);
    p.dispatch("binary_broadcast", {p.outputBuffer(0), p.inputBuffer(0), p.inputBuffer(1)}, push, p.flat(y.count()));
    return true;
}

int unaryCode(const core::Node& node, float& alpha)
{
    static const std::map<std::string, int> kCodes{{"Relu", 1}, {"Relu6", 2}, {"Elu", 3}, {"LeakyRelu", 4}, {"Sigmoid", 5},
        {"Tanh", 6}, {"Exp", 10}, {"Rsqrt", 11}, {"Sqrt", 12}, {"Neg", 13}, {"Abs", 14}, {"Square", 15}, {"Log", 16},
        {"Floor", 17}, {"Ceil", 18}, {"Reciprocal", 19}, {"Softplus", 20}, {"Sin", 21}, {"Cos", 22}, {"Sign", 23},
        {"Round", 24}};
    const auto it = kCodes.find(node.op);
    alpha = static_cast<float>(rt::ref::floatAttr(node, "alpha", 0.2));
    return it == kCodes.end() ? -1 : it->second;
}

bool unary(const OpCall& c, Planner& p)
{
    if (c.inputs.size() != 1 || !allFloat(c))
        return false;
    float alpha = 0;
    const int code = unaryCode(c.node, alpha);
    if (code < 0)
        return false;
    const auto n = c.outputs[0]->count();
    Push push;
    push.i(n).op(code).f(alpha);
    p.dispatch("unary_elementwise", {p.outputBuffer(0), p.inputBuffer(0)}, push, p.flat(n));
    return true;
}

bool pad(const OpCall& c, Planner& p)
{
    if (c.inputs.size() < 2 || c.inputs[0]->dtype != core::DType::Float32 || !c.inputs[1]->host)
        return false;
    if (c.node.op == "MirrorPad")
        return false;
    float value = 0.0f;
    if (c.inputs.size() > 2) {
        if (!c.inputs[2]->host || c.inputs[2]->dtype != core::DType::Float32 || c.inputs[2]->host->f.size() != 1)
            return false;
        value = c.inputs[2]->host->f[0];
    }
    const auto& x = *c.inputs[0];
    const auto& y = *c.outputs[0];
    const auto& pads = c.inputs[1]->host->i;
    if (x.shape.size() > kMaxRank || pads.size() != 2 * x.shape.size() || y.shape.size() != x.shape.size())
        return false;
    for (std::size_t k = 0; k < x.shape.size(); ++k)
        if (pads[2 * k] < 0 || pads[2 * k + 1] < 0 || y.shape[k] != x.shape[k] + pads[2 * k] + pads[2 * k + 1])
            return false;
    // Only the last dimension padded (channels): the kernel without per-element division.
    bool lastOnly = !x.shape.empty();
    for (std::size_t k = 0; k + 1 < x.shape.size(); ++k)
        lastOnly = lastOnly && pads[2 * k] == 0 && pads[2 * k + 1] == 0;
    if (lastOnly && x.shape.back() > 0) {
        padChannels(p, p.outputBuffer(0), p.inputBuffer(0), x.count() / x.shape.back(), x.shape.back(), y.shape.back(),
            pads[2 * x.shape.size() - 2], value);
        return true;
    }
    std::array<std::int64_t, kMaxRank> before{};
    const std::size_t off = kMaxRank - x.shape.size();
    for (std::size_t k = 0; k < x.shape.size(); ++k)
        before[off + k] = pads[2 * k];
    Push push;
    push.i(y.count()).f(value);
    for (auto d : padShape(y.shape))
        push.i(d);
    for (auto d : padShape(x.shape))
        push.i(d);
    for (auto d : before)
        push.i(d);
    p.dispatch("pad_constant", {p.outputBuffer(0), p.inputBuffer(0)}, push, p.flat(y.count()));
    return true;
}

bool pool(const OpCall& c, Planner& p)
{
    if (c.inputs.size() != 1 || !allFloat(c))
        return false;
    const auto& x = *c.inputs[0];
    const auto ksize = rt::ref::intList(c.node, "ksize", {1, 1, 1, 1});
    if (x.shape.size() != 4 || ksize.size() != 4 || ksize[0] != 1 || ksize[3] != 1
        || rt::ref::stringAttr(c.node, "data_format", "NHWC") != "NHWC")
        return false;
    rt::Tensor probe;
    probe.shape = x.shape;
    const auto g = rt::ref::window(c.node, probe, ksize[1], ksize[2], rt::ref::intList(c.node, "strides", {1, 1, 1, 1}), {1, 1, 1, 1});
    Push push;
    push.i(g.inH).i(g.inW).i(g.inC).i(g.outH).i(g.outW).i(g.kH).i(g.kW).i(g.strideH);
    push.i(g.strideW).i(g.padTop).i(g.padLeft).i(c.node.op == "MaxPool" ? 0 : 1);
    fixWindow(push, g);
    push.fixed(5, c.node.op == "MaxPool" ? 0 : 1);
    if (g.inC % 4 == 0) {
        // 4 channels per invocation: 16-byte loads and stores.
        const int input = p.inputBuffer(0);
        const bool texel = p.preferTexelLoads();
        push.i(g.batch);
        p.dispatch(texel ? "pool2d_nhwc_vec4_texel" : "pool2d_nhwc_vec4", {p.outputBuffer(0), texel ? Binding::texel(input) : Binding(input)},
            push, {groupsOf(g.inC / 4 * g.outW, 8), groupsOf(g.outH * g.batch, 4), 1});
        return true;
    }
    p.dispatch("pool2d_nhwc", {p.outputBuffer(0), p.inputBuffer(0)}, push,
        {groupsOf(g.inC, 8), groupsOf(g.outW, 4), static_cast<std::uint32_t>(g.outH * g.batch)});
    return true;
}

// ConcatV2: one strided copy per input into its slice of the output.
bool concat(const OpCall& c, Planner& p)
{
    if (c.inputs.size() < 2)
        return false;
    const auto* axisValue = c.inputs.back();
    if (!axisValue->host || axisValue->host->i.size() != 1)
        return false;
    const auto& y = *c.outputs[0];
    if (y.dtype != core::DType::Float32 || y.shape.empty() || y.shape.size() > kMaxRank)
        return false;
    const auto rank = static_cast<std::int64_t>(y.shape.size());
    std::int64_t axis = axisValue->host->i[0];
    if (axis < 0)
        axis += rank;
    if (axis < 0 || axis >= rank)
        return false;
    for (std::size_t k = 0; k + 1 < c.inputs.size(); ++k)
        if (c.inputs[k]->dtype != core::DType::Float32 || c.inputs[k]->shape.size() != y.shape.size())
            return false;
    const int out = p.outputBuffer(0);
    const auto dstStrides = rt::ref::stridesOf(y.shape);
    std::int64_t offset = 0;
    for (std::size_t k = 0; k + 1 < c.inputs.size(); ++k) {
        const auto& x = *c.inputs[k];
        if (x.count() == 0)
            continue;
        const auto srcStrides = rt::ref::stridesOf(x.shape);
        const std::size_t off = kMaxRank - y.shape.size();
        std::array<std::int64_t, kMaxRank> src{}, dst{};
        for (std::size_t d = 0; d < y.shape.size(); ++d) {
            src[off + d] = srcStrides[d];
            dst[off + d] = dstStrides[d];
        }
        Push push;
        push.i(x.count()).i(0).i(offset * dstStrides[static_cast<std::size_t>(axis)]).i(0);
        for (auto d : padShape(x.shape))
            push.i(d);
        for (auto s : src)
            push.i(s);
        for (auto s : dst)
            push.i(s);
        p.dispatch("copy_strided", {out, p.inputBuffer(k)}, push, p.flat(x.count()));
        offset += x.shape[static_cast<std::size_t>(axis)];
    }
    return true;
}

bool transpose(const OpCall& c, Planner& p)
{
    if (c.inputs.size() != 2 || !c.inputs[1]->host || c.inputs[0]->dtype != core::DType::Float32)
        return false;
    const auto& x = *c.inputs[0];
    const auto& y = *c.outputs[0];
    const auto& perm = c.inputs[1]->host->i;
    if (x.shape.size() > kMaxRank || perm.size() != x.shape.size())
        return false;
    const auto xs = rt::ref::stridesOf(x.shape);
    const std::size_t off = kMaxRank - y.shape.size();
    std::array<std::int64_t, kMaxRank> src{}, dst{};
    const auto ys = rt::ref::stridesOf(y.shape);
    for (std::size_t d = 0; d < perm.size(); ++d) {
        if (perm[d] < 0 || static_cast<std::size_t>(perm[d]) >= perm.size())
            return false;
        src[off + d] = xs[static_cast<std::size_t>(perm[d])];
        dst[off + d] = ys[d];
    }
    Push push;
    push.i(y.count()).i(0).i(0).i(0);
    for (auto d : padShape(y.shape))
        push.i(d);
    for (auto s : src)
        push.i(s);
    for (auto s : dst)
        push.i(s);
    p.dispatch("copy_strided", {p.outputBuffer(0), p.inputBuffer(0)}, push, p.flat(y.count()));
    return true;
}

} // namespace

std::int64_t channelPadFoldable(const core::Node& add, const ValueInfo& other, const ValueInfo& padded,
    const core::Node& pad, const ValueInfo& padInput, const ValueInfo* paddings, const ValueInfo* value)
{
    if ((add.op != "Add" && add.op != "AddV2") || (pad.op != "Pad" && pad.op != "PadV2"))
        return -1;
    if (other.dtype != core::DType::Float32 || padded.dtype != core::DType::Float32 || padInput.dtype != core::DType::Float32)
        return -1;
    if (other.shape != padded.shape || padded.shape.empty() || padded.shape.size() != padInput.shape.size())
        return -1;
    if (!paddings || !paddings->host || paddings->host->i.size() != 2 * padded.shape.size())
        return -1;
    if (value && (!value->host || value->host->f.size() != 1 || value->host->f[0] != 0.0f))
        return -1;
    const auto& pads = paddings->host->i;
    const std::size_t last = padded.shape.size() - 1;
    for (std::size_t k = 0; k < last; ++k)
        if (pads[2 * k] != 0 || pads[2 * k + 1] != 0)
            return -1;
    if (pads[2 * last] < 0 || pads[2 * last + 1] < 0)
        return -1;
    return pads[2 * last];
}

Push& Push::f(float v)
{
    m_words.push_back(std::bit_cast<std::int32_t>(v));
    return *this;
}

std::array<std::uint32_t, 3> Planner::flat(std::int64_t n) const
{
    const std::int64_t groups = std::max<std::int64_t>((n + 63) / 64, 1);
    const std::int64_t x = std::min<std::int64_t>(groups, 65535);
    return {static_cast<std::uint32_t>(x), static_cast<std::uint32_t>((groups + x - 1) / x), 1};
}

// Only ops whose kernels are tested against the reference executor are listed (the shaders also
// know Floor, Ceil, Round, Sin, Cos and Pow, waiting for reference kernels to check them against).
const std::map<std::string, Builder>& builders()
{
    static const std::map<std::string, Builder> kTable = [] {
        std::map<std::string, Builder> table{
        {"Abs", unary},
        {"Add", binary},
        {"AddV2", binary},
        {"AvgPool", pool},
        {"BatchMatMul", matmul},
        {"BatchMatMulV2", matmul},
        {"BiasAdd", binary},
        {"ConcatV2", concat},
        {"Conv2D", conv2d},
        {"DepthwiseConv2dNative", depthwise},
        {"Elu", unary},
        {"Exp", unary},
        {"FusedDepthwiseConv2dNative", depthwise},
        {"LeakyRelu", unary},
        {"MatMul", matmul},
        {"Log", unary},
        {"MaxPool", pool},
        {"Maximum", binary},
        {"Minimum", binary},
        {"Mul", binary},
        {"Neg", unary},
        {"Pad", pad},
        {"PadV2", pad},
        {"RealDiv", binary},
        {"Reciprocal", unary},
        {"Relu", unary},
        {"Relu6", unary},
        {"Rsqrt", unary},
        {"Sigmoid", unary},
        {"Sign", unary},
        {"Softplus", unary},
        {"Sqrt", unary},
        {"Square", unary},
        {"SquaredDifference", binary},
        {"Sub", binary},
        {"Tanh", unary},
        {"Transpose", transpose},
        {"_FusedConv2D", conv2d},
        {"_FusedMatMul", matmul},
        };
        for (const auto& [op, builder] : shapeAndReduceBuilders())
            table.emplace(op, builder);
        return table;
    }();
    return kTable;
}

bool isViewOp(const std::string& op)
{
    return op == "Identity" || op == "Reshape" || op == "Squeeze" || op == "ExpandDims" || op == "StopGradient"
        || op == "Snapshot";
}

bool activationCode(const std::string& op, Act& act)
{
    static const std::map<std::string, Act> kActs{{"Relu", Act::Relu}, {"Relu6", Act::Relu6}, {"Elu", Act::Elu},
        {"LeakyRelu", Act::LeakyRelu}, {"Sigmoid", Act::Sigmoid}, {"Tanh", Act::Tanh}};
    const auto it = kActs.find(op);
    if (it == kActs.end())
        return false;
    act = it->second;
    return true;
}

bool takesFusedActivation(const core::Node& node)
{
    if (node.op == "_FusedConv2D" || node.op == "FusedDepthwiseConv2dNative" || node.op == "_FusedMatMul") {
        const auto ops = rt::ref::stringList(node, "fused_ops");
        return ops.empty() || (ops.size() == 1 && ops[0] == "BiasAdd");
    }
    return binaryCode(node.op) >= 0 || node.op == "Conv2D" || node.op == "DepthwiseConv2dNative" || node.op == "MatMul"
        || node.op == "BatchMatMul" || node.op == "BatchMatMulV2";
}

bool takesResidual(const core::Node& node)
{
    if (node.op == "_FusedConv2D" || node.op == "_FusedMatMul") {
        const auto ops = rt::ref::stringList(node, "fused_ops");
        return ops.empty() || (ops.size() == 1 && ops[0] == "BiasAdd");
    }
    return node.op == "Conv2D" || node.op == "MatMul" || node.op == "BatchMatMul" || node.op == "BatchMatMulV2";
}

} // namespace studio::vk
