// Schemas of the ops that make, forward or rearrange tensors without arithmetic: Const,
// Placeholder, Identity and friends, NoOp, Reshape, Pad, Shape / Size / Rank, ExpandDims, Squeeze,
// Pack / Unpack, ConcatV2, Transpose, Fill. Int values flow through all of them, since shape
// computations are built from these.
#include "core/ops/schemas/common.h"

#include <algorithm>

namespace studio::core::schema {

namespace {

std::vector<TensorType> constOp(const InferContext& ctx)
{
    TensorType t;
    const auto* value = findAttr(ctx.node().attrs, "value");
    if (value && value->kind == AttrValue::Kind::Tensor) {
        if (const auto d = dtypeFromTf(value->tensor.dtype))
            t.dtype = tfjsDType(*d);
        if (value->tensor.hasShape)
            t.shape = value->tensor.shape;
    }
    if (!t.dtype)
        t.dtype = ctx.typeAttr("dtype");
    return {t};
}

std::vector<TensorType> placeholder(const InferContext& ctx)
{
    TensorType t;
    t.dtype = ctx.typeAttr("dtype");
    const auto* shape = findAttr(ctx.node().attrs, "shape");
    if (shape && shape->kind == AttrValue::Kind::Shape)
        t.shape = shape->shape;
    for (auto& d : t.shape.dims)
        d = d < 0 ? -1 : d;
    return {t};
}

// Identity, StopGradient, Snapshot: the input as it is, values included.
std::vector<TensorType> forward(const InferContext& ctx)
{
    return {ctx.input(0)};
}

std::vector<TensorType> placeholderWithDefault(const InferContext& ctx)
{
    auto t = ctx.input(0);
    t.intValues.reset(); // a fed value replaces the default
    const auto declared = placeholder(ctx).front();
    if (!declared.shape.unknownRank) {
        if (!t.shape.unknownRank && t.shape.dims.size() != declared.shape.dims.size())
            ctx.fail("the default " + shapeText(t.shape) + " does not match the declared shape " + shapeText(declared.shape));
        // Only what the declaration fixes is static; a feed may differ wherever it says -1.
        t.shape = declared.shape;
    }
    return {t};
}

std::vector<TensorType> reshape(const InferContext& ctx)
{
    const auto& x = ctx.input(0);
    const auto& target = ctx.input(1);
    const auto dtype = x.dtype ? x.dtype : ctx.typeAttr("T");
    if (hasRank(target) && rankOf(target) > 1)
        ctx.fail("the shape must be 1-D, got " + shapeText(target.shape));
    if (!target.intValues) {
        if (hasRank(target) && rankOf(target) == 1 && target.shape.dims[0] >= 0)
            return {ranked(dtype, Dims(static_cast<std::size_t>(target.shape.dims[0]), -1))};
        if (hasRank(target) && rankOf(target) == 0)
            return {ranked(dtype, {})};
        return {unknownRank(dtype)};
    }
    Dims dims;
    int inferred = -1;
    bool othersKnown = true;
    std::int64_t known = 1;
    for (const auto v : *target.intValues) {
        if (v == kUnknownValue) {
            othersKnown = false;
            dims.push_back(-1);
            continue;
        }
        if (v == -1) {
            if (inferred >= 0)
                ctx.fail("more than one -1 in the shape " + shapeText(*target.intValues));
            inferred = static_cast<int>(dims.size());
        } else if (v < -1) {
            ctx.fail("negative size " + std::to_string(v) + " in the shape");
        } else {
            known *= v;
        }
        dims.push_back(v < 0 ? -1 : v);
    }
    const auto total = x.shape.elementCount();
    if (total && othersKnown) {
        if (inferred >= 0 && known > 0) {
            if (*total % known != 0)
                ctx.fail("cannot reshape " + shapeText(x.shape) + " (" + std::to_string(*total) + " elements) to "
                    + shapeText(*target.intValues));
            dims[static_cast<std::size_t>(inferred)] = *total / known;
        } else if (inferred < 0 && known != *total) {
            ctx.fail("cannot reshape " + shapeText(x.shape) + " to " + shapeText(dims));
        }
    }
    auto t = ranked(dtype, dims);
    if (x.intValues)
        attachValues(t, *x.intValues);
    return {t};
}

std::vector<TensorType> pad(const InferContext& ctx)
{
    const auto& x = ctx.input(0);
    const auto dtype = commonDType(ctx, ctx.inputCount() > 2 ? std::vector<std::size_t>{0, 2} : std::vector<std::size_t>{0});
    const auto& p = ctx.input(1);
    if (hasRank(p) && (rankOf(p) != 2 || (p.shape.dims[1] >= 0 && p.shape.dims[1] != 2)))
        ctx.fail("paddings must be [rank, 2], got " + shapeText(p.shape));
    std::optional<std::size_t> rank;
    if (hasRank(x))
        rank = rankOf(x);
    if (hasRank(p) && p.shape.dims[0] >= 0) {
        if (rank && *rank != static_cast<std::size_t>(p.shape.dims[0]))
            ctx.fail("paddings " + shapeText(p.shape) + " do not match the input " + shapeText(x.shape));
        rank = static_cast<std::size_t>(p.shape.dims[0]);
    }
    if (!rank)
        return {unknownRank(dtype)};
    Dims dims = hasRank(x) ? x.shape.dims : Dims(*rank, -1);
    if (p.intValues) {
        const auto& v = *p.intValues;
        for (std::size_t k = 0; k < *rank; ++k) {
            const auto before = v[2 * k], after = v[2 * k + 1];
            if ((before != kUnknownValue && before < 0) || (after != kUnknownValue && after < 0))
                ctx.fail("negative padding " + shapeText(v));
            dims[k] = dims[k] < 0 || before == kUnknownValue || after == kUnknownValue ? -1 : dims[k] + before + after;
        }
    } else {
        std::fill(dims.begin(), dims.end(), -1);
    }
    return {ranked(dtype, dims)};
}

std::vector<TensorType> shape(const InferContext& ctx)
{
    const auto& x = ctx.input(0);
    const auto dtype = ctx.typeAttr("out_type").value_or(DType::Int32);
    if (!hasRank(x))
        return {ranked(dtype, {-1})};
    auto t = ranked(dtype, {static_cast<std::int64_t>(rankOf(x))});
    Values v;
    for (const auto d : x.shape.dims)
        v.push_back(d < 0 ? kUnknownValue : d);
    attachValues(t, std::move(v));
    return {t};
}

std::vector<TensorType> size(const InferContext& ctx)
{
    auto t = ranked(ctx.typeAttr("out_type").value_or(DType::Int32), {});
    const auto n = ctx.input(0).shape.elementCount();
    attachValues(t, {n ? *n : kUnknownValue});
    return {t};
}

std::vector<TensorType> rank(const InferContext& ctx)
{
    auto t = ranked(DType::Int32, {});
    const auto& x = ctx.input(0);
    attachValues(t, {hasRank(x) ? static_cast<std::int64_t>(rankOf(x)) : kUnknownValue});
    return {t};
}

std::vector<TensorType> expandDims(const InferContext& ctx)
{
    auto t = ctx.input(0);
    const auto dim = knownValues(ctx, 1);
    if (!hasRank(t))
        return {t};
    if (!dim) {
        t.intValues.reset();
        return {ranked(t.dtype, Dims(rankOf(t) + 1, -1))};
    }
    if (dim->size() != 1)
        ctx.fail("dim must hold exactly one value, has " + std::to_string(dim->size()));
    const auto axis = normalizeAxis(ctx, (*dim)[0], rankOf(t) + 1);
    t.shape.dims.insert(t.shape.dims.begin() + static_cast<std::ptrdiff_t>(axis), 1);
    return {t};
}

std::vector<TensorType> squeeze(const InferContext& ctx)
{
    auto t = ctx.input(0);
    auto dims = ctx.intList("squeeze_dims");
    if (dims.empty())
        dims = ctx.intList("axis"); // TF.js-converted graphs sometimes name it so
    if (!hasRank(t))
        return {t};
    const auto rank = rankOf(t);
    std::vector<bool> drop(rank, false);
    if (dims.empty()) {
        for (std::size_t k = 0; k < rank; ++k) {
            // Which dimensions go depends on sizes not known yet: so does the rank.
            if (t.shape.dims[k] < 0) {
                t.intValues.reset();
                return {unknownRank(t.dtype)};
            }
            drop[k] = t.shape.dims[k] == 1;
        }
    }
    for (const auto d : dims) {
        const auto k = normalizeAxis(ctx, d, rank);
        if (t.shape.dims[k] > 1 || t.shape.dims[k] == 0)
            ctx.fail("cannot squeeze dimension " + std::to_string(d) + " of " + shapeText(t.shape) + ": it is not 1");
        drop[k] = true;
    }
    Dims kept;
    for (std::size_t k = 0; k < rank; ++k)
        if (!drop[k])
            kept.push_back(t.shape.dims[k]);
    t.shape.dims = std::move(kept);
    return {t};
}

// The common shape of inputs [first, last) that must all agree (Pack); fails naming the node.
Shape sameShape(const InferContext& ctx, std::size_t first, std::size_t last)
{
    Shape s{{}, true};
    for (std::size_t k = first; k < last; ++k) {
        const auto& t = ctx.input(k).shape;
        if (t.unknownRank)
            continue;
        if (s.unknownRank) {
            s = t;
            continue;
        }
        if (t.dims.size() != s.dims.size())
            ctx.fail("inputs have different shapes: " + shapeText(s) + " and " + shapeText(t));
        for (std::size_t d = 0; d < s.dims.size(); ++d)
            s.dims[d] = mergeDim(ctx, s.dims[d], t.dims[d], "inputs have different shapes: " + shapeText(s) + " and " + shapeText(t));
    }
    return s;
}

// Concatenation of values: for each of `outer` rows, part 0's slice of that row, then part 1's...
std::optional<Values> interleave(const InferContext& ctx, std::size_t first, std::size_t last, std::int64_t outer)
{
    Values out;
    for (std::size_t k = first; k < last; ++k)
        if (!ctx.input(k).intValues)
            return std::nullopt;
    for (std::int64_t o = 0; o < outer; ++o)
        for (std::size_t k = first; k < last; ++k) {
            const auto& v = *ctx.input(k).intValues;
            const auto block = static_cast<std::ptrdiff_t>(v.size()) / outer;
            const auto begin = v.begin() + static_cast<std::ptrdiff_t>(o) * block;
            out.insert(out.end(), begin, begin + block);
        }
    return out;
}

std::vector<std::size_t> range(std::size_t first, std::size_t last)
{
    std::vector<std::size_t> r;
    for (auto k = first; k < last; ++k)
        r.push_back(k);
    return r;
}

std::vector<TensorType> pack(const InferContext& ctx)
{
    const auto n = ctx.inputCount();
    const auto dtype = commonDType(ctx, range(0, n));
    const auto s = sameShape(ctx, 0, n);
    if (s.unknownRank)
        return {unknownRank(dtype)};
    const auto axis = normalizeAxis(ctx, ctx.intAttr("axis", 0), s.dims.size() + 1);
    Dims dims = s.dims;
    dims.insert(dims.begin() + static_cast<std::ptrdiff_t>(axis), static_cast<std::int64_t>(n));
    auto t = ranked(dtype, dims);
    const auto outer = elementCount(Dims(s.dims.begin(), s.dims.begin() + static_cast<std::ptrdiff_t>(axis)));
    if (outer && t.shape.elementCount())
        if (auto v = interleave(ctx, 0, n, *outer))
            attachValues(t, std::move(*v));
    return {t};
}

int unpackCount(const Node& node)
{
    const auto* num = findAttr(node.attrs, "num");
    return num && num->kind == AttrValue::Kind::Int && num->i >= 0 ? static_cast<int>(num->i) : 1;
}

std::vector<TensorType> unpack(const InferContext& ctx)
{
    const auto& x = ctx.input(0);
    const auto num = ctx.intAttr("num", 1);
    if (num < 0)
        ctx.fail("num " + std::to_string(num) + " is negative");
    if (!hasRank(x))
        return std::vector<TensorType>(static_cast<std::size_t>(num), unknownRank(x.dtype));
    const auto axis = normalizeAxis(ctx, ctx.intAttr("axis", 0), rankOf(x));
    mergeDim(ctx, x.shape.dims[axis], num, "num does not match dimension " + std::to_string(axis) + " of " + shapeText(x.shape));
    Dims dims = x.shape.dims;
    dims.erase(dims.begin() + static_cast<std::ptrdiff_t>(axis));
    std::vector<TensorType> out;
    for (std::int64_t k = 0; k < num; ++k) {
        auto t = ranked(x.dtype, dims);
        if (x.intValues && x.shape.elementCount()) {
            Dims sliceShape = x.shape.dims;
            sliceShape[axis] = 1;
            const auto strides = stridesOf(x.shape.dims);
            Dims step = strides;
            attachValues(t, *pickValues(x, walk(sliceShape, k * strides[axis], step)));
        }
        out.push_back(std::move(t));
    }
    return out;
}

std::vector<TensorType> concat(const InferContext& ctx)
{
    const auto parts = ctx.inputCount() - 1;
    const auto dtype = commonDType(ctx, range(0, parts));
    const auto axisValue = knownValues(ctx, parts);
    std::optional<std::size_t> rank;
    for (std::size_t k = 0; k < parts; ++k) {
        const auto& s = ctx.input(k).shape;
        if (s.unknownRank)
            continue;
        if (rank && *rank != s.dims.size())
            ctx.fail("input " + std::to_string(k) + " " + shapeText(s) + " has another rank than input 0");
        rank = s.dims.size();
    }
    if (!rank)
        return {unknownRank(dtype)};
    if (*rank == 0)
        ctx.fail("cannot concatenate scalars");
    if (!axisValue)
        return {ranked(dtype, Dims(*rank, -1))};
    if (axisValue->size() != 1)
        ctx.fail("axis must hold exactly one value");
    const auto axis = normalizeAxis(ctx, (*axisValue)[0], *rank);
    Dims dims(*rank, -1);
    dims[axis] = 0;
    for (std::size_t k = 0; k < parts; ++k) {
        const auto& s = ctx.input(k).shape;
        if (s.unknownRank) {
            dims[axis] = -1;
            continue;
        }
        for (std::size_t d = 0; d < *rank; ++d) {
            if (d == axis)
                dims[d] = dims[d] < 0 || s.dims[d] < 0 ? -1 : dims[d] + s.dims[d];
            else
                dims[d] = mergeDim(ctx, dims[d], s.dims[d],
                    "input " + std::to_string(k) + " " + shapeText(s) + " does not match outside axis " + std::to_string(axis));
        }
    }
    auto t = ranked(dtype, dims);
    const auto outer = elementCount(Dims(dims.begin(), dims.begin() + static_cast<std::ptrdiff_t>(axis)));
    if (outer && t.shape.elementCount())
        if (auto v = interleave(ctx, 0, parts, *outer))
            attachValues(t, std::move(*v));
    return {t};
}

std::vector<TensorType> transpose(const InferContext& ctx)
{
    const auto& x = ctx.input(0);
    const auto perm = knownValues(ctx, 1);
    const auto& permType = ctx.input(1);
    if (!perm) {
        if (hasRank(x))
            return {ranked(x.dtype, Dims(rankOf(x), -1))};
        if (hasRank(permType) && rankOf(permType) == 1 && permType.shape.dims[0] >= 0)
            return {ranked(x.dtype, Dims(static_cast<std::size_t>(permType.shape.dims[0]), -1))};
        return {unknownRank(x.dtype)};
    }
    const auto rank = perm->size();
    if (hasRank(x) && rankOf(x) != rank)
        ctx.fail("perm has " + std::to_string(rank) + " values for the input " + shapeText(x.shape));
    const Dims in = hasRank(x) ? x.shape.dims : Dims(rank, -1);
    std::vector<bool> seen(rank, false);
    const auto strides = stridesOf(in);
    Dims dims(rank), step(rank);
    for (std::size_t k = 0; k < rank; ++k) {
        // TensorFlow rejects negative entries here, unlike axis arguments.
        const auto p = (*perm)[k];
        if (p < 0 || p >= static_cast<std::int64_t>(rank) || seen[static_cast<std::size_t>(p)])
            ctx.fail("perm " + shapeText(*perm) + " is not a permutation of 0.." + std::to_string(rank - 1));
        seen[static_cast<std::size_t>(p)] = true;
        dims[k] = in[static_cast<std::size_t>(p)];
        step[k] = strides[static_cast<std::size_t>(p)];
    }
    auto t = ranked(x.dtype, dims);
    if (x.intValues && t.shape.elementCount())
        attachValues(t, *pickValues(x, walk(dims, 0, step)));
    return {t};
}

std::vector<TensorType> fill(const InferContext& ctx)
{
    requireRank(ctx, 1, 0, "the value");
    const auto& value = ctx.input(1);
    const auto& dims = ctx.input(0);
    if (dims.intValues) {
        Dims out;
        for (const auto v : *dims.intValues) {
            if (v != kUnknownValue && v < 0)
                ctx.fail("negative dimension in " + shapeText(*dims.intValues));
            out.push_back(v == kUnknownValue ? -1 : v);
        }
        auto t = ranked(value.dtype, out);
        if (value.intValues && t.shape.elementCount())
            attachValues(t, Values(static_cast<std::size_t>(*t.shape.elementCount()), value.intValues->front()));
        return {t};
    }
    if (hasRank(dims) && rankOf(dims) == 1 && dims.shape.dims[0] >= 0)
        return {ranked(value.dtype, Dims(static_cast<std::size_t>(dims.shape.dims[0]), -1))};
    return {unknownRank(value.dtype)};
}

std::vector<TensorType> likeInput(const InferContext& ctx, std::int64_t value)
{
    auto t = ctx.input(0);
    t.intValues.reset();
    if (t.shape.elementCount())
        attachValues(t, Values(static_cast<std::size_t>(*t.shape.elementCount()), value));
    return {t};
}

} // namespace

void addShapeSchemas(std::vector<OpSchema>& out)
{
    out.push_back(fixed("Const", 0, 0, 1, {{"value"}, {"dtype"}}, constOp));
    out.push_back(fixed("Placeholder", 0, 0, 1, {{"dtype", true}, {"shape"}}, placeholder));
    out.push_back(fixed("PlaceholderWithDefault", 1, 1, 1, {{"dtype"}, {"shape"}}, placeholderWithDefault));
    for (const auto* op : {"Identity", "StopGradient", "Snapshot", "PreventGradient"})
        out.push_back(fixed(op, 1, 1, 1, {{"T"}}, forward));
    OpSchema identityN = fixed("IdentityN", 0, -1, 0, {{"T"}}, [](const InferContext& ctx) {
        std::vector<TensorType> all;
        for (std::size_t k = 0; k < ctx.inputCount(); ++k)
            all.push_back(ctx.input(k));
        return all;
    });
    identityN.outputCount = [](const Node& node) {
        return static_cast<int>(std::count_if(node.inputs.begin(), node.inputs.end(), [](const std::string& in) {
            return !Node::isControlInput(in);
        }));
    };
    out.push_back(std::move(identityN));
    out.push_back(fixed("NoOp", 0, 0, 0, {}, [](const InferContext&) { return std::vector<TensorType>{}; }));
    out.push_back(fixed("Reshape", 2, 2, 1, {{"T"}, {"Tshape"}}, reshape));
    out.push_back(fixed("Pad", 2, 2, 1, {{"T"}, {"Tpaddings"}}, pad));
    out.push_back(fixed("PadV2", 3, 3, 1, {{"T"}, {"Tpaddings"}}, pad));
    out.push_back(fixed("MirrorPad", 2, 2, 1, {{"T"}, {"Tpaddings"}, {"mode", true}}, pad));
    out.push_back(fixed("Shape", 1, 1, 1, {{"T"}, {"out_type"}}, shape));
    out.push_back(fixed("Size", 1, 1, 1, {{"T"}, {"out_type"}}, size));
    out.push_back(fixed("Rank", 1, 1, 1, {{"T"}}, rank));
    out.push_back(fixed("ExpandDims", 2, 2, 1, {{"T"}, {"Tdim"}}, expandDims));
    out.push_back(fixed("Squeeze", 1, 1, 1, {{"T"}, {"squeeze_dims"}}, squeeze));
    out.push_back(fixed("Pack", 1, -1, 1, {{"T"}, {"N"}, {"axis"}}, pack));
    OpSchema unpackSchema = fixed("Unpack", 1, 1, 1, {{"T"}, {"num", true}, {"axis"}}, unpack);
    unpackSchema.outputCount = unpackCount;
    out.push_back(std::move(unpackSchema));
    out.push_back(fixed("ConcatV2", 2, -1, 1, {{"T"}, {"N"}, {"Tidx"}}, concat));
    out.push_back(fixed("Transpose", 2, 2, 1, {{"T"}, {"Tperm"}}, transpose));
    out.push_back(fixed("Fill", 2, 2, 1, {{"T"}, {"index_type"}}, fill));
    out.push_back(fixed("ZerosLike", 1, 1, 1, {{"T"}}, [](const InferContext& c) { return likeInput(c, 0); }));
    out.push_back(fixed("OnesLike", 1, 1, 1, {{"T"}}, [](const InferContext& c) { return likeInput(c, 1); }));
}

} // namespace studio::core::schema
