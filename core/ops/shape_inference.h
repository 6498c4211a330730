// Static dtype and shape inference over a whole model, driven by the op schemas.
#pragma once

#include "core/ir/model.h"
#include "core/ops/op_schema.h"

#include <map>
#include <string>
#include <vector>

namespace studio::core {

struct InferOptions {
    // Shapes of the placeholders, by node name ("x" or "x:0"); each must fit the Placeholder's
    // declared shape. Missing ones come from the Placeholder's shape attribute (-1 dims stay
    // unknown), or from the model's input specs when the Placeholder declares no shape at all.
    std::map<std::string, Shape> inputShapes;
    // true: an op without a schema, an inconsistent node, a dangling input or a cycle is an
    // error naming the node (and the model file);
    // false: its outputs become unknown and the problem is recorded in InferResult::problems;
    // the nodes of a cycle (TF1 control flow) are inferred with unknown loop inputs.
    bool strict = false;
};

struct InferResult {
    // Per top-level node (same order as model.graph.nodes): one TensorType per output.
    std::vector<std::vector<TensorType>> outputs;
    std::vector<std::string> problems;
    // The subset of problems where a schema found the node inconsistent with its inputs (as
    // opposed to an op without a schema): what the op check reports as malformed nodes.
    std::vector<std::string> inconsistencies; // "node 'x' (Foo): no schema" when not strict

    // The type of "node:k"; null when unknown.
    const TensorType* find(const Graph& graph, const GraphIndex& index, const std::string& tensor) const;
};

// Weights give Const nodes their dtype, shape and (small unquantized int32) values; a Const
// without a weight is typed from its "value" / "dtype" attributes. Top-level nodes only.
InferResult inferShapes(const Model& model, const InferOptions& options = {});

} // namespace studio::core
