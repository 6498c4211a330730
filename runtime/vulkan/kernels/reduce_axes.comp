// Mean (op 1), Sum (0), Max (2), Min (3), Prod (4) over constant axes, float32. The planner merges
// adjacent dimensions, so an output element walks at most 3 reduced groups (dims, input strides)
// from its base, itself decomposed over at most 3 kept groups. One invocation per output element;
// sums are compensated (Kahan), so long reductions stay close to the double-precision reference.
#version 450
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { float x[]; };
layout(push_constant) uniform Params {
    int n, op, count, pad0;
    int keptDims[3];
    int keptStride[3];
    int redDims[3];
    int redStride[3];
} p;

void main()
{
    const int i = int(gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u);
    if (i >= p.n)
        return;
    int rest = i, base = 0;
    for (int k = 2; k >= 0; --k) {
        base += (rest % p.keptDims[k]) * p.keptStride[k];
        rest /= p.keptDims[k];
    }
    precise float sum = 0.0, carry = 0.0;
    float best = uintBitsToFloat(p.op == 2 ? 0xff800000u : 0x7f800000u), product = 1.0; // -inf / +inf
    for (int a = 0; a < p.redDims[0]; ++a)
        for (int b = 0; b < p.redDims[1]; ++b)
            for (int c = 0; c < p.redDims[2]; ++c) {
                const float v = x[base + a * p.redStride[0] + b * p.redStride[1] + c * p.redStride[2]];
                if (p.op <= 1) {
                    precise float term = v - carry;
                    precise float next = sum + term;
                    carry = (next - sum) - term;
                    sum = next;
                } else if (p.op == 2) {
                    best = max(best, v);
                } else if (p.op == 3) {
                    best = min(best, v);
                } else {
                    product *= v;
                }
            }
    y[i] = p.op == 0 ? sum : p.op == 1 ? sum / float(p.count) : p.op == 4 ? product : best;
}
