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

// What quantizing n values to `storage` (UInt8, UInt16 or Float16) loses: the largest absolute
// difference between a value and what TF.js dequantizes it to, with the values' range (max - min)
// and root mean square to put it in proportion (finite values only; NaN and infinities skipped).
// Affine quantization's error is always about range / 510, so it is the RMS that tells a weight
// whose few outliers stretch the range (its typical values lose the most) from an even one.
struct QuantizationError {
    double maxAbs = 0.0;
    double range = 0.0;
    double rms = 0.0;
    // maxAbs / rms; maxAbs itself when every value is 0.
    double relative() const { return rms > 0.0 ? maxAbs / rms : maxAbs; }
};
QuantizationError quantizationError(const float* x, std::size_t n, DType storage);

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
