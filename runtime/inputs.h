// Deterministic inputs for a model's placeholders: the same generator (mulberry32) and value
// ranges as the TF.js parity harness, so both sides can feed identical bytes.
#pragma once

#include "core/ir/model.h"
#include "runtime/tensor.h"

#include <cstdint>
#include <map>
#include <string>

namespace studio::rt {

// Unknown dimensions become 1 (batch) or `dim` (others). float32 values in [-1, 1),
// int32 in [0, 10). Throws studio::Error for an input of unknown rank, and for inputs that
// together need more than maxBytes (0: 1 GiB; the benchmark passes the memory budget).
std::map<std::string, Tensor> makeInputs(const core::Model& model, std::uint32_t seed = 1234, std::int64_t dim = 1,
    std::uint64_t maxBytes = 0);

} // namespace studio::rt
