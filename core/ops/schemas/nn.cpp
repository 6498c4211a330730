// Schemas of the neural-network ops that are not windows: MatMul (plain, fused, batched),
// Softmax and the FusedBatchNorm family with its statistics outputs.
#include "core/ops/schemas/common.h"

namespace studio::core::schema {

namespace {

std::vector<TensorType> matMul(const InferContext& ctx)
{
    const auto dtype = commonDType(ctx, {0, 1});
    requireRank(ctx, 0, 2, "input a");
    requireRank(ctx, 1, 2, "input b");
    const auto& a = ctx.input(0);
    const auto& b = ctx.input(1);
    const bool ta = ctx.boolAttr("transpose_a", false), tb = ctx.boolAttr("transpose_b", false);
    const Dims da = hasRank(a) ? a.shape.dims : Dims{-1, -1};
    const Dims db = hasRank(b) ? b.shape.dims : Dims{-1, -1};
    const auto m = ta ? da[1] : da[0], k = ta ? da[0] : da[1];
    const auto kb = tb ? db[1] : db[0], n = tb ? db[0] : db[1];
    mergeDim(ctx, k, kb, "inner dimensions differ: " + shapeText(a.shape) + (ta ? "^T" : "") + " x " + shapeText(b.shape)
            + (tb ? "^T" : ""));
    auto out = ranked(dtype, {m, n});
    // _FusedMatMul: BiasAdd reads input 2, then an activation (or Prelu, input 3).
    if (ctx.has("num_args") && static_cast<std::int64_t>(ctx.inputCount()) != 2 + ctx.intAttr("num_args", 0))
        ctx.fail("num_args is " + std::to_string(ctx.intAttr("num_args", 0)) + " but the node has "
            + std::to_string(ctx.inputCount() - 2) + " extra inputs");
    const auto ops = ctx.stringList("fused_ops");
    if (!ops.empty() && ops[0] == "BiasAdd") {
        requireRank(ctx, 2, 1, "the bias");
        const auto& bias = ctx.input(2);
        if (hasRank(bias))
            out.shape.dims[1] = mergeDim(ctx, n, bias.shape.dims[0], "the bias " + shapeText(bias.shape) + " does not match "
                    + std::to_string(n) + " output columns");
    }
    return {out};
}

// BatchMatMul / V2: [..., m, k] x [..., k, n] with broadcast batch dimensions.
std::vector<TensorType> batchMatMul(const InferContext& ctx)
{
    const auto dtype = commonDType(ctx, {0, 1});
    const auto& a = ctx.input(0);
    const auto& b = ctx.input(1);
    if (!hasRank(a) || !hasRank(b))
        return {unknownRank(dtype)};
    if (rankOf(a) < 2 || rankOf(b) < 2)
        ctx.fail("inputs must be at least 2-D, got " + shapeText(a.shape) + " and " + shapeText(b.shape));
    const bool ta = ctx.boolAttr("adj_x", false), tb = ctx.boolAttr("adj_y", false);
    const auto& da = a.shape.dims;
    const auto& db = b.shape.dims;
    const auto ra = da.size(), rb = db.size();
    const auto m = ta ? da[ra - 1] : da[ra - 2], k = ta ? da[ra - 2] : da[ra - 1];
    const auto kb = tb ? db[rb - 1] : db[rb - 2], n = tb ? db[rb - 2] : db[rb - 1];
    mergeDim(ctx, k, kb, "inner dimensions differ: " + shapeText(a.shape) + " x " + shapeText(b.shape));
    auto batch = broadcastShapes(ctx, Shape{Dims(da.begin(), da.end() - 2), false}, Shape{Dims(db.begin(), db.end() - 2), false});
    batch.dims.push_back(m);
    batch.dims.push_back(n);
    return {ranked(dtype, batch.dims)};
}

std::vector<TensorType> softmax(const InferContext& ctx)
{
    auto t = ctx.input(0);
    t.dtype = commonDType(ctx, {0});
    t.intValues.reset();
    if (hasRank(t) && t.shape.dims.empty())
        ctx.fail("needs at least one dimension");
    return {t};
}

// Outputs: y, batch_mean, batch_variance, reserve_space_1, reserve_space_2 (+ reserve_space_3
// for V3). TF.js computes only y; the statistics are per channel.
std::vector<TensorType> fusedBatchNorm(const InferContext& ctx, int outputs)
{
    const auto dtype = commonDType(ctx, {0});
    requireRank(ctx, 0, 4, "the input");
    auto y = ctx.input(0);
    y.dtype = dtype;
    y.intValues.reset();
    const auto format = ctx.stringAttr("data_format", "NHWC");
    if (format != "NHWC" && format != "NCHW")
        ctx.fail("data_format '" + format + "' is not NHWC or NCHW");
    std::int64_t channels = -1;
    const std::size_t c = format == "NCHW" ? 1 : 3;
    if (hasRank(y))
        channels = y.shape.dims[c];
    const char* names[] = {"scale", "offset", "mean", "variance"};
    for (std::size_t k = 1; k <= 4; ++k) {
        requireRank(ctx, k, 1, names[k - 1]);
        const auto& p = ctx.input(k);
        // Training mode may pass empty mean / variance: they are computed from the batch.
        if (hasRank(p) && !(k >= 3 && p.shape.dims[0] == 0))
            channels = mergeDim(ctx, channels, p.shape.dims[0], std::string(names[k - 1]) + " " + shapeText(p.shape)
                    + " does not match the channels of " + shapeText(y.shape));
    }
    if (hasRank(y))
        y.shape.dims[c] = channels;
    std::vector<TensorType> out{y};
    for (int k = 1; k < 5; ++k)
        out.push_back(ranked(DType::Float32, {channels}));
    if (outputs == 6)
        out.push_back(unknownRank(DType::Float32));
    return out;
}

} // namespace

void addNnSchemas(std::vector<OpSchema>& out)
{
    out.push_back(fixed("MatMul", 2, 2, 1, {{"T"}, {"transpose_a"}, {"transpose_b"}}, matMul));
    out.push_back(fixed("_FusedMatMul", 2, -1, 1, {{"T"}, {"transpose_a"}, {"transpose_b"}, {"fused_ops"}, {"num_args"}}, matMul));
    out.push_back(fixed("BatchMatMul", 2, 2, 1, {{"T"}, {"adj_x"}, {"adj_y"}}, batchMatMul));
    out.push_back(fixed("BatchMatMulV2", 2, 2, 1, {{"T"}, {"adj_x"}, {"adj_y"}}, batchMatMul));
    out.push_back(fixed("Softmax", 1, 1, 1, {{"T"}}, softmax));
    out.push_back(fixed("LogSoftmax", 1, 1, 1, {{"T"}}, softmax));
    const std::vector<AttrSpec> bn{{"T"}, {"epsilon"}, {"data_format"}, {"is_training"}};
    out.push_back(fixed("FusedBatchNorm", 5, 5, 5, bn, [](const InferContext& c) { return fusedBatchNorm(c, 5); }));
    out.push_back(fixed("FusedBatchNormV2", 5, 5, 5, bn, [](const InferContext& c) { return fusedBatchNorm(c, 5); }));
    out.push_back(fixed("FusedBatchNormV3", 5, 5, 6, bn, [](const InferContext& c) { return fusedBatchNorm(c, 6); }));
}

} // namespace studio::core::schema
