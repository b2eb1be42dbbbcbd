/* Shared by the per-architecture files: the tile driver and the exact epilogue. Not public. */
#ifndef CKERNELS_INTERNAL_H
#define CKERNELS_INTERNAL_H

#include "CKernels.h"

/* Before a k loop whose body already holds a whole tile: unrolled further, clang's register
 * allocator moved the accumulators through the stack. */
#if defined(__clang__)
#define CK_NO_UNROLL _Pragma("clang loop unroll(disable)")
#elif defined(__GNUC__)
#define CK_NO_UNROLL _Pragma("GCC unroll 1")
#else
#define CK_NO_UNROLL
#endif

/* Largest tile any kernel uses (rows of activations x rows of weights). */
#define CK_MAX_MR 6
#define CK_MAX_NR 4

/* One kernel's signature: qa has row stride lda (a multiple of 64, zero-padded). */
typedef void (*ck_kernel)(const int8_t *qa, size_t lda, const float *sa, const int32_t *suma,
                          size_t m, size_t k, const int8_t *qw, const float *sw, const float *bias,
                          size_t n0, size_t n1, float *y, size_t ldy);

/* The float part of the scheme, identical for every instruction set: two float32 roundings
 * (the scale product, then acc times it) and the bias add; -ffp-contract=off keeps them apart. */
static inline void ck_epilogue(const int32_t t[CK_MAX_MR][CK_MAX_NR], size_t mr, size_t nr,
                               const float *sa, const float *sw, const float *bias,
                               float *y, size_t ldy) {
    for (size_t i = 0; i < mr; i++) {
        for (size_t j = 0; j < nr; j++) {
            float s = sa[i] * sw[j];
            float v = (float)t[i][j] * s;
            if (bias) v = v + bias[j];
            y[i * ldy + j] = v;
        }
    }
}

/* int32 dot products of the bytes kk..<k of `mr` activation rows and `nr` weight rows, added to
 * t: the tails the vector loops leave. */
static inline void ck_tail(int32_t t[CK_MAX_MR][CK_MAX_NR], size_t mr, size_t nr,
                           const int8_t *a, size_t lda, const int8_t *w, size_t k, size_t kk) {
    for (size_t i = 0; i < mr; i++)
        for (size_t j = 0; j < nr; j++) {
            int32_t s = 0;
            for (size_t x = kk; x < k; x++) s += (int32_t)a[i * lda + x] * (int32_t)w[j * k + x];
            t[i][j] += s;
        }
}

/* Weight rows per cache block: the block (NC x k bytes) stays in L2 while every activation
 * row tile passes over it, and one tile of activation rows stays in L1 across the block. */
static inline size_t ck_block_rows(size_t k, size_t nr) {
    size_t nc = (256u * 1024u) / (k ? k : 1);
    nc = nc / nr * nr;
    return nc < nr ? nr : nc;
}

/* Loops the blocks and tiles of rows 0..<m x outputs n0..<n1 over TILE(mr, nr, a, w, t, sums), a
 * statement that sets t to the int32 products of the tile (less the kernel's offset
 * correction, which TILE applies), followed by ck_epilogue. Full tiles use the constants MR and
 * NR so the compiler keeps the accumulators in registers; edge tiles run the same code with
 * runtime bounds. */
#define CK_DRIVE(MR, NR, TILE)                                                                \
    CK_DRIVE_FULL(MR, NR, TILE, CK_TILE_THEN_EPILOGUE)

/* A full tile through TILE and the scalar epilogue (CK_DRIVE_FULL's FULL for most kernels). */
#define CK_TILE_THEN_EPILOGUE(MR, NR, TILE, A, W, SUMS, SA, SW, BIAS, Y)                      \
    do {                                                                                      \
        int32_t ft_[CK_MAX_MR][CK_MAX_NR];                                                    \
        TILE(MR, NR, A, W, ft_, SUMS);                                                        \
        ck_epilogue((const int32_t (*)[CK_MAX_NR])ft_, MR, NR, SA, SW, BIAS, Y, ldy);        \
    } while (0)

/* CK_DRIVE with FULL(MR, NR, TILE, a, w, sums, sa, sw, bias, y), a statement that computes a
 * full tile and writes its outputs (a kernel's own vector epilogue, which must give
 * ck_epilogue's bits). */
#define CK_DRIVE_FULL(MR, NR, TILE, FULL)                                                     \
    do {                                                                                      \
        size_t nc_ = ck_block_rows(k, NR);                                                    \
        for (size_t b_ = n0; b_ < n1; b_ += nc_) {                                            \
            size_t be_ = b_ + nc_ < n1 ? b_ + nc_ : n1;                                       \
            for (size_t r0_ = 0; r0_ < m; r0_ += MR) {                                        \
                /* A last partial tile of rows, when there are at least MR rows, is the full  \
                 * tile of the last MR rows: the rows it shares with the tile before it get   \
                 * the same bits again (ViT's 197 tokens leave 5; the edge path ran 5 rows at \
                 * under half the full tile's rate). */                                       \
                size_t r_ = m - r0_ < MR && m >= MR ? m - MR : r0_;                           \
                size_t mr_ = m - r_ < MR ? m - r_ : MR;                                       \
                const int8_t *a_ = qa + r_ * lda;                                             \
                for (size_t n_ = b_; n_ < be_; n_ += NR) {                                    \
                    size_t nr_ = be_ - n_ < NR ? be_ - n_ : NR;                               \
                    const int8_t *w_ = qw + n_ * k;                                           \
                    const float *bias_ = bias ? bias + n_ : NULL;                             \
                    if (mr_ == MR && nr_ == NR) {                                             \
                        FULL(MR, NR, TILE, a_, w_, suma + r_, sa + r_, sw + n_, bias_,        \
                             y + r_ * ldy + n_);                                              \
                    } else {                                                                  \
                        int32_t t_[CK_MAX_MR][CK_MAX_NR];                                     \
                        TILE(mr_, nr_, a_, w_, t_, suma + r_);                                \
                        ck_epilogue((const int32_t (*)[CK_MAX_NR])t_, mr_, nr_, sa + r_,      \
                                    sw + n_, bias_, y + r_ * ldy + n_, ldy);                  \
                    }                                                                         \
                }                                                                             \
            }                                                                                 \
        }                                                                                     \
    } while (0)

void ck_qgemm_scalar(const int8_t *qa, size_t lda, const float *sa, const int32_t *suma,
                     size_t m, size_t k, const int8_t *qw, const float *sw, const float *bias,
                     size_t n0, size_t n1, float *y, size_t ldy);
void ck_quantize_rows_scalar(const float *x, size_t ldx, size_t m, size_t k,
                             int8_t *qa, float *sa, int32_t *suma);

/* Query rows per block of the attention kernels; their scratch holds that many rows of scores. */
#define CK_ATT_MR 6
void ck_attention_head_scalar(const float *q, const float *k, const float *v, size_t ld, size_t s, size_t hd,
                              float divisor, float *ctx, size_t ldc, float *scratch);

void ck_gelu_scalar(float *x, size_t n);

#if defined(__x86_64__)
int ck_avx512f_x86_supported(void);
void ck_gelu_x86(float *x, size_t n);
void ck_attention_head_x86(const float *q, const float *k, const float *v, size_t ld, size_t s, size_t hd,
                           float divisor, float *ctx, size_t ldc, float *scratch);
int ck_x86_supported(ck_isa isa);
ck_kernel ck_x86_kernel(ck_isa isa);
void ck_quantize_rows_avx2(const float *x, size_t ldx, size_t m, size_t k,
                           int8_t *qa, float *sa, int32_t *suma);
#endif
#if defined(__aarch64__)
int ck_arm_supported(ck_isa isa);
ck_kernel ck_arm_kernel(ck_isa isa);
void ck_quantize_rows_neon(const float *x, size_t ldx, size_t m, size_t k,
                           int8_t *qa, float *sa, int32_t *suma);
#endif

#endif
