// The body of the matmul_rows kernels: Y[M][N] = act(A[M][K] * B[K][N] + bias[N]) for a few rows
// (a classifier's Dense on a batch of one, say), where the gemm's row blocks would leave most
// lanes idle. Lanes take consecutive vec4s of columns, so B's loads are contiguous across a SIMD
// vector and A's are the same for all of them; one invocation walks all of K for one row and 4
// columns. A is row-major with K padded to a multiple of 4; B is packed at load as [K4 * 4][N4]
// vec4 (zero past K and N). The including .comp declares the bindings, LOAD_A and LOAD_B.
#include "activation.glsl"
#include "load_store.glsl"

layout(push_constant) uniform Params {
    int M, K4, N, N4, act;
    float alpha;
} p;

#include "fixed_values.glsl"

void main()
{
    const int n4 = int(gl_GlobalInvocationID.x), m = int(gl_GlobalInvocationID.y);
    if (n4 >= p.N4 || m >= p.M)
        return;
    vec4 acc = LOAD_BIAS(n4);
    int bi = n4;
    for (int k = 0; k < p.K4; ++k) {
        const vec4 a = LOAD_A(m * p.K4 + k);
        acc += LOAD_B(bi) * a.x + LOAD_B(bi + p.N4) * a.y + LOAD_B(bi + 2 * p.N4) * a.z + LOAD_B(bi + 3 * p.N4) * a.w;
        bi += 4 * p.N4;
    }
    for (int q = 0; q < 4; ++q)
        acc[q] = applyOp(acc[q], p.act, p.alpha);
    if (kVec4Out >= 0 ? kVec4Out == 1 : p.N % 4 == 0) {
        STORE_VEC4(y4, m * p.N4 + n4, acc);
    } else {
        for (int q = 0; q < 4; ++q)
            if (n4 * 4 + q < p.N)
                y[m * p.N + n4 * 4 + q] = acc[q];
    }
}
