// Reference CPU kernels: one function per TensorFlow op, plain loops, the numerical oracle.
#pragma once

#include "core/ir/graph.h"
#include "runtime/tensor.h"

#include <map>
#include <string>
#include <vector>

namespace studio::rt::ref {

using Kernel = Tensor (*)(const core::Node& node, const std::vector<const Tensor*>& inputs);

// Op name -> kernel. Adding an op: write the kernel, add one line to the table.
const std::map<std::string, Kernel>& kernels();

// Attribute helpers shared by kernels (throw studio::Error naming node and attribute).
std::vector<std::int64_t> intList(const core::Node& node, const std::string& attr, std::vector<std::int64_t> fallback = {});
std::string stringAttr(const core::Node& node, const std::string& attr, const std::string& fallback = {});
std::vector<std::string> stringList(const core::Node& node, const std::string& attr);
double floatAttr(const core::Node& node, const std::string& attr, double fallback);
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

// A sliding window over an NHWC input with TF's SAME / VALID / EXPLICIT padding rules.
struct Window {
    std::int64_t batch, inH, inW, inC, kH, kW, outH, outW;
    std::int64_t strideH, strideW, dilH, dilW, padTop, padLeft;
};
Window window(const core::Node& node, const Tensor& x, std::int64_t kH, std::int64_t kW,
    const std::vector<std::int64_t>& strides, const std::vector<std::int64_t>& dilations);

// Input k, which must exist and be float32.
const Tensor& floatInput(const core::Node& node, const std::vector<const Tensor*>& inputs, std::size_t k);

// Shared by fused kernels: applies "Relu", "Relu6", "Elu", "LeakyRelu", "Sigmoid", "Tanh" in place.
void applyActivation(const core::Node& node, const std::string& activation, std::vector<float>& values);

} // namespace studio::rt::ref
