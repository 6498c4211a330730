// Schemas of element-wise ops: broadcasting binary arithmetic and comparisons (folding small int
// values, as shape computations do), unary math and activations, AddN, BiasAdd and Cast.
#include "core/ops/schemas/common.h"

#include <algorithm>
#include <cstdlib>

namespace studio::core::schema {

namespace {

using IntOp = std::int64_t (*)(std::int64_t, std::int64_t);

// Index into an operand for each element of the broadcast output.
std::vector<std::size_t> broadcastIndex(const Dims& out, const Dims& in)
{
    const std::size_t offset = out.size() - in.size();
    Dims step(out.size(), 0);
    std::int64_t s = 1;
    for (std::size_t k = out.size(); k-- > offset;) {
        const auto d = in[k - offset];
        step[k] = d == 1 ? 0 : s;
        s *= d;
    }
    return walk(out, 0, step);
}

// Applies op element by element when both inputs' values are known (some elements may not be).
void foldBinary(TensorType& out, const TensorType& a, const TensorType& b, IntOp op)
{
    if (!a.intValues || !b.intValues || !out.shape.elementCount() || a.shape.unknownRank || b.shape.unknownRank)
        return;
    if (*out.shape.elementCount() > kMaxFoldedElements)
        return;
    const auto ia = broadcastIndex(out.shape.dims, a.shape.dims);
    const auto ib = broadcastIndex(out.shape.dims, b.shape.dims);
    Values v(ia.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
        const auto x = (*a.intValues)[ia[i]], y = (*b.intValues)[ib[i]];
        v[i] = x == kUnknownValue || y == kUnknownValue ? kUnknownValue : op(x, y);
    }
    attachValues(out, std::move(v));
}

std::int64_t floorDiv(std::int64_t a, std::int64_t b)
{
    if (b == 0)
        return kUnknownValue; // TF.js would produce garbage; not a shape anyone can use
    const auto q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

OpSchema binary(std::string_view op, IntOp fold, bool toBool = false)
{
    return fixed(op, 2, 2, 1, {{"T"}}, [fold, toBool](const InferContext& ctx) {
        const auto dtype = commonDType(ctx, {0, 1});
        TensorType out;
        out.dtype = toBool ? std::optional<DType>(DType::Bool) : dtype;
        out.shape = broadcastShapes(ctx, ctx.input(0).shape, ctx.input(1).shape);
        if (fold)
            foldBinary(out, ctx.input(0), ctx.input(1), fold);
        return std::vector<TensorType>{out};
    });
}

// Same shape and dtype as input 0 (activations, math): values are not folded.
OpSchema unary(std::string_view op, std::vector<AttrSpec> attrs = {{"T"}})
{
    return fixed(op, 1, 1, 1, std::move(attrs), [](const InferContext& ctx) {
        auto t = ctx.input(0);
        t.intValues.reset();
        t.dtype = commonDType(ctx, {0});
        return std::vector<TensorType>{t};
    });
}

std::vector<TensorType> addN(const InferContext& ctx)
{
    std::vector<std::size_t> all(ctx.inputCount());
    for (std::size_t k = 0; k < all.size(); ++k)
        all[k] = k;
    TensorType out = unknownRank(commonDType(ctx, all));
    // Unlike Add, AddN does not broadcast: every input has the one shape.
    for (std::size_t k = 0; k < ctx.inputCount(); ++k) {
        const auto& s = ctx.input(k).shape;
        if (s.unknownRank)
            continue;
        if (out.shape.unknownRank) {
            out.shape = s;
            continue;
        }
        if (s.dims.size() != out.shape.dims.size())
            ctx.fail("input " + std::to_string(k) + " " + shapeText(s) + " does not match " + shapeText(out.shape));
        for (std::size_t d = 0; d < s.dims.size(); ++d)
            out.shape.dims[d] = mergeDim(ctx, out.shape.dims[d], s.dims[d],
                "input " + std::to_string(k) + " " + shapeText(s) + " does not match " + shapeText(out.shape));
    }
    bool foldable = !out.shape.unknownRank;
    for (std::size_t k = 0; foldable && k < ctx.inputCount(); ++k)
        foldable = ctx.input(k).intValues.has_value() && ctx.input(k).shape == out.shape;
    if (foldable) {
        Values sum = *ctx.input(0).intValues;
        for (std::size_t k = 1; k < ctx.inputCount(); ++k)
            for (std::size_t i = 0; i < sum.size(); ++i) {
                const auto v = (*ctx.input(k).intValues)[i];
                sum[i] = sum[i] == kUnknownValue || v == kUnknownValue ? kUnknownValue : wrap32(sum[i] + v);
            }
        attachValues(out, std::move(sum));
    }
    return {out};
}

std::vector<TensorType> biasAdd(const InferContext& ctx)
{
    const auto dtype = commonDType(ctx, {0, 1});
    auto out = ctx.input(0);
    out.intValues.reset();
    out.dtype = dtype;
    requireRank(ctx, 1, 1, "the bias");
    const auto& bias = ctx.input(1);
    if (out.shape.unknownRank)
        return {out};
    if (out.shape.dims.size() < 2)
        ctx.fail("the input must be at least 2-D, got " + shapeText(out.shape));
    const auto format = ctx.stringAttr("data_format", "NHWC");
    const std::size_t c = format == "NCHW" ? 1 : out.shape.dims.size() - 1;
    if (hasRank(bias))
        out.shape.dims[c] = mergeDim(ctx, out.shape.dims[c], bias.shape.dims[0],
            "the bias " + shapeText(bias.shape) + " does not match the channels of " + shapeText(ctx.input(0).shape));
    return {out};
}

std::vector<TensorType> cast(const InferContext& ctx)
{
    auto out = ctx.input(0);
    const auto to = ctx.typeAttr("DstT");
    out.dtype = to;
    // Int-to-int casts keep the values (TF.js: every int is an int32).
    if (!isIntDType(to) || !isIntDType(ctx.input(0).dtype))
        out.intValues.reset();
    return {out};
}

} // namespace

void addElementwiseSchemas(std::vector<OpSchema>& out)
{
    const IntOp add = [](std::int64_t a, std::int64_t b) { return wrap32(a + b); };
    out.push_back(binary("Add", add));
    out.push_back(binary("AddV2", add));
    out.push_back(binary("Sub", [](std::int64_t a, std::int64_t b) { return wrap32(a - b); }));
    out.push_back(binary("Mul", [](std::int64_t a, std::int64_t b) { return wrap32(a * b); }));
    // TF.js divides int32 tensors with floor division whichever of these ops asked.
    out.push_back(binary("RealDiv", floorDiv));
    out.push_back(binary("Div", floorDiv));
    out.push_back(binary("FloorDiv", floorDiv));
    out.push_back(binary("FloorMod", [](std::int64_t a, std::int64_t b) {
        if (b == 0)
            return kUnknownValue;
        const auto r = a % b;
        return r != 0 && (r < 0) != (b < 0) ? r + b : r;
    }));
    out.push_back(binary("Maximum", [](std::int64_t a, std::int64_t b) { return std::max(a, b); }));
    out.push_back(binary("Minimum", [](std::int64_t a, std::int64_t b) { return std::min(a, b); }));
    out.push_back(binary("SquaredDifference", [](std::int64_t a, std::int64_t b) { return wrap32((a - b) * (a - b)); }));
    out.push_back(binary("Pow", nullptr));
    out.push_back(binary("Prelu", nullptr)); // the converter's PReLU fusion: x, alpha
    for (const auto* op : {"Greater", "GreaterEqual", "Less", "LessEqual", "Equal", "NotEqual", "LogicalAnd", "LogicalOr"})
        out.push_back(binary(op, nullptr, true));

    for (const auto* op : {"Relu", "Relu6", "Elu", "Selu", "Sigmoid", "Tanh", "Softplus", "Softsign", "Exp", "Log", "Rsqrt", "Sqrt",
             "Square", "Neg", "Abs", "Floor", "Ceil", "Round", "Reciprocal", "Sign", "Erf", "LogicalNot"})
        out.push_back(unary(op));
    out.push_back(unary("LeakyRelu", {{"T"}, {"alpha"}}));

    out.push_back(fixed("AddN", 1, -1, 1, {{"T"}, {"N"}}, addN));
    out.push_back(fixed("BiasAdd", 2, 2, 1, {{"T"}, {"data_format"}}, biasAdd));
    out.push_back(fixed("Cast", 1, 1, 1, {{"DstT", true}, {"SrcT"}, {"Truncate"}}, cast));
}

} // namespace studio::core::schema
