// StridedSlice's spec resolution, shared by its schema (static shapes, with unknown parts) and
// the executors (concrete offsets): TensorFlow's full mask semantics in one place.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace studio::core {

struct StridedSliceSpec {
    std::vector<std::int64_t> begin, end, strides; // kUnknownValue (op_schema.h) where not known
    std::int64_t beginMask = 0, endMask = 0, ellipsisMask = 0, newAxisMask = 0, shrinkAxisMask = 0;
};

// Where the slice reads in a row-major input and what it produces.
struct StridedSlicePlan {
    std::vector<std::int64_t> size;  // per input dimension: elements taken (-1 when unknown)
    std::vector<std::int64_t> step;  // per input dimension: element step in the input
    std::int64_t base = 0;           // element offset of the first element read
    std::vector<std::int64_t> outputShape; // with new axes, without shrunk ones (-1 unknown)
    bool exact = true; // every size and offset known: (base, step, size) can be walked
};

// `inputShape` may hold -1 for unknown dimensions. Problems (different spec lengths, a zero
// stride, an index out of range...) go to `fail`, which must throw; callers name the node.
StridedSlicePlan planStridedSlice(const std::vector<std::int64_t>& inputShape, const StridedSliceSpec& spec,
    const std::function<void(const std::string&)>& fail);

// Row-major strides of a shape, in elements.
std::vector<std::int64_t> rowMajorStrides(const std::vector<std::int64_t>& shape);

// Source offsets for every element of `shape` in row-major order, where one step along
// dimension k moves step[k] elements (possibly negative) from `base`: transposes and slices.
std::vector<std::size_t> walkOffsets(const std::vector<std::int64_t>& shape, std::int64_t base, const std::vector<std::int64_t>& step);

} // namespace studio::core
