// Element types of tensors and weights, with their TF.js and TensorFlow names.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace studio::core {

enum class DType {
    Float32,
    Float16,
    Int32,
    Int64,
    UInt8,
    UInt16,
    Int8,
    Int16,
    Bool,
    String,
    Complex64,
};

// Bytes per element; 0 for String (variable length).
std::size_t elementSize(DType dtype);

// TF.js manifest name: "float32", "int32", "bool", "string", "complex64", "uint8", ...
std::string_view dtypeName(DType dtype);
std::optional<DType> dtypeFromName(std::string_view name);

// TensorFlow DataType enum (types.proto): number and name ("DT_FLOAT"). Covers every
// DataType, not just the ones DType models, so attributes keep what the source said.
std::optional<std::string_view> tfDataTypeName(int value);
std::optional<int> tfDataTypeFromName(std::string_view name);
std::optional<DType> dtypeFromTf(int value);
int tfDataTypeOf(DType dtype);

} // namespace studio::core
