// Element-wise binary ops on two tensors of the output's shape, 4 elements per invocation
// (n % 4 == 0), an optional fused activation. Op codes as in binary_broadcast.comp.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { vec4 y[]; };
layout(std430, set = 0, binding = 1) readonly buffer A { vec4 a[]; };
layout(std430, set = 0, binding = 2) readonly buffer B { vec4 b[]; };
layout(push_constant) uniform Params {
    int n4, op, act;
    float alpha;
} p;
#include "activation.glsl"

void main()
{
    const int i = int(gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u);
    if (i >= p.n4)
        return;
    const vec4 u = a[i], v = b[i];
    vec4 r;
    switch (p.op) {
    case 0: r = u + v; break;
    case 1: r = u - v; break;
    case 2: r = u * v; break;
    case 3: r = u / v; break;
    case 4: r = max(u, v); break;
    case 5: r = min(u, v); break;
    case 6: r = (u - v) * (u - v); break;
    default: r = pow(u, v); break;
    }
    for (int j = 0; j < 4; ++j)
        r[j] = applyOp(r[j], p.act, p.alpha);
    y[i] = r;
}
