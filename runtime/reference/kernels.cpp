// The reference kernel table and the attribute helpers.
#include "runtime/reference/kernels.h"

#include "core/error.h"

#include <algorithm>
#include <cmath>

namespace studio::rt::ref {

const std::map<std::string, Kernel>& kernels()
{
    static const std::map<std::string, Kernel> kTable{
        {"Abs", abs},
        {"Add", add},
        {"AddN", addN},
        {"AddV2", add},
        {"AvgPool", avgPool},
        {"AvgPool3D", avgPool3d},
        {"BatchMatMul", batchMatMul},
        {"BatchMatMulV2", batchMatMul},
        {"BiasAdd", biasAdd},
        {"Cast", cast},
        {"ConcatV2", concatV2},
        {"Conv2D", conv2d},
        {"Conv2DBackpropInput", conv2dBackpropInput},
        {"Conv3D", conv3d},
        {"DepthwiseConv2dNative", depthwiseConv2d},
        {"Elu", elu},
        {"Equal", equal},
        {"Exp", exp},
        {"ExpandDims", expandDims},
        {"Fill", fill},
        {"FusedBatchNorm", fusedBatchNorm},
        {"FusedBatchNormV2", fusedBatchNorm},
        {"FusedBatchNormV3", fusedBatchNorm},
        {"FusedDepthwiseConv2dNative", fusedDepthwiseConv2d},
        {"GatherV2", gatherV2},
        {"Greater", greater},
        {"GreaterEqual", greaterEqual},
        {"Identity", identity},
        {"LeakyRelu", leakyRelu},
        {"Less", less},
        {"LessEqual", lessEqual},
        {"Log", log},
        {"LogicalAnd", logicalAnd},
        {"LogicalNot", logicalNot},
        {"LogicalOr", logicalOr},
        {"MatMul", matMul},
        {"Max", reduceMax},
        {"MaxPool", maxPool},
        {"MaxPool3D", maxPool3d},
        {"Maximum", maximum},
        {"Mean", mean},
        {"Min", reduceMin},
        {"Minimum", minimum},
        {"Mul", mul},
        {"Neg", neg},
        {"NotEqual", notEqual},
        {"Pack", pack},
        {"Pad", pad},
        {"Prelu", prelu},
        {"Prod", prod},
        {"Range", range},
        {"RealDiv", realDiv},
        {"Reciprocal", reciprocal},
        {"Relu", relu},
        {"Relu6", relu6},
        {"Reshape", reshape},
        {"ResizeBilinear", resizeBilinear},
        {"ResizeNearestNeighbor", resizeNearestNeighbor},
        {"Rsqrt", rsqrt},
        {"Select", select},
        {"SelectV2", selectV2},
        {"Selu", selu},
        {"Shape", shape},
        {"Sigmoid", sigmoid},
        {"Sign", sign},
        {"Slice", slice},
        {"Softmax", softmax},
        {"Softplus", softplus},
        {"Softsign", softsign},
        {"Sqrt", sqrt},
        {"Square", square},
        {"SquaredDifference", squaredDifference},
        {"Squeeze", squeeze},
        {"StridedSlice", stridedSlice},
        {"Sub", sub},
        {"Sum", reduceSum},
        {"Tanh", tanh},
        {"Transpose", transpose},
        {"Where", where},
        {"_FusedConv2D", fusedConv2d},
        {"_FusedMatMul", fusedMatMul},
    };
    return kTable;
}

const std::map<std::string, MultiKernel>& multiKernels()
{
    static const std::map<std::string, MultiKernel> kTable{
        {"NonMaxSuppressionV2", nonMaxSuppressionV2},
        {"NonMaxSuppressionV3", nonMaxSuppressionV3},
        {"NonMaxSuppressionV4", nonMaxSuppressionV4},
        {"NonMaxSuppressionV5", nonMaxSuppressionV5},
        {"Split", split},
        {"SplitV", splitV},
        {"TopKV2", topK},
        {"Unpack", unpack},
        // Run by the dataflow interpreter (dataflow.h), listed so that every caller that asks
        // whether the reference executor has an op gets the truth.
        {"Enter", dataflowOnly},
        {"Exit", dataflowOnly},
        {"LoopCond", dataflowOnly},
        {"Merge", dataflowOnly},
        {"NextIteration", dataflowOnly},
        {"Switch", dataflowOnly},
        {"TensorListConcatV2", dataflowOnly},
        {"TensorListFromTensor", dataflowOnly},
        {"TensorListGather", dataflowOnly},
        {"TensorListGetItem", dataflowOnly},
        {"TensorListLength", dataflowOnly},
        {"TensorListReserve", dataflowOnly},
        {"TensorListSetItem", dataflowOnly},
        {"TensorListStack", dataflowOnly},
    };
    return kTable;
}

std::vector<std::string> kernelOps()
{
    std::vector<std::string> ops;
    for (const auto& [op, k] : kernels())
        ops.push_back(op);
    for (const auto& [op, k] : multiKernels())
        ops.push_back(op);
    std::sort(ops.begin(), ops.end());
    return ops;
}

void fail(const core::Node& node, const std::string& what)
{
    studio::fail("reference executor: node '" + node.name + "' (" + node.op + ")", what);
}

std::vector<std::int64_t> intList(const core::Node& node, const std::string& attr, std::vector<std::int64_t> fallback)
{
    const auto* a = core::findAttr(node.attrs, attr);
    if (!a)
        return fallback;
    if (a->kind != core::AttrValue::Kind::List)
        fail(node, "attribute '" + attr + "' is not a list");
    return a->list.i;
}

std::string stringAttr(const core::Node& node, const std::string& attr, const std::string& fallback)
{
    const auto* a = core::findAttr(node.attrs, attr);
    if (!a)
        return fallback;
    if (a->kind != core::AttrValue::Kind::String)
        fail(node, "attribute '" + attr + "' is not a string");
    return a->s;
}

std::vector<std::string> stringList(const core::Node& node, const std::string& attr)
{
    const auto* a = core::findAttr(node.attrs, attr);
    if (!a)
        return {};
    if (a->kind != core::AttrValue::Kind::List)
        fail(node, "attribute '" + attr + "' is not a list");
    return a->list.s;
}

double floatAttr(const core::Node& node, const std::string& attr, double fallback)
{
    const auto* a = core::findAttr(node.attrs, attr);
    if (!a)
        return fallback;
    if (a->kind != core::AttrValue::Kind::Float)
        fail(node, "attribute '" + attr + "' is not a float");
    return a->f;
}

std::int64_t intAttr(const core::Node& node, const std::string& attr, std::int64_t fallback)
{
    const auto* a = core::findAttr(node.attrs, attr);
    if (!a)
        return fallback;
    if (a->kind != core::AttrValue::Kind::Int)
        fail(node, "attribute '" + attr + "' is not an integer");
    return a->i;
}

bool boolAttr(const core::Node& node, const std::string& attr, bool fallback)
{
    const auto* a = core::findAttr(node.attrs, attr);
    if (!a)
        return fallback;
    if (a->kind != core::AttrValue::Kind::Bool)
        fail(node, "attribute '" + attr + "' is not a bool");
    return a->b;
}

Window window(const core::Node& node, const Tensor& x, std::int64_t kH, std::int64_t kW,
    const std::vector<std::int64_t>& strides, const std::vector<std::int64_t>& dilations)
{
    if (x.shape.size() != 4)
        fail(node, "input must be 4-D NHWC, got " + x.shapeText());
    if (stringAttr(node, "data_format", "NHWC") != "NHWC")
        fail(node, "only NHWC is implemented");
    if (strides.size() != 4 || dilations.size() != 4)
        fail(node, "strides and dilations need 4 values");
    Window g{x.shape[0], x.shape[1], x.shape[2], x.shape[3], kH, kW, 0, 0, strides[1], strides[2], dilations[1],
        dilations[2], 0, 0};
    if (g.strideH <= 0 || g.strideW <= 0 || g.dilH <= 0 || g.dilW <= 0)
        fail(node, "strides and dilations must be positive");
    const std::string padding = stringAttr(node, "padding", "VALID");
    const std::int64_t effH = (kH - 1) * g.dilH + 1, effW = (kW - 1) * g.dilW + 1;
    if (padding == "SAME") {
        g.outH = (g.inH + g.strideH - 1) / g.strideH;
        g.outW = (g.inW + g.strideW - 1) / g.strideW;
        g.padTop = std::max<std::int64_t>((g.outH - 1) * g.strideH + effH - g.inH, 0) / 2;
        g.padLeft = std::max<std::int64_t>((g.outW - 1) * g.strideW + effW - g.inW, 0) / 2;
    } else if (padding == "VALID") {
        g.outH = (g.inH - effH) / g.strideH + 1;
        g.outW = (g.inW - effW) / g.strideW + 1;
    } else if (padding == "EXPLICIT") {
        const auto p = intList(node, "explicit_paddings");
        if (p.size() != 8)
            fail(node, "EXPLICIT padding needs 8 explicit_paddings");
        g.padTop = p[2];
        g.padLeft = p[4];
        g.outH = (g.inH + p[2] + p[3] - effH) / g.strideH + 1;
        g.outW = (g.inW + p[4] + p[5] - effW) / g.strideW + 1;
    } else {
        fail(node, "unknown padding '" + padding + "'");
    }
    if (g.outH <= 0 || g.outW <= 0)
        fail(node, "the window does not fit the input " + x.shapeText());
    return g;
}

const Tensor& floatInput(const core::Node& node, const std::vector<const Tensor*>& in, std::size_t k)
{
    if (in.size() <= k)
        fail(node, "missing input " + std::to_string(k));
    if (!in[k]->isFloat())
        fail(node, "input " + std::to_string(k) + " must be float32");
    return *in[k];
}

const Tensor& intInput(const core::Node& node, const std::vector<const Tensor*>& in, std::size_t k)
{
    if (in.size() <= k)
        fail(node, "missing input " + std::to_string(k));
    if (in[k]->isFloat())
        fail(node, "input " + std::to_string(k) + " must be int32");
    return *in[k];
}

std::vector<std::int64_t> intValues(const core::Node& node, const std::vector<const Tensor*>& in, std::size_t k)
{
    const Tensor& t = intInput(node, in, k);
    if (t.shape.size() > 1)
        fail(node, "input " + std::to_string(k) + " must be a scalar or a list, got " + t.shapeText());
    return {t.i.begin(), t.i.end()};
}

std::size_t normalizeAxis(const core::Node& node, std::int64_t axis, std::size_t rank)
{
    const auto r = static_cast<std::int64_t>(rank);
    if (axis < -r || axis >= r)
        fail(node, "axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
    return static_cast<std::size_t>(axis < 0 ? axis + r : axis);
}

Tensor pick(const Tensor& x, std::vector<std::int64_t> shape, const std::vector<std::size_t>& from)
{
    Tensor y;
    y.dtype = x.dtype;
    y.shape = std::move(shape);
    if (x.isFloat()) {
        y.f.resize(from.size());
        for (std::size_t i = 0; i < from.size(); ++i)
            y.f[i] = x.f[from[i]];
    } else {
        y.i.resize(from.size());
        for (std::size_t i = 0; i < from.size(); ++i)
            y.i[i] = x.i[from[i]];
    }
    return y;
}

void applyActivation(const core::Node& node, const std::string& activation, std::vector<float>& v)
{
    if (activation == "Relu") {
        for (auto& x : v)
            x = x > 0.0f ? x : 0.0f;
    } else if (activation == "Relu6") {
        for (auto& x : v)
            x = std::min(std::max(x, 0.0f), 6.0f);
    } else if (activation == "Elu") {
        for (auto& x : v)
            x = x >= 0.0f ? x : std::expm1(x);
    } else if (activation == "LeakyRelu") {
        const auto alpha = static_cast<float>(floatAttr(node, "leakyrelu_alpha", 0.2));
        for (auto& x : v)
            x = x >= 0.0f ? x : alpha * x;
    } else if (activation == "Sigmoid") {
        for (auto& x : v)
            x = 1.0f / (1.0f + std::exp(-x));
    } else if (activation == "Tanh") {
        for (auto& x : v)
            x = std::tanh(x);
    } else {
        fail(node, "fused activation '" + activation + "' is not implemented");
    }
}

} // namespace studio::rt::ref
