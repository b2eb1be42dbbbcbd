// libjpeg-turbo's TurboJPEG API (Debian libturbojpeg0-dev): non-longjmp JPEG decoding.
#include <turbojpeg.h>
