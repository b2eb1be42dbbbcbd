// Linux evdev (linux/input.h) and pidfd_open(2) for the Devices module. The EVIOC* requests
// are function-like macros and pidfd_open has no glibc wrapper in Debian 12, so Swift reaches
// them through these one-line functions.
#include <linux/input.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

// EVIOCGBIT: the event types (type 0) or codes of one type the device can send, as a bitmask.
static inline int assist_evdev_bits(int fd, unsigned int type, void *bits, unsigned int length) {
    return ioctl(fd, EVIOCGBIT(type, length), bits);
}

// EVIOCGNAME: the device's name, NUL-terminated within `length`.
static inline int assist_evdev_name(int fd, char *name, unsigned int length) {
    return ioctl(fd, EVIOCGNAME(length), name);
}

// EVIOCGRAB: 1 makes this descriptor the only receiver of the device's events, 0 releases.
static inline int assist_evdev_grab(int fd, int grab) {
    return ioctl(fd, EVIOCGRAB, grab);
}

// A descriptor that becomes readable when process `pid` exits (Linux 5.3).
static inline int assist_pidfd_open(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

// EVIOCSCLOCKID: timestamps from CLOCK_MONOTONIC, so a clock step (NTP at boot) cannot make a
// press look long or short.
static inline int assist_evdev_use_monotonic_clock(int fd) {
    int clock = CLOCK_MONOTONIC;
    return ioctl(fd, EVIOCSCLOCKID, &clock);
}
