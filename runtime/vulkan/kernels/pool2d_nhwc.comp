// MaxPool (op 0) and AvgPool (op 1, padding excluded from the count as TensorFlow does), NHWC:
// one invocation per output element, channels along x.
#version 450
layout(local_size_x = 8, local_size_y = 4, local_size_z = 1) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { float x[]; };
layout(push_constant) uniform Params {
    int inH, inW, C, outH, outW, kH, kW, strideH;
    int strideW, padTop, padLeft, op;
} p;

void main()
{
    const int c = int(gl_GlobalInvocationID.x), ox = int(gl_GlobalInvocationID.y);
    const int oy = int(gl_GlobalInvocationID.z) % p.outH, b = int(gl_GlobalInvocationID.z) / p.outH;
    if (c >= p.C || ox >= p.outW)
        return;
    float best = -3.402823466e38, sum = 0.0;
    int count = 0;
    for (int ky = 0; ky < p.kH; ++ky) {
        const int iy = oy * p.strideH - p.padTop + ky;
        if (iy < 0 || iy >= p.inH)
            continue;
        for (int kx = 0; kx < p.kW; ++kx) {
            const int ix = ox * p.strideW - p.padLeft + kx;
            if (ix < 0 || ix >= p.inW)
                continue;
            const float v = x[((b * p.inH + iy) * p.inW + ix) * p.C + c];
            best = max(best, v);
            sum += v;
            ++count;
        }
    }
    y[((b * p.outH + oy) * p.outW + ox) * p.C + c] = p.op == 0 ? best : sum / float(max(count, 1));
}
