// A constant evaluator for the converter's constant folding: constant subgraphs computed by the
// reference executor's kernels. The type is the same std::function as conv::ConstantEvaluator
// (converter/passes/constant_folding.h), spelled out here because runtime/ does not see the
// converter (layering); callers hand it to the converter through conv::ConvertHooks::evaluate.
#pragma once

#include "core/ir/model.h"

#include <functional>
#include <string>
#include <vector>

namespace studio::rt {

using ConstantEvaluatorFn
    = std::function<std::vector<core::Weight>(const core::Model& subgraph, const std::vector<std::string>& outputs)>;

// Runs `subgraph` (Const nodes with weights and the nodes to fold; no placeholders) on the
// reference backend and returns each requested "node:k" as a weight named like the request,
// float32 or int32 (bools as int32 0/1), bytes in memory. Throws studio::Error when a node has no
// kernel or its inputs do not fit it.
ConstantEvaluatorFn referenceConstantEvaluator();

} // namespace studio::rt
