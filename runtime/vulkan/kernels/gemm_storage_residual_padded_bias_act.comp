// gemm.glsl with A and B read through storage buffers (GPUs), and a residual with fewer channels (zero-padded along the channels) added before the activation.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 8, local_size_y = 2, local_size_z = 1) in;
#define TM 8
layout(std430, set = 0, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, set = 0, binding = 0) writeonly buffer Out4 { vec4 y4[]; };
layout(std430, set = 0, binding = 1) readonly buffer A { vec4 a[]; };
layout(std430, set = 0, binding = 2) readonly buffer B { vec4 b[]; };
#define LOAD_A(i) a[i]
#define LOAD_B(i) b[i]
layout(std430, set = 0, binding = 3) readonly buffer Bias { vec4 bias[]; };
layout(std430, set = 0, binding = 4) readonly buffer Residual { float residual[]; };
layout(std430, set = 0, binding = 4) readonly buffer Residual4 { vec4 residual4[]; };
#define RESIDUAL_PADDED
#include "gemm.glsl"
