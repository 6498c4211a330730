// How the kernel bodies read their bias and store vec4 results, in the form the including .comp
// chooses. The texel-load .comp files of CPU devices (lavapipe loads and stores storage buffers
// lane by lane in a loop, word by word) define:
// - LOAD_BIAS(i): the bias vec4 i through a texel buffer; the default reads a storage buffer `bias`.
// - STORE64: STORE_VEC4(arr, i, v), arr[i] = v for a vec4 array bound at binding 0, stores the
//   vec4 as two 64-bit words through an alias of binding 0, halving the stores (BlazeFace's 3x3
//   depthwise 8-10 % faster, its 1x1 convs 4-7 %). Those kernels need shaderInt64, which the
//   planner requires before it picks them.
#ifndef LOAD_STORE_GLSL
#define LOAD_STORE_GLSL
#ifndef LOAD_BIAS
#define LOAD_BIAS(i) bias[i]
#endif
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
