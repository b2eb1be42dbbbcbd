// Linux evdev (linux/input.h), pidfd_open(2) and renameat2(2) for the Devices module. The EVIOC*
// requests are function-like macros, and pidfd_open and renameat2 are reached by syscall (no
// wrapper that Swift sees in Debian 12), so Swift calls these one-line functions.
#include <fcntl.h>
#include <linux/input.h>
#include <spawn.h>
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

// renameat2(RENAME_NOREPLACE): moves a captured photo into place without ever replacing a
// file of that name. -1 with EINVAL on file systems that cannot do it.
static inline int assist_rename_noreplace(const char *from, const char *to) {
    return (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, 1 /* RENAME_NOREPLACE */);
}

// posix_spawn_file_actions_addclosefrom_np (glibc 2.34): the child inherits no descriptor from
// `from` up.
static inline int assist_spawn_close_from(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}
