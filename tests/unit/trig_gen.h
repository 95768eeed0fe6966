#ifndef NX_TESTS_TRIG_GEN_H	/* tests/unit/trig_gen.h: random triggers and inputs for tests */
#define NX_TESTS_TRIG_GEN_H
/*
 * Deterministic generators shared by test_trigger.c (tree vs user-space
 * program) and test_trigger_kernel.c (both vs the kernel): random trigger
 * texts over the whole language, random inputs biased to the values that
 * break signedness and comm matching, and random raw programs (malformed
 * ones included) for the evaluators' twin test. Header-only, so that it is
 * not linked into every suite (the .c helpers of tests/unit are).
 */
#include <linux/types.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bpf/trigger.h"

struct trig_rng {
	uint64_t s;
};

static inline uint64_t trig_rand(struct trig_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);	/* splitmix64 */

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline unsigned trig_below(struct trig_rng *r, unsigned n)
{
	return (unsigned)(trig_rand(r) % n);
}

/* Values where signed and unsigned, or 32 and 64 bits, part ways. */
static const uint64_t trig_edge_values[] = {
	0, 1, 2, 3, 7, 255, 256, 0x541c, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
	0x7fffffffffffffffULL, 0x8000000000000000ULL, 0x8000000000000001ULL,
	0xfffffffffffffffeULL, 0xffffffffffffffffULL, 0xffffffffffffff00ULL, 1000, 1234,
};
#define TRIG_NEDGE (sizeof(trig_edge_values) / sizeof(trig_edge_values[0]))

static const char *const trig_names[] = {
	"bash", "sh", "a", "", "abcdefg", "abcdefgh", "abcdefghi", "systemd-journal",
	"systemd-journa", "q\"uote", "back\\slash",
};
#define TRIG_NNAMES (sizeof(trig_names) / sizeof(trig_names[0]))

static inline uint64_t trig_value(struct trig_rng *r)
{
	switch (trig_below(r, 4)) {
	case 0:
		return trig_rand(r);
	case 1:
		return trig_below(r, 8);
	default:
		return trig_edge_values[trig_below(r, TRIG_NEDGE)];
	}
}

static inline void trig_input(struct trig_rng *r, struct nx_trig_input *in)
{
	const char *name;
	size_t n;

	memset(in, 0, sizeof(*in));
	for (int i = 0; i < 6; i++)
		in->args[i] = trig_value(r);
	in->ret = (int64_t)trig_value(r);
	in->pid = (uint32_t)trig_value(r);
	in->tid = trig_below(r, 2) ? in->pid : (uint32_t)trig_value(r);
	in->uid = (uint32_t)trig_value(r);
	in->health_flags = trig_below(r, 4);
	in->cpu_busy = trig_below(r, 10001);
	in->disk_busy = trig_below(r, 10001);
	name = trig_names[trig_below(r, TRIG_NNAMES)];
	n = strlen(name);
	memcpy(in->comm, name, n);
	switch (trig_below(r, 6)) {
	case 0:		/* a prefix of a name: must not match the name */
		if (n)
			in->comm[trig_below(r, (unsigned)n)] = 0;
		break;
	case 1:		/* bytes after the NUL: must not matter */
		for (size_t i = n + 1; i < NX_TRIG_COMM_LEN; i++)
			in->comm[i] = (uint8_t)trig_rand(r);
		break;
	case 2:		/* no NUL at all: matches nothing */
		for (size_t i = n; i < NX_TRIG_COMM_LEN; i++)
			in->comm[i] = (uint8_t)('a' + trig_below(r, 26));
		break;
	case 3:		/* one byte changed */
		in->comm[trig_below(r, (unsigned)n + 1)] ^= (uint8_t)(1 + trig_below(r, 255));
		break;
	default:
		break;
	}
}

struct trig_text {
	char *buf;
	size_t len, pos;
};

static inline void trig_put(struct trig_text *t, const char *s)
{
	size_t n = strlen(s);

	if (t->pos + n < t->len) {
		memcpy(t->buf + t->pos, s, n + 1);
		t->pos += n;
	}
}

static inline void trig_put_literal(struct trig_rng *r, struct trig_text *t)
{
	uint64_t v = trig_value(r);
	char s[32];

	switch (trig_below(r, 4)) {
	case 0:
		snprintf(s, sizeof(s), "0x%llx", (unsigned long long)v);
		break;
	case 1:		/* negative: magnitude at most 2^63 */
		v = v >> 1 | (trig_below(r, 8) ? 0 : 1);
		if (trig_below(r, 10) == 0)
			v = 0x8000000000000000ULL;
		snprintf(s, sizeof(s), trig_below(r, 2) ? "-%llu" : "-0x%llx", (unsigned long long)v);
		break;
	default:
		snprintf(s, sizeof(s), "%llu", (unsigned long long)v);
	}
	trig_put(t, s);
}

static inline void trig_put_operand(struct trig_rng *r, struct trig_text *t, bool uret)
{
	static const char *const vars[] = { "pid", "tid", "uid" };
	char s[64];

	switch (trig_below(r, 8)) {
	case 0:
	case 1:
		trig_put_literal(r, t);
		return;
	case 2:
		trig_put(t, vars[trig_below(r, 3)]);
		return;
	case 3: {
		const char *name = trig_names[trig_below(r, TRIG_NNAMES)];
		char esc[40];
		size_t k = 0;

		for (const char *c = name; *c; c++) {
			if (*c == '"' || *c == '\\')
				esc[k++] = '\\';
			esc[k++] = *c;
		}
		esc[k] = 0;
		snprintf(s, sizeof(s), "comm %s \"%s\"", trig_below(r, 2) ? "==" : "!=", esc);
		trig_put(t, s);
		return;
	}
	default:
		if (uret) {
			trig_put(t, "ret");
		} else {
			snprintf(s, sizeof(s), "arg%u", 1 + trig_below(r, 6));
			trig_put(t, s);
		}
	}
}

static inline void trig_put_expr(struct trig_rng *r, struct trig_text *t, int depth, bool uret)
{
	static const char *const ops[] = {
		" == ", " != ", " < ", " <= ", " > ", " >= ", " & ", " | ", " && ", " || ",
		"==", "&", "||", " &&",
	};
	unsigned k = trig_below(r, 10);

	if (depth <= 0 || k < 3) {
		trig_put_operand(r, t, uret);
		return;
	}
	if (k == 3) {
		trig_put(t, "!");
		trig_put_expr(r, t, depth - 1, uret);
		return;
	}
	if (k == 4) {
		trig_put(t, "(");
		trig_put_expr(r, t, depth - 1, uret);
		trig_put(t, ")");
		return;
	}
	/* unparenthesised sides exercise the precedence; a comparison chain
	 * among them is refused by the parser, and the tests skip it */
	if (trig_below(r, 2))
		trig_put(t, "(");
	else
		k = 0;
	trig_put_expr(r, t, depth - 1, uret);
	if (k)
		trig_put(t, ")");
	trig_put(t, ops[trig_below(r, sizeof(ops) / sizeof(ops[0]))]);
	k = trig_below(r, 2);
	if (k)
		trig_put(t, "(");
	trig_put_expr(r, t, depth - 1, uret);
	if (k)
		trig_put(t, ")");
}

/* A random trigger text: mostly manual expressions, some health forms. */
static inline void trig_gen_text(struct trig_rng *r, char *buf, size_t len, bool uret)
{
	struct trig_text t = { .buf = buf, .len = len };
	char s[32];

	buf[0] = 0;
	switch (trig_below(r, 40)) {
	case 0:
		trig_put(&t, trig_below(r, 2) ? "cpu" : "disk");
		return;
	case 1:
		snprintf(s, sizeof(s), "%s > %u", trig_below(r, 2) ? "cpu" : "disk",
			 trig_below(r, 101));
		trig_put(&t, s);
		return;
	case 2: case 3: case 4: case 5: case 6:	/* wide: near the instruction limit */
		for (unsigned i = 0, n = 4 + trig_below(r, 16); i < n; i++) {
			static const char *const joins[] = { " && ", " || ", " & ", " | " };

			if (i)
				trig_put(&t, joins[trig_below(r, 4)]);
			trig_put(&t, "(");
			trig_put_expr(r, &t, 1 + (int)trig_below(r, 2), uret);
			trig_put(&t, ")");
		}
		return;
	default:
		trig_put_expr(r, &t, 1 + (int)trig_below(r, 9), uret);
	}
}

/* A random raw program: real opcodes, wrong ones, any stack use, any length. */
static inline void trig_gen_prog(struct trig_rng *r, struct nx_trig_prog *p)
{
	memset(p, 0, sizeof(*p));
	p->len = trig_below(r, 8) ? trig_below(r, NX_TRIG_MAX_INSNS + 1) : (uint32_t)trig_rand(r);
	for (int i = 0; i < NX_TRIG_MAX_INSNS; i++) {
		struct nx_trig_insn *insn = &p->insns[i];

		insn->op = (uint8_t)(trig_below(r, 32) ? 1 + trig_below(r, NX_TRIG_OP_LOR) :
				     trig_rand(r));
		insn->a = (uint8_t)(trig_below(r, 4) ? trig_below(r, NX_TRIG_VAR_COUNT + 1) :
				    trig_rand(r));
		insn->b = (uint8_t)(trig_below(r, 4) ? trig_below(r, 10) : trig_rand(r));
		insn->imm = (int64_t)trig_value(r);
	}
}

#endif
