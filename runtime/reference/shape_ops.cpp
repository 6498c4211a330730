// Ops that move data without arithmetic: Identity, Reshape, Pad; and MatMul.
#include "runtime/reference/kernels.h"

namespace studio::rt::ref {

namespace {

const Tensor& intInput(const core::Node& node, const std::vector<const Tensor*>& in, std::size_t k)
{
    if (in.size() <= k)
        fail(node, "missing input " + std::to_string(k));
    if (in[k]->isFloat())
        fail(node, "input " + std::to_string(k) + " must be int32");
    return *in[k];
}

Tensor matmul(const core::Node& node, const std::vector<const Tensor*>& in)
{
    const Tensor& a = floatInput(node, in, 0);
    const Tensor& b = floatInput(node, in, 1);
    if (a.shape.size() != 2 || b.shape.size() != 2)
        fail(node, "inputs must be 2-D, got " + a.shapeText() + " and " + b.shapeText());
    const auto* ta = core::findAttr(node.attrs, "transpose_a");
    const auto* tb = core::findAttr(node.attrs, "transpose_b");
    const bool transA = ta && ta->b, transB = tb && tb->b;
    const std::int64_t m = transA ? a.shape[1] : a.shape[0], k = transA ? a.shape[0] : a.shape[1];
    const std::int64_t kb = transB ? b.shape[1] : b.shape[0], n = transB ? b.shape[0] : b.shape[1];
    if (k != kb)
        fail(node, "inner dimensions differ: " + a.shapeText() + " x " + b.shapeText());
    Tensor y = Tensor::floats({m, n});
    for (std::int64_t r = 0; r < m; ++r)
        for (std::int64_t q = 0; q < k; ++q) {
            const float av = transA ? a.f[static_cast<std::size_t>(q * m + r)] : a.f[static_cast<std::size_t>(r * k + q)];
            for (std::int64_t c = 0; c < n; ++c)
                y.f[static_cast<std::size_t>(r * n + c)]
                    += av * (transB ? b.f[static_cast<std::size_t>(c * k + q)] : b.f[static_cast<std::size_t>(q * n + c)]);
        }
    return y;
}

} // namespace

Tensor identity(const core::Node& node, const std::vector<const Tensor*>& in)
{
    if (in.empty())
        fail(node, "needs an input");
    return *in[0];
}

Tensor reshape(const core::Node& node, const std::vector<const Tensor*>& in)
{
    if (in.empty())
        fail(node, "needs an input");
    Tensor y = *in[0];
    const Tensor& shape = intInput(node, in, 1);
    std::vector<std::int64_t> dims(shape.i.begin(), shape.i.end());
    std::int64_t known = 1;
    int unknown = -1;
    for (std::size_t k = 0; k < dims.size(); ++k) {
        if (dims[k] == -1) {
            if (unknown >= 0)
                fail(node, "more than one -1 in the shape");
            unknown = static_cast<int>(k);
        } else {
            known *= dims[k];
        }
    }
    const auto total = static_cast<std::int64_t>(y.size());
    if (unknown >= 0 && known > 0)
        dims[static_cast<std::size_t>(unknown)] = total / known;
    y.shape = dims;
    if (static_cast<std::int64_t>(y.size()) != total)
        fail(node, "cannot reshape " + in[0]->shapeText() + " to " + y.shapeText());
    return y;
}

Tensor pad(const core::Node& node, const std::vector<const Tensor*>& in)
{
    const Tensor& x = floatInput(node, in, 0);
    const Tensor& p = intInput(node, in, 1);
    const std::size_t rank = x.shape.size();
    if (p.size() != 2 * rank)
        fail(node, "paddings " + p.shapeText() + " do not match rank " + std::to_string(rank));
    std::vector<std::int64_t> shape(rank);
    for (std::size_t k = 0; k < rank; ++k) {
        if (p.i[2 * k] < 0 || p.i[2 * k + 1] < 0)
            fail(node, "negative padding");
        shape[k] = x.shape[k] + p.i[2 * k] + p.i[2 * k + 1];
    }
    Tensor y = Tensor::floats(shape);
    std::vector<std::int64_t> pos(rank, 0);
    for (std::size_t i = 0; i < x.f.size(); ++i) {
        std::int64_t flat = 0;
        for (std::size_t k = 0; k < rank; ++k)
            flat = flat * shape[k] + pos[k] + p.i[2 * k];
        y.f[static_cast<std::size_t>(flat)] = x.f[i];
        for (std::size_t k = rank; k-- > 0;) {
            if (++pos[k] < x.shape[k])
                break;
            pos[k] = 0;
        }
    }
    return y;
}

Tensor matMul(const core::Node& node, const std::vector<const Tensor*>& in) { return matmul(node, in); }

Tensor fusedMatMul(const core::Node& node, const std::vector<const Tensor*>& in)
{
    Tensor y = matmul(node, in);
    const auto ops = stringList(node, "fused_ops");
    std::size_t k = 0;
    if (k < ops.size() && ops[k] == "BiasAdd") {
        const Tensor& bias = floatInput(node, in, 2);
        const std::size_t c = static_cast<std::size_t>(y.shape.back());
        if (bias.size() != c)
            fail(node, "bias " + bias.shapeText() + " does not match " + std::to_string(c) + " columns");
        for (std::size_t i = 0; i < y.f.size(); ++i)
            y.f[i] += bias.f[i % c];
        ++k;
    }
    for (; k < ops.size(); ++k)
        applyActivation(node, ops[k], y.f);
    return y;
}

} // namespace studio::rt::ref
