// Unary math and activations beyond the basic ones (Elu, Selu, Softplus, Softsign, LeakyRelu,
// Sqrt, Square, Neg, Abs, Sign, Log, Reciprocal), Cast between float32 and int32, and
// BatchMatMulV2: what the Keras layers lower to besides convolutions and reductions.
#include "runtime/reference/kernels.h"

#include <algorithm>
#include <cmath>

namespace studio::rt::ref {

namespace {

// Evaluated in double and rounded once.
template <typename F>
Tensor unaryD(const core::Node& node, const std::vector<const Tensor*>& in, F op)
{
    Tensor y = floatInput(node, in, 0);
    for (auto& v : y.f)
        v = static_cast<float>(op(static_cast<double>(v)));
    return y;
}

} // namespace

Tensor elu(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return unaryD(n, in, [](double v) { return v >= 0.0 ? v : std::expm1(v); });
}
Tensor selu(const core::Node& n, const std::vector<const Tensor*>& in)
{
    // The constants of Klambauer et al. (2017), as TensorFlow and TF.js use them.
    constexpr double kAlpha = 1.6732632423543772848170429916717;
    constexpr double kScale = 1.0507009873554804934193349852946;
    return unaryD(n, in, [](double v) { return kScale * (v >= 0.0 ? v : kAlpha * std::expm1(v)); });
}
Tensor softplus(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return unaryD(n, in, [](double v) { return v > 0.0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)); });
}
Tensor softsign(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return unaryD(n, in, [](double v) { return v / (1.0 + std::abs(v)); });
}
Tensor leakyRelu(const core::Node& n, const std::vector<const Tensor*>& in)
{
    const double alpha = floatAttr(n, "alpha", 0.2);
    return unaryD(n, in, [alpha](double v) { return v >= 0.0 ? v : alpha * v; });
}
Tensor sqrt(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return unaryD(n, in, [](double v) { return std::sqrt(v); });
}
Tensor square(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return unaryD(n, in, [](double v) { return v * v; });
}
Tensor neg(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return unaryD(n, in, [](double v) { return -v; });
}
Tensor abs(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return unaryD(n, in, [](double v) { return std::abs(v); });
}
Tensor sign(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return unaryD(n, in, [](double v) { return v > 0.0 ? 1.0 : (v < 0.0 ? -1.0 : 0.0); });
}
Tensor log(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return unaryD(n, in, [](double v) { return std::log(v); });
}
Tensor reciprocal(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return unaryD(n, in, [](double v) { return 1.0 / v; });
}

// float32 -> int32 truncates toward zero (as TF.js's cast does); int32 -> float32 converts.
Tensor cast(const core::Node& node, const std::vector<const Tensor*>& in)
{
    if (in.empty())
        fail(node, "needs an input");
    const Tensor& x = *in[0];
    const auto* dst = core::findAttr(node.attrs, "DstT");
    if (!dst || dst->kind != core::AttrValue::Kind::Type)
        fail(node, "needs a DstT type attribute");
    const bool toFloat = dst->type == 1 || dst->type == 2 || dst->type == 19; // float, double, half
    const bool toInt = dst->type == 3 || dst->type == 9 || dst->type == 10;   // int32, int64, bool
    if (!toFloat && !toInt)
        fail(node, "cast to TensorFlow type " + std::to_string(dst->type) + " is not implemented");
    if (toFloat) {
        if (x.isFloat())
            return x;
        Tensor y = Tensor::floats(x.shape);
        std::transform(x.i.begin(), x.i.end(), y.f.begin(), [](std::int32_t v) { return static_cast<float>(v); });
        return y;
    }
    const bool toBool = dst->type == 10;
    if (!x.isFloat()) {
        Tensor y = x;
        if (toBool)
            for (auto& v : y.i)
                v = v != 0;
        return y;
    }
    std::vector<std::int32_t> v(x.f.size());
    for (std::size_t k = 0; k < v.size(); ++k) {
        const float f = x.f[k];
        if (toBool)
            v[k] = f != 0.0f;
        else if (!std::isfinite(f) || f >= 2147483648.0f || f < -2147483648.0f)
            fail(node, "value " + std::to_string(f) + " does not fit in int32");
        else
            v[k] = static_cast<std::int32_t>(f);
    }
    return Tensor::ints(x.shape, std::move(v));
}

// [..., m, k] x [..., k, n] (adj_x / adj_y transpose the last two dimensions), with broadcast
// batch dimensions; sums in double.
Tensor batchMatMul(const core::Node& node, const std::vector<const Tensor*>& in)
{
    const Tensor& a = floatInput(node, in, 0);
    const Tensor& b = floatInput(node, in, 1);
    if (a.shape.size() < 2 || b.shape.size() < 2)
        fail(node, "inputs must be at least 2-D, got " + a.shapeText() + " and " + b.shapeText());
    const bool ta = boolAttr(node, "adj_x", false), tb = boolAttr(node, "adj_y", false);
    const std::size_t ra = a.shape.size(), rb = b.shape.size();
    const std::int64_t m = ta ? a.shape[ra - 1] : a.shape[ra - 2], k = ta ? a.shape[ra - 2] : a.shape[ra - 1];
    const std::int64_t kb = tb ? b.shape[rb - 1] : b.shape[rb - 2], n = tb ? b.shape[rb - 2] : b.shape[rb - 1];
    if (k != kb)
        fail(node, "inner dimensions differ: " + a.shapeText() + " x " + b.shapeText());
    // Broadcast batch dimensions.
    const std::size_t batchRank = std::max(ra, rb) - 2;
    std::vector<std::int64_t> batch(batchRank, 1);
    auto dimOf = [](const Tensor& t, std::size_t rank, std::size_t k2) -> std::int64_t {
        const std::size_t tb2 = t.shape.size() - 2;
        return k2 < rank - tb2 ? 1 : t.shape[k2 - (rank - tb2)];
    };
    for (std::size_t d = 0; d < batchRank; ++d) {
        const auto da = dimOf(a, batchRank, d), db = dimOf(b, batchRank, d);
        if (da != db && da != 1 && db != 1)
            fail(node, "batch dimensions of " + a.shapeText() + " and " + b.shapeText() + " do not broadcast");
        batch[d] = std::max(da, db);
    }
    std::vector<std::int64_t> shape = batch;
    shape.push_back(m);
    shape.push_back(n);
    Tensor y = Tensor::floats(shape);
    std::int64_t batches = 1;
    for (auto d : batch)
        batches *= d;
    std::vector<std::int64_t> pos(batchRank, 0);
    for (std::int64_t bi = 0; bi < batches; ++bi) {
        std::int64_t offA = 0, offB = 0;
        for (std::size_t d = 0; d < batchRank; ++d) {
            const auto da = dimOf(a, batchRank, d), db = dimOf(b, batchRank, d);
            offA = offA * da + (da == 1 ? 0 : pos[d]);
            offB = offB * db + (db == 1 ? 0 : pos[d]);
        }
        const float* pa = &a.f[static_cast<std::size_t>(offA * m * k)];
        const float* pb = &b.f[static_cast<std::size_t>(offB * k * n)];
        float* py = &y.f[static_cast<std::size_t>(bi * m * n)];
        for (std::int64_t i = 0; i < m; ++i)
            for (std::int64_t j = 0; j < n; ++j) {
                double acc = 0.0;
                for (std::int64_t q = 0; q < k; ++q) {
                    const float va = ta ? pa[q * m + i] : pa[i * k + q];
                    const float vb = tb ? pb[j * k + q] : pb[q * n + j];
                    acc += static_cast<double>(va) * static_cast<double>(vb);
                }
                py[i * n + j] = static_cast<float>(acc);
            }
        for (std::size_t d = batchRank; d-- > 0;) {
            if (++pos[d] < batch[d])
                break;
            pos[d] = 0;
        }
    }
    return y;
}

} // namespace studio::rt::ref
