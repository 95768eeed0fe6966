/* tests/unit/test_printfmt.c: BCC-style print formats (analyze/printfmt.h): parse, render, the header's table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/fmtev.h"
#include "analyze/printfmt.h"
#include "analyze/syscalls.h"
#include "bpf/trigger.h"

#define ALL (NX_PRINTFMT_ARGS | NX_PRINTFMT_RET | NX_PRINTFMT_STR)

static char *render(const char *text, uint32_t allow, const struct nx_printfmt_in *in)
{
	struct nx_printfmt pf;
	struct nx_json_buf b = { 0 };
	struct nx_err err = { 0 };
	char *out;

	if (nx_printfmt_parse(&pf, text, allow, NULL, &err) < 0)
		fail_msg("%s: %s", text, err.msg);
	nx_printfmt_render(&pf, in, &b);
	out = strndup(b.p ? b.p : "", b.len);
	nx_json_release(&b);
	nx_printfmt_release(&pf);
	return out;
}

static void test_conversions_render_like_c(void **state)
{
	static const struct {
		const char *fmt;
		uint64_t a1, a2, ret;
		const char *want;
	} cases[] = {
		{ "\"read %d bytes\", arg1", 2048, 0, 0, "read 2048 bytes" },
		{ "\"%d %u %i\", arg1, arg1, arg1", 0xffffffffull, 0, 0, "-1 4294967295 -1" },
		{ "\"%ld %lu %lld\", arg1, arg1, arg1", (uint64_t)-1, 0, 0,
		  "-1 18446744073709551615 -1" },
		{ "\"%x %#x %08X %-4x|\", arg1, arg1, arg1, arg1", 255, 0, 0, "ff 0xff 000000FF ff  |" },
		{ "\"%lx %x\", arg1, arg1", 0x123456789ull, 0, 0, "123456789 23456789" },
		{ "\"%p %o\", arg2, arg1", 8, 0x7ffd1000, 0, "0x7ffd1000 10" },
		{ "\"%c%c\", arg1, arg2", 'o', 'k', 0, "ok" },
		{ "\"100%% done: %d\", ret", 0, 0, (uint64_t)-5, "100% done: -5" },
		{ "\"%d\", retval", 0, 0, 7, "7" },
		{ "\"no values\"", 0, 0, 0, "no values" },
		{ "  \"tab\\there\"  ", 0, 0, 0, "tab\\there" },
		{ "\"%s\", arg1", 0x10, 0, 0, "0x10" },	/* nothing captured: the pointer */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nx_printfmt_in in = { .vals = { cases[i].a1, cases[i].a2 } };
		char *got;

		in.vals[NX_TRIG_VAR_RET] = cases[i].ret;
		got = render(cases[i].fmt, ALL, &in);
		if (strcmp(got, cases[i].want))
			fail_msg("%s: got '%s', want '%s'", cases[i].fmt, got, cases[i].want);
		free(got);
	}
}

static void test_captured_string_is_escaped(void **state)
{
	struct nx_printfmt_in in = { .vals = { 1, 0x7ffd } };
	char *got;

	(void)state;
	in.str[1] = "tty\n\x01";
	in.str_len[1] = 5;
	got = render("\"open %s on %d\", arg2, arg1", ALL, &in);
	assert_string_equal(got, "open tty\\n\\x01 on 1");
	free(got);
}

static void test_bad_formats_point_at_the_fault(void **state)
{
	static const struct {
		const char *fmt;
		uint32_t allow, col;
		const char *msg;
	} cases[] = {
		{ "read %d", ALL, 1, "expected a double-quoted format string" },
		{ "\"abc", ALL, 5, "unterminated format string (opened at column 1)" },
		{ "\"%q\", arg1", ALL, 2, "unknown conversion '%q'" },
		{ "\"%n\", arg1", ALL, 2, "unknown conversion '%n'" },
		{ "\"%d\"", ALL, 5, "1 conversions but 0 values" },
		{ "\"%d\", arg1, arg2", ALL, 13, "more values than conversions (1)" },
		{ "\"%d\" arg1", ALL, 6, "expected ',' and a value" },
		{ "\"%d\", arg7", ALL, 7, "unknown value 'arg7'" },
		{ "\"%d\", ", ALL, 7, "expected a value" },
		{ "\"%d\", ret", NX_PRINTFMT_ARGS, 7, "'ret' is only known at return" },
		{ "\"%d\", arg1", NX_PRINTFMT_RET, 7, "'arg1' is gone at return" },
		{ "\"x %s\", ret", ALL, 4, "%s needs an argument whose string can be captured, not ret" },
		{ "\"x %s\", arg1", NX_PRINTFMT_ARGS, 4, "%s needs an argument whose string can be captured here" },
		{ "\"\\q\"", ALL, 2, "unknown escape '\\q'" },
		{ "\"%1234d\", arg1", ALL, 2, "width or precision too large" },
		{ "\"%d%d%d%d%d%d%d\", arg1", ALL, 14, "more than 6 conversions" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nx_printfmt pf;
		struct nx_err err = { 0 };
		uint32_t col = 99;
		char want[64];

		if (nx_printfmt_parse(&pf, cases[i].fmt, cases[i].allow, &col, &err) == 0)
			fail_msg("%s: parsed", cases[i].fmt);
		assert_int_equal(err.code, -EINVAL);
		snprintf(want, sizeof(want), "column %u: ", cases[i].col);
		if (col != cases[i].col || strncmp(err.msg, want, strlen(want)) ||
		    !strstr(err.msg, cases[i].msg))
			fail_msg("%s: col %u, '%s'; want col %u, '%s'", cases[i].fmt, col, err.msg,
				 cases[i].col, cases[i].msg);
	}
}

static void test_printtab_reads_the_header(void **state)
{
	const struct nxr_probe probes[] = {
		{ 1, NXR_HOOK_UPROBE, "/lib/libc.so.6", "fopen", "" },
		{ 2, NXR_HOOK_URETPROBE, "/lib/libc.so.6", "malloc", "" },
		{ 3, NXR_HOOK_UPROBE, "/lib/libc.so.6", "ioctl", "" },	/* bad format: none */
	};
	const struct nxr_kv kv[] = {
		{ "print.sys.read", "\"read %d\", arg3" },
		{ "print.sys.nosuchcall", "\"x\"" },
		{ "print.uprobe:/lib/libc.so.6:fopen", "\"open %s mode %s\", arg1, arg2" },
		{ "strings.uprobe:/lib/libc.so.6:fopen", "arg2 arg1" },
		{ "print.uretprobe:/lib/libc.so.6:malloc", "\"got %p\", ret" },
		{ "print.uprobe:/lib/libc.so.6:ioctl", "\"%d\"" },
	};
	struct nxr_meta m = { .probes = probes, .nprobes = 3, .kv = kv, .nkv = 6 };
	struct nx_printtab *t = nx_printtab_new(&m);

	(void)state;
	assert_non_null(t);
	assert_non_null(nx_printtab_sys(t, (uint32_t)nx_syscall_number("read")));
	assert_null(nx_printtab_sys(t, (uint32_t)nx_syscall_number("write")));
	assert_non_null(nx_printtab_probe(t, 1));
	assert_non_null(nx_printtab_probe(t, 2));
	assert_null(nx_printtab_probe(t, 3));
	assert_null(nx_printtab_probe(t, 4));
	assert_int_equal(nx_printtab_str_arg(t, 1, 0), 1);	/* data's first string: arg2 */
	assert_int_equal(nx_printtab_str_arg(t, 1, 1), 0);
	assert_int_equal(nx_printtab_str_arg(t, 1, 2), -1);
	assert_int_equal(nx_printtab_str_arg(t, 2, 0), -1);
	nx_printtab_free(t);
	nx_printtab_free(NULL);
}

static char *line_of(const struct nxr_event *ev, const struct nx_fmtev_opts *o,
		     const struct nx_payset *pay)
{
	struct nx_json_buf b = { 0 };
	char *out;

	nx_fmtev_text_pay(&b, ev, NULL, o, pay);
	out = strndup(b.p, b.len);
	nx_json_release(&b);
	return out;
}

/* %s of a syscall prints the PAYLOAD joined to that call (nx_payjoin's set). */
static void test_syscall_strings_come_from_payloads(void **state)
{
	const struct nxr_kv kv[] = { { "print.sys.openat", "\"open %s flags %x\", arg2, arg3" } };
	struct nxr_meta m = { .kv = kv, .nkv = 1 };
	struct nx_printtab *t = nx_printtab_new(&m);
	struct nx_fmtev_opts o = { .t0_ns = 0, .meta = &m, .prints = t };
	struct nxr_event sys = { .kind = NX_KIND_SYSCALL, .pid = 7, .tid = 7, .ts_ns = 1000 };
	struct nx_payset set = { .n = 1 };
	struct nxr_event *pay = &set.ev[0];
	char *line;

	(void)state;
	assert_non_null(t);
	sys.syscall.nr = (uint32_t)nx_syscall_number("openat");
	sys.syscall.arg2 = 0x7ffd0000;
	sys.syscall.arg3 = 0x80000;
	sys.syscall.flags = 1;
	line = line_of(&sys, &o, NULL);		/* nothing captured: the pointer */
	assert_non_null(strstr(line, "openat: open 0x7ffd0000 flags 80000 = 0"));
	free(line);
	*pay = (struct nxr_event){ .kind = NX_KIND_PAYLOAD, .pid = 7, .tid = 7, .ts_ns = 1000 };
	pay->payload.nr = sys.syscall.nr;
	pay->payload.arg = 2;
	pay->payload.type = NX_PAYLOAD_PATH;
	pay->payload.data = (struct nxr_str){ "/etc/pass\nwd", 12 };
	line = line_of(&sys, &o, &set);
	assert_non_null(strstr(line, "openat: open /etc/pass\\nwd flags 80000 = 0"));
	free(line);
	pay->payload.arg = 7;			/* no such argument: ignored */
	line = line_of(&sys, &o, &set);
	assert_non_null(strstr(line, "open 0x7ffd0000"));
	free(line);
	pay->payload.arg = 2;
	pay->payload.flags = NX_PAYLOAD_FAULT;	/* unreadable: nothing to print */
	line = line_of(&sys, &o, &set);
	assert_non_null(strstr(line, "open 0x7ffd0000"));
	free(line);
	nx_printtab_free(t);
}

/* %s of an iovec argument prints its buffers' bytes one after the other:
 * writev(1, ["ab", "c\n"]) wrote "abc\n". */
static void test_iovec_strings_are_joined(void **state)
{
	const struct nxr_kv kv[] = { { "print.sys.writev", "\"wrote %s\", arg2" } };
	static const char data[] = "\2\0\0\0\2\0\0\0ab\5\0\0\0\2\0\0\0c\n";
	struct nxr_meta m = { .kv = kv, .nkv = 1 };
	struct nx_printtab *t = nx_printtab_new(&m);
	struct nx_fmtev_opts o = { .t0_ns = 0, .meta = &m, .prints = t };
	struct nxr_event sys = { .kind = NX_KIND_SYSCALL, .pid = 7, .tid = 7, .ts_ns = 1000 };
	struct nx_payset set = { .n = 1 };
	struct nxr_event *pay = &set.ev[0];
	char *line;

	(void)state;
	assert_non_null(t);
	sys.syscall.nr = (uint32_t)nx_syscall_number("writev");
	sys.syscall.arg1 = 1;
	sys.syscall.arg2 = 0x7ffd0000;
	sys.syscall.arg3 = 2;
	sys.syscall.ret = 4;
	sys.syscall.flags = 1;
	*pay = (struct nxr_event){ .kind = NX_KIND_PAYLOAD, .pid = 7, .tid = 7, .ts_ns = 1000 };
	pay->payload.nr = sys.syscall.nr;
	pay->payload.arg = 2;
	pay->payload.type = NX_PAYLOAD_IOV;
	pay->payload.data = (struct nxr_str){ data, sizeof(data) - 1 };
	line = line_of(&sys, &o, &set);
	assert_non_null(strstr(line, "writev: wrote abc\\n = 4"));
	free(line);
	pay->payload.data.len -= 3;		/* the second iovec cut short: "ab" */
	line = line_of(&sys, &o, &set);
	assert_non_null(strstr(line, "writev: wrote ab = 4"));
	free(line);
	nx_printtab_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conversions_render_like_c),
		cmocka_unit_test(test_captured_string_is_escaped),
		cmocka_unit_test(test_bad_formats_point_at_the_fault),
		cmocka_unit_test(test_printtab_reads_the_header),
		cmocka_unit_test(test_syscall_strings_come_from_payloads),
		cmocka_unit_test(test_iovec_strings_are_joined),
	};

	return cmocka_run_group_tests_name("printfmt", tests, NULL, NULL);
}
