// MatMul / BatchMatMul / _FusedMatMul for a few rows, bias and activation folded in; A, B and the bias read through rgba32f uniform texel buffers (CPU devices).
#version 450
#extension GL_GOOGLE_include_directive : require
#define STORE64
layout(local_size_x = 8, local_size_y = 1, local_size_z = 1) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, set = 0, binding = 0) writeonly buffer Out4 { vec4 y4[]; };
layout(set = 0, binding = 1) uniform samplerBuffer a;
layout(set = 0, binding = 2) uniform samplerBuffer b;
layout(set = 0, binding = 3) uniform samplerBuffer biasTexels;
#define LOAD_BIAS(i) texelFetch(biasTexels, i)
#define LOAD_A(i) texelFetch(a, i)
#define LOAD_B(i) texelFetch(b, i)
#include "matmul_rows.glsl"
