// Schemas of reductions over axes given as an input (Mean, Sum, Prod, Max, Min, All, Any) with
// keep_dims and negative axes, folding int values (Prod of a Shape is how Flatten sizes its Reshape).
#include "core/ops/schemas/common.h"

#include <algorithm>

namespace studio::core::schema {

namespace {

using Fold = std::int64_t (*)(std::int64_t, std::int64_t);

std::vector<TensorType> reduce(const InferContext& ctx, Fold fold, std::int64_t identity, std::optional<DType> forced)
{
    const auto& x = ctx.input(0);
    const auto dtype = forced ? forced : commonDType(ctx, {0});
    const bool keepDims = ctx.boolAttr("keep_dims", false);
    const auto axes = knownValues(ctx, 1);
    if (!hasRank(x))
        return {unknownRank(dtype)};
    const auto rank = rankOf(x);
    if (!axes) {
        // Which axes go is unknown: with keep_dims only their sizes are.
        return {keepDims ? ranked(dtype, Dims(rank, -1)) : unknownRank(dtype)};
    }
    std::vector<bool> reduced(rank, false);
    for (const auto a : *axes)
        reduced[normalizeAxis(ctx, a, rank)] = true; // repeated axes reduce once, as in TensorFlow
    Dims out, kept(rank, 1);
    for (std::size_t k = 0; k < rank; ++k) {
        if (!reduced[k])
            kept[k] = x.shape.dims[k];
        if (!reduced[k] || keepDims)
            out.push_back(kept[k]);
    }
    auto t = ranked(dtype, out);
    if (fold && x.intValues && elementCount(x.shape.dims) && elementCount(kept)) {
        // Reduced dimensions step 0 in the output, so every element lands on its output's slot.
        const auto outStrides = stridesOf(kept);
        Dims step(rank);
        for (std::size_t k = 0; k < rank; ++k)
            step[k] = reduced[k] ? 0 : outStrides[k];
        const auto target = walk(x.shape.dims, 0, step);
        Values acc(static_cast<std::size_t>(*elementCount(kept)), identity);
        for (std::size_t i = 0; i < target.size(); ++i) {
            auto& a = acc[target[i]];
            const auto v = (*x.intValues)[i];
            a = a == kUnknownValue || v == kUnknownValue ? kUnknownValue : fold(a, v);
        }
        attachValues(t, std::move(acc));
    }
    return {t};
}

OpSchema reduction(std::string_view op, Fold fold, std::int64_t identity, std::optional<DType> forced = std::nullopt)
{
    return fixed(op, 2, 2, 1, {{"T"}, {"Tidx"}, {"keep_dims"}}, [fold, identity, forced](const InferContext& ctx) {
        return reduce(ctx, fold, identity, forced);
    });
}

// ArgMax / ArgMin: one axis (input 1) removed, int output (output_type, int64 by default -> int32).
std::vector<TensorType> argReduce(const InferContext& ctx)
{
    const auto& x = ctx.input(0);
    const auto dtype = ctx.typeAttr("output_type").value_or(DType::Int32);
    const auto axis = knownValues(ctx, 1);
    if (!hasRank(x))
        return {unknownRank(dtype)};
    if (!axis)
        return {ranked(dtype, Dims(rankOf(x) == 0 ? 0 : rankOf(x) - 1, -1))};
    if (axis->size() != 1)
        ctx.fail("the axis must hold one value, has " + std::to_string(axis->size()));
    auto dims = x.shape.dims;
    dims.erase(dims.begin() + static_cast<std::ptrdiff_t>(normalizeAxis(ctx, (*axis)[0], dims.size())));
    return {ranked(dtype, dims)};
}

} // namespace

void addReduceSchemas(std::vector<OpSchema>& out)
{
    out.push_back(reduction("Mean", nullptr, 0));
    out.push_back(reduction("Sum", [](std::int64_t a, std::int64_t b) { return wrap32(a + b); }, 0));
    out.push_back(reduction("Prod", [](std::int64_t a, std::int64_t b) { return wrap32(a * b); }, 1));
    out.push_back(reduction("Max", [](std::int64_t a, std::int64_t b) { return std::max(a, b); }, std::numeric_limits<std::int32_t>::min()));
    out.push_back(reduction("Min", [](std::int64_t a, std::int64_t b) { return std::min(a, b); }, std::numeric_limits<std::int32_t>::max()));
    out.push_back(reduction("All", nullptr, 0, DType::Bool));
    out.push_back(reduction("Any", nullptr, 0, DType::Bool));
    out.push_back(fixed("ArgMax", 2, 2, 1, {{"T"}, {"output_type"}}, argReduce));
    out.push_back(fixed("ArgMin", 2, 2, 1, {{"T"}, {"output_type"}}, argReduce));
}

} // namespace studio::core::schema
