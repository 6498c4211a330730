// Shared by the convolution kernels, included after their push constants `p` (strideW, kH, kW).
// The filter's size and the stride along x, fixed by the planner (Push::fixed) so that the loops
// over the taps unroll; 0 reads p at run time.
layout(constant_id = 2) const int kStrideW = 0;
layout(constant_id = 3) const int kKH = 0;
layout(constant_id = 4) const int kKW = 0;
#define STRIDE_W (kStrideW > 0 ? kStrideW : p.strideW)
#define KH (kKH > 0 ? kKH : p.kH)
#define KW (kKW > 0 ? kKW : p.kW)
