// Dimension arithmetic with unknowns, broadcasting, dtypes and int-value helpers for the schemas.
#include "core/ops/schemas/common.h"

#include "core/ops/strided_slice.h"

#include <algorithm>

namespace studio::core::schema {

OpSchema fixed(std::string_view op, int minInputs, int maxInputs, int outputs, std::vector<AttrSpec> attrs,
    std::function<std::vector<TensorType>(const InferContext&)> infer)
{
    OpSchema s;
    s.op = op;
    s.minInputs = minInputs;
    s.maxInputs = maxInputs;
    s.attrs = std::move(attrs);
    s.outputCount = [outputs](const Node&) { return outputs; };
    s.infer = std::move(infer);
    return s;
}

TensorType unknownRank(std::optional<DType> dtype)
{
    TensorType t;
    t.dtype = dtype;
    return t;
}

TensorType ranked(std::optional<DType> dtype, Dims dims)
{
    TensorType t;
    t.dtype = dtype;
    t.shape = Shape{std::move(dims), false};
    return t;
}

void requireRank(const InferContext& ctx, std::size_t input, std::size_t rank, const char* what)
{
    const auto& t = ctx.input(input);
    if (hasRank(t) && rankOf(t) != rank)
        ctx.fail(std::string(what) + " must be " + std::to_string(rank) + "-D, got " + shapeText(t.shape));
}

DType tfjsDType(DType dtype)
{
    switch (dtype) {
    case DType::Int64:
    case DType::Int16:
    case DType::Int8:
    case DType::UInt8:
    case DType::UInt16: return DType::Int32;
    case DType::Float16: return DType::Float32;
    default: return dtype;
    }
}

bool isIntDType(std::optional<DType> dtype)
{
    return dtype && (*dtype == DType::Int32 || *dtype == DType::Int64);
}

std::optional<DType> commonDType(const InferContext& ctx, const std::vector<std::size_t>& inputs)
{
    std::optional<DType> found;
    for (const auto k : inputs) {
        const auto& d = ctx.input(k).dtype;
        if (!d)
            continue;
        if (found && *found != *d)
            ctx.fail("inputs have different dtypes: " + std::string(dtypeName(*found)) + " and " + std::string(dtypeName(*d)));
        found = d;
    }
    return found ? found : ctx.typeAttr("T");
}

std::int64_t mergeDim(const InferContext& ctx, std::int64_t a, std::int64_t b, const std::string& what)
{
    if (a < 0)
        return b;
    if (b >= 0 && a != b)
        ctx.fail(what + ": " + std::to_string(a) + " vs " + std::to_string(b));
    return a;
}

Shape broadcastShapes(const InferContext& ctx, const Shape& a, const Shape& b)
{
    if (a.unknownRank || b.unknownRank)
        return Shape{{}, true};
    const std::size_t rank = std::max(a.dims.size(), b.dims.size());
    Dims out(rank, 1);
    for (std::size_t k = 0; k < rank; ++k) {
        const std::int64_t da = k < rank - a.dims.size() ? 1 : a.dims[k - (rank - a.dims.size())];
        const std::int64_t db = k < rank - b.dims.size() ? 1 : b.dims[k - (rank - b.dims.size())];
        if (da == 1)
            out[k] = db;
        else if (db == 1)
            out[k] = da;
        else if (da < 0 || db < 0)
            out[k] = std::max(da, db); // the known one, if any: broadcasting could only make it that
        else if (da != db)
            ctx.fail("shapes " + shapeText(a) + " and " + shapeText(b) + " do not broadcast");
        else
            out[k] = da;
    }
    return Shape{out, false};
}

std::size_t normalizeAxis(const InferContext& ctx, std::int64_t axis, std::size_t rank)
{
    const auto r = static_cast<std::int64_t>(rank);
    if (axis < -r || axis >= r)
        ctx.fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
    return static_cast<std::size_t>(axis < 0 ? axis + r : axis);
}

std::optional<std::int64_t> elementCount(const Dims& dims)
{
    std::int64_t n = 1;
    for (const auto d : dims) {
        if (d < 0)
            return std::nullopt;
        n *= d;
    }
    return n;
}

Dims stridesOf(const Dims& dims)
{
    Dims strides(dims.size(), 1);
    for (std::size_t k = dims.size(); k-- > 1;)
        strides[k - 1] = strides[k] * dims[k];
    return strides;
}

std::string shapeText(const Shape& shape)
{
    return shape.toString();
}

std::string shapeText(const Dims& dims)
{
    return Shape{dims, false}.toString();
}

std::optional<Values> knownValues(const InferContext& ctx, std::size_t input)
{
    const auto& t = ctx.input(input);
    if (!t.intValues || !allKnown(*t.intValues))
        return std::nullopt;
    if (hasRank(t) && rankOf(t) > 1)
        ctx.fail("input " + std::to_string(input) + " must be a scalar or a list, got " + shapeText(t.shape));
    return t.intValues;
}

bool allKnown(const Values& values)
{
    return std::none_of(values.begin(), values.end(), [](std::int64_t v) { return v == kUnknownValue; });
}

void attachValues(TensorType& t, Values values)
{
    const auto n = t.shape.elementCount();
    if (!isIntDType(t.dtype) || !n || *n > kMaxFoldedElements || static_cast<std::int64_t>(values.size()) != *n)
        return;
    t.intValues = std::move(values);
}

std::optional<Values> pickValues(const TensorType& t, const std::vector<std::size_t>& from)
{
    if (!t.intValues)
        return std::nullopt;
    Values out;
    out.reserve(from.size());
    for (const auto i : from)
        out.push_back((*t.intValues)[i]);
    return out;
}

std::vector<std::size_t> walk(const Dims& shape, std::int64_t base, const Dims& step)
{
    return walkOffsets(shape, base, step);
}

} // namespace studio::core::schema
