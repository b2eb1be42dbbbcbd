// libtesseract (Debian libtesseract-dev): the C API of Tesseract 4/5 OCR, plus leptonica's
// message severity switch (Tesseract's image library prints its errors to stderr). Neither
// library longjmps through its callers: errors come back as return codes and NULL results.
#include <tesseract/capi.h>
#include <leptonica/allheaders.h>
