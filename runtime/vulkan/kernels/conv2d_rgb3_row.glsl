// The row loader of conv2d_rgb3_rows_nhwc_texel_bias_act: a 3-channel image read through an
// rgba32f texel buffer. A row's 3-float pixels straddle the 4-float texels, so the texels under
// the row are loaded once (15 at most) and each pixel's channels picked out of them; the row's
// phase (where its first float falls in a texel) is one of four spelled-out cases, so that every
// index is a constant (arrays indexed at run time end up in per-lane memory on CPU devices).

// Pixels ix0 .. ix0 + n - 1 of the row starting at pixel `row`, as vec4s; zero outside the image.
void rgb3Row(int row, int ix0, int n, out vec4 r[RMAX])
{
    const int f0 = (row + ix0) * 3;
    const int t0 = kRgbPhase > 0 ? (f0 - (kRgbPhase - 1)) / 4 : f0 >= 0 ? f0 / 4 : -((3 - f0) / 4); // floor division
    const int phase = kRgbPhase > 0 ? kRgbPhase - 1 : f0 - 4 * t0;
    const int texels = (phase + 3 * n + 3) / 4, size = textureSize(x);
    vec4 T[15];
    [[unroll]] for (int m = 0; m < 15; ++m)
        T[m] = m < texels ? texelFetch(x, clamp(t0 + m, 0, size - 1)) : vec4(0.0);
    if (phase == 0) {
        r[0] = vec4(T[0].x, T[0].y, T[0].z, 0.0);
        r[1] = vec4(T[0].w, T[1].x, T[1].y, 0.0);
        r[2] = vec4(T[1].z, T[1].w, T[2].x, 0.0);
        r[3] = vec4(T[2].y, T[2].z, T[2].w, 0.0);
        r[4] = vec4(T[3].x, T[3].y, T[3].z, 0.0);
        r[5] = vec4(T[3].w, T[4].x, T[4].y, 0.0);
        r[6] = vec4(T[4].z, T[4].w, T[5].x, 0.0);
        r[7] = vec4(T[5].y, T[5].z, T[5].w, 0.0);
        r[8] = vec4(T[6].x, T[6].y, T[6].z, 0.0);
        r[9] = vec4(T[6].w, T[7].x, T[7].y, 0.0);
        r[10] = vec4(T[7].z, T[7].w, T[8].x, 0.0);
        r[11] = vec4(T[8].y, T[8].z, T[8].w, 0.0);
        r[12] = vec4(T[9].x, T[9].y, T[9].z, 0.0);
        r[13] = vec4(T[9].w, T[10].x, T[10].y, 0.0);
        r[14] = vec4(T[10].z, T[10].w, T[11].x, 0.0);
        r[15] = vec4(T[11].y, T[11].z, T[11].w, 0.0);
        r[16] = vec4(T[12].x, T[12].y, T[12].z, 0.0);
        r[17] = vec4(T[12].w, T[13].x, T[13].y, 0.0);
        r[18] = vec4(T[13].z, T[13].w, T[14].x, 0.0);
    }
    else if (phase == 1) {
        r[0] = vec4(T[0].y, T[0].z, T[0].w, 0.0);
        r[1] = vec4(T[1].x, T[1].y, T[1].z, 0.0);
        r[2] = vec4(T[1].w, T[2].x, T[2].y, 0.0);
        r[3] = vec4(T[2].z, T[2].w, T[3].x, 0.0);
        r[4] = vec4(T[3].y, T[3].z, T[3].w, 0.0);
        r[5] = vec4(T[4].x, T[4].y, T[4].z, 0.0);
        r[6] = vec4(T[4].w, T[5].x, T[5].y, 0.0);
        r[7] = vec4(T[5].z, T[5].w, T[6].x, 0.0);
        r[8] = vec4(T[6].y, T[6].z, T[6].w, 0.0);
        r[9] = vec4(T[7].x, T[7].y, T[7].z, 0.0);
        r[10] = vec4(T[7].w, T[8].x, T[8].y, 0.0);
        r[11] = vec4(T[8].z, T[8].w, T[9].x, 0.0);
        r[12] = vec4(T[9].y, T[9].z, T[9].w, 0.0);
        r[13] = vec4(T[10].x, T[10].y, T[10].z, 0.0);
        r[14] = vec4(T[10].w, T[11].x, T[11].y, 0.0);
        r[15] = vec4(T[11].z, T[11].w, T[12].x, 0.0);
        r[16] = vec4(T[12].y, T[12].z, T[12].w, 0.0);
        r[17] = vec4(T[13].x, T[13].y, T[13].z, 0.0);
        r[18] = vec4(T[13].w, T[14].x, T[14].y, 0.0);
    }
    else if (phase == 2) {
        r[0] = vec4(T[0].z, T[0].w, T[1].x, 0.0);
        r[1] = vec4(T[1].y, T[1].z, T[1].w, 0.0);
        r[2] = vec4(T[2].x, T[2].y, T[2].z, 0.0);
        r[3] = vec4(T[2].w, T[3].x, T[3].y, 0.0);
        r[4] = vec4(T[3].z, T[3].w, T[4].x, 0.0);
        r[5] = vec4(T[4].y, T[4].z, T[4].w, 0.0);
        r[6] = vec4(T[5].x, T[5].y, T[5].z, 0.0);
        r[7] = vec4(T[5].w, T[6].x, T[6].y, 0.0);
        r[8] = vec4(T[6].z, T[6].w, T[7].x, 0.0);
        r[9] = vec4(T[7].y, T[7].z, T[7].w, 0.0);
        r[10] = vec4(T[8].x, T[8].y, T[8].z, 0.0);
        r[11] = vec4(T[8].w, T[9].x, T[9].y, 0.0);
        r[12] = vec4(T[9].z, T[9].w, T[10].x, 0.0);
        r[13] = vec4(T[10].y, T[10].z, T[10].w, 0.0);
        r[14] = vec4(T[11].x, T[11].y, T[11].z, 0.0);
        r[15] = vec4(T[11].w, T[12].x, T[12].y, 0.0);
        r[16] = vec4(T[12].z, T[12].w, T[13].x, 0.0);
        r[17] = vec4(T[13].y, T[13].z, T[13].w, 0.0);
        r[18] = vec4(T[14].x, T[14].y, T[14].z, 0.0);
    }
    else if (phase == 3) {
        r[0] = vec4(T[0].w, T[1].x, T[1].y, 0.0);
        r[1] = vec4(T[1].z, T[1].w, T[2].x, 0.0);
        r[2] = vec4(T[2].y, T[2].z, T[2].w, 0.0);
        r[3] = vec4(T[3].x, T[3].y, T[3].z, 0.0);
        r[4] = vec4(T[3].w, T[4].x, T[4].y, 0.0);
        r[5] = vec4(T[4].z, T[4].w, T[5].x, 0.0);
        r[6] = vec4(T[5].y, T[5].z, T[5].w, 0.0);
        r[7] = vec4(T[6].x, T[6].y, T[6].z, 0.0);
        r[8] = vec4(T[6].w, T[7].x, T[7].y, 0.0);
        r[9] = vec4(T[7].z, T[7].w, T[8].x, 0.0);
        r[10] = vec4(T[8].y, T[8].z, T[8].w, 0.0);
        r[11] = vec4(T[9].x, T[9].y, T[9].z, 0.0);
        r[12] = vec4(T[9].w, T[10].x, T[10].y, 0.0);
        r[13] = vec4(T[10].z, T[10].w, T[11].x, 0.0);
        r[14] = vec4(T[11].y, T[11].z, T[11].w, 0.0);
        r[15] = vec4(T[12].x, T[12].y, T[12].z, 0.0);
        r[16] = vec4(T[12].w, T[13].x, T[13].y, 0.0);
        r[17] = vec4(T[13].z, T[13].w, T[14].x, 0.0);
        r[18] = vec4(T[14].y, T[14].z, T[14].w, 0.0);
    }
    [[unroll]] for (int j = 0; j < RMAX; ++j) {
        const int ix = ix0 + j;
        if (j >= n || ix < 0 || ix >= p.inW)
            r[j] = vec4(0.0);
    }
}
