// Pad along the last dimension only (a tensor's channels, as when they are padded to a multiple
// of 4 for vec4 loads): out[pixel][c] = in[pixel][c - before] inside, the value outside. Channels
// along x, pixels along y and z: no division per element, which pad_constant's general index
// arithmetic costs (integer division is not vectorised on CPU devices).
#version 450
layout(local_size_x = 8, local_size_y = 8, local_size_z = 1) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { float x[]; };
layout(push_constant) uniform Params {
    int pixels, inC, outC, before;
    float value;
} p;

void main()
{
    const int c = int(gl_GlobalInvocationID.x);
    const int pixel = int(gl_GlobalInvocationID.y + gl_GlobalInvocationID.z * gl_NumWorkGroups.y * gl_WorkGroupSize.y);
    if (c >= p.outC || pixel >= p.pixels)
        return;
    const int s = c - p.before;
    const float v = x[pixel * p.inC + clamp(s, 0, p.inC - 1)];
    y[pixel * p.outC + c] = s >= 0 && s < p.inC ? v : p.value;
}
