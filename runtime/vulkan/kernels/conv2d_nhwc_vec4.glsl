// The body of the conv2d_nhwc_vec4 kernels (inC % 4 == 0, 4x4 output tile per invocation); the
// including .comp declares the bindings and how x and w are loaded (LOAD_X, LOAD_W).
#extension GL_EXT_control_flow_attributes : require
#include "activation.glsl"

layout(push_constant) uniform Params {
    int inH, inW, inC, outH, outW, outC, kH, kW;
    int strideH, strideW, dilH, dilW, padTop, padLeft, oc4, act;
    float alpha;
} p;

#include "fixed_values.glsl"

#include "conv2d_store.glsl"

void main()
{
    const int ox0 = int(gl_GlobalInvocationID.x) * 4, oy = int(gl_GlobalInvocationID.y);
    const int b = int(gl_GlobalInvocationID.z) / p.oc4, o4 = int(gl_GlobalInvocationID.z) % p.oc4;
    if (ox0 >= p.outW || oy >= p.outH)
        return;
    const int ic4 = p.inC / 4;
    vec4 acc[4];
    [[unroll]] for (int k = 0; k < 4; ++k)
        acc[k] = LOAD_BIAS(o4);
    int wi = o4 * p.kH * p.kW * p.inC;
    for (int ky = 0; ky < KH; ++ky) {
        const int iy = oy * p.strideH - p.padTop + ky * p.dilH;
        if (iy < 0 || iy >= p.inH) {
            wi += p.kW * p.inC;
            continue;
        }
        const int row = (b * p.inH + iy) * p.inW;
        for (int kx = 0; kx < KW; ++kx) {
            int xi[4];
            bool ok[4];
            [[unroll]] for (int k = 0; k < 4; ++k) {
                const int ix = (ox0 + k) * STRIDE_W - p.padLeft + kx * p.dilW;
                ok[k] = ix >= 0 && ix < p.inW && ox0 + k < p.outW;
                xi[k] = (row + clamp(ix, 0, p.inW - 1)) * ic4;
            }
            for (int c = 0; c < ic4; ++c) {
                const vec4 w0 = LOAD_W(wi), w1 = LOAD_W(wi + 1), w2 = LOAD_W(wi + 2), w3 = LOAD_W(wi + 3);
                wi += 4;
                [[unroll]] for (int k = 0; k < 4; ++k) {
                    const vec4 v = ok[k] ? LOAD_X(xi[k] + c) : vec4(0.0);
                    acc[k] += w0 * v.x + w1 * v.y + w2 * v.z + w3 * v.w;
                }
            }
        }
    }
    [[unroll]] for (int k = 0; k < 4; ++k) {
        if (ox0 + k >= p.outW)
            break;
        storeConvPixel((b * p.outH + oy) * p.outW + ox0 + k, o4, acc[k]);
    }
}
