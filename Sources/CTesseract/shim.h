// libtesseract (Debian libtesseract-dev): the C API of Tesseract 4/5 OCR. Tesseract reports
// errors by return codes and NULL results; it does not longjmp through callers.
#include <tesseract/capi.h>
