// Decoding stored weight bytes (plain float32 or quantized) into float32 values.
#include "core/tfjs/decode.h"

#include "core/error.h"
#include "core/tfjs/quantize.h"

namespace studio::core {

void decodeFloat32Into(const Weight& w, float* out)
{
    const auto n = static_cast<std::size_t>(w.elementCount());
    if (!w.quantization) {
        if (w.dtype != DType::Float32)
            fail("weight '" + w.name + "'", "is " + std::string(dtypeName(w.dtype)) + ", not float32");
        if (n)
            w.source->read(w.offset, n * 4, reinterpret_cast<std::uint8_t*>(out));
        return;
    }
    const auto bytes = w.storedBytes();
    if (w.quantization->dtype == DType::Float16)
        dequantizeFloat16(bytes.data(), n, out);
    else
        dequantizeAffine(bytes.data(), n, w.quantization->dtype, {*w.quantization->min, *w.quantization->scale}, out);
}

std::vector<float> decodeFloat32(const Weight& w)
{
    std::vector<float> out(static_cast<std::size_t>(w.elementCount()));
    decodeFloat32Into(w, out.data());
    return out;
}

} // namespace studio::core
