// Conv2D / _FusedConv2D over a 3-channel input (an RGB image) read as it is, with no padding
// pass, through an rgba32f uniform texel buffer (CPU devices; conv2d_rgb3_row.glsl picks the
// pixels out of the texels). Filters up to 5 wide, stride 1 or 2 along x, bias and activation
// folded in. Each invocation computes every output channel of 8 pixels (ALL_CHANNELS).
#version 450
#extension GL_GOOGLE_include_directive : require
#define STORE64
layout(local_size_x = 8, local_size_y = 2, local_size_z = 1) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, set = 0, binding = 0) writeonly buffer Out4 { vec4 y4[]; };
layout(set = 0, binding = 1) uniform samplerBuffer x;
layout(set = 0, binding = 2) uniform samplerBuffer w;
layout(set = 0, binding = 3) uniform samplerBuffer biasTexels;
#define LOAD_BIAS(i) texelFetch(biasTexels, i)
#define LOAD_W(i) texelFetch(w, i)
#define RGB3_ROWS
#define ALL_CHANNELS
#include "conv2d_rgba_rows_nhwc.glsl"
