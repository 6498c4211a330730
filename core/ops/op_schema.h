// Op schemas: for each TensorFlow op the project knows, its inputs, outputs, attributes and the
// dtype + static shape inference that the lowering, the op check, the graph view and every
// executor share. Shapes are inferred once, at load, never inside kernels.
#pragma once

#include "core/ir/dtype.h"
#include "core/ir/graph.h"
#include "core/ir/shape.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace studio::core {

// What is known statically about one tensor: dtype, shape (dims -1 = unknown) and, for small
// int32 / int64 tensors whose values are known at load time (Const, Shape of a static shape,
// and arithmetic on those), the values themselves, so that Reshape / Pad / StridedSlice targets
// computed in the graph still give static shapes.
// dtypes are the ones TF.js computes with, since that is what every executor here reproduces:
// TensorFlow's int64 / int16 / int8 / uint8 / uint16 are carried as Int32, float16 as Float32.
// intValues may hold kUnknownValue for single elements (Shape of [?,7,7,64] holds {?,7,7,64}), so a
// Flatten's Reshape target [batch, 3136] still gives its static dimension.
struct TensorType {
    std::optional<DType> dtype;
    Shape shape = Shape{{}, true};
    std::optional<std::vector<std::int64_t>> intValues;

    bool operator==(const TensorType&) const = default;
    static TensorType of(DType dtype, std::vector<std::int64_t> dims)
    {
        TensorType t;
        t.dtype = dtype;
        t.shape = Shape{std::move(dims), false};
        return t;
    }
};

// Up to this many elements, int tensors carry their values through inference.
inline constexpr std::int64_t kMaxFoldedElements = 4096;
// An element of TensorType::intValues that is not known statically.
inline constexpr std::int64_t kUnknownValue = std::numeric_limits<std::int64_t>::min();

class InferContext {
public:
    InferContext(const Node& node, std::vector<const TensorType*> inputs) : m_node(node), m_inputs(std::move(inputs)) {}
    const Node& node() const { return m_node; }
    std::size_t inputCount() const { return m_inputs.size(); }
    // Data input k (control inputs are not counted). Throws naming the node when absent.
    const TensorType& input(std::size_t k) const;

    // Attribute access; each throws studio::Error naming the node and attribute on a wrong kind.
    bool has(const std::string& attr) const;
    std::int64_t intAttr(const std::string& attr, std::int64_t fallback) const;
    double floatAttr(const std::string& attr, double fallback) const;
    bool boolAttr(const std::string& attr, bool fallback) const;
    std::string stringAttr(const std::string& attr, const std::string& fallback = {}) const;
    std::vector<std::int64_t> intList(const std::string& attr, std::vector<std::int64_t> fallback = {}) const;
    std::vector<std::string> stringList(const std::string& attr) const;
    // As TF.js computes with it (int64 -> Int32, ...); nullopt when absent or unmodelled.
    std::optional<DType> typeAttr(const std::string& attr) const;

    // Throws studio::Error "node 'x' (Op): what" with the node in its Location.
    [[noreturn]] void fail(const std::string& what) const;

private:
    const Node& m_node;
    std::vector<const TensorType*> m_inputs;
};

struct AttrSpec {
    std::string_view name;
    bool required = false;
};

// inferShapes checks the input count and the required attributes before calling infer.
struct OpSchema {
    std::string_view op;
    int minInputs = 0;
    int maxInputs = 0; // -1: variadic
    std::vector<AttrSpec> attrs;
    // Number of outputs for a node (fixed for most ops; Split / Unpack depend on attributes).
    std::function<int(const Node&)> outputCount;
    // One TensorType per output. May leave dims or dtype unknown; throws studio::Error naming the
    // node when the inputs cannot be valid (mismatched inner dimensions, rank too small, ...).
    std::function<std::vector<TensorType>(const InferContext&)> infer;
};

// The schema of an op, or null when the project has none.
const OpSchema* findSchema(std::string_view op);
// Every schema, sorted by op name.
std::vector<const OpSchema*> allSchemas();

} // namespace studio::core
