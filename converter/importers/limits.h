// Size limits and overflow-checked size arithmetic for the importers: a few bytes of a damaged or
// hostile file can declare a tensor of 2^40 elements, and we must say so instead of allocating.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>

namespace studio::conv {

// The most bytes one tensor may take once decoded (2 GiB). Real weights stay far below it; a
// declared size above it comes from a damaged file far more often than from a real model, and
// allocating it would take the whole machine down before any error could be shown.
inline constexpr std::uint64_t kMaxDecodedTensorBytes = std::uint64_t{2} << 30;

// a * b, or nullopt when the product does not fit.
inline std::optional<std::uint64_t> checkedMul(std::uint64_t a, std::uint64_t b)
{
    if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a)
        return std::nullopt;
    return a * b;
}

// a + b, or nullopt when the sum does not fit.
inline std::optional<std::uint64_t> checkedAdd(std::uint64_t a, std::uint64_t b)
{
    if (b > std::numeric_limits<std::uint64_t>::max() - a)
        return std::nullopt;
    return a + b;
}

// The product of the dimensions (1 for a scalar), or nullopt when a dimension is negative or
// the product overflows. A zero dimension makes the product 0 whatever the others are.
inline std::optional<std::uint64_t> checkedElementCount(std::span<const std::int64_t> dims)
{
    std::uint64_t n = 1;
    bool overflow = false;
    for (const auto d : dims) {
        if (d < 0)
            return std::nullopt;
        if (d == 0)
            return 0;
        const auto next = checkedMul(n, static_cast<std::uint64_t>(d));
        if (!next)
            overflow = true; // keep looking: a later 0 still makes the tensor empty
        else
            n = *next;
    }
    if (overflow)
        return std::nullopt;
    return n;
}

// "[100000,100000]", for messages.
inline std::string shapeText(std::span<const std::int64_t> dims)
{
    std::string s = "[";
    for (std::size_t i = 0; i < dims.size(); ++i)
        s += (i ? "," : "") + std::to_string(dims[i]);
    return s + "]";
}

} // namespace studio::conv
