// Conv2D (NHWC) for inC % 4 == 0, bias and activation folded in: one invocation computes a 4x4
// tile (4 output pixels along x, 4 output channels), reading the input and the packed weights
// ([outC/4][kH][kW][inC] vec4) 16 bytes at a time from storage buffers. Output vec4 stores
// when outC % 4 == 0.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 8, local_size_y = 4, local_size_z = 1) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, set = 0, binding = 0) writeonly buffer Out4 { vec4 y4[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { vec4 x[]; };
layout(std430, set = 0, binding = 2) readonly buffer Weights { vec4 w[]; };
layout(std430, set = 0, binding = 3) readonly buffer Bias { vec4 bias[]; };
#define LOAD_X(i) x[i]
#define LOAD_W(i) w[i]
#include "conv2d_nhwc_vec4.glsl"
