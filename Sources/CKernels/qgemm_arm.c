/* arm64 kernels of the int8 product. Plain NEON runs on every arm64 CPU (Raspberry Pi 4,
 * Cortex-A72); sdot (Armv8.2 dot product: Pi 5, Cortex-A76) and smmla (Armv8.6 i8mm) are
 * compiled for their extension by target attributes and chosen at run time from the kernel's
 * hwcaps, so one binary runs on all of them. */
#if defined(__aarch64__)
#include <arm_neon.h>
#include <string.h>
#include <sys/auxv.h>

#include "kernels.h"

#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1ul << 20)
#endif
#ifndef HWCAP2_I8MM
#define HWCAP2_I8MM (1ul << 13)
#endif

int ck_arm_supported(ck_isa isa) {
    switch (isa) {
    case CK_ISA_NEON: return 1;
    case CK_ISA_NEON_DOT: return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
    case CK_ISA_NEON_I8MM: return (getauxval(AT_HWCAP2) & HWCAP2_I8MM) != 0;
    default: return 0;
    }
}

#define DOT_ATTR __attribute__((target("arch=armv8.2-a+dotprod")))
#define I8MM_ATTR __attribute__((target("arch=armv8.2-a+dotprod+i8mm")))

/* The four sums of a, b, c, d's lanes. */
static inline int32x4_t hsum4(int32x4_t a, int32x4_t b, int32x4_t c, int32x4_t d) {
    return vpaddq_s32(vpaddq_s32(a, b), vpaddq_s32(c, d));
}

static inline void store_tile_row(int32_t t[CK_MAX_MR][CK_MAX_NR], size_t i, size_t nr, int32x4_t s) {
    int32_t out[4];
    vst1q_s32(out, s);
    for (size_t j = 0; j < nr; j++) t[i][j] = out[j];
}

/* Plain NEON: vmull_s8 / vmlal_high_s8 add two products per 16-bit lane (at most
 * 2 * 127 * 127 = 32258, no overflow), vpadalq_s16 widens into int32. 16 bytes per step. */
static inline __attribute__((always_inline)) void tile_neon(
    size_t mr, size_t nr, const int8_t *a, size_t lda, const int8_t *w, size_t k,
    int32_t t[CK_MAX_MR][CK_MAX_NR]) {
    int32x4_t acc[CK_MAX_MR][CK_MAX_NR];
    for (size_t i = 0; i < mr; i++)
        for (size_t j = 0; j < nr; j++) acc[i][j] = vdupq_n_s32(0);
    size_t kk = 0;
    for (; kk + 16 <= k; kk += 16) {
        int8x16_t wv[CK_MAX_NR];
        for (size_t j = 0; j < nr; j++) wv[j] = vld1q_s8(w + j * k + kk);
        for (size_t i = 0; i < mr; i++) {
            int8x16_t av = vld1q_s8(a + i * lda + kk);
            for (size_t j = 0; j < nr; j++) {
                int16x8_t p = vmull_s8(vget_low_s8(av), vget_low_s8(wv[j]));
                p = vmlal_high_s8(p, av, wv[j]);
                acc[i][j] = vpadalq_s16(acc[i][j], p);
            }
        }
    }
    const int32x4_t zero = vdupq_n_s32(0);
    for (size_t i = 0; i < mr; i++)
        store_tile_row(t, i, nr, hsum4(acc[i][0], nr > 1 ? acc[i][1] : zero, nr > 2 ? acc[i][2] : zero,
                                       nr > 3 ? acc[i][3] : zero));
    ck_tail(t, mr, nr, a, lda, w, k, kk);
}

static void qgemm_neon(const int8_t *qa, size_t lda, const float *sa, const int32_t *suma,
                       size_t m, size_t k, const int8_t *qw, const float *sw, const float *bias,
                       size_t n0, size_t n1, float *y, size_t ldy) {
    (void)suma;  /* signed by signed: no offset to correct */
#define CK_TNEON(MR, NR, A, W, T, SUMS) tile_neon(MR, NR, A, lda, W, k, T)
    CK_DRIVE(4, 4, CK_TNEON);
#undef CK_TNEON
}

/* sdot: four 4-byte dot products per instruction, signed by signed, so no offset. */
static inline __attribute__((always_inline)) DOT_ATTR void tile_dot(
    size_t mr, size_t nr, const int8_t *a, size_t lda, const int8_t *w, size_t k,
    int32_t t[CK_MAX_MR][CK_MAX_NR]) {
    int32x4_t acc[CK_MAX_MR][CK_MAX_NR];
    for (size_t i = 0; i < mr; i++)
        for (size_t j = 0; j < nr; j++) acc[i][j] = vdupq_n_s32(0);
    size_t kk = 0;
    for (; kk + 16 <= k; kk += 16) {
        int8x16_t wv[CK_MAX_NR];
        for (size_t j = 0; j < nr; j++) wv[j] = vld1q_s8(w + j * k + kk);
        for (size_t i = 0; i < mr; i++) {
            int8x16_t av = vld1q_s8(a + i * lda + kk);
            for (size_t j = 0; j < nr; j++) acc[i][j] = vdotq_s32(acc[i][j], av, wv[j]);
        }
    }
    const int32x4_t zero = vdupq_n_s32(0);
    for (size_t i = 0; i < mr; i++)
        store_tile_row(t, i, nr, hsum4(acc[i][0], nr > 1 ? acc[i][1] : zero, nr > 2 ? acc[i][2] : zero,
                                       nr > 3 ? acc[i][3] : zero));
    ck_tail(t, mr, nr, a, lda, w, k, kk);
}

static DOT_ATTR void qgemm_dot(const int8_t *qa, size_t lda, const float *sa, const int32_t *suma,
                               size_t m, size_t k, const int8_t *qw, const float *sw, const float *bias,
                               size_t n0, size_t n1, float *y, size_t ldy) {
    (void)suma;  /* signed by signed: no offset to correct */
#define CK_TDOT(MR, NR, A, W, T, SUMS) tile_dot(MR, NR, A, lda, W, k, T)
    CK_DRIVE(4, 4, CK_TDOT);
#undef CK_TDOT
}

/* smmla: a 2 x 8 by 8 x 2 block per instruction, read straight from the row-major rows: two
 * rows' 8-byte halves are zipped into one register. Tiles of 4 x 4 are 2 x 2 blocks; an edge
 * tile repeats its last row (or weight row) in the missing half and ignores that result. */
static inline __attribute__((always_inline)) I8MM_ATTR void tile_i8mm(
    size_t mr, size_t nr, const int8_t *a, size_t lda, const int8_t *w, size_t k,
    int32_t t[CK_MAX_MR][CK_MAX_NR]) {
    int32x4_t acc[2][2];
    for (size_t p = 0; p < 2; p++)
        for (size_t q = 0; q < 2; q++) acc[p][q] = vdupq_n_s32(0);
    const int8_t *ar[4], *wr[4];
    for (size_t i = 0; i < 4; i++) {
        ar[i] = a + (i < mr ? i : mr - 1) * lda;
        wr[i] = w + (i < nr ? i : nr - 1) * k;
    }
    size_t kk = 0;
    for (; kk + 16 <= k; kk += 16) {
        int64x2_t al[2], ah[2], wl[2], wh[2];
        for (size_t p = 0; p < 2; p++) {
            int64x2_t x0 = vreinterpretq_s64_s8(vld1q_s8(ar[2 * p] + kk));
            int64x2_t x1 = vreinterpretq_s64_s8(vld1q_s8(ar[2 * p + 1] + kk));
            al[p] = vzip1q_s64(x0, x1);
            ah[p] = vzip2q_s64(x0, x1);
            int64x2_t v0 = vreinterpretq_s64_s8(vld1q_s8(wr[2 * p] + kk));
            int64x2_t v1 = vreinterpretq_s64_s8(vld1q_s8(wr[2 * p + 1] + kk));
            wl[p] = vzip1q_s64(v0, v1);
            wh[p] = vzip2q_s64(v0, v1);
        }
        for (size_t p = 0; p < 2; p++)
            for (size_t q = 0; q < 2; q++) {
                acc[p][q] = vmmlaq_s32(acc[p][q], vreinterpretq_s8_s64(al[p]), vreinterpretq_s8_s64(wl[q]));
                acc[p][q] = vmmlaq_s32(acc[p][q], vreinterpretq_s8_s64(ah[p]), vreinterpretq_s8_s64(wh[q]));
            }
    }
    /* acc[p][q] = [a(2p) w(2q), a(2p) w(2q+1), a(2p+1) w(2q), a(2p+1) w(2q+1)] */
    for (size_t p = 0; p < 2; p++)
        for (size_t q = 0; q < 2; q++) {
            int32_t out[4];
            vst1q_s32(out, acc[p][q]);
            for (size_t di = 0; di < 2; di++)
                for (size_t dj = 0; dj < 2; dj++) {
                    size_t i = 2 * p + di, j = 2 * q + dj;
                    if (i < mr && j < nr) t[i][j] = out[di * 2 + dj];
                }
        }
    ck_tail(t, mr, nr, a, lda, w, k, kk);
}

static I8MM_ATTR void qgemm_i8mm(const int8_t *qa, size_t lda, const float *sa, const int32_t *suma,
                                 size_t m, size_t k, const int8_t *qw, const float *sw, const float *bias,
                                 size_t n0, size_t n1, float *y, size_t ldy) {
    (void)suma;  /* signed by signed: no offset to correct */
#define CK_TI8MM(MR, NR, A, W, T, SUMS) tile_i8mm(MR, NR, A, lda, W, k, T)
    CK_DRIVE(4, 4, CK_TI8MM);
#undef CK_TI8MM
}

ck_kernel ck_arm_kernel(ck_isa isa) {
    switch (isa) {
    case CK_ISA_NEON: return qgemm_neon;
    case CK_ISA_NEON_DOT: return qgemm_dot;
    case CK_ISA_NEON_I8MM: return qgemm_i8mm;
    default: return NULL;
    }
}

/* Quantization with NEON: the same float32 division and round-half-even (vcvtnq) as the
 * scalar reference, four values at a time. */
void ck_quantize_rows_neon(const float *x, size_t ldx, size_t m, size_t k,
                           int8_t *qa, float *sa, int32_t *suma) {
    size_t lda = ck_padded_k(k);
    for (size_t r = 0; r < m; r++) {
        const float *xr = x + r * ldx;
        int8_t *q = qa + r * lda;
        float mx = 0;
        size_t i = 0;
        float32x4_t mv = vdupq_n_f32(0);
        for (; i + 4 <= k; i += 4) mv = vmaxnmq_f32(mv, vabsq_f32(vld1q_f32(xr + i)));
        mx = vmaxnmvq_f32(mv);
        for (; i < k; i++) { float v = xr[i] < 0 ? -xr[i] : xr[i]; if (v > mx) mx = v; }
        float s = mx / 127.0f;
        sa[r] = s;
        memset(q, 0, lda);
        if (!(s > 0)) { suma[r] = 0; continue; }
        const float32x4_t sv = vdupq_n_f32(s);
        const int32x4_t hi = vdupq_n_s32(127), lo = vdupq_n_s32(-127);
        int32x4_t total = vdupq_n_s32(0);
        i = 0;
        for (; i + 8 <= k; i += 8) {
            int32x4_t q0 = vcvtnq_s32_f32(vdivq_f32(vld1q_f32(xr + i), sv));
            int32x4_t q1 = vcvtnq_s32_f32(vdivq_f32(vld1q_f32(xr + i + 4), sv));
            q0 = vmaxq_s32(lo, vminq_s32(hi, q0));
            q1 = vmaxq_s32(lo, vminq_s32(hi, q1));
            total = vaddq_s32(total, vaddq_s32(q0, q1));
            int16x8_t h = vcombine_s16(vmovn_s32(q0), vmovn_s32(q1));
            vst1_s8(q + i, vmovn_s16(h));
        }
        int32_t sum = vaddvq_s32(total);
        for (; i < k; i++) {
            float v = __builtin_rintf(xr[i] / s);
            if (v > 127.0f) v = 127.0f;
            if (v < -127.0f) v = -127.0f;
            q[i] = (int8_t)v;
            sum += q[i];
        }
        suma[r] = sum;
    }
}
#endif
