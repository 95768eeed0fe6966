#ifndef NX_ANALYZE_SYSFMT_H	/* analyze/sysfmt.h: syscall arguments as strace prints them */
#define NX_ANALYZE_SYSFMT_H

#include <stdbool.h>
#include <stddef.h>

#include "analyze/json.h"
#include "analyze/payjoin.h"
#include "format/event.h"

/*
 * The arguments of the common syscalls decoded the way strace shows them:
 * fds and counts in decimal, AT_FDCWD, O_* / AT_* / R_OK... flag names,
 * modes in octal, and the payloads the recording holds (path strings, exec
 * argv, I/O bytes) quoted like strace. An argument whose payload is absent
 * (paths off, a fault, a syscall that never returned) prints as its raw
 * value, as strace prints a pointer it could not read; NULL prints NULL.
 */

/* strace's string quoting: "..." with \" \\ \f \n \r \t \v, any other byte
 * outside ' '..'~' in octal (three digits when a digit follows, so the
 * reading stays unambiguous); cut: "..." after the closing quote. */
void nx_sysfmt_quote(struct nx_json_buf *b, const char *s, size_t n, bool cut);

/* "(arg, arg, ...)" for sys (a SYSCALL event) with its payloads (NULL: none);
 * false, with nothing written, when this syscall has no decoder. */
bool nx_sysfmt_args(struct nx_json_buf *b, const struct nxr_event *sys, const struct nx_payset *set);

/* A PAYLOAD on its own (its syscall was not seen):
 *	payload <syscall> arg<N> path|argv|buf "..." [(<full_len> bytes|args)] [fault] */
void nx_sysfmt_payload(struct nx_json_buf *b, const struct nxr_event *pay);

/* The flag words, exported for tests: O_* of open (access mode first),
 * AT_* of the *at calls ("0" when none); unknown bits as |0x... */
void nx_sysfmt_open_flags(struct nx_json_buf *b, unsigned long long f);
void nx_sysfmt_at_flags(struct nx_json_buf *b, unsigned long long f);

#endif
