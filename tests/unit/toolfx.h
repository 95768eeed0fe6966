#ifndef NX_TESTS_UNIT_TOOLFX_H	/* tests/unit/toolfx.h: scripted recordings for the offline tools' tests */
#define NX_TESTS_UNIT_TOOLFX_H
/*
 * Recordings whose content the tests of split, sqlimport, dump and info know
 * exactly, written through the real writer (unit tests into memory,
 * tests/e2e/mkrec into a file). Scenarios:
 *
 * "basic": two processes and a stranger, every event kind (TOOLFX_BASIC_*
 *   below says what a reader must find). Time origin 1 s, events 1 ms apart.
 *     #  pid/tid  event
 *     0  100/100  exec /bin/sh comm "sh" ppid 1 uid 1000
 *     1  100/100  getpid() = 100
 *     2  100/100  clone() = 101
 *     3  100/100  fork child 101/101 comm "sh"
 *     4  101/101  getppid() = 100
 *     5  101/101  exec /bin/ls comm "ls" ppid 100 uid 1000
 *     6  101/101  openat(0xffffff9c, 0x7ffd0000, 0x80000) = -ENOENT
 *     7  101/101  openat(0xffffff9c, 0x7ffd0100, 0x80000) = 3
 *     8  101/101  clone thread 101/102 comm "ls"
 *     9  101/102  read(3, 0x7ffd0200, 10) = 10
 *    10  101/101  call ioctl probe 1 (3, 0x541c, ...) triggers 0x1 data "tty\n"
 *    11  101/101  return ioctl probe 2 = 0          (paired with 10, 1 ms)
 *    12  0/0      loss 5 events cpu 1 ringbuf
 *    13  0/0      health cpu 12.34% disk 0.50%
 *    14  0/0      filter 7 events probe 1
 *    15  101/101  adapt common_add probe 1 value 0x541c "learned"
 *    16  101/101  exec /tmp/evil comm "ev/../il\n" ppid 100
 *    17  101/101  write(1, 0x7ffd0300, 5) = 5
 *    18  101/101  exit code 0 group
 *    19  100/100  wait4(...) = 101
 *    20  100/100  exit code 1 group
 *    21  200/200  getpid() = 200 (no exec or fork seen: comm unknown)
 *    22  100/100  nanosleep(...) entered, never returned (no NX_SYS_EXITED)
 *
 * "many": n processes (pid 1000 + i, comm "p<i % 10>" from an exec),
 *   interleaved round by round: all execs, then syscall (i % 300) of each,
 *   then (i % 300) + 1 of each, then getpid (39) of each, then all exits.
 *
 * "big": n events: exec of 64 pids (2000..2063, comm "b<k>"), then syscalls
 *   round robin over them, nr i % 300, ret -2 when i % 7 == 0 else i % 4096.
 *
 * "getppid": n getppid() of pid 300 ("fx"), then its exit.
 */
#include <stdint.h>

#include "format/err.h"
#include "format/meta.h"
#include "format/writer.h"

#define TOOLFX_T0 1000000000ull
#define TOOLFX_BASIC_EVENTS 23
#define TOOLFX_BASIC_SYSCALLS 10

const struct nxr_meta *toolfx_meta(void);

/* Appends scenario's events to w, closing a segment after every flush_every
 * events (0: only the writer's own limits). 0 or a negative errno. */
int toolfx_write(struct nxr_writer *w, const char *scenario, uint64_t n, uint32_t flush_every,
		 struct nx_err *err);

/* The whole recording in memory (closed, or not: no trailer). NULL on failure.
 * *len receives its size; free() the result. */
uint8_t *toolfx_build(const char *scenario, uint64_t n, uint32_t flush_every, int closed,
		      size_t *len, struct nx_err *err);

#endif
