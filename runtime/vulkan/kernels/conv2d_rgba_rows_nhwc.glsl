// The body of the conv2d_rgba_rows_nhwc kernels: a convolution whose input has at most 4 channels
// (an image's first layer, its channels padded to one vec4 per pixel), filters up to 5 wide,
// dilation 1, stride 1 or 2 along x. One invocation computes 4 output channels (a vec4, along
// x: neighbouring lanes read neighbouring filter vec4s) of 8 output pixels along a row; each input
// row is loaded once into registers and serves every tap of the 8 pixels. With ALL_CHANNELS, one
// invocation computes every output channel vec4 of its 8 pixels instead, the input rows loaded
// once for all of them (on lavapipe the rows' texel loads, repeated for each channel vec4, cost
// more than the registers the rows then take). The including .comp declares the bindings and
// LOAD_X, LOAD_W (or RGB3_ROWS: conv2d_rgb3_row.glsl loads the rows).
#extension GL_EXT_control_flow_attributes : require
#include "activation.glsl"

layout(push_constant) uniform Params {
    int inH, inW, inC, outH, outW, outC, kH, kW;
    int strideH, strideW, dilH, dilW, padTop, padLeft, oc4, act;
    float alpha;
    int batch;
} p;

#include "fixed_values.glsl"

#include "conv2d_store.glsl"

#define TX 8
#define KMAX 5
#define RMAX (2 * (TX - 1) + KMAX)

// acc[k] += the 4 input channels of r[k * S + KX] times their filter vec4s (w0..w3).
#define TAPS(S, KX)                                                                              \
    [[unroll]] for (int k = 0; k < TX; ++k) {                                                   \
        const vec4 v = r[k * S + KX];                                                            \
        acc[k] += w0 * v.x + w1 * v.y + w2 * v.z + w3 * v.w;                                     \
    }

#ifdef RGB3_ROWS
#include "conv2d_rgb3_row.glsl"
#endif

// Pixels ix0 .. ix0 + n - 1 of input row iy of image b, as vec4s; zero outside the image (the
// column index is clamped so that no load leaves the buffer).
void loadRow(int b, int iy, int ix0, int n, out vec4 r[RMAX])
{
    [[unroll]] for (int j = 0; j < RMAX; ++j)
        r[j] = vec4(0.0);
    if (iy < 0 || iy >= p.inH)
        return;
    const int row = (b * p.inH + iy) * p.inW;
#ifdef RGB3_ROWS
    rgb3Row(row, ix0, n, r);
#else
    [[unroll]] for (int j = 0; j < RMAX; ++j) {
        if (j < n) {
            const int ix = ix0 + j;
            const vec4 v = LOAD_X(row + clamp(ix, 0, p.inW - 1));
            r[j] = ix >= 0 && ix < p.inW ? v : vec4(0.0);
        }
    }
#endif
}

#ifdef ALL_CHANNELS
void main()
{
    // x runs over groups of TX pixels along a row (y over the batch's rows); each invocation
    // computes every output channel vec4 of its pixels, loading the input rows once for all.
    const int f = int(gl_GlobalInvocationID.x), groups = (p.outW + TX - 1) / TX;
    const int ox0 = f * TX;
    const int oy = int(gl_GlobalInvocationID.y) % p.outH, b = int(gl_GlobalInvocationID.y) / p.outH;
    if (f >= groups || b >= p.batch)
        return;
    const int s = STRIDE_W, n = (TX - 1) * s + KW, ix0 = ox0 * s - p.padLeft;
    vec4 rows[KMAX][RMAX];
    [[unroll]] for (int ky = 0; ky < KMAX; ++ky) {
        if (ky >= KH)
            break;
        vec4 r[RMAX];
        loadRow(b, oy * p.strideH - p.padTop + ky, ix0, n, r);
        rows[ky] = r;
    }
    for (int o4 = 0; o4 < p.oc4; ++o4) {
        vec4 acc[TX];
        [[unroll]] for (int k = 0; k < TX; ++k)
            acc[k] = LOAD_BIAS(o4);
        int wi = o4 * KH * KW * 4;
        [[unroll]] for (int ky = 0; ky < KMAX; ++ky) {
            if (ky >= KH)
                break;
            [[unroll]] for (int kx = 0; kx < KMAX; ++kx) {
                if (kx >= KW)
                    break;
                const vec4 w0 = LOAD_W(wi), w1 = LOAD_W(wi + 1), w2 = LOAD_W(wi + 2), w3 = LOAD_W(wi + 3);
                wi += 4;
                [[unroll]] for (int k = 0; k < TX; ++k) {
                    const vec4 v = rows[ky][k * s + kx];
                    acc[k] += w0 * v.x + w1 * v.y + w2 * v.z + w3 * v.w;
                }
            }
        }
        [[unroll]] for (int k = 0; k < TX; ++k) {
            if (ox0 + k >= p.outW)
                break;
            storeConvPixel((b * p.outH + oy) * p.outW + ox0 + k, o4, acc[k]);
        }
    }
}
#else
void main()
{
    // x runs over (channel vec4, group of TX pixels) pairs, channel vec4s fastest, so that all
    // lanes of a SIMD vector are busy when the output has fewer than 8 channel vec4s (24 output
    // channels: 6); y over the batch's rows.
    const int f = int(gl_GlobalInvocationID.x), groups = (p.outW + TX - 1) / TX;
    const int o4 = f % p.oc4, ox0 = (f / p.oc4) * TX;
    const int oy = int(gl_GlobalInvocationID.y) % p.outH, b = int(gl_GlobalInvocationID.y) / p.outH;
    if (f >= p.oc4 * groups || b >= p.batch)
        return;
    vec4 acc[TX];
    [[unroll]] for (int k = 0; k < TX; ++k)
        acc[k] = LOAD_BIAS(o4);
    const int s = STRIDE_W, n = (TX - 1) * s + KW, ix0 = ox0 * s - p.padLeft;
    for (int ky = 0; ky < KH; ++ky) {
        const int iy = oy * p.strideH - p.padTop + ky;
        if (iy < 0 || iy >= p.inH)
            continue; // a row of zero padding adds nothing
        vec4 r[RMAX];
        loadRow(b, iy, ix0, n, r);
        // Filter: [oc4][kH][kW][4 input channels] vec4s.
        int wi = ((o4 * KH + ky) * KW) * 4;
        [[unroll]] for (int kx = 0; kx < KMAX; ++kx) {
            if (kx >= KW)
                break;
            const vec4 w0 = LOAD_W(wi), w1 = LOAD_W(wi + 1), w2 = LOAD_W(wi + 2), w3 = LOAD_W(wi + 3);
            wi += 4;
            if (s == 1) {
                TAPS(1, kx)
            } else {
                TAPS(2, kx)
            }
        }
    }
    [[unroll]] for (int k = 0; k < TX; ++k) {
        if (ox0 + k >= p.outW)
            break;
        storeConvPixel((b * p.outH + oy) * p.outW + ox0 + k, o4, acc[k]);
    }
}
#endif
