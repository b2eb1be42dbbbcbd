/* Checks every int8 kernel this CPU can run against an independent scalar model of the scheme
 * (CKernels.h), bit for bit, over shapes that hit every tile edge and vector tail, and the fp32
 * kernels (GELU, one head of attention) against their plain-loop references within float32
 * rounding; with --bench M K N, times each int8 kernel on one thread instead.
 *
 * scripts/check-arm64 builds and runs it natively, and for aarch64 under qemu-aarch64. Exit
 * status 0 only when every comparison matched and at least one vector kernel ran. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels.h"

static unsigned long long rng = 88172645463325252ull;
static unsigned long long next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }
static float uniform(void) { return (float)((next() >> 11) * (1.0 / 9007199254740992.0)) * 2.0f - 1.0f; }

/* The scheme written out independently of the library: per-row scale, division, round half to
 * even, clamp, exact integer dot product, then the two float roundings and the bias. */
static void model(const float *x, size_t m, size_t k, const int8_t *qw, const float *sw,
                  const float *bias, size_t n, float *y) {
    int8_t *q = malloc(k ? k : 1);
    for (size_t r = 0; r < m; r++) {
        float mx = 0;
        for (size_t i = 0; i < k; i++) mx = fabsf(x[r * k + i]) > mx ? fabsf(x[r * k + i]) : mx;
        float s = mx / 127.0f;
        for (size_t i = 0; i < k; i++) {
            float v = s > 0 ? nearbyintf(x[r * k + i] / s) : 0.0f;
            q[i] = (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
        }
        for (size_t o = 0; o < n; o++) {
            long long acc = 0;
            for (size_t i = 0; i < k; i++) acc += (long long)q[i] * qw[o * k + i];
            volatile float scale = s * sw[o];
            volatile float v = (float)acc * scale;
            y[r * n + o] = bias ? v + bias[o] : v;
        }
    }
    free(q);
}

static int failures = 0, comparisons = 0;

static void check_shape(size_t m, size_t k, size_t n, int with_bias) {
    size_t lda = ck_padded_k(k);
    float *x = malloc(sizeof(float) * (m * k + 1));
    int8_t *qw = malloc(n * k + 1);
    float *sw = malloc(sizeof(float) * n), *bias = malloc(sizeof(float) * n);
    for (size_t i = 0; i < m * k; i++) x[i] = uniform() * 3.0f;
    if (m > 2) for (size_t i = 0; i < k; i++) x[2 * k + i] = 0;  /* an all-zero row: scale 0 */
    if (m > 3 && k > 0) x[3 * k] = 1000.0f;                       /* one outlier dominates its row */
    for (size_t i = 0; i < n * k; i++) qw[i] = (int8_t)((int)(next() % 255) - 127);
    for (size_t o = 0; o < n; o++) { sw[o] = (uniform() + 1.5f) * 1e-3f; bias[o] = uniform(); }
    float *ref = malloc(sizeof(float) * m * n), *y = malloc(sizeof(float) * m * n);
    model(x, m, k, qw, sw, with_bias ? bias : NULL, n, ref);

    int8_t *qa = malloc(m * lda + 1), *qs = malloc(m * lda + 1);
    float *sa = malloc(sizeof(float) * m + 4), *ss = malloc(sizeof(float) * m + 4);
    int32_t *suma = malloc(sizeof(int32_t) * m + 4), *sums = malloc(sizeof(int32_t) * m + 4);
    ck_quantize_rows_scalar(x, k, m, k, qs, ss, sums);
    memset(qa, 0x55, m * lda);  /* the padding must be written */
    ck_quantize_rows(x, k, m, k, qa, sa, suma);
    comparisons++;
    if (memcmp(qa, qs, m * lda) || memcmp(sa, ss, sizeof(float) * m) || memcmp(suma, sums, sizeof(int32_t) * m)) {
        printf("FAIL quantize m=%zu k=%zu\n", m, k);
        failures++;
    }
    for (int isa = 0; isa < CK_ISA_COUNT; isa++) {
        if (!ck_isa_supported((ck_isa)isa)) continue;
        /* The whole range, and a sub-range that starts inside a tile. */
        size_t n0s[2] = {0, n > 5 ? 3 : 0};
        for (int part = 0; part < 2; part++) {
            size_t n0 = n0s[part];
            for (size_t i = 0; i < m * n; i++) y[i] = NAN;
            ck_qgemm_isa((ck_isa)isa, qa, sa, suma, m, k, qw, sw, with_bias ? bias : NULL, n0, n, y, n);
            comparisons++;
            int bad = 0;
            for (size_t r = 0; r < m && !bad; r++)
                for (size_t o = n0; o < n; o++)
                    if (memcmp(&y[r * n + o], &ref[r * n + o], sizeof(float))) {
                        printf("FAIL %s m=%zu k=%zu n=%zu n0=%zu bias=%d: y[%zu,%zu] = %.9g, model %.9g\n",
                               ck_isa_name((ck_isa)isa), m, k, n, n0, with_bias, r, o, y[r * n + o], ref[r * n + o]);
                        bad = 1;
                        break;
                    }
            failures += bad;
        }
    }
    free(x); free(qw); free(sw); free(bias); free(ref); free(y);
    free(qa); free(qs); free(sa); free(ss); free(suma); free(sums);
}

/* The fp32 kernels against the plain loops: they sum and round in another order, so within a
 * bound of float32 rounding (relative to the values' scale), not bit for bit. */
static int fp32_vector = 0;

static void check_attention(size_t s, size_t hd, size_t ld) {
    float *q = malloc(sizeof(float) * s * ld), *k = malloc(sizeof(float) * s * ld), *v = malloc(sizeof(float) * s * ld);
    float *want = malloc(sizeof(float) * s * ld), *got = malloc(sizeof(float) * s * ld);
    float *scratch = malloc(sizeof(float) * ck_attention_scratch(s, hd));
    for (size_t i = 0; i < s * ld; i++) { q[i] = uniform() * 2.0f; k[i] = uniform() * 2.0f; v[i] = uniform(); }
    for (size_t i = 0; i < s * ld; i++) want[i] = got[i] = 7.0f;  /* columns outside the head stay */
    float divisor = sqrtf((float)hd);
    ck_attention_head_scalar(q, k, v, ld, s, hd, divisor, want, ld, scratch);
    ck_attention_head(q, k, v, ld, s, hd, divisor, got, ld, scratch);
    comparisons++;
    for (size_t i = 0; i < s * ld; i++) {
        /* |ctx| <= 1 (a convex combination of values in [-1, 1]); 64-deep and 197-long sums. */
        if (!(fabsf(got[i] - want[i]) <= 2e-6f)) {
            printf("FAIL attention s=%zu hd=%zu ld=%zu: ctx[%zu] = %.9g, reference %.9g\n", s, hd, ld, i, got[i], want[i]);
            failures++;
            break;
        }
    }
    free(q); free(k); free(v); free(want); free(got); free(scratch);
}

static void check_gelu(size_t n) {
    float *want = malloc(sizeof(float) * (n + 1)), *got = malloc(sizeof(float) * (n + 1));
    for (size_t i = 0; i < n; i++) want[i] = got[i] = uniform() * 6.0f;
    if (n > 2) { want[0] = got[0] = 0.0f; want[1] = got[1] = -20.0f; want[2] = got[2] = 20.0f; }
    got[n] = want[n] = 3.0f;  /* past the end: untouched */
    ck_gelu_scalar(want, n);
    ck_gelu(got, n);
    comparisons++;
    for (size_t i = 0; i <= n; i++) {
        /* the rational erf is within 4e-7 of erf; GELU multiplies it by x / 2 */
        float tol = 4e-7f * (fabsf(want[i]) + 1.0f) * 4.0f;
        if (!(fabsf(got[i] - want[i]) <= tol)) {
            printf("FAIL gelu n=%zu: [%zu] = %.9g, reference %.9g\n", n, i, got[i], want[i]);
            failures++;
            break;
        }
    }
    free(want); free(got);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int bench(size_t m, size_t k, size_t n, int reps) {
    size_t lda = ck_padded_k(k);
    float *x = malloc(sizeof(float) * m * k), *y = malloc(sizeof(float) * m * n);
    int8_t *qw = malloc(n * k), *qa = malloc(m * lda);
    float *sw = malloc(sizeof(float) * n), *sa = malloc(sizeof(float) * m);
    int32_t *suma = malloc(sizeof(int32_t) * m);
    for (size_t i = 0; i < m * k; i++) x[i] = uniform();
    for (size_t i = 0; i < n * k; i++) qw[i] = (int8_t)((int)(next() % 255) - 127);
    for (size_t o = 0; o < n; o++) sw[o] = 1e-3f;
    double best = 1e30;
    for (int i = 0; i < reps; i++) {
        double t0 = now();
        ck_quantize_rows(x, k, m, k, qa, sa, suma);
        double t = now() - t0;
        if (t < best) best = t;
    }
    printf("{\"kernel\": \"quantize\", \"m\": %zu, \"k\": %zu, \"best_ms\": %.4f}\n", m, k, best * 1e3);
    for (int isa = 0; isa < CK_ISA_COUNT; isa++) {
        if (!ck_isa_supported((ck_isa)isa)) continue;
        best = 1e30;
        for (int i = 0; i < reps; i++) {
            double t0 = now();
            ck_qgemm_isa((ck_isa)isa, qa, sa, suma, m, k, qw, sw, NULL, 0, n, y, n);
            double t = now() - t0;
            if (t < best) best = t;
        }
        printf("{\"kernel\": \"%s\", \"m\": %zu, \"k\": %zu, \"n\": %zu, \"best_ms\": %.4f, \"gops\": %.1f}\n",
               ck_isa_name((ck_isa)isa), m, k, n, best * 1e3, 2.0 * m * k * n / best * 1e-9);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 5 && !strcmp(argv[1], "--bench"))
        return bench(strtoul(argv[2], 0, 10), strtoul(argv[3], 0, 10), strtoul(argv[4], 0, 10), 20);
    static const size_t ms[] = {1, 2, 3, 5, 6, 7, 13, 37};
    static const size_t ks[] = {0, 1, 3, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 100, 129, 768};
    static const size_t ns[] = {1, 2, 3, 4, 5, 7, 9, 29};
    for (size_t a = 0; a < sizeof ms / sizeof *ms; a++)
        for (size_t b = 0; b < sizeof ks / sizeof *ks; b++)
            for (size_t c = 0; c < sizeof ns / sizeof *ns; c++) check_shape(ms[a], ks[b], ns[c], (int)((a + b + c) & 1));
    /* One ViT-sized product, and one with more weight rows than a cache block. */
    check_shape(197, 768, 64, 1);
    check_shape(20, 3072, 100, 0);
    static const size_t ss[] = {1, 5, 6, 7, 13, 17, 197};
    static const size_t hds[] = {1, 8, 15, 16, 33, 48, 64};
    for (size_t a = 0; a < sizeof ss / sizeof *ss; a++)
        for (size_t b = 0; b < sizeof hds / sizeof *hds; b++) check_attention(ss[a], hds[b], hds[b] + 3 * (a & 1));
    check_attention(197, 64, 768);
    for (size_t n = 0; n < 40; n++) check_gelu(n);
    check_gelu(197 * 3072);
    fp32_vector = ck_attention_supported(64) && ck_gelu_supported();
    printf("fp32 kernels: %s\n", fp32_vector ? "avx512" : "plain loops (no vector kernel on this CPU)");
    int vector = 0;
    printf("instruction sets run:");
    for (int isa = 0; isa < CK_ISA_COUNT; isa++)
        if (ck_isa_supported((ck_isa)isa)) { printf(" %s", ck_isa_name((ck_isa)isa)); vector += isa != 0; }
    printf("\n%d comparisons, %d failures\n", comparisons, failures);
    if (!vector) { printf("FAIL no vector kernel can run here\n"); return 1; }
    return failures ? 1 : 0;
}
