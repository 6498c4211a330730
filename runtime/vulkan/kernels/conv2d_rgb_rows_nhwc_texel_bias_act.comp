// Conv2D / _FusedConv2D over an input of 1 to 3 channels (an RGB image) read as it is, with no
// padding pass: each pixel's channels are loaded as floats and made a vec4 (p.inC is the real
// channel count). Filters up to 5 wide, stride 1 or 2 along x, bias and activation folded in;
// the filter read through an rgba32f uniform texel buffer (CPU devices).
#version 450
#extension GL_GOOGLE_include_directive : require
#define STORE64
layout(local_size_x = 8, local_size_y = 2, local_size_z = 1) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, set = 0, binding = 0) writeonly buffer Out4 { vec4 y4[]; };
layout(std430, set = 0, binding = 1) readonly buffer In { float x[]; };
layout(set = 0, binding = 2) uniform samplerBuffer w;
layout(set = 0, binding = 3) uniform samplerBuffer biasTexels;
#define LOAD_BIAS(i) texelFetch(biasTexels, i)
#define LOAD_X(i) vec4(x[(i) * p.inC], p.inC > 1 ? x[(i) * p.inC + 1] : 0.0, p.inC > 2 ? x[(i) * p.inC + 2] : 0.0, 0.0)
#define LOAD_W(i) texelFetch(w, i)
#include "conv2d_rgba_rows_nhwc.glsl"
