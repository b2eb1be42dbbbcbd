// ALSA (Debian libasound2-dev): PCM playback for the audio-device speech sink.
#include <alsa/asoundlib.h>
