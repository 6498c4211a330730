// resize_nhwc_vec4.glsl with the input read from a storage buffer (GPUs).
#version 450
#extension GL_GOOGLE_include_directive : require
layout(std430, set = 0, binding = 1) readonly buffer In { vec4 x[]; };
#define LOAD_X(i) x[i]
#include "resize_nhwc_vec4.glsl"
