// Name tables for DType and TensorFlow's DataType enum.
#include "core/ir/dtype.h"

#include <array>
#include <utility>

namespace studio::core {

namespace {

struct DTypeRow {
    DType dtype;
    std::string_view name;
    std::size_t size;
    int tf;
};

constexpr std::array kDTypes{
    DTypeRow{DType::Float32, "float32", 4, 1},   DTypeRow{DType::Float16, "float16", 2, 19},
    DTypeRow{DType::Int32, "int32", 4, 3},       DTypeRow{DType::Int64, "int64", 8, 9},
    DTypeRow{DType::UInt8, "uint8", 1, 4},       DTypeRow{DType::UInt16, "uint16", 2, 17},
    DTypeRow{DType::Int8, "int8", 1, 6},         DTypeRow{DType::Int16, "int16", 2, 5},
    DTypeRow{DType::Bool, "bool", 1, 10},        DTypeRow{DType::String, "string", 0, 7},
    DTypeRow{DType::Complex64, "complex64", 8, 8},
};

// types.proto DataType values (the _REF variants are value + 100).
constexpr std::array<std::pair<int, std::string_view>, 31> kTfTypes{{
    {0, "DT_INVALID"},   {1, "DT_FLOAT"},       {2, "DT_DOUBLE"},     {3, "DT_INT32"},
    {4, "DT_UINT8"},     {5, "DT_INT16"},       {6, "DT_INT8"},       {7, "DT_STRING"},
    {8, "DT_COMPLEX64"}, {9, "DT_INT64"},       {10, "DT_BOOL"},      {11, "DT_QINT8"},
    {12, "DT_QUINT8"},   {13, "DT_QINT32"},     {14, "DT_BFLOAT16"},  {15, "DT_QINT16"},
    {16, "DT_QUINT16"},  {17, "DT_UINT16"},     {18, "DT_COMPLEX128"}, {19, "DT_HALF"},
    {20, "DT_RESOURCE"}, {21, "DT_VARIANT"},    {22, "DT_UINT32"},    {23, "DT_UINT64"},
    {24, "DT_FLOAT8_E5M2"}, {25, "DT_FLOAT8_E4M3FN"}, {26, "DT_INT4"}, {27, "DT_UINT4"},
    {28, "DT_FLOAT8_E4M3FNUZ"}, {29, "DT_FLOAT8_E4M3B11FNUZ"}, {30, "DT_FLOAT8_E5M2FNUZ"},
}};

const DTypeRow& row(DType dtype)
{
    for (const auto& r : kDTypes)
        if (r.dtype == dtype)
            return r;
    return kDTypes[0];
}

} // namespace

std::size_t elementSize(DType dtype) { return row(dtype).size; }

std::string_view dtypeName(DType dtype) { return row(dtype).name; }

std::optional<DType> dtypeFromName(std::string_view name)
{
    for (const auto& r : kDTypes)
        if (r.name == name)
            return r.dtype;
    return std::nullopt;
}

std::optional<std::string_view> tfDataTypeName(int value)
{
    static const std::array<std::string, 31> kRefNames = [] {
        std::array<std::string, 31> names;
        for (std::size_t i = 0; i < kTfTypes.size(); ++i)
            names[i] = std::string(kTfTypes[i].second) + "_REF";
        return names;
    }();
    for (std::size_t i = 0; i < kTfTypes.size(); ++i) {
        if (kTfTypes[i].first == value)
            return kTfTypes[i].second;
        if (kTfTypes[i].first + 100 == value)
            return kRefNames[i];
    }
    return std::nullopt;
}

std::optional<int> tfDataTypeFromName(std::string_view name)
{
    const bool ref = name.size() > 4 && name.substr(name.size() - 4) == "_REF";
    const auto base = ref ? name.substr(0, name.size() - 4) : name;
    for (const auto& [value, n] : kTfTypes)
        if (n == base)
            return ref ? value + 100 : value;
    return std::nullopt;
}

std::optional<DType> dtypeFromTf(int value)
{
    for (const auto& r : kDTypes)
        if (r.tf == value)
            return r.dtype;
    return std::nullopt;
}

int tfDataTypeOf(DType dtype) { return row(dtype).tf; }

} // namespace studio::core
