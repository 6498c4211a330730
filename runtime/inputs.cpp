// Deterministic model inputs.
#include "runtime/inputs.h"

#include "core/error.h"
#include "core/io/memory_budget.h"

#include <cmath>
#include <limits>
#include <optional>

namespace studio::rt {

namespace {

// mulberry32, bit for bit as the harness's JavaScript (uint32 arithmetic, /2^32).
class Mulberry32 {
public:
    explicit Mulberry32(std::uint32_t seed) : m_state(seed) {}
    double next()
    {
        m_state += 0x6d2b79f5u;
        std::uint32_t t = m_state;
        t = (t ^ (t >> 15)) * (t | 1u);
        t ^= t + (t ^ (t >> 7)) * (t | 61u);
        return static_cast<double>(t ^ (t >> 14)) / 4294967296.0;
    }

private:
    std::uint32_t m_state;
};

// The most bytes all generated inputs may take together. Shapes come from the model file: a
// Placeholder of 100000x100000 would otherwise make a benchmark allocate 40 GB before it starts.
constexpr std::uint64_t kDefaultMaxInputBytes = std::uint64_t{1} << 30;

// The product of the dimensions, or nullopt when it does not fit in 64 bits.
std::optional<std::uint64_t> checkedElementCount(const std::vector<std::int64_t>& dims)
{
    std::uint64_t n = 1;
    for (const auto d : dims) {
        const auto ud = static_cast<std::uint64_t>(d);
        if (ud == 0)
            return 0;
        if (n > std::numeric_limits<std::uint64_t>::max() / ud)
            return std::nullopt;
        n *= ud;
    }
    return n;
}

std::string shapeText(const std::vector<std::int64_t>& dims)
{
    std::string s = "[";
    for (std::size_t k = 0; k < dims.size(); ++k)
        s += (k ? "," : "") + std::to_string(dims[k]);
    return s + "]";
}

} // namespace

std::map<std::string, Tensor> makeInputs(const core::Model& model, std::uint32_t seed, std::int64_t dim,
    std::uint64_t maxBytes)
{
    const std::uint64_t kMaxInputBytes = maxBytes ? maxBytes : kDefaultMaxInputBytes;
    // Every shape is sized first, so that a model whose inputs are too big together is refused
    // before any of them is allocated.
    std::vector<std::vector<std::int64_t>> shapes;
    std::uint64_t totalBytes = 0;
    for (const auto& spec : model.inputs) {
        const std::string where = "input '" + spec.key + "'";
        if (!spec.shape || spec.shape->unknownRank)
            fail(where, "has unknown rank; cannot make an input for it");
        std::vector<std::int64_t> shape = spec.shape->dims;
        for (std::size_t k = 0; k < shape.size(); ++k) {
            if (shape[k] < 0)
                shape[k] = k == 0 ? 1 : dim;
            if (shape[k] < 0)
                fail(where, "dimension " + std::to_string(k) + " of shape " + shapeText(shape) + " is negative");
        }
        // float32 and int32 values both take 4 bytes.
        const auto elements = checkedElementCount(shape);
        const bool fits = elements && *elements <= kMaxInputBytes / 4 && *elements * 4 <= kMaxInputBytes - totalBytes;
        if (!fits)
            fail(where, "shape " + shapeText(shape) + " has "
                    + (elements ? std::to_string(*elements) : std::string("more than 2^64")) + " elements; generated inputs"
                    + (totalBytes ? " (with the inputs before it)" : "") + " may take at most "
                    + core::byteSizeText(kMaxInputBytes) + (maxBytes ? " (the memory budget, --max-memory)" : ""));
        totalBytes += *elements * 4;
        shapes.push_back(std::move(shape));
    }
    Mulberry32 rand(seed);
    std::map<std::string, Tensor> out;
    for (std::size_t k = 0; k < model.inputs.size(); ++k) {
        const auto& spec = model.inputs[k];
        Tensor t;
        t.shape = std::move(shapes[k]);
        const bool isInt = spec.tfDtype && (*spec.tfDtype == 3 || *spec.tfDtype == 9 || *spec.tfDtype == 4);
        const std::size_t n = t.size();
        if (isInt) {
            t.dtype = core::DType::Int32;
            t.i.reserve(n);
            for (std::size_t i = 0; i < n; ++i)
                t.i.push_back(static_cast<std::int32_t>(std::floor(10.0 * rand.next())));
        } else {
            t.f.reserve(n);
            for (std::size_t i = 0; i < n; ++i)
                t.f.push_back(static_cast<float>(-1.0 + 2.0 * rand.next()));
        }
        std::string name = spec.name;
        if (const auto colon = name.find(':'); colon != std::string::npos)
            name.resize(colon);
        out[name] = std::move(t);
    }
    return out;
}

} // namespace studio::rt
