// TensorList values (TensorFlow's DT_VARIANT lists behind TensorArrays in TF2 graphs) and the
// ops on them, for the reference executor's dataflow interpreter. A list is immutable once
// made: SetItem returns a new list that shares the unchanged items, which gives TensorFlow's
// value semantics without copying tensors.
#pragma once

#include "core/ir/graph.h"
#include "runtime/tensor.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace studio::rt::ref {

struct TensorList {
    std::vector<std::shared_ptr<const Tensor>> items; // null: reserved, not written yet
    bool shapeKnown = false;                          // the element shape's rank is known
    std::vector<std::int64_t> elementShape;           // -1 for an unknown dimension
    bool elementFloat = true;                         // float32 elements, else int32 (bool, uint8...)
};

// One value flowing through the dataflow interpreter: a tensor or a list; dead values are
// the untaken side of a Switch and everything computed from it.
struct FlowValue {
    std::shared_ptr<const Tensor> tensor;
    std::shared_ptr<const TensorList> list;
    bool dead = false;
};

using ListKernel = std::vector<FlowValue> (*)(const core::Node& node, const std::vector<const FlowValue*>& inputs);

// TensorListReserve, TensorListFromTensor, TensorListSetItem, TensorListGetItem,
// TensorListStack, TensorListLength, TensorListGather, TensorListConcatV2.
const std::map<std::string, ListKernel>& listKernels();

} // namespace studio::rt::ref
