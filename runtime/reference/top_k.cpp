// TopKV2: the k largest entries of each last-axis row, largest first, equal values by lower
// index first (TensorFlow and TF.js agree on this order; `sorted` false is served sorted too).
#include "runtime/reference/kernels.h"

#include <algorithm>
#include <numeric>

namespace studio::rt::ref {

std::vector<Tensor> topK(const core::Node& node, const std::vector<const Tensor*>& in)
{
    if (in.empty())
        fail(node, "needs an input");
    const Tensor& x = *in[0];
    if (x.shape.empty())
        fail(node, "input must have at least one dimension");
    const auto kv = intValues(node, in, 1);
    if (kv.size() != 1)
        fail(node, "k must be a scalar");
    const auto n = x.shape.back();
    const auto k = kv[0];
    if (k < 0 || k > n)
        fail(node, "k = " + std::to_string(k) + " is outside [0, " + std::to_string(n) + "] for " + x.shapeText());
    auto shape = x.shape;
    shape.back() = k;
    const std::size_t rows = n ? x.size() / static_cast<std::size_t>(n) : 0;
    const auto un = static_cast<std::size_t>(n), uk = static_cast<std::size_t>(k);
    std::vector<std::size_t> from;
    std::vector<std::int32_t> indices;
    from.reserve(rows * uk);
    indices.reserve(rows * uk);
    std::vector<std::size_t> order(un);
    for (std::size_t r = 0; r < rows; ++r) {
        std::iota(order.begin(), order.end(), std::size_t{0});
        const auto value = [&](std::size_t j) {
            return x.isFloat() ? static_cast<double>(x.f[r * un + j]) : static_cast<double>(x.i[r * un + j]);
        };
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return value(a) > value(b); });
        for (std::size_t j = 0; j < uk; ++j) {
            from.push_back(r * un + order[j]);
            indices.push_back(static_cast<std::int32_t>(order[j]));
        }
    }
    std::vector<Tensor> out;
    out.push_back(pick(x, shape, from));
    out.push_back(Tensor::ints(shape, std::move(indices)));
    return out;
}

} // namespace studio::rt::ref
