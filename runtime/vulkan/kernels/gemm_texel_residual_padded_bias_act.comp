// gemm.glsl with A, B and the bias read through rgba32f uniform texel buffers (the fast loads of CPU implementations), and a residual with fewer channels (zero-padded along the channels) read as floats from a storage buffer, added before the activation.
#version 450
#extension GL_GOOGLE_include_directive : require
#define STORE64
layout(local_size_x = 8, local_size_y = 2, local_size_z = 1) in;
#define TM 8
layout(std430, set = 0, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, set = 0, binding = 0) writeonly buffer Out4 { vec4 y4[]; };
layout(set = 0, binding = 1) uniform samplerBuffer a;
layout(set = 0, binding = 2) uniform samplerBuffer b;
#define LOAD_A(i) texelFetch(a, i)
#define LOAD_B(i) texelFetch(b, i)
layout(set = 0, binding = 3) uniform samplerBuffer biasTexels;
#define LOAD_BIAS(i) texelFetch(biasTexels, i)
layout(std430, set = 0, binding = 4) readonly buffer Residual { float residual[]; };
layout(std430, set = 0, binding = 4) readonly buffer Residual4 { vec4 residual4[]; };
#define RESIDUAL_PADDED
#include "gemm.glsl"
