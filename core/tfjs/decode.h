// Float32 values of a stored weight, dequantizing as TF.js does (FORMATS.md section 2). This
// lives with the format, not the IR: the IR only says where a weight's stored bytes are.
#pragma once

#include "core/ir/weights.h"

#include <vector>

namespace studio::core {

// Float32 values of a weight, dequantizing if needed (TF.js arithmetic).
std::vector<float> decodeFloat32(const Weight& weight);
// The same into a caller's buffer of elementCount() floats (no allocation for float32 data).
void decodeFloat32Into(const Weight& weight, float* out);

} // namespace studio::core
