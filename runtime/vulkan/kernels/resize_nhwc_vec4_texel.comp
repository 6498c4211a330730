// resize_nhwc_vec4.glsl with the input read through an rgba32f uniform texel buffer (the fast
// load path of CPU implementations).
#version 450
#extension GL_GOOGLE_include_directive : require
layout(set = 0, binding = 1) uniform samplerBuffer x;
#define LOAD_X(i) texelFetch(x, i)
#include "resize_nhwc_vec4.glsl"
