// Element-wise ops with NumPy broadcasting, activations, BiasAdd and Softmax.
#include "runtime/reference/kernels.h"

#include <algorithm>
#include <cmath>

namespace studio::rt::ref {

namespace {

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
Tensor minimum(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return binary(n, in, [](float a, float b) { return std::min(a, b); },
        [](std::int32_t a, std::int32_t b) { return std::min(a, b); });
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

Tensor softmax(const core::Node& node, const std::vector<const Tensor*>& in)
{
    Tensor y = floatInput(node, in, 0);
    if (y.shape.empty())
        fail(node, "needs at least one dimension");
    const std::size_t c = static_cast<std::size_t>(y.shape.back());
    for (std::size_t row = 0; row + c <= y.f.size(); row += c) {
        float mx = y.f[row];
        for (std::size_t k = 1; k < c; ++k)
            mx = std::max(mx, y.f[row + k]);
        float sum = 0.0f;
        for (std::size_t k = 0; k < c; ++k)
            sum += (y.f[row + k] = std::exp(y.f[row + k] - mx));
        for (std::size_t k = 0; k < c; ++k)
            y.f[row + k] /= sum;
    }
    return y;
}

} // namespace studio::rt::ref
