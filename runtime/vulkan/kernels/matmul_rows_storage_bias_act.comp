// MatMul / BatchMatMul / _FusedMatMul for a few rows, bias and activation folded in; A and B read from storage buffers (GPUs).
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 8, local_size_y = 1, local_size_z = 1) in;
layout(std430, set = 0, binding = 0) writeonly buffer Out { float y[]; };
layout(std430, set = 0, binding = 0) writeonly buffer Out4 { vec4 y4[]; };
layout(std430, set = 0, binding = 1) readonly buffer A { vec4 a[]; };
layout(std430, set = 0, binding = 2) readonly buffer B { vec4 b[]; };
layout(std430, set = 0, binding = 3) readonly buffer Bias { vec4 bias[]; };
#define LOAD_A(i) a[i]
#define LOAD_B(i) b[i]
#include "matmul_rows.glsl"
