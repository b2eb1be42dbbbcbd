// libspng (Debian libspng-dev): PNG decoding without setjmp/longjmp.
#include <spng.h>
