// The body of the depthwise_conv2d_nhwc_vec4 kernels (multiplier 1, C % 4 == 0, 4 channels x 4
// pixels per invocation); the including .comp declares the bindings and LOAD_X, LOAD_W.
#include "activation.glsl"
#include "load_store.glsl"

layout(push_constant) uniform Params {
    int inH, inW, inC, outH, outW, outC, kH, kW;
    int strideH, strideW, dilH, dilW, padTop, padLeft, mult, act;
    float alpha;
} p;

#include "fixed_values.glsl"

vec4 act4(vec4 r)
{
    for (int j = 0; j < 4; ++j)
        r[j] = applyOp(r[j], p.act, p.alpha);
    return r;
}

// The 4 pixels are written out by hand: arrays indexed in loops can end up in per-lane memory
// on CPU implementations.
void main()
{
    const int c4 = int(gl_GlobalInvocationID.x), ox0 = int(gl_GlobalInvocationID.y) * 4;
    const int oy = int(gl_GlobalInvocationID.z) % p.outH, b = int(gl_GlobalInvocationID.z) / p.outH;
    const int C4 = p.inC / 4;
    if (c4 >= C4 || ox0 >= p.outW)
        return;
    vec4 a0 = LOAD_BIAS(c4), a1 = a0, a2 = a0, a3 = a0;
    const int sx = STRIDE_W;
    for (int ky = 0; ky < KH; ++ky) {
        const int iy = oy * p.strideH - p.padTop + ky * p.dilH;
        if (iy < 0 || iy >= p.inH)
            continue;
        const int row = (b * p.inH + iy) * p.inW;
        for (int kx = 0; kx < KW; ++kx) {
            const vec4 wv = LOAD_W((ky * KW + kx) * C4 + c4);
            const int ix = ox0 * sx - p.padLeft + kx * p.dilW;
            if (ix >= 0 && ix < p.inW)
                a0 += wv * LOAD_X((row + ix) * C4 + c4);
            if (ix + sx >= 0 && ix + sx < p.inW)
                a1 += wv * LOAD_X((row + ix + sx) * C4 + c4);
            if (ix + 2 * sx >= 0 && ix + 2 * sx < p.inW)
                a2 += wv * LOAD_X((row + ix + 2 * sx) * C4 + c4);
            if (ix + 3 * sx >= 0 && ix + 3 * sx < p.inW)
                a3 += wv * LOAD_X((row + ix + 3 * sx) * C4 + c4);
        }
    }
    const int base = (b * p.outH + oy) * p.outW + ox0;
    STORE_VEC4(y, base * C4 + c4, act4(a0));
    if (ox0 + 1 < p.outW)
        STORE_VEC4(y, (base + 1) * C4 + c4, act4(a1));
    if (ox0 + 2 < p.outW)
        STORE_VEC4(y, (base + 2) * C4 + c4, act4(a2));
    if (ox0 + 3 < p.outW)
        STORE_VEC4(y, (base + 3) * C4 + c4, act4(a3));
}
