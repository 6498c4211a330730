// Deterministic model inputs.
#include "runtime/inputs.h"

#include "core/error.h"

#include <cmath>

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

} // namespace

std::map<std::string, Tensor> makeInputs(const core::Model& model, std::uint32_t seed, std::int64_t dim)
{
    Mulberry32 rand(seed);
    std::map<std::string, Tensor> out;
    for (const auto& spec : model.inputs) {
        if (!spec.shape || spec.shape->unknownRank)
            fail("input '" + spec.key + "'", "has unknown rank; cannot make an input for it");
        std::vector<std::int64_t> shape = spec.shape->dims;
        for (std::size_t k = 0; k < shape.size(); ++k)
            if (shape[k] < 0)
                shape[k] = k == 0 ? 1 : dim;
        Tensor t;
        t.shape = shape;
        const bool isInt = spec.tfDtype && (*spec.tfDtype == 3 || *spec.tfDtype == 9 || *spec.tfDtype == 4);
        const std::size_t n = t.size();
        if (isInt) {
            t.dtype = core::DType::Int32;
            for (std::size_t i = 0; i < n; ++i)
                t.i.push_back(static_cast<std::int32_t>(std::floor(10.0 * rand.next())));
        } else {
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
