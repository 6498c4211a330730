// Cast between the two storage types: float32 -> int32 (mode 0, truncated toward zero; NaN gives 0
// and out-of-range values saturate), int32 -> float32 (1), float32 -> bool (2), int32 -> bool (3),
// each as 0 / 1 in int32 storage. Flat dispatch.
#version 450
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { uint y[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { uint x[]; };
layout(push_constant) uniform Params {
    int n, mode;
} p;

void main()
{
    const int i = int(gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u);
    if (i >= p.n)
        return;
    const uint bits = x[i];
    if (p.mode == 0) {
        const float f = uintBitsToFloat(bits);
        const int v = isnan(f) ? 0 : f >= 2147483648.0 ? 2147483647 : f <= -2147483648.0 ? int(0x80000000u) : int(f);
        y[i] = uint(v);
    } else if (p.mode == 1) {
        y[i] = floatBitsToUint(float(int(bits)));
    } else if (p.mode == 2) {
        y[i] = uintBitsToFloat(bits) != 0.0 ? 1u : 0u;
    } else {
        y[i] = bits != 0u ? 1u : 0u;
    }
}
