// Schemas of the ops that select parts of a tensor: StridedSlice (TensorFlow's full mask
// semantics), Slice, GatherV2 and Split / SplitV, all folding int values when the parts are known.
#include "core/ops/schemas/common.h"
#include "core/ops/strided_slice.h"

#include <algorithm>

namespace studio::core::schema {

namespace {

// The spec is resolved by core/ops/strided_slice (shared with the executors); unknown bounds give
// unknown sizes, never a guess.
std::vector<TensorType> stridedSlice(const InferContext& ctx)
{
    const auto& x = ctx.input(0);
    const auto dtype = x.dtype ? x.dtype : ctx.typeAttr("T");
    const auto spec = [&](std::size_t k) -> std::optional<Values> {
        const auto& t = ctx.input(k);
        if (hasRank(t) && rankOf(t) != 1)
            ctx.fail("begin, end and strides must be 1-D, input " + std::to_string(k) + " is " + shapeText(t.shape));
        if (t.intValues)
            return t.intValues;
        if (hasRank(t) && t.shape.dims[0] >= 0)
            return Values(static_cast<std::size_t>(t.shape.dims[0]), kUnknownValue);
        return std::nullopt;
    };
    const auto begin = spec(1), end = spec(2), strides = spec(3);
    if (!begin || !end || !strides || !hasRank(x))
        return {unknownRank(dtype)};
    StridedSliceSpec sliceSpec{*begin, *end, *strides, ctx.intAttr("begin_mask", 0), ctx.intAttr("end_mask", 0),
        ctx.intAttr("ellipsis_mask", 0), ctx.intAttr("new_axis_mask", 0), ctx.intAttr("shrink_axis_mask", 0)};
    const auto plan = planStridedSlice(x.shape.dims, sliceSpec, [&](const std::string& what) { ctx.fail(what); });
    auto t = ranked(dtype, plan.outputShape);
    // Shrunk and new axes have size 1, so the dense walk already yields the output's order.
    if (plan.exact && x.intValues && elementCount(plan.size))
        attachValues(t, *pickValues(x, walk(plan.size, plan.base, plan.step)));
    return {t};
}

std::vector<TensorType> slice(const InferContext& ctx)
{
    const auto& x = ctx.input(0);
    const auto begin = ctx.input(1).intValues;
    const auto sizes = ctx.input(2).intValues;
    if (!hasRank(x)) {
        const auto& s = ctx.input(2);
        if (hasRank(s) && rankOf(s) == 1 && s.shape.dims[0] >= 0)
            return {ranked(x.dtype, Dims(static_cast<std::size_t>(s.shape.dims[0]), -1))};
        return {unknownRank(x.dtype)};
    }
    const auto rank = rankOf(x);
    if ((begin && begin->size() != rank) || (sizes && sizes->size() != rank))
        ctx.fail("begin and size must hold " + std::to_string(rank) + " values for the input " + shapeText(x.shape));
    Dims dims(rank, -1);
    Dims step = stridesOf(x.shape.dims);
    std::int64_t base = 0;
    bool exact = static_cast<bool>(begin) && static_cast<bool>(sizes);
    for (std::size_t k = 0; k < rank; ++k) {
        const auto b = begin ? (*begin)[k] : kUnknownValue;
        const auto s = sizes ? (*sizes)[k] : kUnknownValue;
        const auto dim = x.shape.dims[k];
        if (b != kUnknownValue && (b < 0 || (dim >= 0 && b > dim)))
            ctx.fail("begin " + std::to_string(b) + " is outside dimension " + std::to_string(k) + " of " + shapeText(x.shape));
        if (s == -1)
            dims[k] = dim < 0 || b == kUnknownValue ? -1 : dim - b;
        else if (s != kUnknownValue) {
            if (s < -1 || (dim >= 0 && b != kUnknownValue && b + s > dim))
                ctx.fail("size " + std::to_string(s) + " from " + std::to_string(b) + " does not fit dimension "
                    + std::to_string(k) + " of " + shapeText(x.shape));
            dims[k] = s;
        }
        if (dims[k] < 0 || b == kUnknownValue)
            exact = false;
        else
            base += b * step[k];
    }
    auto t = ranked(x.dtype, dims);
    if (exact && x.intValues && x.shape.elementCount())
        attachValues(t, *pickValues(x, walk(dims, base, step)));
    return {t};
}

// GatherV2 (axis from input 2, batch_dims attribute) and Gather (axis 0).
std::vector<TensorType> gather(const InferContext& ctx, bool hasAxisInput)
{
    const auto& params = ctx.input(0);
    const auto& indices = ctx.input(1);
    if (indices.dtype && !isIntDType(indices.dtype))
        ctx.fail("indices must be int32 or int64, got " + std::string(dtypeName(*indices.dtype)));
    if (hasRank(params) && rankOf(params) == 0)
        ctx.fail("params must have at least one dimension");
    Values axisValue{0};
    if (hasAxisInput) {
        const auto v = knownValues(ctx, 2);
        if (!v) {
            if (hasRank(params) && hasRank(indices) && ctx.intAttr("batch_dims", 0) == 0)
                return {ranked(params.dtype, Dims(rankOf(params) + rankOf(indices) - 1, -1))};
            return {unknownRank(params.dtype)};
        }
        axisValue = *v;
    }
    if (axisValue.size() != 1)
        ctx.fail("axis must hold exactly one value");
    if (!hasRank(params) || !hasRank(indices))
        return {unknownRank(params.dtype)};
    const auto axis = normalizeAxis(ctx, axisValue[0], rankOf(params));
    auto batchDims = ctx.intAttr("batch_dims", 0);
    if (batchDims < 0)
        batchDims += static_cast<std::int64_t>(rankOf(indices));
    if (batchDims < 0 || static_cast<std::size_t>(batchDims) > std::min(axis, rankOf(indices)))
        ctx.fail("batch_dims " + std::to_string(ctx.intAttr("batch_dims", 0)) + " does not fit axis " + std::to_string(axis)
            + " and indices " + shapeText(indices.shape));
    const auto b = static_cast<std::size_t>(batchDims);
    const auto& p = params.shape.dims;
    Dims dims(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(axis));
    for (std::size_t k = 0; k < b; ++k)
        dims[k] = mergeDim(ctx, dims[k], indices.shape.dims[k], "batch dimension " + std::to_string(k) + " of params "
                + shapeText(params.shape) + " and indices " + shapeText(indices.shape) + " differ");
    dims.insert(dims.end(), indices.shape.dims.begin() + static_cast<std::ptrdiff_t>(b), indices.shape.dims.end());
    dims.insert(dims.end(), p.begin() + static_cast<std::ptrdiff_t>(axis) + 1, p.end());
    auto t = ranked(params.dtype, dims);
    const auto count = p[axis];
    if (indices.intValues && count >= 0)
        for (const auto i : *indices.intValues)
            if (i != kUnknownValue && (i < 0 || i >= count))
                ctx.fail("index " + std::to_string(i) + " is outside [0, " + std::to_string(count) + ")");
    if (b == 0 && params.intValues && indices.intValues && allKnown(*indices.intValues) && params.shape.elementCount()
        && t.shape.elementCount()) {
        const auto outer = static_cast<std::size_t>(*elementCount(Dims(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(axis))));
        const auto inner = static_cast<std::size_t>(*elementCount(Dims(p.begin() + static_cast<std::ptrdiff_t>(axis) + 1, p.end())));
        std::vector<std::size_t> from;
        for (std::size_t o = 0; o < outer; ++o)
            for (const auto i : *indices.intValues)
                for (std::size_t j = 0; j < inner; ++j)
                    from.push_back((o * static_cast<std::size_t>(count) + static_cast<std::size_t>(i)) * inner + j);
        attachValues(t, *pickValues(params, from));
    }
    return {t};
}

int numSplit(const Node& node)
{
    const auto* n = findAttr(node.attrs, "num_split");
    return n && n->kind == AttrValue::Kind::Int && n->i > 0 ? static_cast<int>(n->i) : 1;
}

// Split: (axis, value) into num_split equal parts. SplitV: (value, size_splits, axis).
std::vector<TensorType> split(const InferContext& ctx, bool sized)
{
    const std::size_t valueInput = sized ? 0 : 1, axisInput = sized ? 2 : 0;
    const auto& x = ctx.input(valueInput);
    const auto num = static_cast<std::size_t>(ctx.intAttr("num_split", 1));
    if (num == 0)
        ctx.fail("num_split must be positive");
    const auto axisValue = knownValues(ctx, axisInput);
    if (!hasRank(x))
        return std::vector<TensorType>(num, unknownRank(x.dtype));
    if (!axisValue)
        return std::vector<TensorType>(num, ranked(x.dtype, Dims(rankOf(x), -1)));
    if (axisValue->size() != 1)
        ctx.fail("axis must hold exactly one value");
    const auto axis = normalizeAxis(ctx, (*axisValue)[0], rankOf(x));
    const auto dim = x.shape.dims[axis];
    Dims sizes(num, -1);
    if (!sized) {
        if (dim >= 0 && dim % static_cast<std::int64_t>(num) != 0)
            ctx.fail("dimension " + std::to_string(axis) + " of " + shapeText(x.shape) + " does not split into "
                + std::to_string(num) + " equal parts");
        std::fill(sizes.begin(), sizes.end(), dim < 0 ? -1 : dim / static_cast<std::int64_t>(num));
    } else if (const auto& v = ctx.input(1).intValues) {
        if (v->size() != num)
            ctx.fail("size_splits holds " + std::to_string(v->size()) + " values for num_split " + std::to_string(num));
        std::int64_t known = 0;
        int rest = -1;
        for (std::size_t k = 0; k < num; ++k) {
            const auto s = (*v)[k];
            sizes[k] = s == kUnknownValue ? -1 : s;
            if (s == -1) {
                if (rest >= 0)
                    ctx.fail("size_splits " + shapeText(*v) + " has more than one -1");
                rest = static_cast<int>(k);
            } else if (s != kUnknownValue) {
                if (s < -1)
                    ctx.fail("negative size in size_splits " + shapeText(*v));
                known += s;
            }
        }
        if (dim >= 0 && allKnown(*v)) {
            if (rest < 0 ? known != dim : known > dim)
                ctx.fail("size_splits " + shapeText(*v) + " do not fit dimension " + std::to_string(axis) + " of "
                    + shapeText(x.shape));
            if (rest >= 0)
                sizes[static_cast<std::size_t>(rest)] = dim - known;
        }
    }
    std::vector<TensorType> out;
    for (const auto s : sizes) {
        Dims dims = x.shape.dims;
        dims[axis] = s;
        out.push_back(ranked(x.dtype, dims));
    }
    return out;
}

} // namespace

void addSliceSchemas(std::vector<OpSchema>& out)
{
    out.push_back(fixed("StridedSlice", 4, 4, 1,
        {{"T"}, {"Index"}, {"begin_mask"}, {"end_mask"}, {"ellipsis_mask"}, {"new_axis_mask"}, {"shrink_axis_mask"}}, stridedSlice));
    out.push_back(fixed("Slice", 3, 3, 1, {{"T"}, {"Index"}}, slice));
    out.push_back(fixed("GatherV2", 3, 3, 1, {{"Tparams"}, {"Tindices"}, {"Taxis"}, {"batch_dims"}},
        [](const InferContext& c) { return gather(c, true); }));
    out.push_back(fixed("Gather", 2, 2, 1, {{"Tparams"}, {"Tindices"}}, [](const InferContext& c) { return gather(c, false); }));
    OpSchema s = fixed("Split", 2, 2, 1, {{"T"}, {"num_split", true}}, [](const InferContext& c) { return split(c, false); });
    s.outputCount = numSplit;
    out.push_back(std::move(s));
    OpSchema v = fixed("SplitV", 3, 3, 1, {{"T"}, {"Tlen"}, {"num_split", true}}, [](const InferContext& c) { return split(c, true); });
    v.outputCount = numSplit;
    out.push_back(std::move(v));
}

} // namespace studio::core::schema
