// The body of the depthwise_conv2d_3x3_nhwc kernels: a 3x3 filter, dilation 1, stride 1 or 2
// along x (any along y), multiplier 1. One invocation computes 4 channels (a vec4, along x; C %
// 4 == 0) or, with SCALAR_CHANNELS, one channel of 8 output pixels along a row. Each input row is loaded once into registers (10
// texels at stride 1, 17 at stride 2) and serves the three taps of all 8 pixels: on CPU devices
// loads, not arithmetic, are the cost (LAVAPIPE.md), and the general kernel loads 3 per pixel.
// The including .comp declares the bindings and LOAD_X, LOAD_W.
#extension GL_EXT_control_flow_attributes : require
#include "activation.glsl"
#include "load_store.glsl"

layout(push_constant) uniform Params {
    int inH, inW, inC, outH, outW, outC, kH, kW;
    int strideH, strideW, dilH, dilW, padTop, padLeft, mult, act;
    float alpha;
    int batch;
} p;

#include "fixed_values.glsl"

#define TX 8

// SCALAR_CHANNELS (channel counts that are not a multiple of 4): one channel per lane, floats.
#ifdef SCALAR_CHANNELS
#define VEC float
#define LANES p.inC
VEC actV(VEC r)
{
    return applyOp(r, p.act, p.alpha);
}
#else
#define VEC vec4
#define LANES (p.inC / 4)
VEC actV(VEC r)
{
    [[unroll]] for (int j = 0; j < 4; ++j)
        r[j] = applyOp(r[j], p.act, p.alpha);
    return r;
}
#endif

void main()
{
    // x runs over (channel lane, group of TX pixels) pairs, channel lanes fastest, so that the
    // lanes of a SIMD vector are all busy whatever the channel count (24 channels: 6 vec4s); y
    // over the batch's rows.
    const int C4 = LANES;
    const int f = int(gl_GlobalInvocationID.x), groups = (p.outW + TX - 1) / TX;
    const int c4 = f % C4, ox0 = (f / C4) * TX;
    const int oy = int(gl_GlobalInvocationID.y) % p.outH, b = int(gl_GlobalInvocationID.y) / p.outH;
    if (f >= C4 * groups || b >= p.batch)
        return;
    VEC acc[TX];
    [[unroll]] for (int k = 0; k < TX; ++k)
        acc[k] = LOAD_BIAS(c4);
    const int ix0 = ox0 * p.strideW - p.padLeft;
    [[unroll]] for (int ky = 0; ky < 3; ++ky) {
        const int iy = oy * p.strideH - p.padTop + ky;
        if (iy < 0 || iy >= p.inH)
            continue;
        const int row = (b * p.inH + iy) * p.inW;
        const VEC w0 = LOAD_W((ky * 3) * C4 + c4), w1 = LOAD_W((ky * 3 + 1) * C4 + c4), w2 = LOAD_W((ky * 3 + 2) * C4 + c4);
        // Columns outside the input are the zero padding; the index is clamped so that no load
        // leaves the buffer.
        if (STRIDE_W == 1) {
            VEC r[TX + 2];
            [[unroll]] for (int j = 0; j < TX + 2; ++j) {
                const int ix = ix0 + j;
                const VEC v = LOAD_X((row + clamp(ix, 0, p.inW - 1)) * C4 + c4);
                r[j] = ix >= 0 && ix < p.inW ? v : VEC(0.0);
            }
            [[unroll]] for (int k = 0; k < TX; ++k)
                acc[k] += w0 * r[k] + w1 * r[k + 1] + w2 * r[k + 2];
        } else {
            VEC r[2 * TX + 1];
            [[unroll]] for (int j = 0; j < 2 * TX + 1; ++j) {
                const int ix = ix0 + j;
                const VEC v = LOAD_X((row + clamp(ix, 0, p.inW - 1)) * C4 + c4);
                r[j] = ix >= 0 && ix < p.inW ? v : VEC(0.0);
            }
            [[unroll]] for (int k = 0; k < TX; ++k)
                acc[k] += w0 * r[2 * k] + w1 * r[2 * k + 1] + w2 * r[2 * k + 2];
        }
    }
    const int base = (b * p.outH + oy) * p.outW + ox0;
    [[unroll]] for (int k = 0; k < TX; ++k)
        if (ox0 + k < p.outW)
#ifdef SCALAR_CHANNELS
            y[(base + k) * C4 + c4] = actV(acc[k]);
#else
            STORE_VEC4(y, (base + k) * C4 + c4, actV(acc[k]));
#endif
}
