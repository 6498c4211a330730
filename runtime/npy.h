// NumPy .npy files (format versions 1.0, 2.0 and 3.0) as host tensors: the inputs and outputs of
// `tfjs-studio-cli predict` and of the TF.js parity harness.
//
// A .npy file is untrusted: every header field is checked, the shape's byte count is checked
// against the bytes the file actually holds and against a memory budget before anything is
// allocated, and each problem is a studio::Error naming the file.
#pragma once

#include "runtime/tensor.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace studio::rt {

// The element types a .npy file may hold for us. Everything else (float16, complex, strings,
// structured records, big-endian data, Fortran order) is refused with the reason.
enum class NpyType {
    Float32, // '<f4'
    Float64, // '<f8': read only when every value is exactly a float32
    Int32,   // '<i4'
    Int64,   // '<i8': read only when every value fits in int32
    Bool,    // '|b1'
    UInt8,   // '|u1'
};

// numpy's spelling: "float32", "int64", "bool", ...
std::string_view npyTypeName(NpyType type);

struct NpyArray {
    Tensor tensor;   // Float32 (from f4 / f8), or Int32 (from i4 / i8 / b1 / u1; bool as 0/1)
    NpyType stored = NpyType::Float32; // what the file holds
};

// Parses the bytes of a .npy file; `label` names it in errors. `maxBytes` bounds the tensor
// (0: core::defaultMemoryBudget()).
NpyArray parseNpy(std::string_view bytes, const std::string& label, std::uint64_t maxBytes = 0);

// Reads `path` (its size is checked against the header before the data is read).
NpyArray readNpy(const std::filesystem::path& path, std::uint64_t maxBytes = 0);

// The bytes of a version 1.0 .npy file holding `tensor` as `type` (Float32 from a float tensor;
// Int32 or Bool from an int tensor, bool values 0 / 1), laid out exactly as numpy.save lays
// them out. Throws studio::Error when the tensor's dtype cannot be written as `type` or its
// values do not match its shape.
std::string encodeNpy(const Tensor& tensor, NpyType type);

// encodeNpy written to `path` and synced to disk (core::writeFileSynced).
void writeNpy(const std::filesystem::path& path, const Tensor& tensor, NpyType type);

} // namespace studio::rt
