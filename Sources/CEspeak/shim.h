// libespeak-ng (Debian libespeak-ng-dev): speech synthesis.
// espeak_ng.h carries the status-returning API (espeak_ng_Initialize, espeak_ng_Synthesize, ...);
// it uses FILE, so stdio.h comes first.
#include <stdio.h>
#include <espeak-ng/speak_lib.h>
#include <espeak-ng/espeak_ng.h>
