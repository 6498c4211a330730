// The op check: which nodes TensorFlow.js cannot run, and why.
#pragma once

#include "core/ir/model.h"

#include <string>
#include <string_view>
#include <vector>

namespace studio::conv {

struct UnsupportedOp {
    std::string op;                 // op name, or (layerClass) the Keras layer class
    std::vector<std::string> nodes; // "node" or "function/node" for library function bodies; layer names
    std::string reason;
    bool layerClass = false;        // a layers model's class that TF.js layers does not register
};

struct OpCheckReport {
    std::size_t checkedNodes = 0;
    std::vector<UnsupportedOp> unsupported; // sorted by op name
    // Nodes the op schemas find inconsistent with their inputs (a MatMul whose inner dimensions
    // differ, a Reshape to a size that does not fit): TF.js supports the op but will fail on the
    // node at run time. Reported beside the op check; they do not fail it.
    std::vector<std::string> malformed;
    bool ok() const { return unsupported.empty(); }
};

// Checks top-level nodes and every library function body, as the reference converter does. A
// layers model is checked by layer class instead: the reference converter passes an unknown class
// through unchanged, and tf.loadLayersModel then fails on it unless the page registers the class.
OpCheckReport checkOps(const core::Model& model, bool stripDebugOps = true);

// Whether TensorFlow.js layers (4.x) can deserialize a Keras layer class without a custom class
// registered by the page. Container classes (Model, Functional, Sequential) count as known.
bool tfjsSupportsLayerClass(std::string_view className);

// "Unsupported Ops in the model: Foo (2 nodes: a, b), Bar (1 node: c)".
std::string describe(const OpCheckReport& report);

} // namespace studio::conv
