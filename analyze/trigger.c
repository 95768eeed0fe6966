/*
 * analyze/trigger.c: the trigger language: lexer, parser, checker, compiler
 * to the predicate program of bpf/trigger.h, the two user-space evaluators,
 * and the canonical and bpftrace printers.
 *
 * Semantics (the README's reference, and what every evaluator implements):
 * every value is a signed 64-bit integer; argN are the raw registers
 * reinterpreted as two's complement, pid/tid/uid/health values are
 * zero-extended; comparisons are signed and yield 0 or 1; & and | are bitwise;
 * && || ! take any nonzero value as true and yield 0 or 1; a trigger holds
 * when its value is nonzero. `comm == "x"` is 1 when the task name's bytes up
 * to and including its NUL equal "x" and its NUL.
 *
 * Precedence, tightest first: ! ; & ; | ; == != < <= > >= (no chains) ; && ; ||.
 * Unlike C, & and | bind tighter than comparisons, so `arg2 & 0xff == 3`
 * means `(arg2 & 0xff) == 3`.
 *
 * Invariants of a parsed struct nx_trigger:
 *  - a manual tree has at most NX_TRIG_MAX_INSNS nodes and its program
 *    (sum of node costs) fits NX_TRIG_MAX_INSNS: the parser counts the cost
 *    as it builds nodes and refuses, with the column, the first that does
 *    not fit; so compiling a parsed trigger cannot fail;
 *  - children have smaller indices than their parent: recursion depth is
 *    bounded by the node count;
 *  - only a uretprobe's trees use ret, only a uprobe's use argN.
 */
#include "analyze/trigger.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/rare.h"
#include "bpf/events.h"
#include "bpf/uprobe.h"
#include "format/meta.h"

/* The wire layout BPF shares (bpf/trigger.h): no implicit padding, and the
 * power-of-two sizes its evaluator masks indices with. */
_Static_assert(sizeof(struct nx_trig_insn) == 16, "nx_trig_insn layout");
_Static_assert(sizeof(struct nx_trig_prog) == 8 + 16 * NX_TRIG_MAX_INSNS, "nx_trig_prog layout");
_Static_assert(sizeof(struct nx_trig_input) == 104, "nx_trig_input layout");
_Static_assert((NX_TRIG_MAX_INSNS & (NX_TRIG_MAX_INSNS - 1)) == 0, "insns: a power of two");
_Static_assert((NX_TRIG_STACK & (NX_TRIG_STACK - 1)) == 0, "stack: a power of two");
_Static_assert(NX_TRIGGER_MAX_AUTO == NX_RARE_MAX_VALS, "auto values feed analyze/rare.c");

#define MAX_NODES NX_TRIG_MAX_INSNS
#define MAX_DEPTH 32		/* nested parentheses and '!' */
#define COMM_MAX (NX_TRIG_COMM_LEN - 1)

enum node_kind { N_NUM = 1, N_VAR, N_COMM, N_NOT, N_BIN };
enum lit_flags { LIT_HEX = 1u << 0, LIT_NEG = 1u << 1 };

struct node {
	uint8_t kind;		/* enum node_kind */
	uint8_t op;		/* N_BIN: NX_TRIG_OP_EQ..LOR; N_COMM: EQ or NE */
	uint8_t var;		/* N_VAR: enum nx_trig_var */
	uint8_t flags;		/* N_NUM: enum lit_flags, how it was written */
	uint16_t l, r;		/* N_BIN: both; N_NOT: l */
	int64_t imm;		/* N_NUM */
	char str[NX_TRIG_COMM_LEN];	/* N_COMM: the name, NUL-padded */
};

struct nx_trigger {
	enum nx_trigger_type type;
	uint32_t hook;
	bool syscall;		/* a syscall filter: args and ret */
	/* manual */
	struct node nodes[MAX_NODES];
	unsigned nnodes, root, cost;
	/* auto */
	uint8_t vars[NX_TRIGGER_MAX_AUTO];
	unsigned nvars;
	/* health */
	enum nx_trigger_health which;
	int threshold;		/* percent, -1: none written */
};

/* ---- lexer ---- */

enum tok_kind {
	T_END = 1, T_NUM, T_IDENT, T_STR, T_LP, T_RP, T_NOT,
	T_BAND, T_BOR, T_LAND, T_LOR, T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE,
};

struct tok {
	enum tok_kind kind;
	uint32_t pos;		/* byte offset of its first character */
	uint32_t len;		/* bytes of text it spans */
	int64_t num;		/* T_NUM */
	uint8_t flags;		/* T_NUM: enum lit_flags */
	char str[NX_TRIG_COMM_LEN];	/* T_STR, when it fits */
	uint32_t slen;		/* T_STR: decoded length (may exceed COMM_MAX) */
};

struct parser {
	const char *text;
	uint32_t len, pos;
	struct tok tok;		/* the current token */
	struct nx_trigger *t;
	unsigned depth;
	uint32_t *err_col;
	struct nx_err *err;
};

static int fail(struct parser *ps, uint32_t pos, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct parser *ps, uint32_t pos, int code, const char *fmt, ...)
{
	char what[NX_ERR_MSG_MAX - 32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (ps->err_col)
		*ps->err_col = pos + 1;
	return nx_err_set(ps->err, code, "column %u: %s", pos + 1, what);
}

static bool is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The token text, quoted for a message: at most 24 bytes of it. */
static const char *tok_text(const struct parser *ps, const struct tok *tk, char *buf, size_t len)
{
	uint32_t n = tk->len < 24 ? tk->len : 24;

	if (tk->kind == T_END)
		snprintf(buf, len, "end of text");
	else
		snprintf(buf, len, "'%.*s%s'", (int)n, ps->text + tk->pos, tk->len > n ? "..." : "");
	return buf;
}

static int lex_number(struct parser *ps, struct tok *tk)
{
	const char *s = ps->text;
	uint32_t p = ps->pos, start = ps->pos;
	uint64_t v = 0;
	bool neg = false, hex = false, over = false;
	int d;

	if (s[p] == '-') {
		neg = true;
		p++;
		if (p >= ps->len || s[p] < '0' || s[p] > '9')
			return fail(ps, start, -EINVAL, "'-' must be followed by a number "
				    "(there is no subtraction)");
	}
	if (s[p] == '0' && p + 1 < ps->len && (s[p + 1] == 'x' || s[p + 1] == 'X')) {
		hex = true;
		p += 2;
		if (p >= ps->len || hexval(s[p]) < 0)
			return fail(ps, start, -EINVAL, "expected hex digits after '0x'");
		for (; p < ps->len && (d = hexval(s[p])) >= 0; p++) {
			if (v >> 60)
				over = true;
			v = v << 4 | (uint64_t)d;
		}
	} else {
		for (; p < ps->len && s[p] >= '0' && s[p] <= '9'; p++) {
			d = s[p] - '0';
			if (v > (UINT64_MAX - (uint64_t)d) / 10)
				over = true;
			v = v * 10 + (uint64_t)d;
		}
	}
	if (p < ps->len && is_ident(s[p])) {
		while (p < ps->len && is_ident(s[p]))
			p++;
		return fail(ps, start, -EINVAL, "bad number '%.*s': expected decimal or 0x hex digits",
			    (int)(p - start < 24 ? p - start : 24), s + start);
	}
	if (over || (neg && v > (uint64_t)1 << 63))
		return fail(ps, start, -EINVAL, "integer literal '%.*s' out of range: "
			    "expected %s", (int)(p - start < 24 ? p - start : 24), s + start,
			    neg ? "-9223372036854775808 or more" : "at most 0xffffffffffffffff");
	tk->kind = T_NUM;
	tk->flags = (hex ? LIT_HEX : 0) | (neg ? LIT_NEG : 0);
	if (neg)
		v = 0 - v;
	memcpy(&tk->num, &v, sizeof(v));	/* the two's-complement pattern */
	ps->pos = p;
	return 0;
}

static int lex_string(struct parser *ps, struct tok *tk)
{
	const char *s = ps->text;
	uint32_t p = ps->pos + 1, n = 0;
	char c;

	memset(tk->str, 0, sizeof(tk->str));
	for (;;) {
		if (p >= ps->len)
			return fail(ps, ps->pos, -EINVAL, "unterminated string: expected '\"'");
		c = s[p];
		if (c == '"')
			break;
		if (c == '\\') {
			if (p + 1 >= ps->len || (s[p + 1] != '"' && s[p + 1] != '\\'))
				return fail(ps, p, -EINVAL, "bad escape in string: "
					    "expected \\\" or \\\\");
			c = s[++p];
		} else if ((unsigned char)c < 0x20 || c == 0x7f) {
			return fail(ps, p, -EINVAL, "control character in string");
		}
		if (n < COMM_MAX)
			tk->str[n] = c;
		n++;
		p++;
	}
	tk->kind = T_STR;
	tk->slen = n;
	ps->pos = p + 1;
	return 0;
}

/* Reads the next token into ps->tok. */
static int lex(struct parser *ps)
{
	const char *s = ps->text;
	struct tok *tk = &ps->tok;
	uint32_t p;
	char c, c2;
	int rc = 0;

	while (ps->pos < ps->len && (s[ps->pos] == ' ' || s[ps->pos] == '\t' ||
				     s[ps->pos] == '\n' || s[ps->pos] == '\r'))
		ps->pos++;	/* newlines too: a YAML block scalar may hold them */
	p = ps->pos;
	memset(tk, 0, sizeof(*tk));
	tk->pos = p;
	if (p >= ps->len) {
		tk->kind = T_END;
		return 0;
	}
	c = s[p];
	c2 = p + 1 < ps->len ? s[p + 1] : '\0';
	if ((c >= '0' && c <= '9') || c == '-') {
		rc = lex_number(ps, tk);
	} else if (is_ident_start(c)) {
		while (ps->pos < ps->len && is_ident(s[ps->pos]))
			ps->pos++;
		tk->kind = T_IDENT;
	} else if (c == '"') {
		rc = lex_string(ps, tk);
	} else {
		static const struct {
			char c, c2;
			enum tok_kind kind;
		} ops[] = {
			{ '&', '&', T_LAND }, { '|', '|', T_LOR }, { '=', '=', T_EQ },
			{ '!', '=', T_NE }, { '<', '=', T_LE }, { '>', '=', T_GE },
			{ '&', 0, T_BAND }, { '|', 0, T_BOR }, { '<', 0, T_LT }, { '>', 0, T_GT },
			{ '!', 0, T_NOT }, { '(', 0, T_LP }, { ')', 0, T_RP },
		};
		size_t i;

		for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
			if (ops[i].c == c && (!ops[i].c2 || ops[i].c2 == c2)) {
				tk->kind = ops[i].kind;
				ps->pos += ops[i].c2 ? 2 : 1;
				break;
			}
		}
		if (!tk->kind) {
			if (c == '=')
				return fail(ps, p, -EINVAL, "'=' is not an operator: expected '=='");
			if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
				return fail(ps, p, -EINVAL, "unexpected byte 0x%02x",
					    (unsigned)(unsigned char)c);
			return fail(ps, p, -EINVAL, "unexpected character '%c'", c);
		}
	}
	tk->len = ps->pos - p;
	return rc;
}

static bool tok_is(const struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	return ps->tok.kind == T_IDENT && ps->tok.len == n &&
	       memcmp(ps->text + ps->tok.pos, word, n) == 0;
}

/* argN: returns N (may be 0 or > 6), or -1 if the identifier is not argDIGITS. */
static int tok_argn(const struct parser *ps)
{
	const char *s = ps->text + ps->tok.pos;
	uint32_t i;
	int n = 0;

	if (ps->tok.kind != T_IDENT || ps->tok.len < 4 || memcmp(s, "arg", 3) != 0)
		return -1;
	for (i = 3; i < ps->tok.len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (n < 1000)
			n = n * 10 + (s[i] - '0');
	}
	return n;
}

/* ---- parser ---- */

static unsigned comm_cost(const char *name, uint8_t op)
{
	size_t bytes = strlen(name) + 1;	/* the NUL is compared too */

	return (bytes > 8 ? 3 : 1) + (op == NX_TRIG_OP_NE);
}

static int node_new(struct parser *ps, uint32_t pos, const struct node *n, unsigned *idx)
{
	struct nx_trigger *t = ps->t;
	unsigned cost = n->kind == N_COMM ? comm_cost(n->str, n->op) : 1;

	if (t->nnodes >= MAX_NODES || t->cost + cost > NX_TRIG_MAX_INSNS)
		return fail(ps, pos, -EINVAL, "expression too long: a trigger program holds at "
			    "most %d instructions", NX_TRIG_MAX_INSNS);
	t->cost += cost;
	t->nodes[t->nnodes] = *n;
	*idx = t->nnodes++;
	return 0;
}

static int bin_new(struct parser *ps, uint32_t pos, uint8_t op, unsigned l, unsigned r,
		   unsigned *idx)
{
	struct node n = { .kind = N_BIN, .op = op, .l = (uint16_t)l, .r = (uint16_t)r };

	return node_new(ps, pos, &n, idx);
}

#define OPERAND_HINT "expected arg1..arg6, ret, pid, tid, uid, comm, a number, '!' or '('"

static int parse_or(struct parser *ps, unsigned *idx);

static int parse_var(struct parser *ps, unsigned *idx)
{
	struct nx_trigger *t = ps->t;
	struct node n = { .kind = N_VAR };
	uint32_t pos = ps->tok.pos;
	char buf[40];
	int argn = tok_argn(ps);

	if (argn >= 0) {
		if (argn < 1 || argn > 6)
			return fail(ps, pos, -EINVAL, "no such argument %s (arg1..arg6%s)",
				    tok_text(ps, &ps->tok, buf, sizeof(buf)),
				    argn == 0 ? ": our arg1 is bpftrace's arg0" : "");
		if (t->hook == NXR_HOOK_URETPROBE && !t->syscall)
			return fail(ps, pos, -EINVAL, "%s is not available on a uretprobe: "
				    "the arguments are gone at return, expected ret",
				    tok_text(ps, &ps->tok, buf, sizeof(buf)));
		n.var = (uint8_t)(NX_TRIG_VAR_ARG1 + argn - 1);
	} else if (tok_is(ps, "ret")) {
		if (t->hook != NXR_HOOK_URETPROBE && !t->syscall)
			return fail(ps, pos, -EINVAL, "'ret' is only available on a uretprobe");
		n.var = NX_TRIG_VAR_RET;
	} else if (tok_is(ps, "pid")) {
		n.var = NX_TRIG_VAR_PID;
	} else if (tok_is(ps, "tid")) {
		n.var = NX_TRIG_VAR_TID;
	} else if (tok_is(ps, "uid")) {
		n.var = NX_TRIG_VAR_UID;
	} else if (tok_is(ps, "cpu") || tok_is(ps, "disk")) {
		return fail(ps, pos, -EINVAL, "%s is a health trigger on its own "
			    "('%.*s' or '%.*s > N'), not part of an expression",
			    tok_text(ps, &ps->tok, buf, sizeof(buf)), (int)ps->tok.len,
			    ps->text + pos, (int)ps->tok.len, ps->text + pos);
	} else if (tok_is(ps, "auto")) {
		return fail(ps, pos, -EINVAL, "'auto' is a trigger on its own "
			    "('auto arg1 [arg2 ...]'), not part of an expression");
	} else {
		return fail(ps, pos, -EINVAL, "unknown name %s: expected arg1..arg6, ret, pid, "
			    "tid, uid or comm", tok_text(ps, &ps->tok, buf, sizeof(buf)));
	}
	return node_new(ps, pos, &n, idx) ?: lex(ps);
}

static int parse_comm(struct parser *ps, unsigned *idx)
{
	struct node n = { .kind = N_COMM };
	uint32_t pos = ps->tok.pos;
	char buf[40];
	int rc;

	if ((rc = lex(ps)))
		return rc;
	if (ps->tok.kind != T_EQ && ps->tok.kind != T_NE)
		return fail(ps, ps->tok.pos, -EINVAL, "comm is compared with == or != to a "
			    "\"name\": expected '==' or '!=', found %s",
			    tok_text(ps, &ps->tok, buf, sizeof(buf)));
	n.op = ps->tok.kind == T_EQ ? NX_TRIG_OP_EQ : NX_TRIG_OP_NE;
	if ((rc = lex(ps)))
		return rc;
	if (ps->tok.kind != T_STR)
		return fail(ps, ps->tok.pos, -EINVAL, "expected a \"name\" after 'comm %s', "
			    "found %s", n.op == NX_TRIG_OP_EQ ? "==" : "!=",
			    tok_text(ps, &ps->tok, buf, sizeof(buf)));
	if (ps->tok.slen > COMM_MAX)
		return fail(ps, ps->tok.pos, -EINVAL, "comm name of %u characters: the kernel "
			    "keeps at most %d", ps->tok.slen, COMM_MAX);
	if (memchr(ps->tok.str, '\0', ps->tok.slen))
		return fail(ps, ps->tok.pos, -EINVAL, "NUL in comm name");
	memcpy(n.str, ps->tok.str, sizeof(n.str));
	return node_new(ps, pos, &n, idx) ?: lex(ps);
}

static int parse_primary(struct parser *ps, unsigned *idx)
{
	struct node n = { .kind = N_NUM };
	uint32_t pos = ps->tok.pos;
	char buf[40];
	int rc;

	switch (ps->tok.kind) {
	case T_NUM:
		n.imm = ps->tok.num;
		n.flags = ps->tok.flags;
		return node_new(ps, pos, &n, idx) ?: lex(ps);
	case T_IDENT:
		if (tok_is(ps, "comm"))
			return parse_comm(ps, idx);
		return parse_var(ps, idx);
	case T_LP:
		if (++ps->depth > MAX_DEPTH)
			return fail(ps, pos, -EINVAL, "expression nested too deeply "
				    "(at most %d levels)", MAX_DEPTH);
		if ((rc = lex(ps)) || (rc = parse_or(ps, idx)))
			return rc;
		if (ps->tok.kind != T_RP)
			return fail(ps, ps->tok.pos, -EINVAL, "unbalanced parenthesis: expected "
				    "')' to close the '(' at column %u, found %s", pos + 1,
				    tok_text(ps, &ps->tok, buf, sizeof(buf)));
		ps->depth--;
		return lex(ps);
	case T_END:
		return fail(ps, pos, -EINVAL, "expression ends early: " OPERAND_HINT);
	case T_STR:
		return fail(ps, pos, -EINVAL, "a string is only compared with comm "
			    "(comm == \"name\"): " OPERAND_HINT);
	case T_RP:
		return fail(ps, pos, -EINVAL, "unbalanced parenthesis: ')' without '(': "
			    OPERAND_HINT);
	default:
		return fail(ps, pos, -EINVAL, "unexpected %s: " OPERAND_HINT,
			    tok_text(ps, &ps->tok, buf, sizeof(buf)));
	}
}

static int parse_unary(struct parser *ps, unsigned *idx)
{
	struct node n = { .kind = N_NOT };
	uint32_t pos = ps->tok.pos;
	unsigned l;
	int rc;

	if (ps->tok.kind != T_NOT)
		return parse_primary(ps, idx);
	if (++ps->depth > MAX_DEPTH)
		return fail(ps, pos, -EINVAL, "expression nested too deeply (at most %d levels)",
			    MAX_DEPTH);
	if ((rc = lex(ps)) || (rc = parse_unary(ps, &l)))
		return rc;
	ps->depth--;
	n.l = (uint16_t)l;
	return node_new(ps, pos, &n, idx);
}

/* A left-associative level: operand (tok operand)*. */
static int parse_left(struct parser *ps, unsigned *idx, enum tok_kind tk, uint8_t op,
		      int (*operand)(struct parser *, unsigned *))
{
	unsigned l, r;
	uint32_t pos;
	int rc;

	if ((rc = operand(ps, &l)))
		return rc;
	while (ps->tok.kind == tk) {
		pos = ps->tok.pos;
		if ((rc = lex(ps)) || (rc = operand(ps, &r)) || (rc = bin_new(ps, pos, op, l, r, &l)))
			return rc;
	}
	*idx = l;
	return 0;
}

static int parse_band(struct parser *ps, unsigned *idx)
{
	return parse_left(ps, idx, T_BAND, NX_TRIG_OP_BAND, parse_unary);
}

static int parse_bor(struct parser *ps, unsigned *idx)
{
	return parse_left(ps, idx, T_BOR, NX_TRIG_OP_BOR, parse_band);
}

static int cmp_op(enum tok_kind k)
{
	switch (k) {
	case T_EQ: return NX_TRIG_OP_EQ;
	case T_NE: return NX_TRIG_OP_NE;
	case T_LT: return NX_TRIG_OP_LT;
	case T_LE: return NX_TRIG_OP_LE;
	case T_GT: return NX_TRIG_OP_GT;
	case T_GE: return NX_TRIG_OP_GE;
	default: return 0;
	}
}

static int parse_cmp(struct parser *ps, unsigned *idx)
{
	unsigned l, r;
	uint32_t pos;
	int op, rc;

	if ((rc = parse_bor(ps, &l)))
		return rc;
	op = cmp_op(ps->tok.kind);
	if (!op) {
		*idx = l;
		return 0;
	}
	pos = ps->tok.pos;
	if ((rc = lex(ps)) || (rc = parse_bor(ps, &r)) || (rc = bin_new(ps, pos, (uint8_t)op, l, r, idx)))
		return rc;
	if (cmp_op(ps->tok.kind))
		return fail(ps, ps->tok.pos, -EINVAL, "chained comparison: write "
			    "'a < b && b < c', or parenthesise");
	return 0;
}

static int parse_and(struct parser *ps, unsigned *idx)
{
	return parse_left(ps, idx, T_LAND, NX_TRIG_OP_LAND, parse_cmp);
}

static int parse_or(struct parser *ps, unsigned *idx)
{
	return parse_left(ps, idx, T_LOR, NX_TRIG_OP_LOR, parse_and);
}

static int parse_manual(struct parser *ps)
{
	char buf[40];
	int rc;

	ps->t->type = NX_TRIGGER_MANUAL;
	if ((rc = parse_or(ps, &ps->t->root)))
		return rc;
	if (ps->tok.kind == T_RP)
		return fail(ps, ps->tok.pos, -EINVAL, "unbalanced parenthesis: ')' without '('");
	if (ps->tok.kind != T_END)
		return fail(ps, ps->tok.pos, -EINVAL, "unexpected %s after the expression: "
			    "expected an operator or the end",
			    tok_text(ps, &ps->tok, buf, sizeof(buf)));
	return 0;
}

static int parse_auto(struct parser *ps)
{
	struct nx_trigger *t = ps->t;
	const char *want = t->hook == NXR_HOOK_URETPROBE ? "ret" : "arg1..arg6";
	char buf[40];
	uint8_t var;
	unsigned i;
	int rc, argn;

	t->type = NX_TRIGGER_AUTO;
	if ((rc = lex(ps)))
		return rc;
	if (ps->tok.kind == T_END)
		return fail(ps, ps->tok.pos, -EINVAL, "'auto' needs the values to watch: "
			    "expected %s", want);
	for (; ps->tok.kind != T_END; rc = lex(ps)) {
		if (rc)
			return rc;
		argn = tok_argn(ps);
		if (argn >= 1 && argn <= 6 && t->hook != NXR_HOOK_URETPROBE)
			var = (uint8_t)(NX_TRIG_VAR_ARG1 + argn - 1);
		else if (tok_is(ps, "ret") && t->hook == NXR_HOOK_URETPROBE)
			var = NX_TRIG_VAR_RET;
		else
			return fail(ps, ps->tok.pos, -EINVAL, "expected %s after 'auto', found %s%s",
				    want, tok_text(ps, &ps->tok, buf, sizeof(buf)),
				    argn == 0 || argn > 6 ? " (no such argument)" : "");
		for (i = 0; i < t->nvars; i++)
			if (t->vars[i] == var)
				return fail(ps, ps->tok.pos, -EINVAL, "%s given twice",
					    tok_text(ps, &ps->tok, buf, sizeof(buf)));
		if (t->nvars >= NX_TRIGGER_MAX_AUTO)	/* unreachable: 6 distinct values */
			return fail(ps, ps->tok.pos, -EINVAL, "at most %d values after 'auto'",
				    NX_TRIGGER_MAX_AUTO);
		t->vars[t->nvars++] = var;
	}
	return 0;
}

static int parse_health(struct parser *ps)
{
	struct nx_trigger *t = ps->t;
	const char *name = tok_is(ps, "cpu") ? "cpu" : "disk";
	char buf[40];
	int rc;

	t->type = NX_TRIGGER_HEALTH;
	t->which = tok_is(ps, "cpu") ? NX_TRIGGER_CPU : NX_TRIGGER_DISK;
	t->threshold = -1;
	if ((rc = lex(ps)))
		return rc;
	if (ps->tok.kind == T_END)
		return 0;
	if (ps->tok.kind != T_GT)
		return fail(ps, ps->tok.pos, -EINVAL, "expected '>' and a percentage after '%s', "
			    "or nothing, found %s", name, tok_text(ps, &ps->tok, buf, sizeof(buf)));
	if ((rc = lex(ps)))
		return rc;
	if (ps->tok.kind != T_NUM || ps->tok.num < 0 || ps->tok.num > 100 ||
	    (ps->tok.flags & LIT_NEG))
		return fail(ps, ps->tok.pos, -EINVAL, "expected a percentage 0..100 after "
			    "'%s >', found %s", name, tok_text(ps, &ps->tok, buf, sizeof(buf)));
	t->threshold = (int)ps->tok.num;
	if ((rc = lex(ps)))
		return rc;
	if (ps->tok.kind != T_END)
		return fail(ps, ps->tok.pos, -EINVAL, "unexpected %s after '%s > %d': expected "
			    "the end (health triggers do not combine with expressions)",
			    tok_text(ps, &ps->tok, buf, sizeof(buf)), name, t->threshold);
	return 0;
}

struct nx_trigger *nx_trigger_parse(const char *text, const struct nx_trigger_ctx *ctx,
				    uint32_t *err_col, struct nx_err *err)
{
	struct parser ps = { .text = text, .err_col = err_col, .err = err };
	struct nx_trigger *t = NULL;
	size_t len;
	int rc;

	if (err_col)
		*err_col = 0;
	if (!text) {
		nx_err_set(err, -EINVAL, "no trigger text");
		return NULL;
	}
	len = strnlen(text, NX_TRIGGER_MAX_TEXT + 1);
	if (len > NX_TRIGGER_MAX_TEXT) {
		fail(&ps, NX_TRIGGER_MAX_TEXT, -EINVAL, "trigger longer than %d characters",
		     NX_TRIGGER_MAX_TEXT);
		return NULL;
	}
	ps.len = (uint32_t)len;
	if (ctx && ctx->hook != NXR_HOOK_UPROBE && ctx->hook != NXR_HOOK_URETPROBE) {
		nx_err_set(err, -EINVAL, "unknown hook type %u", ctx->hook);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		nx_err_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	t->hook = ctx ? ctx->hook : NXR_HOOK_UPROBE;
	t->syscall = ctx && ctx->syscall;
	ps.t = t;
	if ((rc = lex(&ps)))
		goto out;
	if (ps.tok.kind == T_END) {
		rc = fail(&ps, ps.tok.pos, -EINVAL, "empty trigger: expected an expression, "
			  "'auto arg1 ...', 'cpu' or 'disk'");
		goto out;
	}
	if (tok_is(&ps, "auto"))
		rc = parse_auto(&ps);
	else if (tok_is(&ps, "cpu") || tok_is(&ps, "disk"))
		rc = parse_health(&ps);
	else
		rc = parse_manual(&ps);
out:
	if (rc) {
		free(t);
		return NULL;
	}
	return t;
}

void nx_trigger_free(struct nx_trigger *t)
{
	free(t);
}

enum nx_trigger_type nx_trigger_type(const struct nx_trigger *t)
{
	return t->type;
}

unsigned nx_trigger_auto_vars(const struct nx_trigger *t, uint8_t vars[NX_TRIGGER_MAX_AUTO])
{
	if (t->type != NX_TRIGGER_AUTO)
		return 0;
	memcpy(vars, t->vars, t->nvars);
	return t->nvars;
}

int nx_trigger_health(const struct nx_trigger *t, enum nx_trigger_health *which,
		      int *threshold_pct)
{
	if (t->type != NX_TRIGGER_HEALTH)
		return -EINVAL;
	*which = t->which;
	*threshold_pct = t->threshold;
	return 0;
}

/* ---- the reference evaluator ---- */

static int64_t input_var(const struct nx_trig_input *in, unsigned var)
{
	if (var < NX_TRIG_VAR_ARG1 + 6)
		return (int64_t)in->args[var - NX_TRIG_VAR_ARG1];
	switch (var) {
	case NX_TRIG_VAR_RET: return in->ret;
	case NX_TRIG_VAR_PID: return in->pid;
	case NX_TRIG_VAR_TID: return in->tid;
	case NX_TRIG_VAR_UID: return in->uid;
	case NX_TRIG_VAR_HEALTH: return in->health_flags;
	case NX_TRIG_VAR_CPU: return in->cpu_busy;
	case NX_TRIG_VAR_DISK: return in->disk_busy;
	default: return 0;
	}
}

/* Byte by byte, as the language defines it; the programs use masked words. */
static bool comm_equal(const __u8 comm[NX_TRIG_COMM_LEN], const char name[NX_TRIG_COMM_LEN])
{
	for (int i = 0; i < NX_TRIG_COMM_LEN; i++) {
		if (comm[i] != (unsigned char)name[i])
			return false;
		if (!name[i])
			return true;
	}
	return true;	/* unreachable: names hold at most COMM_MAX bytes */
}

static int64_t eval_node(const struct nx_trigger *t, unsigned i, const struct nx_trig_input *in)
{
	const struct node *n = &t->nodes[i];
	int64_t x, y;

	switch (n->kind) {
	case N_NUM:
		return n->imm;
	case N_VAR:
		return input_var(in, n->var);
	case N_COMM:
		return comm_equal(in->comm, n->str) == (n->op == NX_TRIG_OP_EQ);
	case N_NOT:
		return eval_node(t, n->l, in) == 0;
	default:
		break;
	}
	x = eval_node(t, n->l, in);
	y = eval_node(t, n->r, in);
	switch (n->op) {
	case NX_TRIG_OP_EQ: return x == y;
	case NX_TRIG_OP_NE: return x != y;
	case NX_TRIG_OP_LT: return x < y;
	case NX_TRIG_OP_LE: return x <= y;
	case NX_TRIG_OP_GT: return x > y;
	case NX_TRIG_OP_GE: return x >= y;
	case NX_TRIG_OP_BAND: return x & y;
	case NX_TRIG_OP_BOR: return x | y;
	case NX_TRIG_OP_LAND: return x != 0 && y != 0;
	default: return x != 0 || y != 0;	/* NX_TRIG_OP_LOR */
	}
}

bool nx_trigger_eval_tree(const struct nx_trigger *t, const struct nx_trig_input *in)
{
	switch (t->type) {
	case NX_TRIGGER_MANUAL:
		return eval_node(t, t->root, in) != 0;
	case NX_TRIGGER_HEALTH:
		if (t->threshold < 0)
			return in->health_flags & (t->which == NX_TRIGGER_CPU ?
						   NX_HEALTH_CPU_HIGH : NX_HEALTH_DISK_HIGH);
		return (t->which == NX_TRIGGER_CPU ? in->cpu_busy : in->disk_busy) >
		       (uint32_t)t->threshold * 100;
	default:
		return false;
	}
}

uint32_t nx_trig_prog_needs(const struct nx_trig_prog *p)
{
	uint32_t needs = 0;

	for (uint32_t k = 0; k < p->len && k < NX_TRIG_MAX_INSNS; k++) {
		const struct nx_trig_insn *in = &p->insns[k];

		if (in->op == NX_TRIG_OP_COMM)
			needs |= NX_UP_NEED_COMM;
		else if (in->op == NX_TRIG_OP_VAR && in->a == NX_TRIG_VAR_UID)
			needs |= NX_UP_NEED_UID;
		else if (in->op == NX_TRIG_OP_VAR && (in->a == NX_TRIG_VAR_HEALTH ||
						      in->a == NX_TRIG_VAR_CPU ||
						      in->a == NX_TRIG_VAR_DISK))
			needs |= NX_UP_NEED_HEALTH;
	}
	return needs;
}

/* ---- the program evaluator: the twin of bpf/trigger.bpf.h, step for step ---- */

bool nx_trig_prog_eval(const struct nx_trig_prog *p, const struct nx_trig_input *in)
{
	int64_t stack[NX_TRIG_STACK] = { 0 }, x, y, v;
	uint64_t comm[2] = { 0, 0 }, mask;
	uint32_t sp = 0, m = NX_TRIG_STACK - 1, len = p->len;
	const struct nx_trig_insn *insn;

	for (int j = 0; j < 8; j++) {
		comm[0] |= (uint64_t)in->comm[j] << (8 * j);
		comm[1] |= (uint64_t)in->comm[8 + j] << (8 * j);
	}
	for (uint32_t i = 0; i < NX_TRIG_MAX_INSNS; i++) {
		if (i >= len)
			break;
		insn = &p->insns[i];
		switch (insn->op) {
		case NX_TRIG_OP_IMM:
			stack[sp++ & m] = insn->imm;
			continue;
		case NX_TRIG_OP_VAR:
			stack[sp++ & m] = input_var(in, insn->a);
			continue;
		case NX_TRIG_OP_COMM:
			mask = insn->b >= 8 ? ~0ULL : (1ULL << (8 * insn->b)) - 1;
			stack[sp++ & m] = ((comm[insn->a & 1] ^ (uint64_t)insn->imm) & mask) == 0;
			continue;
		case NX_TRIG_OP_NOT:
			stack[(sp - 1) & m] = stack[(sp - 1) & m] == 0;
			continue;
		case NX_TRIG_OP_EQ ... NX_TRIG_OP_LOR:
			break;
		default:
			return false;
		}
		y = stack[(sp - 1) & m];
		x = stack[(sp - 2) & m];
		switch (insn->op) {
		case NX_TRIG_OP_EQ: v = x == y; break;
		case NX_TRIG_OP_NE: v = x != y; break;
		case NX_TRIG_OP_LT: v = x < y; break;
		case NX_TRIG_OP_LE: v = x <= y; break;
		case NX_TRIG_OP_GT: v = x > y; break;
		case NX_TRIG_OP_GE: v = x >= y; break;
		case NX_TRIG_OP_BAND: v = x & y; break;
		case NX_TRIG_OP_BOR: v = x | y; break;
		case NX_TRIG_OP_LAND: v = x != 0 && y != 0; break;
		default: v = x != 0 || y != 0; break;	/* NX_TRIG_OP_LOR */
		}
		stack[(sp - 2) & m] = v;
		sp--;
	}
	return stack[(sp - 1) & m] != 0;
}

/* ---- compiler ---- */

struct emitter {
	struct nx_trig_prog *out;
	unsigned depth, max_depth;
};

static int emit(struct emitter *e, uint8_t op, uint8_t a, uint8_t b, int64_t imm, int push)
{
	struct nx_trig_insn *insn;

	if (e->out->len >= NX_TRIG_MAX_INSNS)
		return -E2BIG;
	insn = &e->out->insns[e->out->len++];
	insn->op = op;
	insn->a = a;
	insn->b = b;
	insn->imm = imm;
	e->depth = (unsigned)((int)e->depth + push);
	if (e->depth > e->max_depth)
		e->max_depth = e->depth;
	return 0;
}

/* Stack slots a subtree needs (Sethi-Ullman): deeper child first. */
static unsigned need(const struct nx_trigger *t, unsigned i)
{
	const struct node *n = &t->nodes[i];
	unsigned l, r;

	switch (n->kind) {
	case N_COMM:
		return strlen(n->str) + 1 > 8 ? 2 : 1;
	case N_NOT:
		return need(t, n->l);
	case N_BIN:
		l = need(t, n->l);
		r = need(t, n->r);
		return l == r ? l + 1 : l > r ? l : r;
	default:
		return 1;
	}
}

static uint8_t swapped(uint8_t op)
{
	switch (op) {
	case NX_TRIG_OP_LT: return NX_TRIG_OP_GT;
	case NX_TRIG_OP_LE: return NX_TRIG_OP_GE;
	case NX_TRIG_OP_GT: return NX_TRIG_OP_LT;
	case NX_TRIG_OP_GE: return NX_TRIG_OP_LE;
	default: return op;	/* the others are commutative */
	}
}

static uint64_t comm_word(const char *name, unsigned w)
{
	uint64_t v = 0;

	for (unsigned j = 0; j < 8; j++)
		v |= (uint64_t)(unsigned char)name[8 * w + j] << (8 * j);
	return v;
}

static int emit_node(struct emitter *e, const struct nx_trigger *t, unsigned i)
{
	const struct node *n = &t->nodes[i];
	unsigned bytes;
	int rc;

	switch (n->kind) {
	case N_NUM:
		return emit(e, NX_TRIG_OP_IMM, 0, 0, n->imm, 1);
	case N_VAR:
		return emit(e, NX_TRIG_OP_VAR, n->var, 0, 0, 1);
	case N_COMM:
		bytes = (unsigned)strlen(n->str) + 1;
		rc = emit(e, NX_TRIG_OP_COMM, 0, (uint8_t)(bytes > 8 ? 8 : bytes),
			  (int64_t)comm_word(n->str, 0), 1);
		if (!rc && bytes > 8)
			rc = emit(e, NX_TRIG_OP_COMM, 1, (uint8_t)(bytes - 8),
				  (int64_t)comm_word(n->str, 1), 1) ?:
			     emit(e, NX_TRIG_OP_LAND, 0, 0, 0, -1);
		if (!rc && n->op == NX_TRIG_OP_NE)
			rc = emit(e, NX_TRIG_OP_NOT, 0, 0, 0, 0);
		return rc;
	case N_NOT:
		return emit_node(e, t, n->l) ?: emit(e, NX_TRIG_OP_NOT, 0, 0, 0, 0);
	default:
		break;
	}
	if (need(t, n->r) > need(t, n->l))
		return emit_node(e, t, n->r) ?: emit_node(e, t, n->l) ?:
		       emit(e, swapped(n->op), 0, 0, 0, -1);
	return emit_node(e, t, n->l) ?: emit_node(e, t, n->r) ?: emit(e, n->op, 0, 0, 0, -1);
}

int nx_trigger_compile(const struct nx_trigger *t, struct nx_trig_prog *out, struct nx_err *err)
{
	struct emitter e = { .out = out };
	int rc = 0;

	memset(out, 0, sizeof(*out));
	switch (t->type) {
	case NX_TRIGGER_MANUAL:
		rc = emit_node(&e, t, t->root);
		break;
	case NX_TRIGGER_HEALTH:
		if (t->threshold < 0)
			rc = emit(&e, NX_TRIG_OP_VAR, NX_TRIG_VAR_HEALTH, 0, 0, 1) ?:
			     emit(&e, NX_TRIG_OP_IMM, 0, 0, t->which == NX_TRIGGER_CPU ?
				  NX_HEALTH_CPU_HIGH : NX_HEALTH_DISK_HIGH, 1) ?:
			     emit(&e, NX_TRIG_OP_BAND, 0, 0, 0, -1);
		else
			rc = emit(&e, NX_TRIG_OP_VAR, t->which == NX_TRIGGER_CPU ?
				  NX_TRIG_VAR_CPU : NX_TRIG_VAR_DISK, 0, 0, 1) ?:
			     emit(&e, NX_TRIG_OP_IMM, 0, 0, (int64_t)t->threshold * 100, 1) ?:
			     emit(&e, NX_TRIG_OP_GT, 0, 0, 0, -1);
		break;
	default:
		return nx_err_set(err, -EINVAL, "an auto trigger has no predicate program: "
				  "rare-value detection decides it");
	}
	if (!rc && e.max_depth > NX_TRIG_STACK)
		rc = -E2BIG;
	if (rc) {
		memset(out, 0, sizeof(*out));
		return nx_err_set(err, rc, "expression too large for a trigger program "
				  "(%d instructions, %d stack slots)", NX_TRIG_MAX_INSNS,
				  NX_TRIG_STACK);
	}
	return 0;
}

/* ---- printers ---- */

struct out {
	char *buf;
	size_t len, pos;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->pos < o->len ? o->buf + o->pos : NULL,
		      o->pos < o->len ? o->len - o->pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->pos += (size_t)n;
}

static const char *op_text(uint8_t op)
{
	static const char *const text[] = {
		[NX_TRIG_OP_EQ] = "==", [NX_TRIG_OP_NE] = "!=", [NX_TRIG_OP_LT] = "<",
		[NX_TRIG_OP_LE] = "<=", [NX_TRIG_OP_GT] = ">", [NX_TRIG_OP_GE] = ">=",
		[NX_TRIG_OP_BAND] = "&", [NX_TRIG_OP_BOR] = "|", [NX_TRIG_OP_LAND] = "&&",
		[NX_TRIG_OP_LOR] = "||",
	};

	return op < sizeof(text) / sizeof(text[0]) && text[op] ? text[op] : "?";
}

/* Our precedence levels, loosest 1 .. tightest 6. */
static int prec(const struct node *n)
{
	switch (n->kind) {
	case N_COMM:
		return 3;
	case N_BIN:
		switch (n->op) {
		case NX_TRIG_OP_LOR: return 1;
		case NX_TRIG_OP_LAND: return 2;
		case NX_TRIG_OP_BOR: return 4;
		case NX_TRIG_OP_BAND: return 5;
		default: return 3;
		}
	default:
		return 6;
	}
}

static const char *var_name(unsigned var)
{
	static const char *const names[] = {
		"arg1", "arg2", "arg3", "arg4", "arg5", "arg6", "ret", "pid", "tid", "uid",
	};

	return var < sizeof(names) / sizeof(names[0]) ? names[var] : "?";
}

static void put_comm(struct out *o, const struct node *n)
{
	put(o, "comm %s \"", n->op == NX_TRIG_OP_EQ ? "==" : "!=");
	for (const char *c = n->str; *c; c++)
		put(o, "%s%c", *c == '"' || *c == '\\' ? "\\" : "", *c);
	put(o, "\"");
}

static void format_node(struct out *o, const struct nx_trigger *t, unsigned i);

/* A child needs parentheses when it binds looser than its parent, or as tight
 * on the right (left-associative) or at all among comparisons (no chains). */
static void format_child(struct out *o, const struct nx_trigger *t, unsigned c, int parent,
			 bool right)
{
	int p = prec(&t->nodes[c]);
	bool paren = p < parent || (p == parent && (right || parent == 3));

	put(o, paren ? "(" : "");
	format_node(o, t, c);
	put(o, paren ? ")" : "");
}

static void format_node(struct out *o, const struct nx_trigger *t, unsigned i)
{
	const struct node *n = &t->nodes[i];
	uint64_t u;

	switch (n->kind) {
	case N_NUM:
		memcpy(&u, &n->imm, sizeof(u));
		if (n->flags & LIT_NEG)
			u = 0 - u;
		put(o, (n->flags & LIT_HEX) ? "%s0x%llx" : "%s%llu", (n->flags & LIT_NEG) ? "-" : "",
		    (unsigned long long)u);
		return;
	case N_VAR:
		put(o, "%s", var_name(n->var));
		return;
	case N_COMM:
		put_comm(o, n);
		return;
	case N_NOT:
		put(o, "!");
		format_child(o, t, n->l, 6, false);
		return;
	default:
		format_child(o, t, n->l, prec(n), false);
		put(o, " %s ", op_text(n->op));
		format_child(o, t, n->r, prec(n), true);
	}
}

static int finish(struct out *o)
{
	if (o->len)
		o->buf[o->pos < o->len ? o->pos : o->len - 1] = '\0';
	return o->pos > INT_MAX ? INT_MAX : (int)o->pos;
}

int nx_trigger_format(const struct nx_trigger *t, char *buf, size_t len)
{
	struct out o = { .buf = buf, .len = len };
	const char *name;

	switch (t->type) {
	case NX_TRIGGER_MANUAL:
		format_node(&o, t, t->root);
		break;
	case NX_TRIGGER_AUTO:
		put(&o, "auto");
		for (unsigned i = 0; i < t->nvars; i++)
			put(&o, " %s", var_name(t->vars[i]));
		break;
	default:
		name = t->which == NX_TRIGGER_CPU ? "cpu" : "disk";
		if (t->threshold < 0)
			put(&o, "%s", name);
		else
			put(&o, "%s > %d", name, t->threshold);
	}
	return finish(&o);
}

/* A node whose value is 0 or 1: comparisons, && || !, comm matches. */
static bool is_boolean(const struct node *n)
{
	return n->kind == N_NOT || n->kind == N_COMM ||
	       (n->kind == N_BIN && n->op != NX_TRIG_OP_BAND && n->op != NX_TRIG_OP_BOR);
}

static void bpftrace_node(struct out *o, const struct nx_trigger *t, unsigned i,
			  const struct nx_trigger_bpftrace_vars *v)
{
	const struct node *n = &t->nodes[i];
	const struct node *c;

	switch (n->kind) {
	case N_NUM:
		if (n->imm == INT64_MIN)
			put(o, "(-9223372036854775807 - 1)");
		else
			put(o, "%lld", (long long)n->imm);
		return;
	case N_VAR:
		if (v && n->var < NX_TRIG_VAR_ARG1 + 6)
			put(o, "%s", v->args[n->var - NX_TRIG_VAR_ARG1]);
		else if (v && n->var == NX_TRIG_VAR_RET)
			put(o, "%s", v->ret);
		else if (n->var < NX_TRIG_VAR_ARG1 + 6)
			put(o, "(int64)arg%u", n->var - NX_TRIG_VAR_ARG1);
		else if (n->var == NX_TRIG_VAR_RET)
			put(o, "(int64)retval");
		else
			put(o, "(int64)%s", var_name(n->var));
		return;
	case N_COMM:
		put_comm(o, n);
		return;
	case N_NOT:
		c = &t->nodes[n->l];
		put(o, "!");
		if (c->kind == N_BIN || c->kind == N_COMM || c->kind == N_VAR) {
			put(o, "(");
			bpftrace_node(o, t, n->l, v);
			put(o, ")");
		} else {
			bpftrace_node(o, t, n->l, v);
		}
		return;
	default:
		break;
	}
	for (int side = 0; side < 2; side++) {
		unsigned ci = side ? n->r : n->l;

		c = &t->nodes[ci];
		if (side)
			put(o, " %s ", op_text(n->op));
		if (n->op != NX_TRIG_OP_LAND && n->op != NX_TRIG_OP_LOR && is_boolean(c)) {
			/* bpftrace types a 0/1 result unsigned, which would turn
			 * the comparison or bitwise operation around it unsigned */
			put(o, "(int64)(");
			bpftrace_node(o, t, ci, v);
			put(o, ")");
		} else if (c->kind == N_BIN || c->kind == N_COMM) {
			put(o, "(");
			bpftrace_node(o, t, ci, v);
			put(o, ")");
		} else {
			bpftrace_node(o, t, ci, v);
		}
	}
}

int nx_trigger_to_bpftrace_vars(const struct nx_trigger *t,
				const struct nx_trigger_bpftrace_vars *vars, char *buf, size_t len,
				struct nx_err *err)
{
	struct out o = { .buf = buf, .len = len };

	if (t->type != NX_TRIGGER_MANUAL)
		return nx_err_set(err, -EINVAL, "%s triggers have no bpftrace equivalent",
				  t->type == NX_TRIGGER_AUTO ? "auto" : "health");
	if (vars) {
		for (unsigned i = 0; i < 6; i++)
			if (!vars->args[i])
				return nx_err_set(err, -EINVAL, "no bpftrace name for arg%u", i + 1);
		if (!vars->ret)
			return nx_err_set(err, -EINVAL, "no bpftrace name for ret");
	}
	bpftrace_node(&o, t, t->root, vars);
	return finish(&o);
}

int nx_trigger_to_bpftrace(const struct nx_trigger *t, char *buf, size_t len,
			   struct nx_err *err)
{
	return nx_trigger_to_bpftrace_vars(t, NULL, buf, len, err);
}
