#ifndef NX_ANALYZE_PRINTFMT_H	/* analyze/printfmt.h: BCC-style print formats of probes */
#define NX_ANALYZE_PRINTFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/json.h"
#include "format/err.h"
#include "format/meta.h"

/*
 * A print format as BCC's trace writes it after a probe:
 *	"read %d bytes from fd %d", arg3, arg1
 * a double-quoted C string (escapes \" \\ \n \t), then one value per
 * conversion, comma-separated: arg1..arg6, ret (retval too). Conversions:
 * %d %i %u %x %X %o %c %p %s and %% (flags, width and precision as printf's;
 * l/ll/h/hh/z/j size modifiers: without l the value is cut to 32 bits, as a
 * C int would be). %s prints the string captured behind that argument, or the
 * pointer in hex when nothing was captured.
 *
 * nexus-record keeps the text in the recording's header (key/values, see
 * nx_printtab_new) and nexus-dump prints `name: <message>` with it in place
 * of the raw argument registers.
 */
enum nx_printfmt_allow {
	NX_PRINTFMT_ARGS = 1u << 0,	/* arg1..arg6 are known (entry) */
	NX_PRINTFMT_RET = 1u << 1,	/* ret is known (return) */
	NX_PRINTFMT_STR = 1u << 2,	/* %s may name an argument */
};

#define NX_PRINTFMT_MAX 6		/* values in one format */
#define NX_PRINTFMT_MAX_TEXT 512

struct nx_printfmt_conv {
	char spec[24];			/* the conversion, as printf takes it ("%-8lx") */
	char conv;			/* d i u x X o c p s */
	bool wide;			/* an l/ll/z/j modifier: 64 bits */
	uint8_t var;			/* NX_TRIG_VAR_ARG1..+5 or NX_TRIG_VAR_RET */
};

struct nx_printfmt {
	char *lit;			/* the format, unescaped, conversions replaced by \x01 */
	uint32_t nconv;
	struct nx_printfmt_conv conv[NX_PRINTFMT_MAX];
};

/*
 * Parses text into *pf. -EINVAL with err->msg "column C: what is wrong" (C
 * 1-based in text, also in *err_col when not NULL): unterminated string, an
 * unknown conversion, more or fewer values than conversions, a value the
 * probe does not have (allow), %s where strings cannot be captured.
 * *pf needs nx_printfmt_release after success only.
 */
int nx_printfmt_parse(struct nx_printfmt *pf, const char *text, uint32_t allow,
		      uint32_t *err_col, struct nx_err *err);
void nx_printfmt_release(struct nx_printfmt *pf);

/* The values an event offers: vals[NX_TRIG_VAR_ARG1..RET]; str[i] (may be
 * NULL) the string captured behind argument i+1. */
struct nx_printfmt_in {
	uint64_t vals[7];
	const char *str[6];
	size_t str_len[6];
};

/* Appends the message, C-escaped (never a control byte). */
void nx_printfmt_render(const struct nx_printfmt *pf, const struct nx_printfmt_in *in,
			struct nx_json_buf *b);

/*
 * The formats of a recording, from its header's key/values:
 *	print.sys.<syscall name>		= the format of that syscall
 *	print.<uprobe|uretprobe>:<path>:<func>	= the format of that probe
 *	strings.uprobe:<path>:<func>		= "arg2 arg3": the arguments whose strings
 *						  a CALL's data holds, in order
 * Formats that do not parse are ignored (the recording is untrusted).
 */
struct nx_printtab;
struct nx_printtab *nx_printtab_new(const struct nxr_meta *m);	/* NULL: none, or no memory */
void nx_printtab_free(struct nx_printtab *t);			/* NULL: no-op */
/* Borrowed, NULL when the syscall or probe has no format. */
const struct nx_printfmt *nx_printtab_sys(const struct nx_printtab *t, uint32_t nr);
const struct nx_printfmt *nx_printtab_probe(const struct nx_printtab *t, uint32_t probe);
/* For a CALL of probe: which argument (0..5) the i-th captured string is, or -1. */
int nx_printtab_str_arg(const struct nx_printtab *t, uint32_t probe, unsigned i);

/* The header key of a probe's format or strings ("print." / "strings."), in buf. */
int nx_printtab_probe_key(char *buf, size_t len, const char *what, uint32_t hook,
			  const char *path, const char *func);

#endif
