// Element-wise binary ops with NumPy broadcasting (rank <= 6, broadcast dimensions have stride 0),
// an optional fused activation on the result. Flat dispatch: 64 lanes, groups over x then y.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, set = 0, binding = 1) readonly buffer A { float a[]; };
layout(std430, set = 0, binding = 2) readonly buffer B { float b[]; };
layout(push_constant) uniform Params {
    int n, op, act, same;
    int dims[6];
    int aStride[6];
    int bStride[6];
    float alpha;
} p;
#include "activation.glsl"

float combine(float u, float v)
{
    switch (p.op) {
    case 0: return u + v;
    case 1: return u - v;
    case 2: return u * v;
    case 3: return u / v;
    case 4: return max(u, v);
    case 5: return min(u, v);
    case 6: return (u - v) * (u - v);
    case 7: return pow(u, v);
    }
    return u;
}

void main()
{
    const int i = int(gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u);
    if (i >= p.n)
        return;
    int ia = i, ib = i;
    if (p.same == 0) {
        ia = 0;
        ib = 0;
        int rest = i;
        for (int d = 5; d >= 0; --d) {
            const int c = rest % p.dims[d];
            rest /= p.dims[d];
            ia += c * p.aStride[d];
            ib += c * p.bStride[d];
        }
    }
    y[i] = applyOp(combine(a[ia], b[ib]), p.act, p.alpha);
}
