// Weight quantization exactly as tensorflowjs_converter 4.22 does it (FORMATS.md section 2).
#pragma once

#include "core/ir/dtype.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace studio::core {

struct AffineParams {
    double min = 0.0;   // the nudged minimum written to the manifest
    double scale = 1.0; // the step written to the manifest
};

// uint8 (levels = 255) or uint16 (levels = 65535) affine quantization; writes n values
// of 1 or 2 bytes (little-endian) to out. Step 4 is evaluated in float32, ties to even.
AffineParams quantizeAffine(const float* x, std::size_t n, DType storage, std::uint8_t* out);

// Step 4 alone, with given manifest parameters: what the stored bytes of a weight must be.
void quantizeAffineWith(const float* x, std::size_t n, DType storage, const AffineParams& p, std::uint8_t* out);

// value = q * scale + min, in double, stored as float32 (what TF.js does).
void dequantizeAffine(const std::uint8_t* q, std::size_t n, DType storage, const AffineParams& p, float* out);

// IEEE binary16 conversions with numpy semantics: round to nearest even, overflow to inf,
// subnormals kept.
std::uint16_t floatToHalf(float value);
float halfToFloat(std::uint16_t bits);
void quantizeFloat16(const float* x, std::size_t n, std::uint8_t* out);
void dequantizeFloat16(const std::uint8_t* q, std::size_t n, float* out);

// Shell-style wildcard match as Python's fnmatch on POSIX: '*' (also across '/'), '?',
// '[abc]', '[a-z]', '[!abc]'; case-sensitive.
bool wildcardMatch(std::string_view pattern, std::string_view text);

// Which weights get which storage dtype (--quantize_uint8=PATTERNS and friends).
class QuantizationPlan {
public:
    // patterns empty = fallthrough (every weight no pattern matched). Throws studio::Error
    // for a second fallthrough or a dtype that cannot be a quantization target.
    void add(DType storage, std::vector<std::string> patterns);
    bool empty() const { return m_rules.empty(); }
    // The storage dtype chosen for a weight name, or nullopt. Throws when two dtypes match.
    std::optional<DType> choose(const std::string& weightName) const;
    std::string describe() const;

private:
    struct Rule {
        DType storage;
        std::vector<std::string> patterns;
    };
    std::vector<Rule> m_rules;
};

} // namespace studio::core
