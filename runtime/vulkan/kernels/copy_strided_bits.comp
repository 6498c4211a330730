// Moves 32-bit elements, float32 or int32 alike (bit for bit), between two strided views of rank
// <= 6: StridedSlice (negative source strides), Split / SplitV / Unpack (one dispatch per output),
// Pack (one per input, into its slice). Element i of the walked shape goes from
// srcBase + sum(c * srcStride) to dstBase + sum(c * dstStride). Flat dispatch.
#version 450
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) buffer Out { uint y[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { uint x[]; };
layout(push_constant) uniform Params {
    int n, srcBase, dstBase, pad0;
    int dims[6];
    int srcStride[6];
    int dstStride[6];
} p;

void main()
{
    const int i = int(gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u);
    if (i >= p.n)
        return;
    int rest = i, s = p.srcBase, d = p.dstBase;
    for (int k = 5; k >= 0; --k) {
        const int c = rest % p.dims[k];
        rest /= p.dims[k];
        s += c * p.srcStride[k];
        d += c * p.dstStride[k];
    }
    y[d] = x[s];
}
