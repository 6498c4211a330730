// Reference CPU kernels: one function per TensorFlow op, plain loops, the numerical oracle. Sums
// (convolutions, matmul, pooling, reductions, softmax) accumulate in double and are rounded to
// float32 once, so the oracle adds almost no error of its own to what it checks.
#pragma once

#include "core/ir/graph.h"
#include "core/ops/strided_slice.h"
#include "runtime/tensor.h"

#include <map>
#include <string>
#include <vector>

namespace studio::rt::ref {

using Kernel = Tensor (*)(const core::Node& node, const std::vector<const Tensor*>& inputs);

// Ops with several outputs (Split, Unpack) return one tensor per output.
using MultiKernel = std::vector<Tensor> (*)(const core::Node& node, const std::vector<const Tensor*>& inputs);

// Op name -> kernel. Adding an op: write the kernel, add one line to the table.
const std::map<std::string, Kernel>& kernels();
const std::map<std::string, MultiKernel>& multiKernels();
// Every op the reference executor runs (both tables), sorted.
std::vector<std::string> kernelOps();

// Attribute helpers shared by kernels (throw studio::Error naming node and attribute).
std::vector<std::int64_t> intList(const core::Node& node, const std::string& attr, std::vector<std::int64_t> fallback = {});
std::string stringAttr(const core::Node& node, const std::string& attr, const std::string& fallback = {});
std::vector<std::string> stringList(const core::Node& node, const std::string& attr);
double floatAttr(const core::Node& node, const std::string& attr, double fallback);
std::int64_t intAttr(const core::Node& node, const std::string& attr, std::int64_t fallback);
bool boolAttr(const core::Node& node, const std::string& attr, bool fallback);
[[noreturn]] void fail(const core::Node& node, const std::string& what);

// Kernels by file (registered in kernels.cpp).
Tensor conv2d(const core::Node&, const std::vector<const Tensor*>&);
Tensor fusedConv2d(const core::Node&, const std::vector<const Tensor*>&);
Tensor depthwiseConv2d(const core::Node&, const std::vector<const Tensor*>&);
Tensor fusedDepthwiseConv2d(const core::Node&, const std::vector<const Tensor*>&);
Tensor maxPool(const core::Node&, const std::vector<const Tensor*>&);
Tensor avgPool(const core::Node&, const std::vector<const Tensor*>&);
Tensor add(const core::Node&, const std::vector<const Tensor*>&);
Tensor sub(const core::Node&, const std::vector<const Tensor*>&);
Tensor mul(const core::Node&, const std::vector<const Tensor*>&);
Tensor realDiv(const core::Node&, const std::vector<const Tensor*>&);
Tensor maximum(const core::Node&, const std::vector<const Tensor*>&);
Tensor minimum(const core::Node&, const std::vector<const Tensor*>&);
Tensor prelu(const core::Node&, const std::vector<const Tensor*>&);
Tensor biasAdd(const core::Node&, const std::vector<const Tensor*>&);
Tensor relu(const core::Node&, const std::vector<const Tensor*>&);
Tensor relu6(const core::Node&, const std::vector<const Tensor*>&);
Tensor sigmoid(const core::Node&, const std::vector<const Tensor*>&);
Tensor tanh(const core::Node&, const std::vector<const Tensor*>&);
Tensor softmax(const core::Node&, const std::vector<const Tensor*>&);
Tensor matMul(const core::Node&, const std::vector<const Tensor*>&);
Tensor fusedMatMul(const core::Node&, const std::vector<const Tensor*>&);
Tensor identity(const core::Node&, const std::vector<const Tensor*>&);
Tensor reshape(const core::Node&, const std::vector<const Tensor*>&);
Tensor pad(const core::Node&, const std::vector<const Tensor*>&);
Tensor shape(const core::Node&, const std::vector<const Tensor*>&);
Tensor expandDims(const core::Node&, const std::vector<const Tensor*>&);
Tensor squeeze(const core::Node&, const std::vector<const Tensor*>&);
Tensor pack(const core::Node&, const std::vector<const Tensor*>&);
Tensor concatV2(const core::Node&, const std::vector<const Tensor*>&);
Tensor transpose(const core::Node&, const std::vector<const Tensor*>&);
Tensor gatherV2(const core::Node&, const std::vector<const Tensor*>&);
Tensor stridedSlice(const core::Node&, const std::vector<const Tensor*>&);
Tensor mean(const core::Node&, const std::vector<const Tensor*>&);
Tensor prod(const core::Node&, const std::vector<const Tensor*>&);
Tensor resizeBilinear(const core::Node&, const std::vector<const Tensor*>&);
Tensor resizeNearestNeighbor(const core::Node&, const std::vector<const Tensor*>&);
Tensor conv2dBackpropInput(const core::Node&, const std::vector<const Tensor*>&);
Tensor fusedBatchNorm(const core::Node&, const std::vector<const Tensor*>&);
Tensor addN(const core::Node&, const std::vector<const Tensor*>&);
Tensor squaredDifference(const core::Node&, const std::vector<const Tensor*>&);
Tensor exp(const core::Node&, const std::vector<const Tensor*>&);
Tensor rsqrt(const core::Node&, const std::vector<const Tensor*>&);
Tensor elu(const core::Node&, const std::vector<const Tensor*>&);
Tensor selu(const core::Node&, const std::vector<const Tensor*>&);
Tensor softplus(const core::Node&, const std::vector<const Tensor*>&);
Tensor softsign(const core::Node&, const std::vector<const Tensor*>&);
Tensor leakyRelu(const core::Node&, const std::vector<const Tensor*>&);
Tensor sqrt(const core::Node&, const std::vector<const Tensor*>&);
Tensor square(const core::Node&, const std::vector<const Tensor*>&);
Tensor neg(const core::Node&, const std::vector<const Tensor*>&);
Tensor abs(const core::Node&, const std::vector<const Tensor*>&);
Tensor sign(const core::Node&, const std::vector<const Tensor*>&);
Tensor log(const core::Node&, const std::vector<const Tensor*>&);
Tensor reciprocal(const core::Node&, const std::vector<const Tensor*>&);
Tensor cast(const core::Node&, const std::vector<const Tensor*>&);
Tensor batchMatMul(const core::Node&, const std::vector<const Tensor*>&);
Tensor reduceSum(const core::Node&, const std::vector<const Tensor*>&);
Tensor reduceMax(const core::Node&, const std::vector<const Tensor*>&);
Tensor reduceMin(const core::Node&, const std::vector<const Tensor*>&);
Tensor conv3d(const core::Node&, const std::vector<const Tensor*>&);
Tensor maxPool3d(const core::Node&, const std::vector<const Tensor*>&);
Tensor avgPool3d(const core::Node&, const std::vector<const Tensor*>&);
std::vector<Tensor> split(const core::Node&, const std::vector<const Tensor*>&);
std::vector<Tensor> splitV(const core::Node&, const std::vector<const Tensor*>&);
std::vector<Tensor> unpack(const core::Node&, const std::vector<const Tensor*>&);
// compare.cpp: comparisons and logic give bool (int32 0/1), Select picks, Where finds.
Tensor less(const core::Node&, const std::vector<const Tensor*>&);
Tensor lessEqual(const core::Node&, const std::vector<const Tensor*>&);
Tensor greater(const core::Node&, const std::vector<const Tensor*>&);
Tensor greaterEqual(const core::Node&, const std::vector<const Tensor*>&);
Tensor equal(const core::Node&, const std::vector<const Tensor*>&);
Tensor notEqual(const core::Node&, const std::vector<const Tensor*>&);
Tensor logicalAnd(const core::Node&, const std::vector<const Tensor*>&);
Tensor logicalOr(const core::Node&, const std::vector<const Tensor*>&);
Tensor logicalNot(const core::Node&, const std::vector<const Tensor*>&);
Tensor select(const core::Node&, const std::vector<const Tensor*>&);
Tensor selectV2(const core::Node&, const std::vector<const Tensor*>&);
Tensor where(const core::Node&, const std::vector<const Tensor*>&);
// fill_range_slice.cpp
Tensor fill(const core::Node&, const std::vector<const Tensor*>&);
Tensor range(const core::Node&, const std::vector<const Tensor*>&);
Tensor slice(const core::Node&, const std::vector<const Tensor*>&);
// top_k.cpp: values and indices.
std::vector<Tensor> topK(const core::Node&, const std::vector<const Tensor*>&);
// non_max_suppression.cpp: selected indices, then (V4) valid count or (V5) scores and count.
std::vector<Tensor> nonMaxSuppressionV2(const core::Node&, const std::vector<const Tensor*>&);
std::vector<Tensor> nonMaxSuppressionV3(const core::Node&, const std::vector<const Tensor*>&);
std::vector<Tensor> nonMaxSuppressionV4(const core::Node&, const std::vector<const Tensor*>&);
std::vector<Tensor> nonMaxSuppressionV5(const core::Node&, const std::vector<const Tensor*>&);
// dataflow.cpp: the table entry of an op only the dataflow interpreter runs (Switch, Merge,
// Enter, TensorList ops...): reached only by a caller that runs nodes one by one itself.
std::vector<Tensor> dataflowOnly(const core::Node&, const std::vector<const Tensor*>&);

// NumPy broadcasting of two operands (elementwise.cpp): the result shape, and for each result
// element the index of the operand element it reads.
std::vector<std::int64_t> broadcastShape(const core::Node& node, const Tensor& a, const Tensor& b);
std::vector<std::size_t> broadcastIndex(const std::vector<std::int64_t>& out, const std::vector<std::int64_t>& in);

// A sliding window over an NHWC input with TF's SAME / VALID / EXPLICIT padding rules.
struct Window {
    std::int64_t batch, inH, inW, inC, kH, kW, outH, outW;
    std::int64_t strideH, strideW, dilH, dilW, padTop, padLeft;
};
Window window(const core::Node& node, const Tensor& x, std::int64_t kH, std::int64_t kW,
    const std::vector<std::int64_t>& strides, const std::vector<std::int64_t>& dilations);

// Input k, which must exist and be float32 / int32.
const Tensor& floatInput(const core::Node& node, const std::vector<const Tensor*>& inputs, std::size_t k);
const Tensor& intInput(const core::Node& node, const std::vector<const Tensor*>& inputs, std::size_t k);
// The values of int32 input k (a scalar or a 1-D list: axes, sizes, permutations).
std::vector<std::int64_t> intValues(const core::Node& node, const std::vector<const Tensor*>& inputs, std::size_t k);
// An axis in [-rank, rank) made non-negative; anything else fails naming the node.
std::size_t normalizeAxis(const core::Node& node, std::int64_t axis, std::size_t rank);

// Row-major strides of a shape, in elements (core/ops/strided_slice.h, shared with the schemas).
inline std::vector<std::int64_t> stridesOf(const std::vector<std::int64_t>& shape) { return core::rowMajorStrides(shape); }
// A tensor of x's dtype and the given shape whose element i is x's element from[i]: every op
// that only moves data (transpose, gather, slice, concat...) reduces to this, so int32 and
// float32 are handled in one place.
Tensor pick(const Tensor& x, std::vector<std::int64_t> shape, const std::vector<std::size_t>& from);
// Source offsets for every element of `shape` in row-major order, where one step along
// dimension k moves step[k] elements (possibly negative) from `base`: transposes and slices.
inline std::vector<std::size_t> walk(const std::vector<std::int64_t>& shape, std::int64_t base, const std::vector<std::int64_t>& step)
{
    return core::walkOffsets(shape, base, step);
}

// The fused_ops of _FusedConv2D / FusedDepthwiseConv2dNative / _FusedMatMul, applied in place:
// BiasAdd (input 2), then Prelu (input 3) or an activation.
void applyFused(const core::Node& node, const std::vector<const Tensor*>& inputs, Tensor& y);

// Shared by fused kernels: applies "Relu", "Relu6", "Elu", "LeakyRelu", "Sigmoid", "Tanh" in place.
void applyActivation(const core::Node& node, const std::string& activation, std::vector<float>& values);

} // namespace studio::rt::ref
