// Conv2D / _FusedConv2D over an input of at most 4 channels (padded to one vec4 per pixel), filters
// up to 5 wide, stride 1 or 2 along x, bias and activation folded in; loading from storage buffers (GPUs).
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 8, local_size_y = 2, local_size_z = 1) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, set = 0, binding = 0) writeonly buffer Out4 { vec4 y4[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { vec4 x[]; };
layout(std430, set = 0, binding = 2) readonly buffer Weights { vec4 w[]; };
layout(std430, set = 0, binding = 3) readonly buffer Bias { vec4 bias[]; };
#define LOAD_X(i) x[i]
#define LOAD_W(i) w[i]
#include "conv2d_rgba_rows_nhwc.glsl"
