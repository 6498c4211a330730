// The values the planner fixes when it makes a kernel's pipeline (specialization constants,
// Push::fixed in ops.h; id 0, the op code, is in activation.glsl), so that uniform branches and
// loop bounds are settled at compile time: CPU devices run both sides of a branch, masked. Each
// has a "not fixed" default that reads the push constants `p` at run time (STUDIO_VK_RUNTIME_OPS=1).
// Included after `p`; the macros name p's fields only where a kernel uses them.
#ifndef FIXED_VALUES_GLSL
#define FIXED_VALUES_GLSL

// 1: the output's channels are a multiple of 4 (vec4 stores); 0: not; -1: not fixed.
layout(constant_id = 1) const int kVec4Out = -1;
// The stride along x and the filter's or window's height and width; 0: not fixed.
layout(constant_id = 2) const int kStrideW = 0;
layout(constant_id = 3) const int kKH = 0;
layout(constant_id = 4) const int kKW = 0;
// Pooling: max (0) or average (1); -1: not fixed.
layout(constant_id = 5) const int kPoolOp = -1;
// A gemm's zero-padded residual: 1 when its channels and their offset are multiples of 4, so
// that it is read a vec4 at a time; 0 reads it channel by channel.
layout(constant_id = 6) const int kResidualVec4 = 0;

// conv2d_rgb3_rows: 1 + where every row's first float falls in its texel, when that is the same
// for all rows (the image's width times 3 a multiple of 4); 0: not fixed.
layout(constant_id = 7) const int kRgbPhase = 0;

#define STRIDE_W (kStrideW > 0 ? kStrideW : p.strideW)
#define KH (kKH > 0 ? kKH : p.kH)
#define KW (kKW > 0 ? kKW : p.kW)
#define POOL_OP (kPoolOp >= 0 ? kPoolOp : p.op)

#endif
