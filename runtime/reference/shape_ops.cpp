// Ops that move data without arithmetic (Identity, Reshape, Pad, Shape, ExpandDims, Squeeze,
// Pack, ConcatV2, Transpose, GatherV2), all dtype-agnostic except Pad; and MatMul.
#include "runtime/reference/kernels.h"

#include <algorithm>
#include <functional>
#include <numeric>

namespace studio::rt::ref {

namespace {

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
    // Double sums rounded once, like the convolutions.
    std::vector<double> acc(static_cast<std::size_t>(n));
    for (std::int64_t r = 0; r < m; ++r) {
        std::fill(acc.begin(), acc.end(), 0.0);
        for (std::int64_t q = 0; q < k; ++q) {
            const float av = transA ? a.f[static_cast<std::size_t>(q * m + r)] : a.f[static_cast<std::size_t>(r * k + q)];
            for (std::int64_t c = 0; c < n; ++c)
                acc[static_cast<std::size_t>(c)] += static_cast<double>(av)
                    * static_cast<double>(transB ? b.f[static_cast<std::size_t>(c * k + q)] : b.f[static_cast<std::size_t>(q * n + c)]);
        }
        for (std::int64_t c = 0; c < n; ++c)
            y.f[static_cast<std::size_t>(r * n + c)] = static_cast<float>(acc[static_cast<std::size_t>(c)]);
    }
    return y;
}

std::int64_t product(std::vector<std::int64_t>::const_iterator first, std::vector<std::int64_t>::const_iterator last)
{
    return std::accumulate(first, last, std::int64_t{1}, std::multiplies<>());
}

// Concatenation core: for each of `outer` rows, part 0's slice of that row, then part 1's...
// Each part's slice is its size / outer elements, so Pack and ConcatV2 both reduce to this.
Tensor interleave(const std::vector<const Tensor*>& parts, std::vector<std::int64_t> shape, std::size_t outer)
{
    Tensor y;
    y.dtype = parts.front()->dtype;
    y.shape = std::move(shape);
    const auto join = [&](auto member) {
        auto& out = y.*member;
        out.reserve(y.size());
        for (std::size_t o = 0; o < outer; ++o)
            for (const auto* p : parts) {
                const auto& src = p->*member;
                const auto block = static_cast<std::ptrdiff_t>(src.size() / outer);
                const auto first = src.begin() + static_cast<std::ptrdiff_t>(o) * block;
                out.insert(out.end(), first, first + block);
            }
    };
    if (y.isFloat())
        join(&Tensor::f);
    else
        join(&Tensor::i);
    return y;
}

void requireSameDtype(const core::Node& node, const std::vector<const Tensor*>& parts)
{
    for (const auto* p : parts)
        if (p->dtype != parts.front()->dtype)
            fail(node, "inputs have different dtypes");
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

Tensor shape(const core::Node& node, const std::vector<const Tensor*>& in)
{
    if (in.empty())
        fail(node, "needs an input");
    // out_type int64 is carried as int32 too: TF.js has no int64 tensors.
    const auto& dims = in[0]->shape;
    std::vector<std::int32_t> values;
    for (auto d : dims)
        values.push_back(static_cast<std::int32_t>(d));
    return Tensor::ints({static_cast<std::int64_t>(dims.size())}, std::move(values));
}

Tensor expandDims(const core::Node& node, const std::vector<const Tensor*>& in)
{
    if (in.empty())
        fail(node, "needs an input");
    const auto dim = intValues(node, in, 1);
    if (dim.size() != 1)
        fail(node, "dim must hold exactly one value");
    Tensor y = *in[0];
    const auto axis = normalizeAxis(node, dim[0], y.shape.size() + 1);
    y.shape.insert(y.shape.begin() + static_cast<std::ptrdiff_t>(axis), 1);
    return y;
}

Tensor squeeze(const core::Node& node, const std::vector<const Tensor*>& in)
{
    if (in.empty())
        fail(node, "needs an input");
    Tensor y = *in[0];
    const auto dims = intList(node, "squeeze_dims");
    std::vector<bool> drop(y.shape.size(), false);
    if (dims.empty()) {
        for (std::size_t k = 0; k < y.shape.size(); ++k)
            drop[k] = y.shape[k] == 1;
    }
    for (auto d : dims) {
        const auto k = normalizeAxis(node, d, y.shape.size());
        if (y.shape[k] != 1)
            fail(node, "cannot squeeze dimension " + std::to_string(d) + " of " + y.shapeText() + ": it is not 1");
        drop[k] = true;
    }
    std::vector<std::int64_t> kept;
    for (std::size_t k = 0; k < y.shape.size(); ++k)
        if (!drop[k])
            kept.push_back(y.shape[k]);
    y.shape = std::move(kept);
    return y;
}

Tensor pack(const core::Node& node, const std::vector<const Tensor*>& in)
{
    if (in.empty())
        fail(node, "needs at least one input");
    requireSameDtype(node, in);
    const auto& first = in.front()->shape;
    for (const auto* t : in)
        if (t->shape != first)
            fail(node, "inputs have different shapes: " + in.front()->shapeText() + " and " + t->shapeText());
    const auto axis = normalizeAxis(node, intAttr(node, "axis", 0), first.size() + 1);
    auto shape = first;
    shape.insert(shape.begin() + static_cast<std::ptrdiff_t>(axis), static_cast<std::int64_t>(in.size()));
    const auto outer = product(first.begin(), first.begin() + static_cast<std::ptrdiff_t>(axis));
    return interleave(in, std::move(shape), static_cast<std::size_t>(outer));
}

Tensor concatV2(const core::Node& node, const std::vector<const Tensor*>& in)
{
    if (in.size() < 2)
        fail(node, "needs at least one value and the axis");
    const auto axisValue = intValues(node, in, in.size() - 1);
    if (axisValue.size() != 1)
        fail(node, "axis must hold exactly one value");
    const std::vector<const Tensor*> parts(in.begin(), in.end() - 1);
    requireSameDtype(node, parts);
    auto shape = parts.front()->shape;
    if (shape.empty())
        fail(node, "cannot concatenate scalars");
    const auto axis = normalizeAxis(node, axisValue[0], shape.size());
    shape[axis] = 0;
    for (const auto* p : parts) {
        bool fits = p->shape.size() == shape.size();
        for (std::size_t k = 0; fits && k < shape.size(); ++k)
            fits = k == axis || p->shape[k] == shape[k];
        if (!fits)
            fail(node, "input " + p->shapeText() + " does not match " + parts.front()->shapeText()
                    + " outside axis " + std::to_string(axis));
        shape[axis] += p->shape[axis];
    }
    const auto outer = product(shape.begin(), shape.begin() + static_cast<std::ptrdiff_t>(axis));
    return interleave(parts, std::move(shape), static_cast<std::size_t>(outer));
}

Tensor transpose(const core::Node& node, const std::vector<const Tensor*>& in)
{
    if (in.empty())
        fail(node, "needs an input");
    const Tensor& x = *in[0];
    const auto perm = intValues(node, in, 1);
    const std::size_t rank = x.shape.size();
    if (perm.size() != rank)
        fail(node, "perm has " + std::to_string(perm.size()) + " values for rank " + std::to_string(rank));
    std::vector<bool> seen(rank, false);
    const auto xStrides = stridesOf(x.shape);
    std::vector<std::int64_t> shape(rank), step(rank);
    for (std::size_t k = 0; k < rank; ++k) {
        // TensorFlow rejects negative entries here, unlike axis arguments.
        if (perm[k] < 0 || perm[k] >= static_cast<std::int64_t>(rank) || seen[static_cast<std::size_t>(perm[k])])
            fail(node, "perm is not a permutation of 0.." + std::to_string(rank - 1));
        const auto from = static_cast<std::size_t>(perm[k]);
        seen[from] = true;
        shape[k] = x.shape[from];
        step[k] = xStrides[from];
    }
    return pick(x, shape, walk(shape, 0, step));
}

Tensor gatherV2(const core::Node& node, const std::vector<const Tensor*>& in)
{
    if (in.size() < 3)
        fail(node, "needs params, indices and axis");
    const Tensor& params = *in[0];
    const Tensor& indices = intInput(node, in, 1);
    const auto axisValue = intValues(node, in, 2);
    if (axisValue.size() != 1)
        fail(node, "axis must hold exactly one value");
    if (intAttr(node, "batch_dims", 0) != 0)
        fail(node, "batch_dims other than 0 is not implemented");
    if (params.shape.empty())
        fail(node, "params must have at least one dimension");
    const auto axis = normalizeAxis(node, axisValue[0], params.shape.size());
    const auto axisBegin = params.shape.begin() + static_cast<std::ptrdiff_t>(axis);
    const auto outer = static_cast<std::size_t>(product(params.shape.begin(), axisBegin));
    const auto inner = static_cast<std::size_t>(product(axisBegin + 1, params.shape.end()));
    const std::int64_t count = params.shape[axis];
    std::vector<std::int64_t> shape(params.shape.begin(), axisBegin);
    shape.insert(shape.end(), indices.shape.begin(), indices.shape.end());
    shape.insert(shape.end(), axisBegin + 1, params.shape.end());
    std::vector<std::size_t> from;
    from.reserve(outer * indices.i.size() * inner);
    for (std::size_t o = 0; o < outer; ++o)
        for (const auto index : indices.i) {
            if (index < 0 || index >= count)
                fail(node, "index " + std::to_string(index) + " is outside [0, " + std::to_string(count) + ")");
            const std::size_t row = (o * static_cast<std::size_t>(count) + static_cast<std::size_t>(index)) * inner;
            for (std::size_t j = 0; j < inner; ++j)
                from.push_back(row + j);
        }
    return pick(params, std::move(shape), from);
}

Tensor matMul(const core::Node& node, const std::vector<const Tensor*>& in) { return matmul(node, in); }

Tensor fusedMatMul(const core::Node& node, const std::vector<const Tensor*>& in)
{
    Tensor y = matmul(node, in);
    applyFused(node, in, y);
    return y;
}

} // namespace studio::rt::ref
