// The body of the gemm kernels: Y[M][N] = act(A[M][K] * B[K][N] + bias[N] (+ R[M][N])).
// A is row-major with K a multiple of 4 (NHWC activations as they are: M = pixels, K = channels);
// B is packed at load as [NB][K][TN] vec4 (NB = ceil(N / 4TN), zero past N), so the panel one
// invocation walks is contiguous. One invocation computes TM rows x TN vec4 columns in registers;
// invocations along x take consecutive row blocks, so the weights they read are the same across
// the lanes of a SIMD vector. The including .comp declares the bindings, TM, LOAD_A, LOAD_B,
// and RESIDUAL with LOAD_R when a residual add is folded in, or RESIDUAL_PADDED with a float
// `residual` buffer when the residual has fewer channels (a zero channel Pad folded in too), or
// RESIDUAL_PADDED_VEC4 with LOAD_R4 when those channels and their offset are multiples of 4.
// LOAD_BIAS defaults to a storage-buffer `bias`.
#extension GL_EXT_control_flow_attributes : require
#include "activation.glsl"
#include "load_store.glsl"

layout(push_constant) uniform Params {
    int M, K4, N, NB, act;
    float alpha;
    int rC, rBefore; // RESIDUAL_PADDED: the residual's channels and where they start in the output's
} p;

#include "fixed_values.glsl"
#ifdef RESIDUAL_PADDED_VEC4
#define RESIDUAL_PADDED
#endif
#ifndef LOAD_R4
#define LOAD_R4(i) residual4[i]
#endif

// Column vec4s per invocation, fixed per node (ops.cpp picks the count that wastes the fewest
// columns past N: 24 channels are 2 x 3 vec4s, not 2 x 4).
layout(constant_id = 8) const int kTN = 4;
#define TN kTN

void main()
{
    const int m0 = int(gl_GlobalInvocationID.x) * TM;
    const int nb = int(gl_GlobalInvocationID.y);
    if (m0 >= p.M || nb >= p.NB)
        return;
    vec4 acc[TM][TN];
    [[unroll]] for (int j = 0; j < TN; ++j) {
        const vec4 b = LOAD_BIAS(nb * TN + j);
        [[unroll]] for (int i = 0; i < TM; ++i)
            acc[i][j] = b;
    }
    int rows[TM];
    [[unroll]] for (int i = 0; i < TM; ++i)
        rows[i] = min(m0 + i, p.M - 1) * p.K4;
    int wi = nb * p.K4 * 4 * TN;
    for (int k = 0; k < p.K4; ++k) {
        vec4 w0[TN], w1[TN], w2[TN], w3[TN];
        [[unroll]] for (int j = 0; j < TN; ++j) {
            w0[j] = LOAD_B(wi + j);
            w1[j] = LOAD_B(wi + TN + j);
            w2[j] = LOAD_B(wi + 2 * TN + j);
            w3[j] = LOAD_B(wi + 3 * TN + j);
        }
        wi += 4 * TN;
        [[unroll]] for (int i = 0; i < TM; ++i) {
            const vec4 v = LOAD_A(rows[i] + k);
            [[unroll]] for (int j = 0; j < TN; ++j)
                acc[i][j] += w0[j] * v.x + w1[j] * v.y + w2[j] * v.z + w3[j] * v.w;
        }
    }
    const int n4 = (p.N + 3) / 4;
    [[unroll]] for (int i = 0; i < TM; ++i) {
        const int m = m0 + i;
        if (m >= p.M)
            break;
        [[unroll]] for (int j = 0; j < TN; ++j) {
            const int c4 = nb * TN + j;
            if (c4 >= n4)
                break;
            vec4 r = acc[i][j];
#ifdef RESIDUAL
            r += LOAD_R(m * n4 + c4);
#endif
#ifdef RESIDUAL_PADDED
            if (kResidualVec4 == 1) {
                const int rc4 = c4 - p.rBefore / 4;
                if (rc4 >= 0 && rc4 < p.rC / 4)
                    r += LOAD_R4(m * (p.rC / 4) + rc4);
            }
#ifndef RESIDUAL_PADDED_VEC4
            else {
                [[unroll]] for (int q = 0; q < 4; ++q) {
                    const int rc = c4 * 4 + q - p.rBefore;
                    if (rc >= 0 && rc < p.rC)
                        r[q] += residual[m * p.rC + rc];
                }
            }
#endif
#endif
            [[unroll]] for (int q = 0; q < 4; ++q)
                r[q] = applyOp(r[q], p.act, p.alpha);
            if (kVec4Out >= 0 ? kVec4Out == 1 : p.N % 4 == 0) {
                STORE_VEC4(y4, m * n4 + c4, r);
            } else {
                [[unroll]] for (int q = 0; q < 4; ++q)
                    if (c4 * 4 + q < p.N)
                        y[m * p.N + c4 * 4 + q] = r[q];
            }
        }
    }
}
