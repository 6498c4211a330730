// Lowers a Keras layers model to the op-level graph IR (Conv2D, BiasAdd, Relu6, MatMul, ...),
// typed by the op schemas' static shape inference, so that graph executors can run layers models too.
#pragma once

#include "core/ir/model.h"

namespace studio::conv {

struct LoweringOptions {
    // Shape the graph as the reference converter's Keras -> graph-model path sees it (the model
    // saved as a SavedModel, CONVERTER.md 1.4 / 3): nodes named StatefulPartitionedCall/<model>/
    // <layer>/<op>, weights read by one op named <op>/ReadVariableOp, 4-D batch norms as
    // FusedBatchNormV3 (which the passes fold into a conv or turn into Mul / Add), an Identity per
    // output (Identity, Identity_1, ...) and the signature FORMATS.md 1.6 describes.
    bool referenceNames = false;
};

// Returns a graph model whose Consts reuse the layers model's weights (plus derived ones,
// e.g. batch-norm scale and offset). Each call of a shared layer and each layer of a nested
// model (Sequential or functional, at any depth) gets ops of its own, named after the call
// ("dense_1/MatMul" for a layer's second call, "inner/dense/MatMul" inside nested model
// 'inner'), reading the layer's one set of weight Consts. Throws studio::Error naming the layer
// it cannot lower.
core::Model lowerLayersModel(const core::Model& layers, const LoweringOptions& options = {});

} // namespace studio::conv
