// A 3x3 DepthwiseConv2dNative (NHWC, multiplier 1, C % 4 == 0, stride 1 or 2 along x), bias and
// activation folded in, the input and the filter read through rgba32f uniform texel buffers
// (the fast load path of CPU implementations).
#version 450
#extension GL_GOOGLE_include_directive : require
#define STORE64
layout(local_size_x = 8, local_size_y = 2, local_size_z = 1) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { vec4 y[]; };
layout(set = 0, binding = 1) uniform samplerBuffer x;
layout(set = 0, binding = 2) uniform samplerBuffer w;
layout(set = 0, binding = 3) uniform samplerBuffer biasTexels;
#define LOAD_BIAS(i) texelFetch(biasTexels, i)
#define LOAD_X(i) texelFetch(x, i)
#define LOAD_W(i) texelFetch(w, i)
#include "depthwise_conv2d_3x3_nhwc_vec4.glsl"
