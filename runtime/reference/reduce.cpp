// Reductions over axes given as an input tensor: Mean (float32), Sum, Max, Min and Prod (float32, int32), with
// keep_dims and negative axes. Accumulated in double and rounded once, so long reductions stay
// exact to float32 (TF.js's cpu backend also accumulates in JavaScript doubles).
#include "runtime/reference/kernels.h"

#include <algorithm>
#include <limits>

namespace studio::rt::ref {

namespace {

struct Reduction {
    std::vector<std::int64_t> shape;  // the output shape (reduced axes kept as 1 or dropped)
    std::vector<std::size_t> target;  // per input element, in order: its output element
    std::size_t outputs = 1;
};

Reduction plan(const core::Node& node, const std::vector<const Tensor*>& in)
{
    if (in.empty())
        fail(node, "needs an input");
    const Tensor& x = *in[0];
    const std::size_t rank = x.shape.size();
    std::vector<bool> reduced(rank, false);
    for (const auto a : intValues(node, in, 1))
        reduced[normalizeAxis(node, a, rank)] = true; // repeated axes reduce once, as in TensorFlow
    const bool keepDims = boolAttr(node, "keep_dims", false);
    Reduction r;
    std::vector<std::int64_t> kept(rank, 1);
    for (std::size_t k = 0; k < rank; ++k) {
        if (!reduced[k])
            kept[k] = x.shape[k];
        if (!reduced[k] || keepDims)
            r.shape.push_back(kept[k]);
    }
    // Reduced dimensions step 0 in the output, so every element lands on its output's slot.
    const auto outStrides = stridesOf(kept);
    std::vector<std::int64_t> step(rank);
    for (std::size_t k = 0; k < rank; ++k)
        step[k] = reduced[k] ? 0 : outStrides[k];
    r.target = walk(x.shape, 0, step);
    for (auto d : kept)
        r.outputs *= static_cast<std::size_t>(d);
    return r;
}

} // namespace

Tensor mean(const core::Node& node, const std::vector<const Tensor*>& in)
{
    const Tensor& x = floatInput(node, in, 0);
    const auto r = plan(node, in);
    std::vector<double> sum(r.outputs, 0.0);
    for (std::size_t i = 0; i < x.f.size(); ++i)
        sum[r.target[i]] += static_cast<double>(x.f[i]);
    const double count = static_cast<double>(x.size()) / static_cast<double>(r.outputs);
    Tensor y = Tensor::floats(r.shape);
    for (std::size_t o = 0; o < r.outputs; ++o)
        y.f[o] = static_cast<float>(sum[o] / count);
    return y;
}

Tensor prod(const core::Node& node, const std::vector<const Tensor*>& in)
{
    const auto r = plan(node, in);
    const Tensor& x = *in[0];
    if (x.isFloat()) {
        std::vector<double> p(r.outputs, 1.0);
        for (std::size_t i = 0; i < x.f.size(); ++i)
            p[r.target[i]] *= static_cast<double>(x.f[i]);
        Tensor y = Tensor::floats(r.shape);
        for (std::size_t o = 0; o < r.outputs; ++o)
            y.f[o] = static_cast<float>(p[o]);
        return y;
    }
    // Integer products wrap like int32 arithmetic (TensorFlow's behaviour), not saturate.
    std::vector<std::uint32_t> p(r.outputs, 1u);
    for (std::size_t i = 0; i < x.i.size(); ++i)
        p[r.target[i]] *= static_cast<std::uint32_t>(x.i[i]);
    std::vector<std::int32_t> values(r.outputs);
    for (std::size_t o = 0; o < r.outputs; ++o)
        values[o] = static_cast<std::int32_t>(p[o]);
    return Tensor::ints(r.shape, std::move(values));
}

Tensor reduceSum(const core::Node& node, const std::vector<const Tensor*>& in)
{
    const auto r = plan(node, in);
    if (!in[0]->isFloat()) {
        // Integer sums (counts of kept boxes...) wrap like int32 arithmetic.
        std::vector<std::uint32_t> s(r.outputs, 0u);
        for (std::size_t i = 0; i < in[0]->i.size(); ++i)
            s[r.target[i]] += static_cast<std::uint32_t>(in[0]->i[i]);
        std::vector<std::int32_t> values(r.outputs);
        for (std::size_t o = 0; o < r.outputs; ++o)
            values[o] = static_cast<std::int32_t>(s[o]);
        return Tensor::ints(r.shape, std::move(values));
    }
    const Tensor& x = floatInput(node, in, 0);
    std::vector<double> acc(r.outputs, 0.0);
    for (std::size_t i = 0; i < x.f.size(); ++i)
        acc[r.target[i]] += static_cast<double>(x.f[i]);
    Tensor y = Tensor::floats(r.shape);
    for (std::size_t o = 0; o < r.outputs; ++o)
        y.f[o] = static_cast<float>(acc[o]);
    return y;
}

namespace {
Tensor extreme(const core::Node& node, const std::vector<const Tensor*>& in, bool isMax)
{
    const auto r = plan(node, in);
    if (!in[0]->isFloat()) {
        const Tensor& xi = *in[0];
        if (xi.i.empty() && r.outputs > 0)
            fail(node, "reduces an empty tensor");
        std::vector<std::int32_t> acc(r.outputs, isMax ? std::numeric_limits<std::int32_t>::min() : std::numeric_limits<std::int32_t>::max());
        for (std::size_t i = 0; i < xi.i.size(); ++i) {
            auto& a = acc[r.target[i]];
            a = isMax ? std::max(a, xi.i[i]) : std::min(a, xi.i[i]);
        }
        return Tensor::ints(r.shape, std::move(acc));
    }
    const Tensor& x = floatInput(node, in, 0);
    if (x.f.empty() && r.outputs > 0)
        fail(node, "reduces an empty tensor");
    std::vector<float> acc(r.outputs, isMax ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity());
    for (std::size_t i = 0; i < x.f.size(); ++i) {
        float& a = acc[r.target[i]];
        a = isMax ? std::max(a, x.f[i]) : std::min(a, x.f[i]);
    }
    return Tensor::floats(r.shape, std::move(acc));
}
} // namespace

Tensor reduceMax(const core::Node& node, const std::vector<const Tensor*>& in) { return extreme(node, in, true); }
Tensor reduceMin(const core::Node& node, const std::vector<const Tensor*>& in) { return extreme(node, in, false); }

} // namespace studio::rt::ref
