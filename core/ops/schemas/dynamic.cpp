// Schemas of ops whose results depend on values or on control flow: TF1 control flow (Enter,
// Exit, Switch, Merge, NextIteration, LoopCond), TensorLists (whose handles have no dtype a
// TensorType models: dtype left unknown), Where, TopKV2, NonMaxSuppression, Range and Select.
// Sizes only known at run time stay unknown; nothing here guesses.
#include "core/ops/schemas/common.h"

#include <cmath>

namespace studio::core::schema {

namespace {

std::vector<TensorType> passThrough(const InferContext& ctx)
{
    return {ctx.input(0)};
}

// Merge: whatever all inputs agree on (a loop's back edge is unknown at load, so loop values are).
std::vector<TensorType> merge(const InferContext& ctx)
{
    TensorType out = ctx.input(0);
    for (std::size_t k = 1; k < ctx.inputCount(); ++k) {
        const auto& t = ctx.input(k);
        if (t == out)
            continue;
        if (!out.dtype)
            out.dtype = t.dtype;
        else if (t.dtype && *t.dtype != *out.dtype)
            ctx.fail("inputs have different dtypes");
        out.intValues.reset();
        if (out.shape.unknownRank || t.shape.unknownRank || rankOf(out) != rankOf(t)) {
            out.shape = Shape{{}, true};
            continue;
        }
        for (std::size_t d = 0; d < rankOf(out); ++d)
            if (out.shape.dims[d] != t.shape.dims[d])
                out.shape.dims[d] = kUnknownDim;
    }
    if (!out.dtype)
        out.dtype = ctx.typeAttr("T");
    return {out, ranked(DType::Int32, {})};
}

TensorType listHandle()
{
    return ranked(std::nullopt, {});
}

// An element_shape input: known values give dims (-1 stays unknown); a scalar -1 is unknown rank.
std::optional<Dims> elementShape(const InferContext& ctx, std::size_t input)
{
    const auto& t = ctx.input(input);
    if (!t.intValues || !hasRank(t) || rankOf(t) != 1)
        return std::nullopt;
    Dims dims;
    for (const auto v : *t.intValues)
        dims.push_back(v == kUnknownValue || v < 0 ? kUnknownDim : v);
    return dims;
}

std::vector<TensorType> listElement(const InferContext& ctx, std::size_t shapeInput, std::optional<std::int64_t> leading)
{
    const auto dtype = ctx.typeAttr("element_dtype");
    const auto dims = elementShape(ctx, shapeInput);
    if (!dims)
        return {unknownRank(dtype)};
    Dims out;
    if (leading)
        out.push_back(*leading);
    for (const auto d : *dims)
        out.push_back(d);
    return {ranked(dtype, std::move(out))};
}

std::vector<TensorType> where(const InferContext& ctx)
{
    const auto& x = ctx.input(0);
    if (!hasRank(x))
        return {ranked(DType::Int32, {kUnknownDim, kUnknownDim})};
    return {ranked(DType::Int32, {kUnknownDim, static_cast<std::int64_t>(rankOf(x))})};
}

std::vector<TensorType> topK(const InferContext& ctx)
{
    const auto& x = ctx.input(0);
    requireRank(ctx, 1, 0, "k");
    const auto dtype = x.dtype ? x.dtype : ctx.typeAttr("T");
    if (!hasRank(x))
        return {unknownRank(dtype), unknownRank(DType::Int32)};
    if (rankOf(x) == 0)
        ctx.fail("input must have at least one dimension");
    Dims dims = x.shape.dims;
    const auto k = knownValues(ctx, 1);
    if (k && k->size() == 1) {
        if ((*k)[0] < 0 || (dims.back() >= 0 && (*k)[0] > dims.back()))
            ctx.fail("k = " + std::to_string((*k)[0]) + " is outside [0, " + std::to_string(dims.back()) + "]");
        dims.back() = (*k)[0];
    } else {
        dims.back() = kUnknownDim;
    }
    return {ranked(dtype, dims), ranked(DType::Int32, dims)};
}

std::vector<TensorType> range(const InferContext& ctx)
{
    for (std::size_t k = 0; k < 3; ++k)
        requireRank(ctx, k, 0, "start, limit and delta");
    const auto dtype = commonDType(ctx, {0, 1, 2});
    const auto a = knownValues(ctx, 0), b = knownValues(ctx, 1), c = knownValues(ctx, 2);
    if (!isIntDType(dtype) || !a || !b || !c || a->size() != 1 || b->size() != 1 || c->size() != 1 || (*c)[0] == 0)
        return {ranked(dtype, {kUnknownDim})};
    const auto start = (*a)[0], limit = (*b)[0], delta = (*c)[0];
    if ((delta > 0 && limit < start) || (delta < 0 && limit > start))
        ctx.fail("delta " + std::to_string(delta) + " does not move start " + std::to_string(start) + " towards limit "
            + std::to_string(limit));
    const auto n = (std::abs(limit - start) + std::abs(delta) - 1) / std::abs(delta);
    auto t = ranked(dtype, {n});
    if (n <= kMaxFoldedElements) {
        Values v;
        for (std::int64_t i = 0; i < n; ++i)
            v.push_back(wrap32(start + i * delta));
        attachValues(t, std::move(v));
    }
    return {t};
}

std::vector<TensorType> select(const InferContext& ctx)
{
    TensorType out;
    out.dtype = commonDType(ctx, {1, 2});
    const auto& x = ctx.input(1).shape;
    const auto& y = ctx.input(2).shape;
    if (x.unknownRank || y.unknownRank || x.dims.size() != y.dims.size()) {
        out.shape = x.unknownRank ? y : x;
        return {out};
    }
    out.shape = x;
    for (std::size_t d = 0; d < x.dims.size(); ++d)
        out.shape.dims[d] = mergeDim(ctx, x.dims[d], y.dims[d], "the branches' dimension " + std::to_string(d));
    return {out};
}

std::vector<TensorType> selectV2(const InferContext& ctx)
{
    TensorType out;
    out.dtype = commonDType(ctx, {1, 2});
    out.shape = broadcastShapes(ctx, ctx.input(0).shape, broadcastShapes(ctx, ctx.input(1).shape, ctx.input(2).shape));
    return {out};
}

OpSchema nms(std::string_view op, int inputs, int outputs)
{
    return fixed(op, inputs, inputs, outputs, {{"T"}, {"pad_to_max_output_size"}}, [outputs](const InferContext& ctx) {
        requireRank(ctx, 0, 2, "boxes");
        requireRank(ctx, 1, 1, "scores");
        std::vector<TensorType> out{ranked(DType::Int32, {kUnknownDim})};
        if (outputs == 3)
            out.push_back(ranked(DType::Float32, {kUnknownDim}));
        if (outputs >= 2)
            out.push_back(ranked(DType::Int32, {}));
        return out;
    });
}

} // namespace

void addDynamicSchemas(std::vector<OpSchema>& out)
{
    out.push_back(fixed("Enter", 1, 1, 1, {{"T"}, {"frame_name"}, {"is_constant"}, {"parallel_iterations"}}, passThrough));
    out.push_back(fixed("Exit", 1, 1, 1, {{"T"}}, passThrough));
    out.push_back(fixed("LoopCond", 1, 1, 1, {}, passThrough));
    out.push_back(fixed("NextIteration", 1, 1, 1, {{"T"}}, passThrough));
    out.push_back(fixed("Switch", 2, 2, 2, {{"T"}}, [](const InferContext& ctx) {
        requireRank(ctx, 1, 0, "the predicate");
        return std::vector<TensorType>{ctx.input(0), ctx.input(0)};
    }));
    out.push_back(fixed("Merge", 1, -1, 2, {{"T"}, {"N"}}, merge));

    out.push_back(fixed("TensorListReserve", 2, 2, 1, {{"element_dtype"}, {"shape_type"}},
        [](const InferContext&) { return std::vector<TensorType>{listHandle()}; }));
    out.push_back(fixed("TensorListFromTensor", 2, 2, 1, {{"element_dtype"}, {"shape_type"}},
        [](const InferContext&) { return std::vector<TensorType>{listHandle()}; }));
    out.push_back(fixed("TensorListSetItem", 3, 3, 1, {{"element_dtype"}, {"resize_if_index_out_of_bounds"}},
        [](const InferContext&) { return std::vector<TensorType>{listHandle()}; }));
    out.push_back(fixed("TensorListGetItem", 3, 3, 1, {{"element_dtype"}},
        [](const InferContext& ctx) { return listElement(ctx, 2, std::nullopt); }));
    out.push_back(fixed("TensorListStack", 2, 2, 1, {{"element_dtype"}, {"num_elements"}}, [](const InferContext& ctx) {
        const auto n = ctx.intAttr("num_elements", -1);
        return listElement(ctx, 1, n >= 0 ? n : kUnknownDim);
    }));
    out.push_back(fixed("TensorListGather", 3, 3, 1, {{"element_dtype"}},
        [](const InferContext& ctx) { return listElement(ctx, 2, kUnknownDim); }));
    out.push_back(fixed("TensorListLength", 1, 1, 1, {},
        [](const InferContext&) { return std::vector<TensorType>{ranked(DType::Int32, {})}; }));
    out.push_back(fixed("TensorListConcatV2", 3, 3, 2, {{"element_dtype"}, {"shape_type"}}, [](const InferContext& ctx) {
        return std::vector<TensorType>{unknownRank(ctx.typeAttr("element_dtype")), ranked(DType::Int32, {kUnknownDim})};
    }));

    out.push_back(fixed("Where", 1, 1, 1, {{"T"}}, where));
    out.push_back(fixed("TopKV2", 2, 2, 2, {{"T"}, {"sorted"}}, topK));
    out.push_back(fixed("Range", 3, 3, 1, {{"Tidx"}}, range));
    out.push_back(fixed("Select", 3, 3, 1, {{"T"}}, select));
    out.push_back(fixed("SelectV2", 3, 3, 1, {{"T"}}, selectV2));
    out.push_back(nms("NonMaxSuppressionV2", 4, 1));
    out.push_back(nms("NonMaxSuppressionV3", 5, 1));
    out.push_back(nms("NonMaxSuppressionV4", 5, 2));
    out.push_back(nms("NonMaxSuppressionV5", 6, 3));
}

} // namespace studio::core::schema
