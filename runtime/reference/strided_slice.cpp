// StridedSlice with TensorFlow's full mask semantics (begin, end, ellipsis, new_axis, shrink_axis).
#include "runtime/reference/kernels.h"


namespace studio::rt::ref {

// The spec resolution lives in core/ops/strided_slice (shared with the schema); the kernel only
// checks its inputs and walks the plan.
Tensor stridedSlice(const core::Node& node, const std::vector<const Tensor*>& in)
{
    if (in.size() < 4)
        fail(node, "needs input, begin, end and strides");
    const Tensor& x = *in[0];
    core::StridedSliceSpec spec;
    spec.begin = intValues(node, in, 1);
    spec.end = intValues(node, in, 2);
    spec.strides = intValues(node, in, 3);
    spec.beginMask = intAttr(node, "begin_mask", 0);
    spec.endMask = intAttr(node, "end_mask", 0);
    spec.ellipsisMask = intAttr(node, "ellipsis_mask", 0);
    spec.newAxisMask = intAttr(node, "new_axis_mask", 0);
    spec.shrinkAxisMask = intAttr(node, "shrink_axis_mask", 0);
    const auto plan = core::planStridedSlice(x.shape, spec, [&](const std::string& what) { fail(node, what); });
    // Shrunk and new axes have size 1, so the dense walk already yields the output's order.
    return pick(x, plan.outputShape, walk(plan.size, plan.base, plan.step));
}

} // namespace studio::rt::ref
