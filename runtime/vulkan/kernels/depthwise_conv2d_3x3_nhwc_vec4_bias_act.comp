// A 3x3 DepthwiseConv2dNative (NHWC, multiplier 1, C % 4 == 0, stride 1 or 2 along x), bias and
// activation folded in, loading from storage buffers (GPUs).
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 8, local_size_y = 2, local_size_z = 1) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { vec4 y[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { vec4 x[]; };
layout(std430, set = 0, binding = 2) readonly buffer Weights { vec4 w[]; };
layout(std430, set = 0, binding = 3) readonly buffer Bias { vec4 bias[]; };
#define LOAD_X(i) x[i]
#define LOAD_W(i) w[i]
#include "depthwise_conv2d_3x3_nhwc_vec4.glsl"
