// A 3x3 DepthwiseConv2dNative (NHWC, multiplier 1, stride 1 or 2 along x) for channel counts that
// are not a multiple of 4: one channel per lane, 8 pixels per invocation, each input row loaded
// once; bias and activation folded in.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 8, local_size_y = 2, local_size_z = 1) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { float x[]; };
layout(std430, set = 0, binding = 2) readonly buffer Weights { float w[]; };
layout(std430, set = 0, binding = 3) readonly buffer Bias { float bias[]; };
#define LOAD_X(i) x[i]
#define LOAD_W(i) w[i]
#define SCALAR_CHANNELS
#include "depthwise_conv2d_3x3_nhwc_vec4.glsl"
