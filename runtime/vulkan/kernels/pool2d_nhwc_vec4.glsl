// The body of the pool2d_nhwc_vec4 kernels: pool2d_nhwc for C % 4 == 0, 4 channels (a vec4, along
// x) per invocation, so each load moves 16 bytes. The including .comp declares the bindings and
// LOAD_X.
layout(push_constant) uniform Params {
    int inH, inW, C, outH, outW, kH, kW, strideH;
    int strideW, padTop, padLeft, op;
    int batch;
} p;

#include "fixed_values.glsl"
#include "load_store.glsl"

void main()
{
    // x runs over (channel vec4, output column) pairs, channel vec4s fastest, so that no lane of
    // a SIMD vector idles when the channels are not a multiple of 32 (28 channels: 7 vec4s); y
    // over the batch's rows.
    const int C4 = p.C / 4;
    const int f = int(gl_GlobalInvocationID.x);
    const int c4 = f % C4, ox = f / C4;
    const int oy = int(gl_GlobalInvocationID.y) % p.outH, b = int(gl_GlobalInvocationID.y) / p.outH;
    if (ox >= p.outW || b >= p.batch)
        return;
    vec4 best = vec4(-3.402823466e38), sum = vec4(0.0);
    int count = 0;
    for (int ky = 0; ky < KH; ++ky) {
        const int iy = oy * p.strideH - p.padTop + ky;
        if (iy < 0 || iy >= p.inH)
            continue;
        for (int kx = 0; kx < KW; ++kx) {
            const int ix = ox * STRIDE_W - p.padLeft + kx;
            if (ix < 0 || ix >= p.inW)
                continue;
            const vec4 v = LOAD_X(((b * p.inH + iy) * p.inW + ix) * C4 + c4);
            best = max(best, v);
            sum += v;
            ++count;
        }
    }
    STORE_VEC4(y, ((b * p.outH + oy) * p.outW + ox) * C4 + c4, POOL_OP == 0 ? best : sum / float(max(count, 1)));
}
