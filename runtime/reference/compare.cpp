// Comparisons and logic with NumPy broadcasting (bool results are int32 0/1, as everywhere in
// the reference executor), Select / SelectV2, and Where (the coordinates of the true elements).
#include "runtime/reference/kernels.h"

namespace studio::rt::ref {

namespace {

template <typename Op>
Tensor compare(const core::Node& node, const std::vector<const Tensor*>& in, Op op)
{
    if (in.size() < 2)
        fail(node, "needs two inputs");
    const Tensor& a = *in[0];
    const Tensor& b = *in[1];
    if (a.isFloat() != b.isFloat())
        fail(node, "inputs have different dtypes");
    const auto shape = broadcastShape(node, a, b);
    const auto ia = broadcastIndex(shape, a.shape), ib = broadcastIndex(shape, b.shape);
    std::vector<std::int32_t> v(ia.size());
    for (std::size_t i = 0; i < v.size(); ++i)
        v[i] = a.isFloat() ? op(a.f[ia[i]], b.f[ib[i]]) : op(a.i[ia[i]], b.i[ib[i]]);
    auto y = Tensor::ints(shape, std::move(v));
    y.dtype = core::DType::Int32;
    return y;
}

// Select's cond, x and y already agree on `shape`; each output element picks from x or y.
Tensor choose(const Tensor& x, const Tensor& y, std::vector<std::int64_t> shape, const std::vector<bool>& takeX,
    const std::vector<std::size_t>& ix, const std::vector<std::size_t>& iy)
{
    Tensor out;
    out.dtype = x.dtype;
    out.shape = std::move(shape);
    if (x.isFloat()) {
        out.f.resize(takeX.size());
        for (std::size_t i = 0; i < takeX.size(); ++i)
            out.f[i] = takeX[i] ? x.f[ix[i]] : y.f[iy[i]];
    } else {
        out.i.resize(takeX.size());
        for (std::size_t i = 0; i < takeX.size(); ++i)
            out.i[i] = takeX[i] ? x.i[ix[i]] : y.i[iy[i]];
    }
    return out;
}

const Tensor& condition(const core::Node& node, const std::vector<const Tensor*>& in)
{
    if (in.size() < 3)
        fail(node, "needs three inputs (condition, then, else)");
    if (in[0]->isFloat())
        fail(node, "the condition must be bool");
    if (in[1]->isFloat() != in[2]->isFloat())
        fail(node, "the two branches have different dtypes");
    return *in[0];
}

} // namespace

Tensor less(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return compare(n, in, [](auto a, auto b) { return a < b; });
}
Tensor lessEqual(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return compare(n, in, [](auto a, auto b) { return a <= b; });
}
Tensor greater(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return compare(n, in, [](auto a, auto b) { return a > b; });
}
Tensor greaterEqual(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return compare(n, in, [](auto a, auto b) { return a >= b; });
}
Tensor equal(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return compare(n, in, [](auto a, auto b) { return a == b; });
}
Tensor notEqual(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return compare(n, in, [](auto a, auto b) { return a != b; });
}
Tensor logicalAnd(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return compare(n, in, [](auto a, auto b) { return a != 0 && b != 0; });
}
Tensor logicalOr(const core::Node& n, const std::vector<const Tensor*>& in)
{
    return compare(n, in, [](auto a, auto b) { return a != 0 || b != 0; });
}
Tensor logicalNot(const core::Node& node, const std::vector<const Tensor*>& in)
{
    Tensor y = intInput(node, in, 0);
    for (auto& v : y.i)
        v = v == 0;
    return y;
}

// TensorFlow's Select: the condition has the branches' shape, or is a scalar, or is a vector
// that picks whole rows (its length is the branches' first dimension).
Tensor select(const core::Node& node, const std::vector<const Tensor*>& in)
{
    const Tensor& c = condition(node, in);
    const Tensor& x = *in[1];
    const Tensor& y = *in[2];
    if (x.shape != y.shape)
        fail(node, "the branches differ in shape: " + x.shapeText() + " and " + y.shapeText());
    const std::size_t n = x.size();
    std::vector<bool> takeX(n);
    if (c.shape == x.shape) {
        for (std::size_t i = 0; i < n; ++i)
            takeX[i] = c.i[i] != 0;
    } else if (c.shape.empty()) {
        takeX.assign(n, c.i[0] != 0);
    } else if (c.shape.size() == 1 && !x.shape.empty() && c.shape[0] == x.shape[0]) {
        const std::size_t row = x.shape[0] ? n / static_cast<std::size_t>(x.shape[0]) : 0;
        for (std::size_t i = 0; i < n; ++i)
            takeX[i] = c.i[i / row] != 0;
    } else {
        fail(node, "condition " + c.shapeText() + " fits neither the branches' shape " + x.shapeText()
                + " nor their first dimension");
    }
    std::vector<std::size_t> same(n);
    for (std::size_t i = 0; i < n; ++i)
        same[i] = i;
    return choose(x, y, x.shape, takeX, same, same);
}

// SelectV2: condition and branches broadcast together, NumPy style.
Tensor selectV2(const core::Node& node, const std::vector<const Tensor*>& in)
{
    const Tensor& c = condition(node, in);
    const Tensor& x = *in[1];
    const Tensor& y = *in[2];
    Tensor xy = Tensor::floats(broadcastShape(node, x, y), {});
    const auto shape = broadcastShape(node, c, xy);
    const auto ic = broadcastIndex(shape, c.shape);
    std::vector<bool> takeX(ic.size());
    for (std::size_t i = 0; i < ic.size(); ++i)
        takeX[i] = c.i[ic[i]] != 0;
    return choose(x, y, shape, takeX, broadcastIndex(shape, x.shape), broadcastIndex(shape, y.shape));
}

// [true count, rank] coordinates of the non-zero elements in row-major order. TensorFlow gives
// int64; TF.js (and this executor) int32.
Tensor where(const core::Node& node, const std::vector<const Tensor*>& in)
{
    if (in.empty())
        fail(node, "needs an input");
    const Tensor& x = *in[0];
    const auto rank = x.shape.size();
    const auto strides = stridesOf(x.shape);
    std::vector<std::int32_t> coords;
    std::int64_t count = 0;
    const std::size_t n = x.size();
    for (std::size_t i = 0; i < n; ++i) {
        if (x.isFloat() ? x.f[i] == 0.0f : x.i[i] == 0)
            continue;
        ++count;
        auto rest = static_cast<std::int64_t>(i);
        for (std::size_t k = 0; k < rank; ++k) {
            coords.push_back(static_cast<std::int32_t>(rest / strides[k]));
            rest %= strides[k];
        }
    }
    return Tensor::ints({count, static_cast<std::int64_t>(rank)}, std::move(coords));
}

} // namespace studio::rt::ref
