// The memory budget of one model: how many bytes its declared sizes (weights, splat constants,
// inputs and intermediate tensors) may make us allocate. A few bytes of a hostile file can
// declare terabytes; we compare declarations with the budget before allocating anything.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace studio::core {

// Half of the machine's physical memory, and at least 1 GiB.
std::uint64_t defaultMemoryBudget();

// `requested` when non-zero, else the default.
inline std::uint64_t memoryBudgetOr(std::uint64_t requested) { return requested ? requested : defaultMemoryBudget(); }

// "4G", "512M", "64k", "1.5G", "1073741824" (binary units, case-insensitive, optional "iB"/"B").
// nullopt for anything else, zero, or a size that does not fit 64 bits.
std::optional<std::uint64_t> parseByteSize(std::string_view text);

// "2.00 GiB" for messages.
std::string byteSizeText(std::uint64_t bytes);

} // namespace studio::core
