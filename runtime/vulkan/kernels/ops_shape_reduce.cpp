// Builders of the Vulkan op table beyond convolutions and element-wise ops: reductions, softmax,
// resizing, slicing, gathers, tiling, casts. Same contract as ops.cpp: plan the dispatches and
// return true, or decline (CPU fallback) having planned nothing.
#include "runtime/vulkan/kernels/ops.h"

#include "runtime/reference/kernels.h"

namespace studio::vk {

const std::map<std::string, Builder>& shapeAndReduceBuilders()
{
    static const std::map<std::string, Builder> kTable{};
    return kTable;
}

} // namespace studio::vk
