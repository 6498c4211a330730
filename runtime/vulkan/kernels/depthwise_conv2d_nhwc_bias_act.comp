// DepthwiseConv2dNative (NHWC, any channel multiplier) with the bias and activation of
// FusedDepthwiseConv2dNative folded in: one invocation per output element, channels along x.
// The filter keeps TensorFlow's [kH][kW][inC][mult] layout, which is [kH][kW][outC].
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 8, local_size_y = 4, local_size_z = 1) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { float x[]; };
layout(std430, set = 0, binding = 2) readonly buffer Weights { float w[]; };
layout(std430, set = 0, binding = 3) readonly buffer Bias { float bias[]; };
layout(push_constant) uniform Params {
    int inH, inW, inC, outH, outW, outC, kH, kW;
    int strideH, strideW, dilH, dilW, padTop, padLeft, mult, act;
    float alpha;
} p;
#include "activation.glsl"

void main()
{
    const int oc = int(gl_GlobalInvocationID.x), ox = int(gl_GlobalInvocationID.y);
    const int oy = int(gl_GlobalInvocationID.z) % p.outH, b = int(gl_GlobalInvocationID.z) / p.outH;
    if (oc >= p.outC || ox >= p.outW)
        return;
    const int ic = oc / p.mult;
    float acc = bias[oc];
    for (int ky = 0; ky < p.kH; ++ky) {
        const int iy = oy * p.strideH - p.padTop + ky * p.dilH;
        if (iy < 0 || iy >= p.inH)
            continue;
        for (int kx = 0; kx < p.kW; ++kx) {
            const int ix = ox * p.strideW - p.padLeft + kx * p.dilW;
            if (ix < 0 || ix >= p.inW)
                continue;
            acc += x[((b * p.inH + iy) * p.inW + ix) * p.inC + ic] * w[(ky * p.kW + kx) * p.outC + oc];
        }
    }
    y[((b * p.outH + oy) * p.outW + ox) * p.outC + oc] = applyOp(acc, p.act, p.alpha);
}
