// OpenBLAS (Debian libopenblas-dev): cblas_sgemm and thread control.
#include <cblas.h>
