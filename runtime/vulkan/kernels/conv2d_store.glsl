// The conv kernels' epilogue: the fused activation on 4 output channels of one pixel, stored as a
// vec4 when the output's channels are a multiple of 4, else channel by channel (the last vec4
// may hang past outC). Needs the including body's push constants `p` (act, alpha, outC, oc4) and
// the y / y4 bindings, and fixed_values.glsl included before it.
#include "load_store.glsl"

void storeConvPixel(int pix, int o4, vec4 r)
{
    [[unroll]] for (int j = 0; j < 4; ++j)
        r[j] = applyOp(r[j], p.act, p.alpha);
    if (kVec4Out >= 0 ? kVec4Out == 1 : p.outC % 4 == 0) {
        STORE_VEC4(y4, pix * p.oc4 + o4, r);
    } else {
        [[unroll]] for (int j = 0; j < 4; ++j)
            if (o4 * 4 + j < p.outC)
                y[pix * p.outC + o4 * 4 + j] = r[j];
    }
}
