// Affine and float16 quantization with the reference converter's arithmetic.
// Built with -ffp-contract=off: a fused multiply-add would change bytes on ties.
#include "core/tfjs/quantize.h"

#include "core/error.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace studio::core {

namespace {

double levelsOf(DType storage)
{
    if (storage == DType::UInt8)
        return 255.0;
    if (storage == DType::UInt16)
        return 65535.0;
    fail("", "affine quantization needs uint8 or uint16, not " + std::string(dtypeName(storage)));
}

// numpy's astype(uint8/uint16) of a float, as it comes out on x86 (where the reference converter
// runs): the C cast goes through cvttss2si, which turns NaN and anything outside int32 into
// INT32_MIN, whose low 8 or 16 bits are 0; in-range values are truncated, then wrapped. A plain
// static_cast would be undefined behaviour for exactly those values (NaN weights, NaN min/scale).
template <typename Q>
Q castLikeNumpyOnX86(float s)
{
    const bool inInt32 = s >= -2147483648.0f && s < 2147483648.0f; // false for NaN
    const std::int32_t wide = inInt32 ? static_cast<std::int32_t>(s) : std::numeric_limits<std::int32_t>::min();
    return static_cast<Q>(static_cast<std::uint32_t>(wide));
}

template <typename Q>
void quantizeLoop(const float* x, std::size_t n, float lo, float hi, float scale, std::uint8_t* out)
{
    constexpr float kMagic = 8388608.0f;
    for (std::size_t i = 0; i < n; ++i) {
        float v = x[i];
        // numpy clip: a NaN bound makes every value NaN (np.maximum / np.minimum propagate it).
        v = lo != lo ? lo : (hi != hi ? hi : v);
        v = v < lo ? lo : (v > hi ? hi : v);
        float s = (v - lo) / scale;
        s = (s + kMagic) - kMagic; // ties to even for 0 <= s < 2^23; vectorizes, unlike nearbyintf
        const Q q = castLikeNumpyOnX86<Q>(s);
        std::memcpy(out + i * sizeof(Q), &q, sizeof(Q));
    }
}

} // namespace

AffineParams quantizeAffine(const float* x, std::size_t n, DType storage, std::uint8_t* out)
{
    const double levels = levelsOf(storage);
    const std::size_t width = storage == DType::UInt8 ? 1 : 2;
    if (n == 0)
        return {};
    // Eight independent running minima/maxima: one chain would wait on each compare's latency.
    // NaNs are counted apart so the compares stay simple (and vectorize).
    constexpr std::size_t kLanes = 8;
    float lanesMin[kLanes], lanesMax[kLanes];
    bool lanesNan[kLanes] = {};
    for (std::size_t k = 0; k < kLanes; ++k)
        lanesMin[k] = lanesMax[k] = x[0];
    std::size_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (std::size_t k = 0; k < kLanes; ++k) {
            const float v = x[i + k];
            lanesMin[k] = v < lanesMin[k] ? v : lanesMin[k];
            lanesMax[k] = v > lanesMax[k] ? v : lanesMax[k];
            lanesNan[k] = lanesNan[k] || v != v;
        }
    float fmin = lanesMin[0], fmax = lanesMax[0];
    bool anyNan = x[0] != x[0];
    for (std::size_t k = 0; k < kLanes; ++k) {
        fmin = std::min(fmin, lanesMin[k]);
        fmax = std::max(fmax, lanesMax[k]);
        anyNan = anyNan || lanesNan[k];
    }
    for (; i < n; ++i) {
        fmin = std::min(fmin, x[i]);
        fmax = std::max(fmax, x[i]);
        anyNan = anyNan || x[i] != x[i];
    }
    // numpy's min()/max() propagate NaN. The reference converter then sees lo == hi fail
    // (NaN != NaN), computes a NaN scale and NaN nudged range, and every element clips to NaN
    // and casts to 0 (on x86): the manifest gets "min": NaN, "scale": NaN and the bytes are all 0.
    // We reproduce exactly that; FORMATS.md section 2.2 says nothing else about NaN.
    if (anyNan)
        fmin = fmax = std::numeric_limits<float>::quiet_NaN();
    const double lo = static_cast<double>(fmin), hi = static_cast<double>(fmax);
    if (lo == hi) {
        std::memset(out, 0, n * width);
        return {lo, 1.0};
    }
    const double scale = (hi - lo) / levels;
    double nmin = lo, nmax = hi;
    if (lo <= 0.0 && 0.0 <= hi) {
        const double zeroPoint = std::nearbyint((0.0 - lo) / scale);
        nmin = -zeroPoint * scale;
        nmax = levels * scale + nmin;
    }
    // numpy 1.23 value-based casting: the double scalars meet a float32 array as float32.
    const float flo = static_cast<float>(nmin), fhi = static_cast<float>(nmax), fscale = static_cast<float>(scale);
    if (storage == DType::UInt8)
        quantizeLoop<std::uint8_t>(x, n, flo, fhi, fscale, out);
    else
        quantizeLoop<std::uint16_t>(x, n, flo, fhi, fscale, out);
    return {nmin, scale};
}

void quantizeAffineWith(const float* x, std::size_t n, DType storage, const AffineParams& p, std::uint8_t* out)
{
    const double levels = levelsOf(storage);
    const float flo = static_cast<float>(p.min), fhi = static_cast<float>(levels * p.scale + p.min),
                fscale = static_cast<float>(p.scale);
    if (storage == DType::UInt8)
        quantizeLoop<std::uint8_t>(x, n, flo, fhi, fscale, out);
    else
        quantizeLoop<std::uint16_t>(x, n, flo, fhi, fscale, out);
}

void dequantizeAffine(const std::uint8_t* q, std::size_t n, DType storage, const AffineParams& p, float* out)
{
    if (storage == DType::UInt8) {
        for (std::size_t i = 0; i < n; ++i)
            out[i] = static_cast<float>(q[i] * p.scale + p.min);
    } else if (storage == DType::UInt16) {
        for (std::size_t i = 0; i < n; ++i) {
            std::uint16_t v;
            std::memcpy(&v, q + 2 * i, 2);
            out[i] = static_cast<float>(v * p.scale + p.min);
        }
    } else {
        levelsOf(storage);
    }
}

std::uint16_t floatToHalf(float value)
{
    const std::uint32_t f = std::bit_cast<std::uint32_t>(value);
    const std::uint16_t sign = static_cast<std::uint16_t>((f >> 16) & 0x8000u);
    const std::uint32_t absBits = f & 0x7fffffffu;
    if (absBits >= 0x7f800000u) // inf or nan
        return static_cast<std::uint16_t>(sign | 0x7c00u | (absBits > 0x7f800000u ? 0x200u | ((absBits >> 13) & 0x3ffu) : 0u));
    if (absBits >= 0x477ff000u) // rounds to >= 65520: overflow
        return static_cast<std::uint16_t>(sign | 0x7c00u);
    const int exponent = static_cast<int>(absBits >> 23) - 127;
    if (exponent < -25) // below half the smallest subnormal (2^-25) rounds to zero
        return sign;
    std::uint32_t mantissa = (absBits & 0x7fffffu) | 0x800000u; // implicit 1
    int shift;
    std::uint32_t base;
    if (exponent < -14) { // subnormal half: value = m * 2^-24
        shift = 13 + (-14 - exponent);
        base = 0;
    } else {
        shift = 13;
        base = static_cast<std::uint32_t>(exponent + 15) << 10;
        mantissa &= 0x7fffffu;
    }
    std::uint32_t result = mantissa >> shift;
    const std::uint32_t rest = mantissa & ((1u << shift) - 1u);
    const std::uint32_t half = 1u << (shift - 1);
    if (rest > half || (rest == half && (result & 1u)))
        ++result; // may carry into the exponent, which is exactly right
    return static_cast<std::uint16_t>(sign | (base + result));
}

float halfToFloat(std::uint16_t bits)
{
    const std::uint32_t sign = static_cast<std::uint32_t>(bits & 0x8000u) << 16;
    const std::uint32_t exponent = (bits >> 10) & 0x1fu;
    const std::uint32_t mantissa = bits & 0x3ffu;
    if (exponent == 0) {
        const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
        return sign ? -magnitude : magnitude;
    }
    if (exponent == 31)
        return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
    return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

void quantizeFloat16(const float* x, std::size_t n, std::uint8_t* out)
{
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint16_t h = floatToHalf(x[i]);
        std::memcpy(out + 2 * i, &h, 2);
    }
}

void dequantizeFloat16(const std::uint8_t* q, std::size_t n, float* out)
{
    for (std::size_t i = 0; i < n; ++i) {
        std::uint16_t h;
        std::memcpy(&h, q + 2 * i, 2);
        out[i] = halfToFloat(h);
    }
}

bool wildcardMatch(std::string_view pattern, std::string_view text)
{
    // Iterative matcher with backtracking to the last '*'.
    std::size_t p = 0, t = 0, starP = std::string_view::npos, starT = 0;
    auto matchClass = [&](std::size_t& pi, char c) -> std::optional<bool> {
        // pattern[pi] == '['; returns nullopt when the class is unterminated (then '[' is literal)
        std::size_t i = pi + 1;
        bool negate = false;
        if (i < pattern.size() && pattern[i] == '!') {
            negate = true;
            ++i;
        }
        std::size_t j = i;
        if (j < pattern.size() && pattern[j] == ']')
            ++j;
        while (j < pattern.size() && pattern[j] != ']')
            ++j;
        if (j >= pattern.size())
            return std::nullopt;
        bool found = false;
        for (std::size_t k = i; k < j; ++k) {
            if (k + 2 < j && pattern[k + 1] == '-') {
                if (pattern[k] <= c && c <= pattern[k + 2])
                    found = true;
                k += 2;
            } else if (pattern[k] == c) {
                found = true;
            }
        }
        pi = j + 1;
        return found != negate;
    };
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            starP = p++;
            starT = t;
            continue;
        }
        if (p < pattern.size()) {
            if (pattern[p] == '?') {
                ++p;
                ++t;
                continue;
            }
            if (pattern[p] == '[') {
                std::size_t pi = p;
                const auto m = matchClass(pi, text[t]);
                if (m.has_value()) {
                    if (*m) {
                        p = pi;
                        ++t;
                        continue;
                    }
                } else if (text[t] == '[') {
                    ++p;
                    ++t;
                    continue;
                }
            } else if (pattern[p] == text[t]) {
                ++p;
                ++t;
                continue;
            }
        }
        if (starP == std::string_view::npos)
            return false;
        p = starP + 1;
        t = ++starT;
    }
    while (p < pattern.size() && pattern[p] == '*')
        ++p;
    return p == pattern.size();
}

void QuantizationPlan::add(DType storage, std::vector<std::string> patterns)
{
    if (storage != DType::UInt8 && storage != DType::UInt16 && storage != DType::Float16)
        fail("quantization", "cannot quantize to " + std::string(dtypeName(storage))
                + "; use uint8, uint16 or float16");
    if (patterns.empty())
        for (const auto& r : m_rules)
            if (r.patterns.empty())
                fail("quantization", "More than one quantization fallthrough provided, exactly one is supported");
    m_rules.push_back({storage, std::move(patterns)});
}

std::optional<DType> QuantizationPlan::choose(const std::string& weightName) const
{
    std::optional<DType> chosen;
    for (const auto& r : m_rules) {
        if (r.patterns.empty())
            continue;
        for (const auto& pattern : r.patterns) {
            if (!wildcardMatch(pattern, weightName))
                continue;
            if (chosen && *chosen != r.storage)
                fail("quantization", "Two quantization values " + std::string(dtypeName(*chosen)) + ", "
                        + std::string(dtypeName(r.storage)) + " match the same node " + weightName);
            chosen = r.storage;
        }
    }
    if (!chosen)
        for (const auto& r : m_rules)
            if (r.patterns.empty())
                chosen = r.storage;
    return chosen;
}

std::string QuantizationPlan::describe() const
{
    if (m_rules.empty())
        return "none";
    std::string s;
    for (const auto& r : m_rules) {
        if (!s.empty())
            s += "; ";
        s += std::string(dtypeName(r.storage)) + ": ";
        if (r.patterns.empty()) {
            s += "*";
        } else {
            for (std::size_t i = 0; i < r.patterns.size(); ++i)
                s += (i ? "," : "") + r.patterns[i];
        }
    }
    return s;
}

QuantizationError quantizationError(const float* x, std::size_t n, DType storage)
{
    QuantizationError e;
    if (n == 0)
        return e;
    std::vector<float> back(n);
    if (storage == DType::Float16) {
        std::vector<std::uint8_t> q(n * 2);
        quantizeFloat16(x, n, q.data());
        dequantizeFloat16(q.data(), n, back.data());
    } else {
        std::vector<std::uint8_t> q(n * (storage == DType::UInt16 ? 2 : 1));
        const AffineParams p = quantizeAffine(x, n, storage, q.data());
        dequantizeAffine(q.data(), n, storage, p, back.data());
    }
    double lo = 0.0, hi = 0.0, squares = 0.0;
    std::size_t finite = 0;
    bool any = false;
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(x[i]))
            continue;
        const double v = x[i];
        squares += v * v;
        ++finite;
        lo = any ? std::min(lo, v) : v;
        hi = any ? std::max(hi, v) : v;
        any = true;
        if (std::isfinite(back[i]))
            e.maxAbs = std::max(e.maxAbs, std::abs(v - static_cast<double>(back[i])));
    }
    e.range = hi - lo;
    e.rms = finite ? std::sqrt(squares / static_cast<double>(finite)) : 0.0;
    return e;
}

} // namespace studio::core
