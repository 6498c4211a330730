// Inference FusedBatchNorm over the last (channel) axis: y = (x - mean) * s + offset, with
// s = scale / sqrt(variance + epsilon) folded per channel on the host in double precision. The
// table holds (mean, s, offset, unused) per channel. Flat dispatch.
#version 450
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { float x[]; };
layout(std430, set = 0, binding = 2) readonly buffer Channels { vec4 channel[]; };
layout(push_constant) uniform Params {
    int n, C;
} p;

void main()
{
    const int i = int(gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u);
    if (i >= p.n)
        return;
    const vec4 k = channel[i % p.C];
    y[i] = (x[i] - k.x) * k.y + k.z;
}
