// Load-time channel widening for the Vulkan planner: NHWC activations whose channel count is not
// a multiple of 4 are stored with zero channels added up to the next multiple, where every node
// that touches them can take the zeros exactly, so that their kernels move whole vec4s.
#pragma once

#include "core/ir/graph.h"
#include "runtime/tensor.h"
#include "runtime/vulkan/kernels/ops.h"

#include <cstddef>
#include <string>
#include <vector>

namespace studio::vk {

struct WidenResult {
    std::size_t values = 0;  // activations widened
    std::vector<std::string> notes; // one line per widened group: "42 -> 44 channels: 7 values (first 'x')"
};

// Finds groups of 4-D float activations with C % 4 != 0 that can all carry C4 = ceil(C / 4) * 4
// channels, the added ones exactly zero, and widens them: their ValueInfo shapes, and the
// constants that make the zeros and absorb them, edited in place (zero filter columns and bias
// entries where they are produced, zero filter rows where a convolution reads them, a channel Pad
// after them shortened). A group is left alone unless every producer and consumer is one of:
// Conv2D / _FusedConv2D and BiasAdd (producing: zero filter columns and bias; activations that
// keep 0 at 0), depthwise convolutions with multiplier 1, MaxPool / AvgPool, Relu / Relu6 / Elu
// / LeakyRelu / Tanh / Identity, Add / AddV2 of two members, a zero channel Pad (producing: a
// longer pad; consuming: a shorter one), and Conv2D / _FusedConv2D reading it (zero filter rows).
// A group with a graph output, a constant member, or an edited constant that another node also
// reads is left alone. Every output of the graph is unchanged, to the bit: the added channels
// hold zeros and meet only zero weights.
//
// `values[k]` and `constants[k]` are node k's planned values and decoded constants (a constant's
// ValueInfo::host points into `constants`); `consumers[k]` the needed nodes that read node k as
// data (one entry per reading input), `isOutput[k]` whether node k is a graph output.
WidenResult widenChannelsToVec4(const std::vector<core::Node>& nodes, const core::GraphIndex& index,
    const std::vector<std::vector<std::size_t>>& consumers, const std::vector<bool>& isOutput,
    std::vector<std::vector<ValueInfo>>& values, std::vector<std::vector<rt::Tensor>>& constants);

} // namespace studio::vk
