// ALSA (Debian libasound2-dev): PCM playback for the audio-device speech sink.
#include <alsa/asoundlib.h>

// alsa-lib prints its own diagnostics to stderr ("ALSA lib pcm.c:... Unknown PCM default") on every
// failed open. The speech sink retries opening the device every few seconds and reports the error
// through its health instead, so the library's printing is switched off. The handler type is
// variadic, which Swift cannot implement, hence these two C functions.
static void assist_alsa_quiet_handler(const char *file, int line, const char *function, int err,
                                      const char *fmt, ...) {
    (void)file; (void)line; (void)function; (void)err; (void)fmt;
}

static inline void assist_alsa_silence_errors(void) {
    snd_lib_error_set_handler(assist_alsa_quiet_handler);
}
