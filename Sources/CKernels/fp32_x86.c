/* The fp32 kernels of the encoder for AVX-512 (CKernels.h): exact GELU, and one head of
 * self-attention, softmax(q · k^T / divisor) · v.
 *
 * Attention takes six
 * query rows at a time: their scores against every key (from a transposed copy of the head's
 * keys, so each step broadcasts one query value against sixteen keys), the softmax of those six
 * rows while they are in L1, then their context from the values, broadcasting one probability
 * against sixteen of a value row's columns. Every multiply-add has sixteen independent lanes,
 * where the BLAS calls it replaces packed both operands of products only 64 or 197 deep. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>

#include "kernels.h"

#define ATT_ATTR __attribute__((target("avx2,fma,avx512f,avx512vl,avx512dq")))
#define ATT_INLINE static inline __attribute__((always_inline)) ATT_ATTR

/* Query rows per block (CK_ATT_MR). */
#define ATT_MR CK_ATT_MR

static size_t padded16(size_t n) { return (n + 15) / 16 * 16; }

/* The CPU's AVX-512 subsets and the OS's saved ZMM state (both checked by the builtin). */
int ck_avx512f_x86_supported(void) {
    static int ok = -1;
    if (ok < 0) ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    return ok;
}

static inline __mmask16 tail_mask(size_t n) { return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1); }

/* e^x for x <= 0 (every softmax input after the max is subtracted): 2^n times a degree-7
 * polynomial of the remainder, as VectorMath.exp; 0 below -87.3. */
ATT_INLINE __m512 exp16(__m512 x) {
    const __m512 lo = _mm512_set1_ps(-87.5f);
    __m512 xc = _mm512_max_ps(x, lo);
    const __m512 magic = _mm512_set1_ps(12582912.0f);
    __m512 shifted = _mm512_fmadd_ps(xc, _mm512_set1_ps(1.442695040888963f), magic);
    __m512 n = _mm512_sub_ps(shifted, magic);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), xc);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.0f / 5040);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    __m512i bits = _mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_set1_epi32(0x4B400000));
    __m512 scale = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(bits, _mm512_set1_epi32(127)), 23));
    __m512 y = _mm512_mul_ps(p, scale);
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, _mm512_set1_ps(-87.3f), _CMP_GE_OQ), y);
}

/* Scores of MR query rows against the keys of NV sixteen-key vectors starting at key j0:
 * sc[r, j] = sum_d q[r, d] kt[d, j]. */
ATT_INLINE void scores_tile(const int MR, const int NV, const float *q, size_t ld, const float *kt, size_t sp,
                            size_t hd, size_t j0, float *sc) {
    __m512 acc[ATT_MR][4];
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NV; c++) acc[r][c] = _mm512_setzero_ps();
    for (size_t d = 0; d < hd; d++) {
        __m512 kv[4];
        for (int c = 0; c < NV; c++) kv[c] = _mm512_loadu_ps(kt + d * sp + j0 + 16 * c);
        for (int r = 0; r < MR; r++) {
            __m512 b = _mm512_set1_ps(q[r * ld + d]);
            for (int c = 0; c < NV; c++) acc[r][c] = _mm512_fmadd_ps(b, kv[c], acc[r][c]);
        }
    }
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NV; c++) _mm512_storeu_ps(sc + r * sp + j0 + 16 * c, acc[r][c]);
}

/* Context of MR rows: ctx[r, 0:hd] = sum_j p[r, j] v[j, 0:hd], hd <= 16 * NV. */
ATT_INLINE void context_tile(const int MR, const int NV, const float *p, size_t sp, const float *v, size_t ld,
                             size_t s, size_t hd, float *ctx, size_t ldc) {
    __m512 acc[ATT_MR][4];
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NV; c++) acc[r][c] = _mm512_setzero_ps();
    __mmask16 last = tail_mask(hd - 16 * (size_t)(NV - 1));
    for (size_t j = 0; j < s; j++) {
        __m512 vv[4];
        for (int c = 0; c < NV; c++)
            vv[c] = c == NV - 1 ? _mm512_maskz_loadu_ps(last, v + j * ld + 16 * c) : _mm512_loadu_ps(v + j * ld + 16 * c);
        for (int r = 0; r < MR; r++) {
            __m512 b = _mm512_set1_ps(p[r * sp + j]);
            for (int c = 0; c < NV; c++) acc[r][c] = _mm512_fmadd_ps(b, vv[c], acc[r][c]);
        }
    }
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NV; c++) {
            if (c == NV - 1) _mm512_mask_storeu_ps(ctx + r * ldc + 16 * c, last, acc[r][c]);
            else _mm512_storeu_ps(ctx + r * ldc + 16 * c, acc[r][c]);
        }
}

/* In-place softmax of the s scores of one row after dividing them by divisor; the padding
 * after s is left alone (never read). */
ATT_INLINE void softmax_row(float *x, size_t s, float divisor) {
    const __m512 dv = _mm512_set1_ps(divisor);
    __m512 mx = _mm512_set1_ps(-INFINITY);
    for (size_t j = 0; j < s; j += 16) {
        __mmask16 m = tail_mask(s - j);
        __m512 t = _mm512_div_ps(_mm512_maskz_loadu_ps(m, x + j), dv);
        _mm512_mask_storeu_ps(x + j, m, t);
        mx = _mm512_mask_max_ps(mx, m, t, mx);
    }
    __m512 mv = _mm512_set1_ps(_mm512_reduce_max_ps(mx));
    __m512 sum = _mm512_setzero_ps();
    for (size_t j = 0; j < s; j += 16) {
        __mmask16 m = tail_mask(s - j);
        __m512 e = exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + j), mv));
        e = _mm512_maskz_mov_ps(m, e);
        _mm512_mask_storeu_ps(x + j, m, e);
        sum = _mm512_add_ps(sum, e);
    }
    __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
    for (size_t j = 0; j < s; j += 16) {
        __mmask16 m = tail_mask(s - j);
        _mm512_mask_storeu_ps(x + j, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + j), inv));
    }
}

/* One block of MR query rows through all three steps. */
ATT_INLINE void block(const int MR, const float *q, const float *v, size_t ld, const float *kt, size_t sp,
                      size_t s, size_t hd, float divisor, float *sc, float *ctx, size_t ldc) {
    size_t j = 0;
    for (; j + 64 <= sp; j += 64) scores_tile(MR, 4, q, ld, kt, sp, hd, j, sc);
    for (; j < sp; j += 16) scores_tile(MR, 1, q, ld, kt, sp, hd, j, sc);
    for (int r = 0; r < MR; r++) softmax_row(sc + r * sp, s, divisor);
    switch ((hd + 15) / 16) {
    case 1: context_tile(MR, 1, sc, sp, v, ld, s, hd, ctx, ldc); break;
    case 2: context_tile(MR, 2, sc, sp, v, ld, s, hd, ctx, ldc); break;
    case 3: context_tile(MR, 3, sc, sp, v, ld, s, hd, ctx, ldc); break;
    default: context_tile(MR, 4, sc, sp, v, ld, s, hd, ctx, ldc); break;
    }
}

ATT_ATTR void ck_attention_head_x86(const float *q, const float *k, const float *v, size_t ld, size_t s, size_t hd,
                                float divisor, float *ctx, size_t ldc, float *scratch) {
    size_t sp = padded16(s);
    float *kt = scratch, *sc = scratch + hd * sp;
    for (size_t d = 0; d < hd; d++) {
        float *row = kt + d * sp;
        for (size_t j = 0; j < s; j++) row[j] = k[j * ld + d];
        for (size_t j = s; j < sp; j++) row[j] = 0;
    }
    size_t i = 0;
    for (; i + ATT_MR <= s; i += ATT_MR)
        block(ATT_MR, q + i * ld, v, ld, kt, sp, s, hd, divisor, sc, ctx + i * ldc, ldc);
    switch (s - i) {
    case 1: block(1, q + i * ld, v, ld, kt, sp, s, hd, divisor, sc, ctx + i * ldc, ldc); break;
    case 2: block(2, q + i * ld, v, ld, kt, sp, s, hd, divisor, sc, ctx + i * ldc, ldc); break;
    case 3: block(3, q + i * ld, v, ld, kt, sp, s, hd, divisor, sc, ctx + i * ldc, ldc); break;
    case 4: block(4, q + i * ld, v, ld, kt, sp, s, hd, divisor, sc, ctx + i * ldc, ldc); break;
    case 5: block(5, q + i * ld, v, ld, kt, sp, s, hd, divisor, sc, ctx + i * ldc, ldc); break;
    default: break;
    }
}

/* erf as VectorMath.erf: x P(x^2) / Q(x^2) on |x| < 3.92, the same fit, with fused
 * multiply-adds. */
ATT_INLINE __m512 erf16(__m512 x) {
    __m512 xc = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-3.92f)), _mm512_set1_ps(3.92f));
    __m512 t = _mm512_mul_ps(xc, xc);
    __m512 p = _mm512_set1_ps(2.034885710600065e-06f);
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.00028747666510753334f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.0038679526187479496f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.05305935814976692f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.1927545666694641f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.128378987312317f));
    __m512 q = _mm512_set1_ps(3.807205212069675e-05f);
    q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(0.0011880345409736037f));
    q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(0.015171545557677746f));
    q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(0.1150808110833168f));
    q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(0.5041559338569641f));
    q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(1.0f));
    __m512 e = _mm512_div_ps(_mm512_mul_ps(xc, p), q);
    return _mm512_min_ps(_mm512_max_ps(e, _mm512_set1_ps(-1.0f)), _mm512_set1_ps(1.0f));
}

ATT_ATTR void ck_gelu_x86(float *x, size_t n) {
    const __m512 half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f), r2 = _mm512_set1_ps(0.7071067811865476f);
    for (size_t i = 0; i < n; i += 16) {
        __mmask16 m = tail_mask(n - i);
        __m512 v = _mm512_maskz_loadu_ps(m, x + i);
        __m512 g = _mm512_mul_ps(_mm512_mul_ps(half, v), _mm512_add_ps(one, erf16(_mm512_mul_ps(v, r2))));
        _mm512_mask_storeu_ps(x + i, m, g);
    }
}
#endif
