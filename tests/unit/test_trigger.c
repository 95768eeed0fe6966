/*
 * tests/unit/test_trigger.c: the trigger language (analyze/trigger.c).
 *
 * Table-driven parse tests (canonical text of good triggers, column and
 * message of every error), the semantics on edge values (signedness,
 * precedence, comm), the bpftrace translation, and the differential test:
 * thousands of random triggers over random inputs, where the tree evaluator
 * and the compiled program must agree on every one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "analyze/trigger.h"
#include "bpf/events.h"
#include "bpf/uprobe.h"
#include "format/meta.h"
#include "tests/unit/trig_gen.h"

static const struct nx_trigger_ctx uprobe = { .hook = NXR_HOOK_UPROBE };
static const struct nx_trigger_ctx uretprobe = { .hook = NXR_HOOK_URETPROBE };

static struct nx_trigger *parse_ok(const char *text, const struct nx_trigger_ctx *ctx)
{
	struct nx_err err = { 0 };
	uint32_t col = 99;
	struct nx_trigger *t = nx_trigger_parse(text, ctx, &col, &err);

	if (!t)
		fail_msg("'%s' did not parse: %s", text, err.msg);
	assert_int_equal(col, 0);
	return t;
}

struct good {
	const char *text;
	const char *canon;
	bool uret;
};

static const struct good goods[] = {
	{ "arg2 == 0x541c", "arg2 == 0x541c" },
	{ "arg1==1&&arg2!=2", "arg1 == 1 && arg2 != 2" },
	{ "arg2 & 0xff == 3", "arg2 & 0xff == 3" },
	{ "(arg2 & 0xff) == 3", "arg2 & 0xff == 3" },
	{ "arg2 & (0xff == 3)", "arg2 & (0xff == 3)" },
	{ "arg1 | arg2 & arg3", "arg1 | arg2 & arg3" },
	{ "(arg1 | arg2) & arg3", "(arg1 | arg2) & arg3" },
	{ "arg1 || arg2 && arg3", "arg1 || arg2 && arg3" },
	{ "(arg1 || arg2) && arg3", "(arg1 || arg2) && arg3" },
	{ "arg1 && (arg2 && arg3)", "arg1 && (arg2 && arg3)" },
	{ "((arg1 && arg2)) && arg3", "arg1 && arg2 && arg3" },
	{ "(arg1 == 1) == (arg2 == 2)", "(arg1 == 1) == (arg2 == 2)" },
	{ "arg1 < arg2 | 4", "arg1 < arg2 | 4" },
	{ "!arg1", "!arg1" },
	{ "! ( arg1 == 2 )", "!(arg1 == 2)" },
	{ "!!arg1", "!!arg1" },
	{ "!arg1 == 0", "!arg1 == 0" },
	{ "comm == \"bash\"", "comm == \"bash\"" },
	{ "comm!=\"sh\"", "comm != \"sh\"" },
	{ "comm == \"a\\\"b\\\\\"", "comm == \"a\\\"b\\\\\"" },
	{ "comm == \"\"", "comm == \"\"" },
	{ "comm == \"systemd-journal\"", "comm == \"systemd-journal\"" },
	{ "(comm == \"x\") == 1", "(comm == \"x\") == 1" },
	{ "!(comm == \"x\")", "!(comm == \"x\")" },
	{ "comm == \"x\" && pid == 7", "comm == \"x\" && pid == 7" },
	{ "arg2 == -1", "arg2 == -1" },
	{ "arg1 == -0x10", "arg1 == -0x10" },
	{ "arg1 == 0XFF", "arg1 == 0xff" },
	{ "arg1 == 18446744073709551615", "arg1 == 18446744073709551615" },
	{ "arg1 == 0xffffffffffffffff", "arg1 == 0xffffffffffffffff" },
	{ "arg1 > -9223372036854775808", "arg1 > -9223372036854775808" },
	{ "arg1 == -0x8000000000000000", "arg1 == -0x8000000000000000" },
	{ "pid == 1 || tid == 2 || uid == 0", "pid == 1 || tid == 2 || uid == 0" },
	{ "\targ6\t>=\t0 ", "arg6 >= 0" },
	{ "arg1 == 1 ||\n  arg2 == 2\r\n", "arg1 == 1 || arg2 == 2" },
	{ "7", "7" },
	{ "ret < 0", "ret < 0", true },
	{ "ret == -1 && comm == \"sh\"", "ret == -1 && comm == \"sh\"", true },
	{ "cpu", "cpu" },
	{ "disk", "disk" },
	{ "cpu>90", "cpu > 90" },
	{ "disk > 0", "disk > 0" },
	{ "cpu > 100", "cpu > 100" },
	{ "auto arg1 arg2", "auto arg1 arg2" },
	{ "auto   arg3", "auto arg3" },
	{ "auto arg6 arg1 arg2 arg3 arg4 arg5", "auto arg6 arg1 arg2 arg3 arg4 arg5" },
	{ "auto ret", "auto ret", true },
};

static void test_good_triggers_have_their_canonical_form(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		const struct good *g = &goods[i];
		const struct nx_trigger_ctx *ctx = g->uret ? &uretprobe : &uprobe;
		struct nx_trigger *t = parse_ok(g->text, ctx), *t2;
		char buf[256], buf2[256];
		int n = nx_trigger_format(t, buf, sizeof(buf));

		assert_int_equal(n, (int)strlen(g->canon));
		if (strcmp(buf, g->canon) != 0)
			fail_msg("'%s' formats as '%s', want '%s'", g->text, buf, g->canon);
		t2 = parse_ok(buf, ctx);	/* the canonical form parses to itself */
		nx_trigger_format(t2, buf2, sizeof(buf2));
		assert_string_equal(buf2, buf);
		nx_trigger_free(t2);
		nx_trigger_free(t);
	}
}

struct bad {
	const char *text;
	uint32_t col;
	const char *msg;	/* err.msg, in full */
	bool uret;
};

#define LONG17 "arg1 == 1 || arg1 == 1 || arg1 == 1 || arg1 == 1 || arg1 == 1 || " \
	"arg1 == 1 || arg1 == 1 || arg1 == 1 || arg1 == 1 || arg1 == 1 || arg1 == 1 || " \
	"arg1 == 1 || arg1 == 1 || arg1 == 1 || arg1 == 1 || arg1 == 1 || arg1 == 1"

static const struct bad bads[] = {
	{ "arg7 == 1", 1, "column 1: no such argument 'arg7' (arg1..arg6)" },
	{ "arg1 == 1 && arg7", 14, "column 14: no such argument 'arg7' (arg1..arg6)" },
	{ "arg0", 1, "column 1: no such argument 'arg0' (arg1..arg6: our arg1 is bpftrace's arg0)" },
	{ "ret < 0", 1, "column 1: 'ret' is only available on a uretprobe" },
	{ "ret < 0 || arg1 == 2", 12, "column 12: 'arg1' is not available on a uretprobe: the "
	  "arguments are gone at return, expected ret", true },
	{ "(arg1 == 1", 11, "column 11: unbalanced parenthesis: expected ')' to close the '(' at "
	  "column 1, found end of text" },
	{ "((arg1) == 1", 13, "column 13: unbalanced parenthesis: expected ')' to close the '(' "
	  "at column 1, found end of text" },
	{ "arg1 == 1)", 10, "column 10: unbalanced parenthesis: ')' without '('" },
	{ ")", 1, "column 1: unbalanced parenthesis: ')' without '(': expected arg1..arg6, ret, "
	  "pid, tid, uid, comm, a number, '!' or '('" },
	{ "()", 2, "column 2: unbalanced parenthesis: ')' without '(': expected arg1..arg6, ret, "
	  "pid, tid, uid, comm, a number, '!' or '('" },
	{ "arg1 == 1 arg2", 11, "column 11: unexpected 'arg2' after the expression: expected an "
	  "operator or the end" },
	{ "arg1 (arg2)", 6, "column 6: unexpected '(' after the expression: expected an operator "
	  "or the end" },
	{ "", 1, "column 1: empty trigger: expected an expression, 'auto arg1 ...', 'cpu' or "
	  "'disk'" },
	{ "   ", 4, "column 4: empty trigger: expected an expression, 'auto arg1 ...', 'cpu' or "
	  "'disk'" },
	{ "arg1 == 18446744073709551616", 9, "column 9: integer literal '18446744073709551616' out "
	  "of range: expected at most 0xffffffffffffffff" },
	{ "arg1 == 0x10000000000000000", 9, "column 9: integer literal '0x10000000000000000' out of "
	  "range: expected at most 0xffffffffffffffff" },
	{ "arg1 == -9223372036854775809", 9, "column 9: integer literal '-9223372036854775809' out "
	  "of range: expected -9223372036854775808 or more" },
	{ "arg1 == 0x", 9, "column 9: expected hex digits after '0x'" },
	{ "arg1 == 12ab", 9, "column 9: bad number '12ab': expected decimal or 0x hex digits" },
	{ "arg1 - 1", 6, "column 6: '-' must be followed by a number (there is no subtraction)" },
	{ "arg1 = 1", 6, "column 6: '=' is not an operator: expected '=='" },
	{ "arg1 @ 2", 6, "column 6: unexpected character '@'" },
	{ "arg1 == 1 == 1", 11, "column 11: chained comparison: write 'a < b && b < c', or "
	  "parenthesise" },
	{ "arg1 ==", 8, "column 8: expression ends early: expected arg1..arg6, ret, pid, tid, uid, "
	  "comm, a number, '!' or '('" },
	{ "arg1 && || arg2", 9, "column 9: unexpected '||': expected arg1..arg6, ret, pid, tid, "
	  "uid, comm, a number, '!' or '('" },
	{ "foo == 1", 1, "column 1: unknown name 'foo': expected arg1..arg6, ret, pid, tid, uid or "
	  "comm" },
	{ "arg1 == \"x\"", 9, "column 9: a string is only compared with comm (comm == \"name\"): "
	  "expected arg1..arg6, ret, pid, tid, uid, comm, a number, '!' or '('" },
	{ "comm", 5, "column 5: comm is compared with == or != to a \"name\": expected '==' or "
	  "'!=', found end of text" },
	{ "comm < \"a\"", 6, "column 6: comm is compared with == or != to a \"name\": expected '==' "
	  "or '!=', found '<'" },
	{ "comm == bash", 9, "column 9: expected a \"name\" after 'comm ==', found 'bash'" },
	{ "comm == \"abcdefghijklmnop\"", 9, "column 9: comm name of 16 characters: the kernel "
	  "keeps at most 15" },
	{ "comm == \"abc", 9, "column 9: unterminated string: expected '\"'" },
	{ "comm == \"a\\n\"", 11, "column 11: bad escape in string: expected \\\" or \\\\" },
	{ "comm == \"a\tb\"", 11, "column 11: control character in string" },
	{ "arg1 && cpu", 9, "column 9: 'cpu' is a health trigger on its own ('cpu' or 'cpu > N'), "
	  "not part of an expression" },
	{ "cpu && arg1", 5, "column 5: expected '>' and a percentage after 'cpu', or nothing, "
	  "found '&&'" },
	{ "cpu > 101", 7, "column 7: expected a percentage 0..100 after 'cpu >', found '101'" },
	{ "disk > -1", 8, "column 8: expected a percentage 0..100 after 'disk >', found '-1'" },
	{ "disk > 5 || arg1", 10, "column 10: unexpected '||' after 'disk > 5': expected the end "
	  "(health triggers do not combine with expressions)" },
	{ "auto", 5, "column 5: 'auto' needs the values to watch: expected arg1..arg6" },
	{ "auto arg7", 6, "column 6: expected arg1..arg6 after 'auto', found 'arg7' (no such "
	  "argument)" },
	{ "auto foo", 6, "column 6: expected arg1..arg6 after 'auto', found 'foo'" },
	{ "auto arg1, arg2", 10, "column 10: unexpected character ','" },
	{ "auto arg1 arg1", 11, "column 11: 'arg1' given twice" },
	{ "auto ret", 6, "column 6: expected arg1..arg6 after 'auto', found 'ret'" },
	{ "auto arg1", 6, "column 6: expected ret after 'auto', found 'arg1'", true },
	{ "arg1 && auto", 9, "column 9: 'auto' is a trigger on its own ('auto arg1 [arg2 ...]'), "
	  "not part of an expression" },
	{ LONG17, 217, "column 217: expression too long: a trigger program holds at most 64 "
	  "instructions" },
	{ "((((((((((((((((((((((((((((((((((arg1))))))))))))))))))))))))))))))))))", 33,
	  "column 33: expression nested too deeply (at most 32 levels)" },
	{ "arg1 == \x01", 9, "column 9: unexpected byte 0x01" },
};

static void test_bad_triggers_give_column_and_message(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];
		struct nx_err err = { 0 };
		uint32_t col = 0;
		struct nx_trigger *t = nx_trigger_parse(b->text, b->uret ? &uretprobe : &uprobe,
							&col, &err);

		if (t)
			fail_msg("'%s' parsed but should not", b->text);
		assert_int_equal(err.code, -EINVAL);
		if (strcmp(err.msg, b->msg) != 0 || col != b->col)
			fail_msg("'%s': got col %u '%s', want col %u '%s'", b->text, col, err.msg,
				 b->col, b->msg);
		assert_null(strchr(err.msg, '\n'));
	}
}

static void test_overlong_text_is_refused_before_lexing(void **state)
{
	static char text[NX_TRIGGER_MAX_TEXT + 2];
	struct nx_err err = { 0 };
	uint32_t col = 0;

	(void)state;
	memset(text, ' ', sizeof(text) - 1);
	text[0] = '1';
	assert_null(nx_trigger_parse(text, NULL, &col, &err));
	assert_int_equal(col, NX_TRIGGER_MAX_TEXT + 1);
	assert_string_equal(err.msg, "column 4097: trigger longer than 4096 characters");
	text[NX_TRIGGER_MAX_TEXT] = '\0';	/* exactly the limit: fine */
	nx_trigger_free(parse_ok(text, NULL));
	assert_null(nx_trigger_parse(NULL, NULL, &col, &err));
	assert_int_equal(col, 0);
	struct nx_trigger_ctx bad_hook = { .hook = 7 };

	assert_null(nx_trigger_parse("arg1", &bad_hook, &col, &err));
	assert_int_equal(err.code, -EINVAL);
	assert_string_equal(err.msg, "unknown hook type 7");
}

/* ---- semantics ---- */

static bool holds(const char *text, const struct nx_trigger_ctx *ctx,
		  const struct nx_trig_input *in)
{
	struct nx_trigger *t = parse_ok(text, ctx);
	struct nx_trig_prog p;
	struct nx_err err = { 0 };
	bool tree, prog;

	assert_int_equal(nx_trigger_compile(t, &p, &err), 0);
	tree = nx_trigger_eval_tree(t, in);
	prog = nx_trig_prog_eval(&p, in);
	if (tree != prog)
		fail_msg("'%s': tree says %d, program says %d", text, tree, prog);
	nx_trigger_free(t);
	return tree;
}

struct sem {
	const char *text;
	uint64_t a1, a2;
	int64_t ret;
	bool want;
};

static const struct sem sems[] = {
	/* signed 64-bit comparisons */
	{ "arg2 == -1", 0, UINT64_MAX, 0, true },
	{ "arg2 == 0xffffffffffffffff", 0, UINT64_MAX, 0, true },
	{ "arg2 == 18446744073709551615", 0, UINT64_MAX, 0, true },
	{ "arg2 < 0", 0, UINT64_MAX, 0, true },
	{ "arg2 > 0", 0, UINT64_MAX, 0, false },
	{ "arg2 == 0xffffffff", 0, UINT64_MAX, 0, false },
	{ "arg2 == 0xffffffff", 0, 0xffffffff, 0, true },
	{ "arg2 > 0", 0, 0xffffffff, 0, true },
	{ "arg1 < 0", 0x8000000000000000ULL, 0, 0, true },
	{ "arg1 == -9223372036854775808", 0x8000000000000000ULL, 0, 0, true },
	{ "arg1 == 0x8000000000000000", 0x8000000000000000ULL, 0, 0, true },
	{ "arg1 == -0x8000000000000000", 0x8000000000000000ULL, 0, 0, true },
	{ "arg1 < -9223372036854775807", 0x8000000000000000ULL, 0, 0, true },
	{ "arg1 <= 9223372036854775807", 0x8000000000000000ULL, 0, 0, true },
	{ "arg1 > 9223372036854775807", 0x8000000000000000ULL, 0, 0, false },
	{ "arg1 >= 0x7fffffffffffffff", 0x7fffffffffffffffULL, 0, 0, true },
	{ "arg1 < arg2", UINT64_MAX, 0, 0, true },		/* -1 < 0 */
	{ "arg1 < arg2", 0x7fffffffffffffffULL, 0x8000000000000000ULL, 0, false },
	{ "arg1 & 0x8000000000000000 != 0", 0x8000000000000001ULL, 0, 0, true },
	{ "arg1 | 1 == -1", 0xfffffffffffffffeULL, 0, 0, true },
	/* precedence */
	{ "arg2 & 0xff == 3", 0, 0x103, 0, true },		/* C would say false */
	{ "arg2 & (0xff == 3)", 0, 0x103, 0, false },
	{ "arg1 | arg2 & 2", 1, 1, 0, true },			/* 1 | (1 & 2) = 1 */
	{ "(arg1 | arg2) & 2", 1, 1, 0, false },
	{ "arg1 || arg2 && 0", 1, 1, 0, true },			/* 1 || (1 && 0) */
	{ "(arg1 || arg2) && 0", 1, 1, 0, false },
	{ "!arg1 == 0", 5, 0, 0, true },			/* (!5) == 0 */
	{ "!(arg1 == 0)", 5, 0, 0, true },
	{ "!arg1", 0, 0, 0, true },
	{ "!!arg1", 7, 0, 0, true },
	{ "arg1 && arg2", 1, 2, 0, true },			/* truthiness, not bits */
	{ "arg1 & arg2", 1, 2, 0, false },
	{ "arg1 && arg2", 1, 0, 0, false },
	{ "arg1 || arg2", 0, 0, 0, false },
	{ "arg1", 0x100000000ULL, 0, 0, true },			/* any nonzero bit holds */
	{ "0", 0, 0, 0, false },
	{ "(arg1 == 1) == (arg2 == 2)", 0, 0, 0, true },
};

static void test_semantics_on_edge_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(sems) / sizeof(sems[0]); i++) {
		const struct sem *s = &sems[i];
		struct nx_trig_input in = { .args = { s->a1, s->a2 }, .ret = s->ret };

		if (holds(s->text, &uprobe, &in) != s->want)
			fail_msg("'%s' on arg1=%#llx arg2=%#llx: want %d", s->text,
				 (unsigned long long)s->a1, (unsigned long long)s->a2, s->want);
	}
}

static void test_ret_pid_tid_uid(void **state)
{
	struct nx_trig_input in = { .ret = -1, .pid = 0xffffffff, .tid = 42, .uid = 1000 };

	(void)state;
	assert_true(holds("ret < 0", &uretprobe, &in));
	assert_true(holds("ret == -1", &uretprobe, &in));
	assert_true(holds("ret == 0xffffffffffffffff", &uretprobe, &in));
	in.ret = INT64_MIN;
	assert_true(holds("ret < -9223372036854775807", &uretprobe, &in));
	assert_false(holds("ret >= 0", &uretprobe, &in));
	/* u32 values are zero-extended: never negative */
	assert_false(holds("pid == -1", &uprobe, &in));
	assert_true(holds("pid == 0xffffffff", &uprobe, &in));
	assert_true(holds("pid > 0", &uprobe, &in));
	assert_true(holds("tid == 42 && uid == 1000", &uprobe, &in));
	assert_false(holds("tid == 42 && uid != 1000", &uprobe, &in));
	assert_true(holds("pid != tid", &uprobe, &in));
}

static void set_comm(struct nx_trig_input *in, const char *bytes, size_t n)
{
	memset(in->comm, 0, sizeof(in->comm));
	memcpy(in->comm, bytes, n);
}

static void test_comm_matches_up_to_its_nul(void **state)
{
	struct nx_trig_input in = { 0 };

	(void)state;
	set_comm(&in, "bash", 4);
	assert_true(holds("comm == \"bash\"", &uprobe, &in));
	assert_false(holds("comm != \"bash\"", &uprobe, &in));
	assert_false(holds("comm == \"bas\"", &uprobe, &in));
	assert_false(holds("comm == \"bashx\"", &uprobe, &in));
	assert_false(holds("comm == \"\"", &uprobe, &in));
	assert_true(holds("comm != \"sh\"", &uprobe, &in));
	set_comm(&in, "bash\0garbage!!", 14);	/* bytes after the NUL do not count */
	assert_true(holds("comm == \"bash\"", &uprobe, &in));
	set_comm(&in, "", 0);
	assert_true(holds("comm == \"\"", &uprobe, &in));
	set_comm(&in, "abcdefg", 7);		/* 7 + NUL: one word exactly */
	assert_true(holds("comm == \"abcdefg\"", &uprobe, &in));
	assert_false(holds("comm == \"abcdefgh\"", &uprobe, &in));
	set_comm(&in, "abcdefgh", 8);		/* the NUL is in the second word */
	assert_true(holds("comm == \"abcdefgh\"", &uprobe, &in));
	assert_false(holds("comm == \"abcdefg\"", &uprobe, &in));
	assert_false(holds("comm == \"abcdefghi\"", &uprobe, &in));
	set_comm(&in, "systemd-journal", 15);
	assert_true(holds("comm == \"systemd-journal\"", &uprobe, &in));
	assert_false(holds("comm == \"systemd-journa\"", &uprobe, &in));
	assert_true(holds("comm != \"systemd-journa\" && comm == \"systemd-journal\"", &uprobe, &in));
	set_comm(&in, "systemd-journalX", 16);	/* no NUL at all: matches no name */
	assert_false(holds("comm == \"systemd-journal\"", &uprobe, &in));
	set_comm(&in, "q\"uote", 6);
	assert_true(holds("comm == \"q\\\"uote\"", &uprobe, &in));
}

static void test_health_triggers(void **state)
{
	struct nx_trig_input in = { .health_flags = NX_HEALTH_DISK_HIGH, .cpu_busy = 9000,
				    .disk_busy = 1 };
	struct nx_trigger *t = parse_ok("cpu > 90", NULL);
	enum nx_trigger_health which;
	int pct;

	(void)state;
	assert_int_equal(nx_trigger_type(t), NX_TRIGGER_HEALTH);
	assert_int_equal(nx_trigger_health(t, &which, &pct), 0);
	assert_int_equal(which, NX_TRIGGER_CPU);
	assert_int_equal(pct, 90);
	nx_trigger_free(t);
	t = parse_ok("disk", NULL);
	assert_int_equal(nx_trigger_health(t, &which, &pct), 0);
	assert_int_equal(which, NX_TRIGGER_DISK);
	assert_int_equal(pct, -1);
	nx_trigger_free(t);

	assert_false(holds("cpu", NULL, &in));
	assert_true(holds("disk", NULL, &in));
	assert_false(holds("cpu > 90", NULL, &in));	/* strictly above */
	in.cpu_busy = 9001;
	assert_true(holds("cpu > 90", NULL, &in));
	assert_true(holds("disk > 0", NULL, &in));
	in.disk_busy = 0;
	assert_false(holds("disk > 0", NULL, &in));
	in.health_flags = NX_HEALTH_CPU_HIGH;
	assert_true(holds("cpu", NULL, &in));
	assert_false(holds("disk", NULL, &in));
	in.cpu_busy = 10000;
	assert_false(holds("cpu > 100", NULL, &in));
}

static void test_auto_triggers(void **state)
{
	struct nx_trigger *t = parse_ok("auto arg3 arg1", NULL);
	uint8_t vars[NX_TRIGGER_MAX_AUTO];
	struct nx_trig_prog p;
	struct nx_trig_input in = { .args = { 1, 2, 3 } };
	struct nx_err err = { 0 };
	enum nx_trigger_health which;
	int pct;
	char buf[64];

	(void)state;
	assert_int_equal(nx_trigger_type(t), NX_TRIGGER_AUTO);
	assert_int_equal(nx_trigger_auto_vars(t, vars), 2);
	assert_int_equal(vars[0], NX_TRIG_VAR_ARG1 + 2);
	assert_int_equal(vars[1], NX_TRIG_VAR_ARG1);
	assert_int_equal(nx_trigger_compile(t, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "auto"));
	assert_false(nx_trigger_eval_tree(t, &in));
	assert_int_equal(nx_trigger_health(t, &which, &pct), -EINVAL);
	assert_int_equal(nx_trigger_to_bpftrace(t, buf, sizeof(buf), &err), -EINVAL);
	nx_trigger_free(t);
	t = parse_ok("auto ret", &uretprobe);
	assert_int_equal(nx_trigger_auto_vars(t, vars), 1);
	assert_int_equal(vars[0], NX_TRIG_VAR_RET);
	nx_trigger_free(t);
	t = parse_ok("arg1 == 1", NULL);
	assert_int_equal(nx_trigger_type(t), NX_TRIGGER_MANUAL);
	assert_int_equal(nx_trigger_auto_vars(t, vars), 0);
	nx_trigger_free(t);
	nx_trigger_free(NULL);
}

struct bt {
	const char *text;
	const char *bpftrace;
	bool uret;
};

static const struct bt bts[] = {
	{ "arg2 == 0x541c", "(int64)arg1 == 21532" },
	{ "arg1 == 1", "(int64)arg0 == 1" },
	{ "arg6 != -1", "(int64)arg5 != -1" },
	{ "arg2 & 0xff == 3", "((int64)arg1 & 255) == 3" },
	{ "arg1 | arg2 & 4", "(int64)arg0 | ((int64)arg1 & 4)" },
	{ "arg1 == 0xffffffffffffffff", "(int64)arg0 == -1" },
	{ "arg1 == -9223372036854775808", "(int64)arg0 == (-9223372036854775807 - 1)" },
	{ "comm == \"bash\" && pid == 3", "(comm == \"bash\") && ((int64)pid == 3)" },
	{ "!arg1 || !(tid == 2)", "!((int64)arg0) || !((int64)tid == 2)" },
	{ "ret < 0 && uid == 0", "((int64)retval < 0) && ((int64)uid == 0)", true },
	{ "comm != \"a\\\"b\"", "comm != \"a\\\"b\"" },
	/* 0/1 results are cast: bpftrace types them unsigned */
	{ "(arg1 == 1) < arg2", "(int64)((int64)arg0 == 1) < (int64)arg1" },
	{ "arg1 & !arg2", "(int64)arg0 & (int64)(!((int64)arg1))" },
	{ "(comm == \"x\") | 2 == 3", "((int64)(comm == \"x\") | 2) == 3" },
};

static void test_bpftrace_translation(void **state)
{
	struct nx_err err = { 0 };
	char buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bts) / sizeof(bts[0]); i++) {
		struct nx_trigger *t = parse_ok(bts[i].text, bts[i].uret ? &uretprobe : &uprobe);
		int n = nx_trigger_to_bpftrace(t, buf, sizeof(buf), &err);

		if (strcmp(buf, bts[i].bpftrace) != 0)
			fail_msg("'%s' -> '%s', want '%s'", bts[i].text, buf, bts[i].bpftrace);
		assert_int_equal(n, (int)strlen(bts[i].bpftrace));
		nx_trigger_free(t);
	}
	struct nx_trigger *t = parse_ok("cpu > 5", NULL);

	assert_int_equal(nx_trigger_to_bpftrace(t, buf, sizeof(buf), &err), -EINVAL);
	assert_string_equal(err.msg, "health triggers have no bpftrace equivalent");
	nx_trigger_free(t);
}

/* At raw_syscalls:sys_exit the values have other names: the caller's, as given. */
static void test_bpftrace_translation_vars(void **state)
{
	static const struct nx_trigger_ctx sys = { .syscall = 1 };
	static const struct nx_trigger_bpftrace_vars v = {
		.args = { "(int64)$s.1", "(int64)$s.2", "(int64)$s.3", "(int64)$s.4",
			  "(int64)$s.5", "(int64)$s.6" },
		.ret = "args->ret",
	};
	static const struct bt sbts[] = {
		{ "arg3 > 1024", "(int64)$s.3 > 1024" },
		{ "arg1 == 1 || arg1 == 2", "((int64)$s.1 == 1) || ((int64)$s.1 == 2)" },
		{ "ret < 0 && arg6 & 0xff == 3",
		  "(args->ret < 0) && (((int64)$s.6 & 255) == 3)" },
		{ "!ret && comm == \"sh\" && pid != 1",
		  "(!(args->ret) && (comm == \"sh\")) && ((int64)pid != 1)" },
		{ "(ret == 1) < arg2", "(int64)(args->ret == 1) < (int64)$s.2" },
	};
	struct nx_trigger_bpftrace_vars bad = v;
	struct nx_err err = { 0 };
	struct nx_trigger *t;
	char buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof(sbts) / sizeof(sbts[0]); i++) {
		int n;

		t = parse_ok(sbts[i].text, &sys);
		n = nx_trigger_to_bpftrace_vars(t, &v, buf, sizeof(buf), &err);
		if (strcmp(buf, sbts[i].bpftrace) != 0)
			fail_msg("'%s' -> '%s', want '%s'", sbts[i].text, buf, sbts[i].bpftrace);
		assert_int_equal(n, (int)strlen(sbts[i].bpftrace));
		nx_trigger_free(t);
	}
	/* NULL names: the uprobe translation, unchanged */
	for (size_t i = 0; i < sizeof(bts) / sizeof(bts[0]); i++) {
		t = parse_ok(bts[i].text, bts[i].uret ? &uretprobe : &uprobe);
		nx_trigger_to_bpftrace_vars(t, NULL, buf, sizeof(buf), &err);
		assert_string_equal(buf, bts[i].bpftrace);
		nx_trigger_free(t);
	}
	/* snprintf contract: cut, NUL-terminated, full length returned */
	t = parse_ok("arg3 > 1024", &sys);
	assert_int_equal(nx_trigger_to_bpftrace_vars(t, &v, buf, 5, &err), 18);
	assert_string_equal(buf, "(int");
	bad.args[4] = NULL;
	assert_int_equal(nx_trigger_to_bpftrace_vars(t, &bad, buf, sizeof(buf), &err), -EINVAL);
	assert_string_equal(err.msg, "no bpftrace name for arg5");
	bad = v;
	bad.ret = NULL;
	assert_int_equal(nx_trigger_to_bpftrace_vars(t, &bad, buf, sizeof(buf), &err), -EINVAL);
	assert_string_equal(err.msg, "no bpftrace name for ret");
	nx_trigger_free(t);
	t = parse_ok("auto arg1", &sys);
	assert_int_equal(nx_trigger_to_bpftrace_vars(t, &v, buf, sizeof(buf), &err), -EINVAL);
	nx_trigger_free(t);
}

static void test_format_truncates_like_snprintf(void **state)
{
	struct nx_trigger *t = parse_ok("arg1 == 1 && comm == \"bash\"", NULL);
	char buf[8];
	struct nx_err err;

	(void)state;
	assert_int_equal(nx_trigger_format(t, buf, sizeof(buf)), 27);
	assert_string_equal(buf, "arg1 ==");
	assert_int_equal(nx_trigger_format(t, NULL, 0), 27);
	/* ((int64)arg0 == 1) && (comm == "bash") */
	assert_int_equal(nx_trigger_to_bpftrace(t, buf, 1, &err), 38);
	assert_string_equal(buf, "");
	nx_trigger_free(t);
}

static void test_program_limits(void **state)
{
	struct nx_trig_prog p;
	struct nx_err err = { 0 };
	char text[1024] = "arg1 == 1";
	struct nx_trigger *t;
	struct nx_trig_input in = { .args = { 1 } };

	(void)state;
	/* 16 terms of 3 instructions and 15 ||: 63 instructions, fits */
	for (int i = 1; i < 16; i++)
		strcat(text, " || arg1 == 1");
	t = parse_ok(text, NULL);
	assert_int_equal(nx_trigger_compile(t, &p, &err), 0);
	assert_int_equal(p.len, 63);
	assert_true(nx_trig_prog_eval(&p, &in));
	nx_trigger_free(t);
	/* a right-leaning tree of 32 leaves: Sethi-Ullman order keeps the stack small */
	strcpy(text, "arg1");
	for (int i = 0; i < 31; i++) {
		char tmp[1024];

		snprintf(tmp, sizeof(tmp), "arg%d | (%s)", 1 + i % 6, text);
		strcpy(text, tmp);
	}
	t = parse_ok(text, NULL);
	assert_int_equal(nx_trigger_compile(t, &p, &err), 0);
	assert_int_equal(p.len, 63);
	assert_true(nx_trig_prog_eval(&p, &in));
	nx_trigger_free(t);
	/* a balanced tree of 32 leaves needs 6 slots: the most 64 instructions can ask */
	strcpy(text, "arg1 | arg2");
	for (int i = 0; i < 4; i++) {
		char tmp[1024];

		snprintf(tmp, sizeof(tmp), "(%s) & (%s)", text, text);
		strcpy(text, tmp);
	}
	t = parse_ok(text, NULL);
	assert_int_equal(nx_trigger_compile(t, &p, &err), 0);
	assert_int_equal(p.len, 63);
	assert_true(nx_trig_prog_eval(&p, &in));
	in.args[0] = 0;
	assert_false(nx_trig_prog_eval(&p, &in));
	nx_trigger_free(t);
	/* unused instructions are zero; an empty or malformed program is false */
	assert_int_equal(p.insns[63].op, 0);
	memset(&p, 0, sizeof(p));
	assert_false(nx_trig_prog_eval(&p, &in));
	p.len = 1;
	p.insns[0].op = 200;
	assert_false(nx_trig_prog_eval(&p, &in));
}

/* Thousands of random triggers, each over random inputs: tree == program,
 * and the canonical text parses back to a trigger that agrees too. */
static void test_differential_tree_vs_program(void **state)
{
	struct trig_rng rng = { 0x6e657875735f7472ULL };
	unsigned parsed = 0, too_long = 0, chains = 0, long_progs = 0, holds_n = 0, evals = 0;
	char text[4096], canon[4096], canon2[4096];

	(void)state;
	for (int k = 0; k < 20000; k++) {
		bool uret = trig_below(&rng, 4) == 0;
		const struct nx_trigger_ctx *ctx = uret ? &uretprobe : &uprobe;
		struct nx_err err = { 0 };
		struct nx_trig_prog p, p2;
		struct nx_trigger *t, *t2;

		trig_gen_text(&rng, text, sizeof(text), uret);
		t = nx_trigger_parse(text, ctx, NULL, &err);
		if (!t) {
			if (strstr(err.msg, "chained comparison")) {
				chains++;
				continue;
			}
			if (!strstr(err.msg, "expression too long"))
				fail_msg("generated '%s' refused: %s", text, err.msg);
			too_long++;
			continue;
		}
		parsed++;
		assert_int_equal(nx_trigger_compile(t, &p, &err), 0);
		long_progs += p.len >= 48;
		nx_trigger_format(t, canon, sizeof(canon));
		t2 = nx_trigger_parse(canon, ctx, NULL, &err);
		if (!t2)
			fail_msg("canonical '%s' of '%s' refused: %s", canon, text, err.msg);
		nx_trigger_format(t2, canon2, sizeof(canon2));
		assert_string_equal(canon, canon2);
		assert_int_equal(nx_trigger_compile(t2, &p2, &err), 0);
		for (int j = 0; j < 16; j++) {
			struct nx_trig_input in;
			bool a, b, c;

			trig_input(&rng, &in);
			a = nx_trigger_eval_tree(t, &in);
			b = nx_trig_prog_eval(&p, &in);
			c = nx_trig_prog_eval(&p2, &in);
			if (a != b || a != c)
				fail_msg("'%s': tree %d, program %d, canonical program %d",
					 text, a, b, c);
			holds_n += a;
			evals++;
		}
		nx_trigger_free(t2);
		nx_trigger_free(t);
	}
	/* the generator must exercise both outcomes and mostly parse */
	assert_true(parsed > 14000 && too_long > 100 && long_progs > 200);
	assert_true(holds_n > evals / 10 && holds_n < evals - evals / 10);
	print_message("%u triggers (%u of 48+ instructions; refused: %u too long, %u chained "
		      "comparisons), %u evaluations, %u held\n", parsed, long_progs, too_long, chains,
		      evals, holds_n);
}

/* What a program reads beyond args, ret, pid and tid (shared by the probe
 * loader and the replay). */
static void test_program_needs(void **state)
{
	static const struct {
		const char *text;
		uint32_t needs;
	} cases[] = {
		{ "arg1 == 3 && pid > 1", 0 },
		{ "comm == \"sh\"", NX_UP_NEED_COMM },
		{ "uid == 0", NX_UP_NEED_UID },
		{ "cpu", NX_UP_NEED_HEALTH },
		{ "disk > 50", NX_UP_NEED_HEALTH },
		{ "uid != 0 && comm == \"a\"", NX_UP_NEED_UID | NX_UP_NEED_COMM },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nx_trigger *t = parse_ok(cases[i].text, NULL);
		struct nx_trig_prog p;
		struct nx_err err = { 0 };

		assert_int_equal(nx_trigger_compile(t, &p, &err), 0);
		if (nx_trig_prog_needs(&p) != cases[i].needs)
			fail_msg("%s: needs 0x%x, want 0x%x", cases[i].text, nx_trig_prog_needs(&p),
				 cases[i].needs);
		nx_trigger_free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_triggers_have_their_canonical_form),
		cmocka_unit_test(test_bad_triggers_give_column_and_message),
		cmocka_unit_test(test_overlong_text_is_refused_before_lexing),
		cmocka_unit_test(test_semantics_on_edge_values),
		cmocka_unit_test(test_ret_pid_tid_uid),
		cmocka_unit_test(test_comm_matches_up_to_its_nul),
		cmocka_unit_test(test_health_triggers),
		cmocka_unit_test(test_auto_triggers),
		cmocka_unit_test(test_bpftrace_translation),
		cmocka_unit_test(test_bpftrace_translation_vars),
		cmocka_unit_test(test_format_truncates_like_snprintf),
		cmocka_unit_test(test_program_limits),
		cmocka_unit_test(test_program_needs),
		cmocka_unit_test(test_differential_tree_vs_program),
	};

	return cmocka_run_group_tests_name("trigger", tests, NULL, NULL);
}
