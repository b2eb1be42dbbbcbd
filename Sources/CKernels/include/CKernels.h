#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/*
 * int8 x int8 -> int32 matrix products for the rows that share a weight matrix (the ViT encoder's
 * tokens, the image's cross-attention keys and values), with the activations quantized per row.
 *
 * The scheme (docs/quantization.md), every step in float32 or exact integers:
 *   sa[r]    = max_k |x[r, k]| / 127
 *   qa[r, k] = clamp(round_half_even(x[r, k] / sa[r]), -127, 127)        (0 when sa[r] == 0)
 *   acc      = sum_k qa[r, k] * qw[n, k]                                 (exact, int32)
 *   y[r, n]  = (float)acc * (sa[r] * sw[n]) + bias[n]                    (two roundings, no FMA)
 * Every instruction set below computes the same bits; ck_isa_supported says which can run here.
 */

/** Instruction sets of the int8 product, slowest first within each architecture. */
typedef enum {
    CK_ISA_SCALAR = 0,
    CK_ISA_AVX2 = 1,          /* x86-64: vpmaddubsw on |a| and sign(w, a) */
    CK_ISA_AVX_VNNI = 2,      /* x86-64: 256-bit vpdpbusd (VEX) */
    CK_ISA_AVX512_VNNI = 3,   /* x86-64: 512-bit vpdpbusd */
    CK_ISA_NEON = 4,          /* arm64: vmull_s8 / vpadalq_s16 (Raspberry Pi 4) */
    CK_ISA_NEON_DOT = 5,      /* arm64: sdot (Raspberry Pi 5) */
    CK_ISA_NEON_I8MM = 6,     /* arm64: smmla */
    CK_ISA_COUNT = 7
} ck_isa;

/** Whether `isa` was compiled in and this CPU (and OS) can run it. */
int ck_isa_supported(ck_isa isa);
/** The fastest supported instruction set; what ck_qgemm uses. */
ck_isa ck_best_isa(void);
/** A short name for `isa` ("avx512-vnni"), for logs and benchmarks. */
const char *ck_isa_name(ck_isa isa);

/** Bytes per quantized activation row for `k` inputs: `k` rounded up to 64 (rows are zero-padded). */
size_t ck_padded_k(size_t k);

/**
 * Quantizes rows `x (m, k)` (row stride `ldx` floats): `qa (m, ck_padded_k(k))` zero-padded,
 * `sa (m)` the row scales, `suma (m)` each row's sum of `qa` (the kernels' offset correction).
 */
void ck_quantize_rows(const float *x, size_t ldx, size_t m, size_t k,
                      int8_t *qa, float *sa, int32_t *suma);

/**
 * `y[r, n] (row stride ldy) = (float)sum_k qa[r, k] qw[n, k] * (sa[r] * sw[n]) + bias[n]` for
 * rows 0..<m and outputs n0..<n1, with `qa`, `sa`, `suma` from ck_quantize_rows and `qw (N, k)`
 * row-major int8 in -127...127 (unpadded), `sw (N)`, `bias (N)` or NULL. Uses ck_best_isa().
 */
void ck_qgemm(const int8_t *qa, const float *sa, const int32_t *suma, size_t m, size_t k,
              const int8_t *qw, const float *sw, const float *bias, size_t n0, size_t n1,
              float *y, size_t ldy);

/** ck_qgemm with a chosen instruction set, which must be supported (tests and benchmarks). */
void ck_qgemm_isa(ck_isa isa, const int8_t *qa, const float *sa, const int32_t *suma, size_t m, size_t k,
                  const int8_t *qw, const float *sw, const float *bias, size_t n0, size_t n1,
                  float *y, size_t ldy);

/**
 * One head of self-attention: `ctx[i, 0:hd] = sum_j p[i, j] v[j, 0:hd]` with
 * `p[i, :] = softmax_j(dot(q[i, 0:hd], k[j, 0:hd]) / divisor)` for the `s` rows of `q`, `k`, `v`
 * (row stride `ld` floats, each pointing at the head's first column) into `ctx` (row stride
 * `ldc`). `scratch` holds ck_attention_scratch(s, hd) floats. Float32 throughout; the sums and
 * exp round differently from BLAS and libm at float32 level. Vectorized for AVX-512 with
 * hd <= 64 (ck_attention_supported); elsewhere a plain loop (the check's reference), so
 * callers keep their BLAS path when it is 0.
 */
void ck_attention_head(const float *q, const float *k, const float *v, size_t ld, size_t s, size_t hd,
                       float divisor, float *ctx, size_t ldc, float *scratch);
/** Floats of scratch ck_attention_head needs for `s` rows of head width `hd`. */
size_t ck_attention_scratch(size_t s, size_t hd);
/** Whether ck_attention_head is vectorized on this CPU for head width `hd`. */
int ck_attention_supported(size_t hd);

/**
 * Exact GELU in place, `x = 0.5 x (1 + erf(x / sqrt 2))`, with the rational erf of the Swift
 * kernels (VectorMath.erf, within 4e-7 of erf) on AVX-512; elsewhere libm's erff (callers keep
 * their own vector path when ck_gelu_supported() is 0).
 */
void ck_gelu(float *x, size_t n);
/** Whether ck_gelu is vectorized on this CPU. */
int ck_gelu_supported(void);

#endif
