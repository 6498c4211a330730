// Pad / PadV2 with a constant (rank <= 6, leading dimensions of size 1). Flat dispatch.
#version 450
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { float x[]; };
layout(push_constant) uniform Params {
    int n;
    float value;
    int outDims[6];
    int inDims[6];
    int before[6];
} p;

void main()
{
    const int i = int(gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u);
    if (i >= p.n)
        return;
    int rest = i, src = 0, stride = 1;
    bool inside = true;
    for (int d = 5; d >= 0; --d) {
        const int c = rest % p.outDims[d] - p.before[d];
        rest /= p.outDims[d];
        inside = inside && c >= 0 && c < p.inDims[d];
        src += c * stride;
        stride *= p.inDims[d];
    }
    y[i] = inside ? x[src] : p.value;
}
