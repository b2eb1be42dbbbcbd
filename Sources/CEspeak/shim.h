// libespeak-ng (Debian libespeak-ng-dev): speech synthesis.
#include <espeak-ng/speak_lib.h>
