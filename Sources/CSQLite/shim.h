// libsqlite3 (Debian libsqlite3-dev). SQLITE_TRANSIENT is a cast macro that Swift cannot
// import, so the shim names it as a function.
#include <sqlite3.h>

static inline sqlite3_destructor_type assist_sqlite_transient(void) { return SQLITE_TRANSIENT; }
