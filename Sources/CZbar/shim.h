// libzbar (Debian libzbar-dev): the C API of the ZBar bar code reader. Errors come back as
// return codes; the library never longjmps through its callers.
#include <zbar.h>
