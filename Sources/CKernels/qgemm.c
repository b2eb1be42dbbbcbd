/* The scalar reference of the int8 scheme (CKernels.h), quantization, and the choice of kernel. */
#include <math.h>
#include <string.h>

#include "kernels.h"

size_t ck_padded_k(size_t k) { return (k + 63) / 64 * 64; }

static const char *const names[CK_ISA_COUNT] = {
    "scalar", "avx2", "avx-vnni", "avx512-vnni", "neon", "neon-dotprod", "neon-i8mm",
};

const char *ck_isa_name(ck_isa isa) { return (unsigned)isa < CK_ISA_COUNT ? names[isa] : "unknown"; }

int ck_isa_supported(ck_isa isa) {
    if (isa == CK_ISA_SCALAR) return 1;
#if defined(__x86_64__)
    return ck_x86_supported(isa);
#elif defined(__aarch64__)
    return ck_arm_supported(isa);
#else
    return 0;
#endif
}

ck_isa ck_best_isa(void) {
    /* Computed once; a race computes the same value twice. */
    static int best = -1;
    if (best < 0) {
        int b = CK_ISA_SCALAR;
        for (int i = 1; i < CK_ISA_COUNT; i++)
            if (ck_isa_supported((ck_isa)i)) b = i;
        best = b;
    }
    return (ck_isa)best;
}

static ck_kernel kernel_for(ck_isa isa) {
#if defined(__x86_64__)
    ck_kernel k = ck_x86_kernel(isa);
    if (k) return k;
#elif defined(__aarch64__)
    ck_kernel k = ck_arm_kernel(isa);
    if (k) return k;
#endif
    (void)isa;
    return ck_qgemm_scalar;
}

void ck_qgemm_isa(ck_isa isa, const int8_t *qa, const float *sa, const int32_t *suma, size_t m, size_t k,
                  const int8_t *qw, const float *sw, const float *bias, size_t n0, size_t n1,
                  float *y, size_t ldy) {
    if (!ck_isa_supported(isa)) isa = CK_ISA_SCALAR;
    kernel_for(isa)(qa, ck_padded_k(k), sa, suma, m, k, qw, sw, bias, n0, n1, y, ldy);
}

void ck_qgemm(const int8_t *qa, const float *sa, const int32_t *suma, size_t m, size_t k,
              const int8_t *qw, const float *sw, const float *bias, size_t n0, size_t n1,
              float *y, size_t ldy) {
    ck_qgemm_isa(ck_best_isa(), qa, sa, suma, m, k, qw, sw, bias, n0, n1, y, ldy);
}

/* The reference: one exact int32 dot product per output. */
void ck_qgemm_scalar(const int8_t *qa, size_t lda, const float *sa, const int32_t *suma,
                     size_t m, size_t k, const int8_t *qw, const float *sw, const float *bias,
                     size_t n0, size_t n1, float *y, size_t ldy) {
    (void)suma;
#define CK_SCALAR_TILE(MR, NR, A, W, T, SUMS)                                   \
    do {                                                                        \
        memset(T, 0, sizeof T);                                                 \
        ck_tail(T, MR, NR, A, lda, W, k, 0);                                    \
    } while (0)
    CK_DRIVE(4, 4, CK_SCALAR_TILE);
#undef CK_SCALAR_TILE
}

/* One row's scale and quantized values, in the scheme's exact float32 steps. */
static void quantize_row_scalar(const float *x, size_t k, size_t lda, int8_t *q, float *scale, int32_t *sum) {
    float mx = 0;
    for (size_t i = 0; i < k; i++) {
        float a = fabsf(x[i]);
        if (a > mx) mx = a;
    }
    float s = mx / 127.0f;
    int32_t total = 0;
    for (size_t i = 0; i < k; i++) {
        float v = s > 0 ? rintf(x[i] / s) : 0.0f;
        if (v > 127.0f) v = 127.0f;
        if (v < -127.0f) v = -127.0f;
        q[i] = (int8_t)v;
        total += q[i];
    }
    memset(q + k, 0, lda - k);
    *scale = s;
    *sum = total;
}

void ck_quantize_rows_scalar(const float *x, size_t ldx, size_t m, size_t k,
                             int8_t *qa, float *sa, int32_t *suma) {
    size_t lda = ck_padded_k(k);
    for (size_t r = 0; r < m; r++) quantize_row_scalar(x + r * ldx, k, lda, qa + r * lda, sa + r, suma + r);
}

void ck_quantize_rows(const float *x, size_t ldx, size_t m, size_t k,
                      int8_t *qa, float *sa, int32_t *suma) {
#if defined(__x86_64__)
    if (ck_isa_supported(CK_ISA_AVX2)) { ck_quantize_rows_avx2(x, ldx, m, k, qa, sa, suma); return; }
#elif defined(__aarch64__)
    ck_quantize_rows_neon(x, ldx, m, k, qa, sa, suma);
    return;
#endif
    ck_quantize_rows_scalar(x, ldx, m, k, qa, sa, suma);
}
