/*
 * What this machine's memory allows for c = a + b on float32 arrays (issue #7's "add 1e6 f32"),
 * measured natively so the figure does not depend on WebAssembly or on @gd.
 *
 * Each case times n-element adds into a rotating set of 16 output arrays (a fresh-looking output
 * each call, as a tensor op has), 41 calls, and prints the median in Gelem/s. Two store kinds:
 *   plain  - ordinary 256-bit stores: every output line is first read into the cache ("read for
 *            ownership"), so an add moves 16 bytes per element. WebAssembly has only this kind.
 *   stream - non-temporal stores (_mm256_stream_ps) that skip that read: 12 bytes per element.
 *            WebAssembly has no equivalent.
 * on 1 thread and on all threads (OpenMP, static split).
 *
 * Not part of the build or the tests; a C compiler is not a dependency of the project. Run:
 *   gcc -O3 -mavx2 -fopenmp bench/native/add_bound.c -o /tmp/add_bound && /tmp/add_bound
 */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define OUTS 16
#define CALLS 41

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return a < b ? -1 : a > b;
}

/* Median seconds per add of n elements with `threads` threads; stream != 0 uses non-temporal stores. */
static double run(long n, int threads, int stream, float *a, float *b, float **out) {
  double t[CALLS];
  omp_set_num_threads(threads);
  for (int r = 0; r < CALLS; r++) {
    float *c = out[r % OUTS];
    double t0 = now();
    if (stream) {
#pragma omp parallel for schedule(static)
      for (long i = 0; i < n; i += 8) _mm256_stream_ps(c + i, _mm256_add_ps(_mm256_load_ps(a + i), _mm256_load_ps(b + i)));
      _mm_sfence();
    } else {
#pragma omp parallel for schedule(static)
      for (long i = 0; i < n; i += 8) _mm256_store_ps(c + i, _mm256_add_ps(_mm256_load_ps(a + i), _mm256_load_ps(b + i)));
    }
    t[r] = now() - t0;
  }
  qsort(t, CALLS, sizeof t[0], cmp);
  return t[CALLS / 2];
}

int main(void) {
  const long sizes[] = {100000, 300000, 1000000, 3000000};
  const int all = omp_get_max_threads();
  printf("c = a + b, float32, median of %d calls into %d rotating outputs; Gelem/s\n", CALLS, OUTS);
  printf("| n | plain, 1 thread | plain, %d threads | stream, 1 thread | stream, %d threads |\n|--:|--:|--:|--:|--:|\n", all, all);
  for (unsigned s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    long n = sizes[s];
    float *a = aligned_alloc(64, n * 4), *b = aligned_alloc(64, n * 4), *out[OUTS];
    for (long i = 0; i < n; i++) { a[i] = (float)i; b[i] = 0.5f * (float)i; }
    for (int o = 0; o < OUTS; o++) {
      out[o] = aligned_alloc(64, n * 4);
      for (long i = 0; i < n; i++) out[o][i] = 0;  /* touch every page once */
    }
    printf("| %ld |", n);
    for (int stream = 0; stream < 2; stream++)
      for (int t = 1; t <= all; t += all - 1 > 0 ? all - 1 : 1) {
        printf(" %.2f |", n / run(n, t, stream, a, b, out) / 1e9);
        if (all == 1) break;
      }
    printf("\n");
    for (int o = 0; o < OUTS; o++) free(out[o]);
    free(a); free(b);
  }
  return 0;
}
