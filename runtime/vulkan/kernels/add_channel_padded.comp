// Add(a, Pad(x)) where the Pad only zero-pads the last dimension (BlazeFace's residual
// branches widen channels this way): the padded tensor is never written. An optional fused
// activation on the sum. Flat dispatch over the output.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, set = 0, binding = 1) readonly buffer A { float a[]; };
layout(std430, set = 0, binding = 2) readonly buffer X { float x[]; };
layout(push_constant) uniform Params {
    int n, C, Cx, before, act;
    float alpha;
} p;
#include "activation.glsl"

void main()
{
    const int i = int(gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u);
    if (i >= p.n)
        return;
    const int pixel = i / p.C, c = i - pixel * p.C - p.before;
    const float v = c >= 0 && c < p.Cx ? x[pixel * p.Cx + c] : 0.0;
    y[i] = applyOp(a[i] + v, p.act, p.alpha);
}
