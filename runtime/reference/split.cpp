// Multi-output kernels: Split, SplitV and Unpack cut one tensor into several along an axis.
#include "runtime/reference/kernels.h"

namespace studio::rt::ref {

namespace {

// Slices x along `axis` into pieces of the given sizes; `squeeze` drops the axis (Unpack).
std::vector<Tensor> cut(const core::Node& node, const Tensor& x, std::size_t axis,
    const std::vector<std::int64_t>& sizes, bool squeeze)
{
    const auto strides = stridesOf(x.shape);
    std::vector<Tensor> out;
    std::int64_t start = 0;
    for (const auto size : sizes) {
        if (size < 0 || start + size > x.shape[axis])
            fail(node, "split sizes do not fit dimension " + std::to_string(axis) + " of " + x.shapeText());
        auto shape = x.shape;
        shape[axis] = size;
        std::vector<std::int64_t> step(strides.begin(), strides.end());
        const auto from = walk(shape, start * strides[axis], step);
        auto piece = pick(x, shape, from);
        if (squeeze)
            piece.shape.erase(piece.shape.begin() + static_cast<std::ptrdiff_t>(axis));
        out.push_back(std::move(piece));
        start += size;
    }
    return out;
}

std::int64_t scalarInput(const core::Node& node, const std::vector<const Tensor*>& in, std::size_t k)
{
    const auto v = intValues(node, in, k);
    if (v.size() != 1)
        fail(node, "input " + std::to_string(k) + " must be a scalar");
    return v[0];
}

} // namespace

// Split(axis, value) with num_split equal parts.
std::vector<Tensor> split(const core::Node& node, const std::vector<const Tensor*>& in)
{
    if (in.size() != 2)
        fail(node, "needs the axis and a value");
    const Tensor& x = *in[1];
    const auto axis = normalizeAxis(node, scalarInput(node, in, 0), x.shape.size());
    const auto parts = intAttr(node, "num_split", 1);
    if (parts < 1 || x.shape[axis] % parts != 0)
        fail(node, "num_split " + std::to_string(parts) + " does not divide dimension " + std::to_string(axis) + " of "
                + x.shapeText());
    return cut(node, x, axis, std::vector<std::int64_t>(static_cast<std::size_t>(parts), x.shape[axis] / parts), false);
}

// SplitV(value, size_splits, axis): at most one size may be -1 (the rest).
std::vector<Tensor> splitV(const core::Node& node, const std::vector<const Tensor*>& in)
{
    if (in.size() != 3)
        fail(node, "needs a value, size_splits and the axis");
    const Tensor& x = *in[0];
    const auto axis = normalizeAxis(node, scalarInput(node, in, 2), x.shape.size());
    auto sizes = intValues(node, in, 1);
    std::int64_t known = 0;
    std::size_t unknown = sizes.size();
    for (std::size_t k = 0; k < sizes.size(); ++k) {
        if (sizes[k] == -1) {
            if (unknown != sizes.size())
                fail(node, "size_splits has more than one -1");
            unknown = k;
        } else {
            known += sizes[k];
        }
    }
    if (unknown != sizes.size())
        sizes[unknown] = x.shape[axis] - known;
    return cut(node, x, axis, sizes, false);
}

// Unpack(value) along `axis` into shape[axis] tensors of rank - 1.
std::vector<Tensor> unpack(const core::Node& node, const std::vector<const Tensor*>& in)
{
    if (in.size() != 1)
        fail(node, "needs one input");
    const Tensor& x = *in[0];
    if (x.shape.empty())
        fail(node, "cannot unpack a scalar");
    const auto axis = normalizeAxis(node, intAttr(node, "axis", 0), x.shape.size());
    return cut(node, x, axis, std::vector<std::int64_t>(static_cast<std::size_t>(x.shape[axis]), 1), true);
}

} // namespace studio::rt::ref
