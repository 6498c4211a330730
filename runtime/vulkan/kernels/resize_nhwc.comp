// ResizeBilinear (mode 0) and ResizeNearestNeighbor (mode 1), NHWC float32, one element per
// invocation (channel counts that are not a multiple of 4; see resize_nhwc_vec4.glsl). The
// source pixels and weights of every output row and column are resolved on the host in double
// precision, exactly as the reference kernel does, and passed as a table: entries 0..outH-1 for
// rows, then outW for columns, each (low index, high index, fraction, unused). Flat dispatch, so
// few channels (1, 3) still fill every lane.
#version 450
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { float x[]; };
layout(std430, set = 0, binding = 2) readonly buffer Taps { vec4 taps[]; };
layout(push_constant) uniform Params {
    int n, inH, inW, C, outH, outW, mode;
} p;

void main()
{
    const int i = int(gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u);
    if (i >= p.n)
        return;
    const int c = i % p.C, pixel = i / p.C;
    const int ox = pixel % p.outW, oy = (pixel / p.outW) % p.outH, b = pixel / (p.outW * p.outH);
    const vec4 ty = taps[oy], tx = taps[p.outH + ox];
    const int rowLo = (b * p.inH + int(ty.x)) * p.inW, rowHi = (b * p.inH + int(ty.y)) * p.inW;
    if (p.mode == 1) {
        y[i] = x[(rowLo + int(tx.x)) * p.C + c];
        return;
    }
    const float topLeft = x[(rowLo + int(tx.x)) * p.C + c], topRight = x[(rowLo + int(tx.y)) * p.C + c];
    const float bottomLeft = x[(rowHi + int(tx.x)) * p.C + c], bottomRight = x[(rowHi + int(tx.y)) * p.C + c];
    // fma rounds once per step, closer to the reference's double arithmetic.
    const float top = fma(topRight - topLeft, float(tx.z), topLeft);
    const float bottom = fma(bottomRight - bottomLeft, float(tx.z), bottomLeft);
    y[i] = fma(bottom - top, float(ty.z), top);
}
