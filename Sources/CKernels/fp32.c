/* The encoder's fp32 kernels (CKernels.h), GELU and one head of self-attention: the AVX-512
 * kernels where they run, and plain loops (the references the check compares them with)
 * otherwise. */
#include <math.h>

#include "kernels.h"

size_t ck_attention_scratch(size_t s, size_t hd) { return (hd + CK_ATT_MR) * ((s + 15) / 16 * 16); }

int ck_attention_supported(size_t hd) {
#if defined(__x86_64__)
    return hd >= 1 && hd <= 64 && ck_avx512f_x86_supported();
#else
    (void)hd;
    return 0;
#endif
}

/* Each query row in turn: scores in the scratch, softmax as torch writes it (subtract the max,
 * exp, divide by the sum), then the weighted sum of the value rows. */
void ck_attention_head_scalar(const float *q, const float *k, const float *v, size_t ld, size_t s, size_t hd,
                              float divisor, float *ctx, size_t ldc, float *scratch) {
    for (size_t i = 0; i < s; i++) {
        float mx = -INFINITY;
        for (size_t j = 0; j < s; j++) {
            float d = 0;
            for (size_t t = 0; t < hd; t++) d += q[i * ld + t] * k[j * ld + t];
            scratch[j] = d / divisor;
            if (scratch[j] > mx) mx = scratch[j];
        }
        float sum = 0;
        for (size_t j = 0; j < s; j++) { scratch[j] = expf(scratch[j] - mx); sum += scratch[j]; }
        for (size_t j = 0; j < s; j++) scratch[j] /= sum;
        for (size_t t = 0; t < hd; t++) {
            float a = 0;
            for (size_t j = 0; j < s; j++) a += scratch[j] * v[j * ld + t];
            ctx[i * ldc + t] = a;
        }
    }
}

void ck_attention_head(const float *q, const float *k, const float *v, size_t ld, size_t s, size_t hd,
                       float divisor, float *ctx, size_t ldc, float *scratch) {
#if defined(__x86_64__)
    if (ck_attention_supported(hd)) { ck_attention_head_x86(q, k, v, ld, s, hd, divisor, ctx, ldc, scratch); return; }
#endif
    ck_attention_head_scalar(q, k, v, ld, s, hd, divisor, ctx, ldc, scratch);
}

int ck_gelu_supported(void) {
#if defined(__x86_64__)
    return ck_avx512f_x86_supported();
#else
    return 0;
#endif
}

void ck_gelu_scalar(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.7071067811865476f));
}

void ck_gelu(float *x, size_t n) {
#if defined(__x86_64__)
    if (ck_gelu_supported()) { ck_gelu_x86(x, n); return; }
#endif
    ck_gelu_scalar(x, n);
}
