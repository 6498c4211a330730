// Element-wise ops with NumPy broadcasting, AddN, activations, Exp / Rsqrt, BiasAdd, inference
// FusedBatchNorm and Softmax.
#include "runtime/reference/kernels.h"

#include <algorithm>
#include <cmath>

namespace studio::rt::ref {

std::vector<std::int64_t> broadcastShape(const core::Node& node, const Tensor& a, const Tensor& b)
{
    const std::size_t rank = std::max(a.shape.size(), b.shape.size());
    std::vector<std::int64_t> out(rank, 1);
    for (std::size_t k = 0; k < rank; ++k) {
        const std::int64_t da = k < rank - a.shape.size() ? 1 : a.shape[k - (rank - a.shape.size())];
        const std::int64_t db = k < rank - b.shape.size() ? 1 : b.shape[k - (rank - b.shape.size())];
        if (da != db && da != 1 && db != 1)
            fail(node, "shapes " + a.shapeText() + " and " + b.shapeText() + " do not broadcast");
        out[k] = std::max(da, db);
    }
    return out;
}

// Index into an operand for each output element, honouring size-1 (broadcast) dimensions.
std::vector<std::size_t> broadcastIndex(const std::vector<std::int64_t>& out, const std::vector<std::int64_t>& in)
{
    const std::size_t rank = out.size(), offset = rank - in.size();
    std::vector<std::int64_t> strides(rank, 0);
    std::int64_t s = 1;
    for (std::size_t k = rank; k-- > offset;) {
        const auto d = in[k - offset];
        strides[k] = d == 1 ? 0 : s;
        s *= d;
    }
    std::size_t total = 1;
    for (auto d : out)
        total *= static_cast<std::size_t>(d);
    std::vector<std::size_t> index(total);
    std::vector<std::int64_t> pos(rank, 0);
    for (std::size_t i = 0; i < total; ++i) {
        std::int64_t flat = 0;
        for (std::size_t k = 0; k < rank; ++k)
            flat += pos[k] * strides[k];
        index[i] = static_cast<std::size_t>(flat);
        for (std::size_t k = rank; k-- > 0;) {
            if (++pos[k] < out[k])
                break;
            pos[k] = 0;
        }
    }
    return index;
}

namespace {

template <typename F, typename G>
Tensor binary(const core::Node& node, const std::vector<const Tensor*>& in, F floatOp, G intOp)
{
    if (in.size() < 2)
        fail(node, "needs two inputs");
    const Tensor& a = *in[0];
    const Tensor& b = *in[1];
    if (a.dtype != b.dtype)
        fail(node, "inputs have different dtypes");
    const auto shape = broadcastShape(node, a, b);
    const auto ia = broadcastIndex(shape, a.shape), ib = broadcastIndex(shape, b.shape);
    if (a.isFloat()) {
        Tensor y = Tensor::floats(shape);
        for (std::size_t i = 0; i < y.f.size(); ++i)
            y.f[i] = floatOp(a.f[ia[i]], b.f[ib[i]]);
        return y;
    }
    std::vector<std::int32_t> v(ia.size());
    for (std::size_t i = 0; i < v.size(); ++i)
        v[i] = intOp(a.i[ia[i]], b.i[ib[i]]);
    return Tensor::ints(shape, std::move(v));
}

template <typename F>
Tensor unary(const core::Node& node, const std::vector<const Tensor*>& in, F op)
{
    Tensor y = floatInput(node, in, 0);
    for (auto& v : y.f)
        v = op(v);
    return y;
}

} // namespace

Tensor add(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return binary(n, in, [](float a, float b) { return a + b; }, [](std::int32_t a, std::int32_t b) { return a + b; });
}
Tensor sub(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return binary(n, in, [](float a, float b) { return a - b; }, [](std::int32_t a, std::int32_t b) { return a - b; });
}
Tensor mul(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return binary(n, in, [](float a, float b) { return a * b; }, [](std::int32_t a, std::int32_t b) { return a * b; });
}
Tensor realDiv(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return binary(n, in, [](float a, float b) { return a / b; },
        [&n](std::int32_t a, std::int32_t b) -> std::int32_t {
            if (b == 0)
                fail(n, "integer division by zero");
            return a / b;
        });
}
Tensor maximum(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return binary(n, in, [](float a, float b) { return std::max(a, b); },
        [](std::int32_t a, std::int32_t b) { return std::max(a, b); });
}
// The converter's Prelu(x, alpha): x where x >= 0, alpha * x elsewhere, alpha broadcast.
Tensor prelu(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return binary(n, in, [](float a, float b) { return a >= 0.0f ? a : a * b; },
        [](std::int32_t a, std::int32_t b) { return a >= 0 ? a : a * b; });
}
Tensor minimum(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return binary(n, in, [](float a, float b) { return std::min(a, b); },
        [](std::int32_t a, std::int32_t b) { return std::min(a, b); });
}

Tensor squaredDifference(const core::Node& n, const std::vector<const Tensor*>& in)
{
    // The difference is exact in double, so the result is rounded once, not twice.
    return binary(n, in,
        [](float a, float b) {
            const double d = static_cast<double>(a) - static_cast<double>(b);
            return static_cast<float>(d * d);
        },
        [](std::int32_t a, std::int32_t b) {
            // Unsigned, so overflow wraps like int32 arithmetic instead of being undefined.
            const auto d = static_cast<std::uint32_t>(a) - static_cast<std::uint32_t>(b);
            return static_cast<std::int32_t>(d * d);
        });
}

Tensor addN(const core::Node& node, const std::vector<const Tensor*>& in)
{
    if (in.empty())
        fail(node, "needs at least one input");
    Tensor y = *in[0];
    for (std::size_t k = 1; k < in.size(); ++k) {
        const Tensor& t = *in[k];
        // Unlike Add, AddN does not broadcast.
        if (t.dtype != y.dtype || t.shape != y.shape)
            fail(node, "input " + std::to_string(k) + " " + t.shapeText() + " does not match " + y.shapeText());
        for (std::size_t i = 0; i < y.f.size(); ++i)
            y.f[i] += t.f[i];
        for (std::size_t i = 0; i < y.i.size(); ++i)
            y.i[i] += t.i[i];
    }
    return y;
}

Tensor biasAdd(const core::Node& node, const std::vector<const Tensor*>& in)
{
    Tensor y = floatInput(node, in, 0);
    const Tensor& bias = floatInput(node, in, 1);
    const std::size_t c = y.shape.empty() ? 1 : static_cast<std::size_t>(y.shape.back());
    if (bias.size() != c)
        fail(node, "bias " + bias.shapeText() + " does not match " + std::to_string(c) + " channels");
    for (std::size_t i = 0; i < y.f.size(); ++i)
        y.f[i] += bias.f[i % c];
    return y;
}

Tensor relu(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return unary(n, in, [](float v) { return v > 0.0f ? v : 0.0f; });
}
Tensor relu6(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return unary(n, in, [](float v) { return std::min(std::max(v, 0.0f), 6.0f); });
}
Tensor sigmoid(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return unary(n, in, [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
}
Tensor tanh(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return unary(n, in, [](float v) { return std::tanh(v); });
}

Tensor exp(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return unary(n, in, [](float v) { return std::exp(v); });
}
Tensor rsqrt(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return unary(n, in, [](float v) { return static_cast<float>(1.0 / std::sqrt(static_cast<double>(v))); });
}

// Inference batch normalization over the last (channel) axis: offset + (x - mean) * scale /
// sqrt(variance + epsilon), evaluated in double and rounded once. Only output 0 (y) exists
// here; the batch statistics outputs are for training.
Tensor fusedBatchNorm(const core::Node& node, const std::vector<const Tensor*>& in)
{
    Tensor y = floatInput(node, in, 0);
    if (stringAttr(node, "data_format", "NHWC") != "NHWC")
        fail(node, "only NHWC is implemented");
    // TensorFlow's default is training mode, which normalizes with the batch's own statistics;
    // graph models for inference carry is_training: false.
    if (boolAttr(node, "is_training", true))
        fail(node, "is_training is set (or absent): training-mode batch normalization is not implemented");
    const double epsilon = floatAttr(node, "epsilon", 1e-4); // TensorFlow's default
    const std::size_t c = y.shape.empty() ? 1 : static_cast<std::size_t>(y.shape.back());
    const char* names[] = {"scale", "offset", "mean", "variance"};
    for (std::size_t k = 1; k <= 4; ++k)
        if (floatInput(node, in, k).size() != c)
            fail(node, std::string(names[k - 1]) + " " + in[k]->shapeText() + " does not match " + std::to_string(c)
                    + " channels");
    const auto value = [&](std::size_t input, std::size_t ch) { return static_cast<double>(in[input]->f[ch]); };
    for (std::size_t i = 0; i < y.f.size(); ++i) {
        const std::size_t ch = i % c;
        y.f[i] = static_cast<float>(value(2, ch)
            + (static_cast<double>(y.f[i]) - value(3, ch)) * value(1, ch) / std::sqrt(value(4, ch) + epsilon));
    }
    return y;
}

Tensor softmax(const core::Node& node, const std::vector<const Tensor*>& in)
{
    Tensor y = floatInput(node, in, 0);
    if (y.shape.empty())
        fail(node, "needs at least one dimension");
    const std::size_t c = static_cast<std::size_t>(y.shape.back());
    std::vector<double> e(c);
    for (std::size_t row = 0; row + c <= y.f.size(); row += c) {
        float mx = y.f[row];
        for (std::size_t k = 1; k < c; ++k)
            mx = std::max(mx, y.f[row + k]);
        double sum = 0.0;
        for (std::size_t k = 0; k < c; ++k)
            sum += (e[k] = std::exp(static_cast<double>(y.f[row + k]) - static_cast<double>(mx)));
        for (std::size_t k = 0; k < c; ++k)
            y.f[row + k] = static_cast<float>(e[k] / sum);
    }
    return y;
}

} // namespace studio::rt::ref
