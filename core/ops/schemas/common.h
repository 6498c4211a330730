// Helpers shared by the op schema files: dimension arithmetic with unknowns, broadcasting, axes,
// int-value folding, and the per-family registration functions that op_schema.cpp calls.
#pragma once

#include "core/ops/op_schema.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace studio::core::schema {

using Dims = std::vector<std::int64_t>;
using Values = std::vector<std::int64_t>;
inline constexpr std::int64_t kUnknownDim = -1;

// One schema per family file; op_schema.cpp collects them into the registry.
void addConvSchemas(std::vector<OpSchema>& out);
void addDynamicSchemas(std::vector<OpSchema>& out);
void addElementwiseSchemas(std::vector<OpSchema>& out);
void addImageSchemas(std::vector<OpSchema>& out);
void addNnSchemas(std::vector<OpSchema>& out);
void addReduceSchemas(std::vector<OpSchema>& out);
void addShapeSchemas(std::vector<OpSchema>& out);
void addSliceSchemas(std::vector<OpSchema>& out);

// A schema with a fixed number of outputs.
OpSchema fixed(std::string_view op, int minInputs, int maxInputs, int outputs, std::vector<AttrSpec> attrs,
    std::function<std::vector<TensorType>(const InferContext&)> infer);

TensorType unknownRank(std::optional<DType> dtype);
TensorType ranked(std::optional<DType> dtype, Dims dims);
inline bool hasRank(const TensorType& t) { return !t.shape.unknownRank; }
inline std::size_t rankOf(const TensorType& t) { return t.shape.dims.size(); }
// Fails naming the node unless the input's rank is unknown or `rank`.
void requireRank(const InferContext& ctx, std::size_t input, std::size_t rank, const char* what);

// TensorFlow dtypes that TF.js carries in another one (int64 -> Int32, float16 -> Float32).
DType tfjsDType(DType dtype);
bool isIntDType(std::optional<DType> dtype);
// The first known dtype among the given inputs, else the "T" attribute. Fails when two known
// input dtypes differ (TensorFlow's type constraint; TF.js kernels would compute garbage).
std::optional<DType> commonDType(const InferContext& ctx, const std::vector<std::size_t>& inputs);

// Two views of one dimension: equal when both are known, else the known one. Fails naming the node.
std::int64_t mergeDim(const InferContext& ctx, std::int64_t a, std::int64_t b, const std::string& what);
// NumPy broadcasting with unknown dimensions.
Shape broadcastShapes(const InferContext& ctx, const Shape& a, const Shape& b);
// An axis in [-rank, rank) made non-negative; fails naming the node.
std::size_t normalizeAxis(const InferContext& ctx, std::int64_t axis, std::size_t rank);

std::optional<std::int64_t> elementCount(const Dims& dims);
// TF.js holds ints in Int32Arrays, so folded arithmetic wraps the way its kernels do.
inline std::int64_t wrap32(std::int64_t v)
{
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(static_cast<std::uint64_t>(v)));
}
Dims stridesOf(const Dims& dims);
std::string shapeText(const Shape& shape);
std::string shapeText(const Dims& dims);

// The known values of a 0-D or 1-D int input (axes, sizes, permutations), or nullopt when any
// element is unknown.
std::optional<Values> knownValues(const InferContext& ctx, std::size_t input);
bool allKnown(const Values& values);
// Attaches values to an int tensor of known, small shape; leaves the type alone otherwise.
void attachValues(TensorType& t, Values values);
// Values of `t` picked by index: out[i] = in[from[i]]; only when t has values.
std::optional<Values> pickValues(const TensorType& t, const std::vector<std::size_t>& from);
// Source offsets for every element of `shape` in row-major order, stepping step[k] per dimension.
std::vector<std::size_t> walk(const Dims& shape, std::int64_t base, const Dims& step);

} // namespace studio::core::schema
