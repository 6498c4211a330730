// Conv2DBackpropInput (transposed convolution), NHWC, dilation 1: one invocation per input-grad
// element, flat over (batch, row, column, channel) so that a single channel (a segmentation
// mask) still fills every lane. The filter is packed [kH][kW][outC][inC] so neighbouring
// channels read neighbouring words.
#version 450
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { float dx[]; };
layout(std430, set = 0, binding = 1) readonly buffer Grad { float dy[]; };
layout(std430, set = 0, binding = 2) readonly buffer Filter { float w[]; };
layout(push_constant) uniform Params {
    int n, inH, inW, inC, outH, outW, outC, kH;
    int kW, strideH, strideW, padTop, padLeft;
} p;

void main()
{
    const int i = int(gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u);
    if (i >= p.n)
        return;
    const int c = i % p.inC, pixel = i / p.inC;
    const int ix = pixel % p.inW, iy = (pixel / p.inW) % p.inH, b = pixel / (p.inW * p.inH);
    float acc = 0.0;
    for (int ky = 0; ky < p.kH; ++ky) {
        // Output row oy covered input row iy through filter row ky when oy * stride - padTop + ky == iy.
        const int ty = iy + p.padTop - ky;
        if (ty < 0 || ty % p.strideH != 0 || ty / p.strideH >= p.outH)
            continue;
        const int oy = ty / p.strideH;
        for (int kx = 0; kx < p.kW; ++kx) {
            const int tx = ix + p.padLeft - kx;
            if (tx < 0 || tx % p.strideW != 0 || tx / p.strideW >= p.outW)
                continue;
            const int grad = ((b * p.outH + oy) * p.outW + tx / p.strideW) * p.outC;
            const int taps = (ky * p.kW + kx) * p.outC * p.inC + c;
            for (int o = 0; o < p.outC; ++o)
                acc += dy[grad + o] * w[taps + o * p.inC];
        }
    }
    dx[i] = acc;
}
