// Ops that make or cut tensors from runtime values: Fill, Range, Slice.
#include "runtime/reference/kernels.h"

#include <cmath>

namespace studio::rt::ref {

Tensor fill(const core::Node& node, const std::vector<const Tensor*>& in)
{
    const auto dims = intValues(node, in, 0);
    if (in.size() < 2 || in[1]->size() != 1)
        fail(node, "the fill value must be a scalar");
    for (const auto d : dims)
        if (d < 0)
            fail(node, "dimension " + std::to_string(d) + " is negative");
    const Tensor& value = *in[1];
    Tensor y;
    y.dtype = value.dtype;
    y.shape = dims;
    if (value.isFloat())
        y.f.assign(y.size(), value.f[0]);
    else
        y.i.assign(y.size(), value.i[0]);
    return y;
}

// Float ranges add the step to the previous element in float32, as TF.js does.
Tensor range(const core::Node& node, const std::vector<const Tensor*>& in)
{
    if (in.size() < 3)
        fail(node, "needs start, limit and delta");
    for (std::size_t k = 0; k < 3; ++k)
        if (in[k]->size() != 1)
            fail(node, "input " + std::to_string(k) + " must be a scalar, got " + in[k]->shapeText());
    const bool isFloat = in[0]->isFloat();
    if (in[1]->isFloat() != isFloat || in[2]->isFloat() != isFloat)
        fail(node, "start, limit and delta have different dtypes");
    const auto at = [&](std::size_t k) { return isFloat ? static_cast<double>(in[k]->f[0]) : static_cast<double>(in[k]->i[0]); };
    const double start = at(0), limit = at(1), delta = at(2);
    if (delta == 0.0)
        fail(node, "delta is 0");
    if ((delta > 0 && limit < start) || (delta < 0 && limit > start))
        fail(node, "delta " + std::to_string(delta) + " does not move start " + std::to_string(start) + " towards limit "
                + std::to_string(limit));
    const double count = std::ceil(std::abs((limit - start) / delta));
    if (!(count <= 1e9))
        fail(node, "the range has too many elements");
    const auto n = static_cast<std::size_t>(count);
    if (isFloat) {
        Tensor y = Tensor::floats({static_cast<std::int64_t>(n)});
        for (std::size_t i = 0; i < n; ++i)
            y.f[i] = i == 0 ? in[0]->f[0] : y.f[i - 1] + in[2]->f[0];
        return y;
    }
    std::vector<std::int32_t> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = static_cast<std::int32_t>(in[0]->i[0] + static_cast<std::int64_t>(i) * in[2]->i[0]);
    return Tensor::ints({static_cast<std::int64_t>(n)}, std::move(v));
}

// Slice(x, begin, size): size -1 takes the rest of that dimension.
Tensor slice(const core::Node& node, const std::vector<const Tensor*>& in)
{
    if (in.empty())
        fail(node, "needs an input");
    const Tensor& x = *in[0];
    const auto begin = intValues(node, in, 1);
    auto size = intValues(node, in, 2);
    if (begin.size() != x.shape.size() || size.size() != x.shape.size())
        fail(node, "begin and size need " + std::to_string(x.shape.size()) + " values for " + x.shapeText());
    for (std::size_t k = 0; k < size.size(); ++k) {
        if (size[k] == -1)
            size[k] = x.shape[k] - begin[k];
        if (begin[k] < 0 || size[k] < 0 || begin[k] + size[k] > x.shape[k])
            fail(node, "slice [" + std::to_string(begin[k]) + ", +" + std::to_string(size[k]) + ") is outside dimension "
                    + std::to_string(k) + " of " + x.shapeText());
    }
    const auto strides = stridesOf(x.shape);
    std::int64_t base = 0;
    for (std::size_t k = 0; k < begin.size(); ++k)
        base += begin[k] * strides[k];
    return pick(x, size, walk(size, base, strides));
}

} // namespace studio::rt::ref
