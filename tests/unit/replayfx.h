#ifndef NX_TESTS_UNIT_REPLAYFX_H	/* tests/unit/replayfx.h: recordings of uprobe calls for nexus-replay's tests */
#define NX_TESTS_UNIT_REPLAYFX_H
/*
 * Recordings whose calls test_replay and the t4x end-to-end tests know
 * exactly, written through the real writer (test_replay into memory,
 * tests/e2e/mkrec into a file, scenarios "calls*" and "noprobes").
 *
 * Probes: 1 uprobe /opt/fx/libfx.so:fx_work, 2 uretprobe of fx_work,
 * 3 uprobe fx_idle. The recorded config (but for "calls-noconfig") traces
 * fx_work at entry with triggers [arg2 == 0x541c, auto arg1 arg2, cpu], at
 * return with [ret < 0, auto ret], Health.Cpu 50, Mode full ("calls-triggered":
 * Mode triggered); fx_idle is not in it.
 *
 * Events, 1 ms apart from REPLAYFX_T0 (n >= 400 calls of fx_work):
 *   exec pid 500 comm "fx" uid 1000; health cpu 10 %;
 *   5 calls of fx_idle (arg1 = 0..4, pid 500);
 *   then call i = 0..n-1 of fx_work, each a CALL then its RETURN:
 *     arg1, arg2 = (3, 0x5401) if i % 4 < 2, (4, 0x5402) if 2, (5, 0x5403) if 3,
 *     but planted: i = 100: (3, 0x541c); i = n/2: (7, 0x541c);
 *                  i = n-10 and n-5: (9, 9);
 *     ret 0, but i = 200: -5 and i = 300: -11;
 *     before call HI = 3n/4: health cpu 95 % (cpu_high), before HI + 10: cpu 10 %;
 *     before call n-20: fork 500 -> 501, exec 501 comm "worker" uid 0: calls
 *       n-20.. come from pid 501;
 *     the CALL's triggers mask: bit 0 when arg2 == 0x541c, bit 2 when cpu_high;
 *     the RETURN's: bit 0 when ret < 0.
 *   "calls-triggered" adds FILTER 12345 of probe 1 and 678 of probe 2, a
 *   LOSS of 7 (ring buffer, probe 1) and a FILTER 99 of a Syscalls filter
 *   (mmap), at the end. "calls-sysfilter": Mode full with only the Syscalls
 *   filter's FILTER (12). "calls-newconfig": the
 *   recorded config has a key this build does not know (line 17: Sampling).
 * "noprobes": no probe table, an exec and 10 getpid syscalls.
 */
#include <stddef.h>
#include <stdint.h>

#include "format/err.h"
#include "format/meta.h"

#define REPLAYFX_T0 1000000000ull

const struct nxr_meta *replayfx_meta(const char *scenario);
/* The whole recording in memory (closed), a segment closed after every
 * per_seg events (0: only the writer's limits); NULL on failure or an
 * unknown scenario. free() the result. */
uint8_t *replayfx_build(const char *scenario, uint64_t n, uint32_t per_seg, size_t *len,
			struct nx_err *err);
/* The event id (0-based position) of fx_work's CALL i; its RETURN is id + 1. */
uint64_t replayfx_call_event(uint64_t n, uint64_t i);

#endif
