// Lowers a Keras layers model to the op-level graph IR (Conv2D, BiasAdd, Relu6, MatMul, ...),
// typed by the op schemas' static shape inference, so that graph executors can run layers models too.
#pragma once

#include "core/ir/model.h"

namespace studio::conv {

// Returns a graph model whose Consts reuse the layers model's weights (plus derived ones,
// e.g. batch-norm scale and offset). Throws studio::Error naming the layer it cannot lower.
core::Model lowerLayersModel(const core::Model& layers);

} // namespace studio::conv
