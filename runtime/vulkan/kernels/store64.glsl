// STORE_VEC4(arr, i, v): arr[i] = v for a vec4 array bound at binding 0. With STORE64 (the
// including .comp defines it: the texel-load kernels of CPU devices) the vec4 is stored as two
// 64-bit words through an alias of binding 0: lavapipe stores a vector lane by lane and word by
// word, so this halves the stores (BlazeFace's 3x3 depthwise 8-10 % faster, its 1x1 convs 4-7 %).
// Those kernels need shaderInt64, which the planner requires before it picks them.
#ifndef STORE64_GLSL
#define STORE64_GLSL
#ifdef STORE64
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
layout(std430, set = 0, binding = 0) writeonly buffer Out64 { u64vec2 y64[]; };
#define STORE_VEC4(arr, i, v) y64[i] = packVec4(v)
u64vec2 packVec4(vec4 v)
{
    return u64vec2(packUint2x32(floatBitsToUint(v.xy)), packUint2x32(floatBitsToUint(v.zw)));
}
#else
#define STORE_VEC4(arr, i, v) arr[i] = (v)
#endif
#endif
