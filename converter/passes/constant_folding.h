// Constant folding needs to compute ops, and the kernels live in runtime/, which the converter may
// not depend on (ARCHITECTURE.md layering). The pass therefore takes an evaluator as a value:
// runtime/constant_eval.h provides one built on the reference executor, and whoever calls the
// converter (the CLI, the studio's jobs, tests) passes it in. Without one, nothing is folded and
// the pass's report says so.
#pragma once

#include "core/ir/model.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace studio::conv {

// Evaluates `subgraph` (constant-foldable nodes and the Const nodes they read, with those
// Consts' weights) and returns the requested "node:k" tensors, in order, as weights with
// in-memory bytes (named like the request). Throws studio::Error when it cannot compute a node.
using ConstantEvaluator
    = std::function<std::vector<core::Weight>(const core::Model& subgraph, const std::vector<std::string>& outputs)>;

// Grappler's size rule: a folded constant may not be larger than max(its inputs, this many
// bytes); a constant that grows from small inputs (Fill, Tile, ZerosLike of a shape) stays a
// computation.
inline constexpr std::uint64_t kMaxFoldedConstantBytes = 10ull * 1024 * 1024;

} // namespace studio::conv
