// GatherV2 with batch_dims 0: params seen as [outer, count, inner], int32 indices (any shape,
// flattened to `picks`), output [outer, picks, inner]; 32-bit elements moved bit for bit. An index
// outside [0, count) yields 0 (the planner rejects constant ones; a computed one cannot read out
// of bounds). Flat dispatch.
#version 450
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { uint y[]; };
layout(std430, set = 0, binding = 1) readonly buffer Params { uint x[]; };
layout(std430, set = 0, binding = 2) readonly buffer Indices { int indices[]; };
layout(push_constant) uniform Push {
    int n, count, picks, inner;
} p;

void main()
{
    const int i = int(gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u);
    if (i >= p.n)
        return;
    const int r = i % p.inner, j = (i / p.inner) % p.picks, o = i / (p.inner * p.picks);
    const int index = indices[j];
    y[i] = index >= 0 && index < p.count ? x[(o * p.count + index) * p.inner + r] : 0u;
}
