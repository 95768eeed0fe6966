#ifndef NX_CAPTURE_PROBESPEC_H	/* capture/probespec.h: one-line probe specs (-e), BCC trace's syntax */
#define NX_CAPTURE_PROBESPEC_H

#include <stddef.h>
#include <stdint.h>

#include "capture/config.h"
#include "format/err.h"
#include "format/meta.h"

/*
 * A SPEC is what BCC's trace takes, turned into config additions:
 *
 *	[TYPE:[LIB]:]NAME [(PREDICATE)] ["FORMAT"[, VALUE...]]
 *
 * TYPE p (entry, the default) or r (return); u (USDT) and t (tracepoints)
 * are parsed and refused as unsupported. NAME:LIB forms:
 *  - no LIB, NAME sys_X (or __x64_sys_X): the syscall X. It joins Syscalls
 *    (a config's "all" becomes the list of the syscalls -e names, as BCC
 *    traces what it is told);
 *    a PREDICATE becomes its struct nx_config_sysfilter (decided in the
 *    kernel). nexus records a syscall's entry and exit as one event, so
 *    p::sys_X and r::sys_X record the same events; TYPE only says what the
 *    predicate sees: p: the arguments (arg1..arg6), as at entry in BCC; r:
 *    the return value (ret) and the arguments too, which nexus still has.
 *    Either way it is decided in the kernel when the syscall returns.
 *  - LIB a path (has a '/'), a library name resolved as the dynamic loader
 *    would (c = libc: /etc/ld.so.cache, then the default folders), or else a
 *    program in PATH (p:bash:readline):
 *    the function NAME of that file, a Targets entry with HookType uprobe
 *    (p) or uretprobe (r). A PREDICATE becomes its one trigger, and, as in
 *    BCC where a predicate filters, Mode becomes triggered.
 * FORMAT (analyze/printfmt.h) becomes the function's Print or the syscall's
 * SyscallPrint; a %s of argN on a function adds Args: argN:str so the string
 * is captured.
 *
 * Errors are -EINVAL (-EOPNOTSUPP for u:, t: and kernel functions, -ENOENT
 * for a library not found) with err->msg "column C: what is wrong", C 1-based
 * in spec, also in *err_col (0 when the error is about the spec as a whole);
 * a predicate's own errors keep the trigger parser's message with the
 * column moved to the spec. On error cfg may hold the additions of earlier
 * specs but nothing of this one.
 */
int nx_probespec_add(struct nx_config *cfg, const char *spec, uint32_t *err_col,
		     struct nx_err *err);

/*
 * The file of library name ("c", "pthread", "ssl"): the first entry named
 * lib<name>.so or lib<name>.so.* of this machine's architecture in
 * /etc/ld.so.cache (cache path: NULL for the default), else in the folders of
 * the libraries this process has loaded, then /lib and /usr/lib. -ENOENT.
 */
int nx_probespec_find_lib(const char *name, const char *cache, char *out, size_t len,
			  struct nx_err *err);

/*
 * A program name ("bash"), as BCC resolves p:bash:readline: the first
 * executable ELF file of our machine named so in a PATH folder (absolute
 * folders only; the usual system folders when PATH is unset). -ENOENT.
 * LIB in a spec is tried as a library first, then as a program.
 */
int nx_probespec_find_exe(const char *name, char *out, size_t len, struct nx_err *err);

/*
 * The recording header's key/values for cfg's print formats and captured
 * strings (the keys analyze/printfmt.h nx_printtab_new reads). *kv is an
 * array of *nkv malloc'd pairs, freed with nx_probespec_kv_free.
 */
int nx_probespec_meta_kv(const struct nx_config *cfg, struct nxr_kv **kv, uint32_t *nkv,
			 struct nx_err *err);
void nx_probespec_kv_free(struct nxr_kv *kv, uint32_t nkv);

#endif
