// MaxPool / AvgPool (NHWC, C % 4 == 0) reading the input through an rgba32f uniform texel buffer
// (CPU devices); see pool2d_nhwc.comp for the semantics.
#version 450
#extension GL_GOOGLE_include_directive : require
#define STORE64
layout(local_size_x = 8, local_size_y = 4, local_size_z = 1) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { vec4 y[]; };
layout(set = 0, binding = 1) uniform samplerBuffer x;
#define LOAD_X(i) texelFetch(x, i)
#include "pool2d_nhwc_vec4.glsl"
