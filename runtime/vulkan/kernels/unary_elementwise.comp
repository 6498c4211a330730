// Element-wise unary ops and activations (codes in activation.glsl). Flat dispatch.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { float x[]; };
layout(push_constant) uniform Params {
    int n, op;
    float alpha;
} p;
#include "activation.glsl"

void main()
{
    const int i = int(gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u);
    if (i < p.n)
        y[i] = applyOp(x[i], p.op, p.alpha);
}
