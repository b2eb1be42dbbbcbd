// Measures this machine's limits for the benchmark, with the same OpenBLAS and thread count as
// the Swift engine: sgemm peak (large square and encoder-shaped), sgemv throughput over a
// decoder-sized weight matrix, and memory bandwidth (read, copy, STREAM-like triad).
// Prints one JSON object. Built by scripts/bench:
//   cc -O3 -march=native -fopenmp Benchmarks/hwlimits.c -o BIN -lopenblas
// Usage: hwlimits THREADS [REPEATS]
#include <cblas.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// Declared by OpenBLAS (openblas_config.h) but not by every cblas.h.
extern char *openblas_get_corename(void);
extern char *openblas_get_config(void);
extern void openblas_set_num_threads(int);

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

// Median of n samples; sorts in place.
static double median(double *v, int n) {
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static float *filled(size_t n, float scale) {
    float *p = aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64);
    if (!p) {
        fprintf(stderr, "hwlimits: cannot allocate %zu floats\n", n);
        exit(1);
    }
    for (size_t i = 0; i < n; i++) p[i] = scale * (float)((i * 2654435761u) % 1000) / 1000.0f;
    return p;
}

// GFLOP/s of C(m,n) = A(m,k) B(k,n), row-major, best and median over `reps` calls.
static void sgemm_rate(int m, int n, int k, int reps, double *best, double *med) {
    float *a = filled((size_t)m * k, 1), *b = filled((size_t)k * n, 1), *c = filled((size_t)m * n, 0);
    double t[64];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c, n);
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c, n);
        t[r] = 2.0 * m * n * k / (now() - t0) / 1e9;
    }
    *best = 0;
    for (int r = 0; r < reps; r++) if (t[r] > *best) *best = t[r];
    *med = median(t, reps);
    free(a); free(b); free(c);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: hwlimits THREADS [REPEATS]\n");
        return 2;
    }
    int threads = atoi(argv[1]);
    int reps = argc > 2 ? atoi(argv[2]) : 10;
    if (threads < 1 || reps < 1 || reps > 64) {
        fprintf(stderr, "hwlimits: THREADS must be >= 1 and REPEATS in 1...64\n");
        return 2;
    }
    openblas_set_num_threads(threads);
    omp_set_num_threads(threads);

    double sq_best, sq_med, enc_best, enc_med, mlp_best, mlp_med;
    sgemm_rate(2048, 2048, 2048, reps, &sq_best, &sq_med);
    // ViT-base encoder: 197 tokens x 768 -> 3072 (MLP up-projection), the largest encoder GEMM.
    sgemm_rate(197, 3072, 768, reps, &mlp_best, &mlp_med);
    // Attention QKV projection: 197 x 768 -> 2304.
    sgemm_rate(197, 2304, 768, reps, &enc_best, &enc_med);

    // sgemv over the GPT-2 LM head (50257 x 768 fp32, 154 MB): one decoder token reads every
    // weight once, so this is the bandwidth a greedy step can hope for.
    const int vm = 50257, vk = 768;
    float *w = filled((size_t)vm * vk, 1), *x = filled(vk, 1), *y = filled(vm, 0);
    double gv[64];
    cblas_sgemv(CblasRowMajor, CblasNoTrans, vm, vk, 1, w, vk, x, 1, 0, y, 1);
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        cblas_sgemv(CblasRowMajor, CblasNoTrans, vm, vk, 1, w, vk, x, 1, 0, y, 1);
        gv[r] = (double)vm * vk * sizeof(float) / (now() - t0) / 1e9;
    }
    double gemv_gbs = median(gv, reps);
    free(w); free(x); free(y);

    // Bandwidth over arrays far larger than any cache: 64 Mi floats (256 MiB) each.
    const size_t n = (size_t)64 << 20;
    float *a = filled(n, 1), *b = filled(n, 1), *c = filled(n, 1);
    double rd[64], cp[64], tr[64];
    volatile double sink = 0;
    for (int r = 0; r < reps; r++) {
        // 16 independent lanes, so the sum vectorizes without reassociating a float chain.
        double t0 = now(), s = 0;
#pragma omp parallel reduction(+ : s)
        {
            float acc[16] = {0};
#pragma omp for schedule(static)
            for (size_t i = 0; i < n; i += 16)
                for (int j = 0; j < 16; j++) acc[j] += a[i + j];
            for (int j = 0; j < 16; j++) s += acc[j];
        }
        rd[r] = n * sizeof(float) / (now() - t0) / 1e9;
        sink += s;

        t0 = now();
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) c[i] = a[i];
        cp[r] = 2.0 * n * sizeof(float) / (now() - t0) / 1e9;

        t0 = now();
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) a[i] = b[i] + 3.0f * c[i];
        tr[r] = 3.0 * n * sizeof(float) / (now() - t0) / 1e9;
    }
    free(a); free(b); free(c);

    const char *coretype = getenv("OPENBLAS_CORETYPE");
    printf("{\"threads\": %d, \"repeats\": %d, \"openblas_core\": \"%s\", \"openblas_config\": \"%s\", "
           "\"OPENBLAS_CORETYPE\": %s%s%s, "
           "\"sgemm_2048_gflops\": %.1f, \"sgemm_2048_gflops_best\": %.1f, "
           "\"sgemm_197x3072x768_gflops\": %.1f, \"sgemm_197x2304x768_gflops\": %.1f, "
           "\"sgemv_50257x768_gbs\": %.2f, "
           "\"read_gbs\": %.2f, \"copy_gbs\": %.2f, \"triad_gbs\": %.2f}\n",
           threads, reps, openblas_get_corename(), openblas_get_config(),
           coretype ? "\"" : "", coretype ? coretype : "null", coretype ? "\"" : "",
           sq_med, sq_best, mlp_med, enc_med, gemv_gbs,
           median(rd, reps), median(cp, reps), median(tr, reps));
    return 0;
}
