// Softmax (log 0) and LogSoftmax (log 1) over the last axis: one invocation per row of `width`
// elements (max, compensated sum of exp(x - max), then the quotients or x - max - log(sum)), so
// the result never overflows whatever the logits.
#version 450
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { float x[]; };
layout(push_constant) uniform Params {
    int rows, width, log;
} p;

void main()
{
    const int row = int(gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u);
    if (row >= p.rows)
        return;
    const int base = row * p.width;
    float top = x[base];
    for (int k = 1; k < p.width; ++k)
        top = max(top, x[base + k]);
    precise float sum = 0.0, carry = 0.0;
    for (int k = 0; k < p.width; ++k) {
        precise float term = exp(x[base + k] - top) - carry;
        precise float next = sum + term;
        carry = (next - sum) - term;
        sum = next;
    }
    if (p.log != 0) {
        const float shift = top + log(sum);
        for (int k = 0; k < p.width; ++k)
            y[base + k] = x[base + k] - shift;
        return;
    }
    const float scale = 1.0 / sum;
    for (int k = 0; k < p.width; ++k)
        y[base + k] = exp(x[base + k] - top) * scale;
}
