// resize_nhwc.comp for C % 4 == 0: four channels per invocation, vec4 loads (LOAD_X, declared by
// the including shader: a storage buffer or a texel buffer) and vec4 stores. Flat dispatch over
// n4 = outputs / 4.
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { vec4 y[]; };
layout(std430, set = 0, binding = 2) readonly buffer Taps { vec4 taps[]; };
layout(push_constant) uniform Params {
    int n4, inH, inW, C4, outH, outW, mode;
} p;

void main()
{
    const int i = int(gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u);
    if (i >= p.n4)
        return;
    const int c = i % p.C4, pixel = i / p.C4;
    const int ox = pixel % p.outW, oy = (pixel / p.outW) % p.outH, b = pixel / (p.outW * p.outH);
    const vec4 ty = taps[oy], tx = taps[p.outH + ox];
    const int rowLo = (b * p.inH + int(ty.x)) * p.inW, rowHi = (b * p.inH + int(ty.y)) * p.inW;
    if (p.mode == 1) {
        y[i] = LOAD_X((rowLo + int(tx.x)) * p.C4 + c);
        return;
    }
    const vec4 topLeft = LOAD_X((rowLo + int(tx.x)) * p.C4 + c), topRight = LOAD_X((rowLo + int(tx.y)) * p.C4 + c);
    const vec4 bottomLeft = LOAD_X((rowHi + int(tx.x)) * p.C4 + c), bottomRight = LOAD_X((rowHi + int(tx.y)) * p.C4 + c);
    // fma rounds once per step, closer to the reference's double arithmetic.
    const vec4 top = fma(topRight - topLeft, vec4(tx.z), topLeft);
    const vec4 bottom = fma(bottomRight - bottomLeft, vec4(tx.z), bottomLeft);
    y[i] = fma(bottom - top, vec4(ty.z), top);
}
