#ifndef NX_BPF_GLOB_H	/* bpf/glob.h: the comm glob of process filters, one step at a time */
#define NX_BPF_GLOB_H
/*
 * Shared by the kernel (bpf/filter.bpf.h runs one step per bpf_loop
 * iteration) and the tests (tests/unit/test_procfilter.c runs it to the end
 * and compares with fnmatch(3), which user space uses). Patterns: exact, or
 * with * (any run, empty too) and ? (one byte). A two-pointer walk with one
 * backtrack point: at most NX_GLOB_STEPS steps for names and patterns of up
 * to 16 bytes. Plain header: include <linux/types.h> or vmlinux.h first.
 */

#define NX_GLOB_LEN 16
#define NX_GLOB_STEPS (2 * NX_GLOB_LEN * NX_GLOB_LEN)

struct nx_glob {
	char str[NX_GLOB_LEN];	/* the name */
	__s32 p, s, star, mark, plen, slen;
	__u32 idx;		/* which pattern (the kernel reads it from rodata) */
	__u32 match;		/* the answer, once a step returned 1 */
};

/* Start a match of a pattern plen bytes long against g->str (slen bytes). */
static inline void nx_glob_init(struct nx_glob *g, __s32 plen, __s32 slen)
{
	g->p = g->s = g->mark = 0;
	g->star = -1;
	g->plen = plen;
	g->slen = slen;
	g->match = 0;
}

/* One step; pc is the pattern's byte at g->p (0 past its end). 1: done. */
static inline long nx_glob_step(struct nx_glob *g, char pc)
{
	if (g->s < g->slen) {
		if (g->p < g->plen && (pc == '?' || pc == g->str[g->s & (NX_GLOB_LEN - 1)])) {
			g->p++;
			g->s++;
		} else if (g->p < g->plen && pc == '*') {
			g->star = g->p++;
			g->mark = g->s;
		} else if (g->star >= 0) {
			g->p = g->star + 1;
			g->s = ++g->mark;
		} else {
			return 1;	/* no match */
		}
		return 0;
	}
	if (g->p < g->plen && pc == '*') {	/* trailing stars match nothing */
		g->p++;
		return 0;
	}
	g->match = g->p == g->plen;
	return 1;
}

#endif
