/* tests/unit/test_fmtev.c: event text and JSON (fmtev.h), escaping (json.h), comm tracking (proctab.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/fmtev.h"
#include "analyze/json.h"
#include "analyze/proctab.h"
#include "format/reader.h"
#include "tests/unit/toolfx.h"

/* Every line of the basic recording, as nexus-dump prints it. */
static char *dump_basic(bool json)
{
	struct nx_json_buf b = { 0 };
	struct nx_err err = { 0 };
	struct nxr_reader *r;
	struct nx_proctab *t = nx_proctab_new();
	struct nx_fmtev_opts o = { 0 };
	struct nxr_event ev;
	uint8_t *rec;
	size_t len;
	uint64_t id = 0;
	char *out;

	rec = toolfx_build("basic", 0, 0, 1, &len, &err);
	assert_non_null(rec);
	r = nxr_reader_open_mem(rec, len, NULL, &err);
	assert_non_null(r);
	o.t0_ns = TOOLFX_T0;
	o.meta = nxr_reader_meta(r);
	while (nxr_reader_next(r, &ev, &err) > 0) {
		nx_proctab_observe(t, &ev, NULL);
		if (json)
			nx_fmtev_json(&b, &ev, id++, nx_proctab_find(t, ev.pid), &o);
		else
			nx_fmtev_text(&b, &ev, nx_proctab_find(t, ev.pid), &o);
		nx_json_putc(&b, '\n');
	}
	out = strdup(nx_json_cstr(&b));
	nx_json_release(&b);
	nxr_reader_close(r);
	nx_proctab_free(t);
	free(rec);
	return out;
}

static void test_text_lines_are_strace_like(void **state)
{
	static const char *const want[] = {
		"0.000000 sh 100/100 exec \"/bin/sh\" comm \"sh\" ppid 1 uid 1000\n",
		"0.001000 sh 100/100 getpid(0, 0, 0, 0, 0, 0) = 100 <0.000002>\n",
		"0.003000 sh 100/100 fork child 101/101 comm \"sh\"\n",
		"0.004000 sh 101/101 getppid(0, 0, 0, 0, 0, 0) = 100 <0.000002>\n",
		"0.006000 ls 101/101 openat(AT_FDCWD, 0x7ffd0000, O_RDONLY|O_CLOEXEC) = -1 ENOENT "
		"(No such file or directory) <0.000002>\n",
		"0.008000 ls 101/101 clone thread 101/102 comm \"ls\"\n",
		"0.010000 ls 101/101 call ioctl(0x3, 0x541c, 0x7ffd0400, 0, 0, 0) probe 1 triggers "
		"0x1 data \"tty\\n\"\n",
		"0.011000 ls 101/101 return ioctl = 0 probe 2\n",	/* an older recording: no mask */
		"0.012000 [LOST 5 events, cpu 1, ringbuf]\n",
		"0.013000 health cpu 12.34% disk 0.50%\n",
		"0.014000 [FILTERED 7 events, probe 1]\n",
		"0.016000 ev/../il\\n 101/101 exec \"/tmp/evil\" comm \"ev/../il\\n\" ppid 100 uid "
		"1000\n",
		"0.018000 ev/../il\\n 101/101 exit code 0 group\n",
		"0.020000 sh 100/100 exit code 1 group\n",
		"0.021000 ? 200/200 getpid(0, 0, 0, 0, 0, 0) = 200 <0.000002>\n",
		"0.022000 sh 100/100 nanosleep(0x7ffd0600, 0, 0, 0, 0, 0) = ?\n",
	};
	char *s = dump_basic(false);
	unsigned lines = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(s, want[i]))
			fail_msg("missing line: %s\nin:\n%s", want[i], s);
	for (const char *p = s; *p; p++) {
		lines += *p == '\n';
		/* never a control byte but the newlines */
		assert_true(*p == '\n' || ((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f));
	}
	assert_int_equal(lines, TOOLFX_BASIC_EVENTS);
	free(s);
}

static void test_json_lines_carry_the_common_fields_and_payload(void **state)
{
	char *s = dump_basic(true);

	(void)state;
	assert_non_null(strstr(s, "{\"event_id\":4,\"event_type\":\"syscall\",\"timestamp_ns\":"
				  "1004000000,\"pid\":101,\"tid\":101,\"ppid\":100,\"comm\":\"sh\","
				  "\"payload\":{\"arg1\":0,\"arg2\":0,\"arg3\":0,\"arg4\":0,\"arg5\":0,"
				  "\"arg6\":0,\"ret\":100,\"dur_ns\":2000,\"nr\":110,\"flags\":1,"
				  "\"name\":\"getppid\"}}\n"));
	assert_non_null(strstr(s, "\"comm\":\"ev/../il\\n\""));
	assert_non_null(strstr(s, "\"event_type\":\"loss\",\"timestamp_ns\":1012000000,\"pid\":0,"
				  "\"tid\":0,\"ppid\":null,\"comm\":null,\"payload\":{\"count\":5,"));
	assert_non_null(strstr(s, "\"ret\":-2,"));
	assert_non_null(strstr(s, "\"function\":\"ioctl\"}}"));
	assert_non_null(strstr(s, "\"event_id\":21,\"event_type\":\"syscall\",\"timestamp_ns\":"
				  "1021000000,\"pid\":200,\"tid\":200,\"ppid\":null,\"comm\":null"));
	free(s);
}

static void test_json_strings_are_always_valid(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
		{ "plain", 5, "\"plain\"" },
		{ "q\"b\\", 4, "\"q\\\"b\\\\\"" },
		{ "\n\t\r\x01\x1f\x7f", 6, "\"\\n\\t\\r\\u0001\\u001f\\u007f\"" },
		{ "a\0b", 3, "\"a\\u0000b\"" },
		{ "\xc3\xa9", 2, "\"\xc3\xa9\"" },		/* valid UTF-8 passes */
		{ "\xff\xc3", 2, "\"\\u00ff\\u00c3\"" },	/* invalid: byte by byte */
		{ "\xed\xa0\x80", 3, "\"\\u00ed\\u00a0\\u0080\"" },	/* surrogate */
		{ "\xe2\x82\xac!", 4, "\"\xe2\x82\xac!\"" },
		{ "", 0, "\"\"" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nx_json_buf b = { 0 };

		nx_json_str(&b, cases[i].in, cases[i].len);
		assert_string_equal(nx_json_cstr(&b), cases[i].out);
		nx_json_release(&b);
	}
}

static void test_c_escapes_leave_no_control_byte(void **state)
{
	struct nx_json_buf b = { 0 };

	(void)state;
	nx_json_cesc(&b, "a\nb\x1b[31m\"\\\0\xff", 12);
	assert_string_equal(nx_json_cstr(&b), "a\\nb\\x1b[31m\\\"\\\\\\0\\xff");
	nx_json_release(&b);
}

static void test_numbers(void **state)
{
	struct nx_json_buf b = { 0 };

	(void)state;
	nx_json_u64(&b, UINT64_MAX);
	nx_json_putc(&b, ' ');
	nx_json_s64(&b, INT64_MIN);
	nx_json_putc(&b, ' ');
	nx_json_hex(&b, 0);
	nx_json_putc(&b, ' ');
	nx_json_hex(&b, 0xdeadbeefull);
	assert_string_equal(nx_json_cstr(&b), "18446744073709551615 -9223372036854775808 0 "
					      "0xdeadbeef");
	nx_json_release(&b);
}

static void test_proctab_follows_exec_and_fork(void **state)
{
	struct nx_proctab *t = nx_proctab_new();
	struct nxr_event ev = { .kind = NX_KIND_EXEC, .pid = 9, .tid = 9 };
	struct nx_proc *p;
	char longc[40];

	(void)state;
	assert_null(nx_proctab_find(t, 9));
	ev.exec.comm = (struct nxr_str){ "bash", 4 };
	ev.exec.ppid = 1;
	p = nx_proctab_observe(t, &ev, NULL);
	assert_non_null(p);
	assert_string_equal(p->comm, "bash");
	ev = (struct nxr_event){ .kind = NX_KIND_FORK, .pid = 9, .tid = 9 };
	ev.fork.child_pid = 10;
	ev.fork.child_tid = 10;
	ev.fork.comm = (struct nxr_str){ "bash", 4 };
	p = nx_proctab_observe(t, &ev, NULL);
	assert_int_equal(p->pid, 10);
	assert_int_equal(p->ppid, 9);
	/* a thread is no new process */
	ev.fork.flags = NX_FORK_THREAD;
	ev.fork.child_tid = 11;
	assert_null(nx_proctab_observe(t, &ev, NULL));
	assert_null(nx_proctab_find(t, 11));
	/* a hostile comm is cut to 16 bytes and at a NUL */
	memset(longc, 'x', sizeof(longc));
	ev = (struct nxr_event){ .kind = NX_KIND_EXEC, .pid = 9, .tid = 9 };
	ev.exec.comm = (struct nxr_str){ longc, sizeof(longc) };
	p = nx_proctab_observe(t, &ev, NULL);
	assert_int_equal(p->comm_len, NX_PROC_COMM_MAX);
	ev.exec.comm = (struct nxr_str){ "ab\0cd", 5 };
	p = nx_proctab_observe(t, &ev, NULL);
	assert_string_equal(p->comm, "ab");
	/* many pids: the table grows and keeps them all */
	for (uint32_t pid = 100; pid < 20100; pid++)
		assert_non_null(nx_proctab_get(t, pid));
	assert_int_equal(nx_proctab_count(t), 20002);
	assert_string_equal(nx_proctab_find(t, 10)->comm, "bash");
	assert_string_equal(nx_proctab_find(t, 20099)->comm, NX_PROC_UNKNOWN_COMM);
	nx_proctab_free(t);
}

/* A syscall line with its payloads, a payload alone, a syscall filter's line. */
static void test_payloads_and_syscall_filters(void **state)
{
	struct nx_fmtev_opts o = { .t0_ns = 1000 };
	struct nxr_event sys = { .kind = NX_KIND_SYSCALL, .pid = 9, .tid = 9, .ts_ns = 2000 };
	struct nxr_event f = { .kind = NX_KIND_FILTER, .ts_ns = 3000 };
	struct nx_json_buf b = { 0 };
	struct nx_payset set = { 0 };
	struct nxr_event *p = &set.ev[set.n++];

	(void)state;
	p->kind = NX_KIND_PAYLOAD;
	p->pid = p->tid = 9;
	p->ts_ns = 2000;
	p->payload.nr = 87;
	p->payload.arg = 1;
	p->payload.type = NX_PAYLOAD_PATH;
	p->payload.data.ptr = "a\tb";
	p->payload.data.len = 3;
	p->payload.full_len = 3;
	sys.syscall.nr = 87;			/* unlink */
	sys.syscall.arg1 = 0x7ffd;
	sys.syscall.ret = -2;
	sys.syscall.dur_ns = 1000;
	sys.syscall.flags = NX_SYS_EXITED;
	nx_fmtev_text_pay(&b, &sys, NULL, &o, &set);
	nx_json_putc(&b, '\n');
	nx_fmtev_text(&b, &sys, NULL, &o);	/* without its payload: the pointer */
	nx_json_putc(&b, '\n');
	nx_fmtev_text(&b, p, NULL, &o);
	nx_json_putc(&b, '\n');
	f.filter.count = 4;
	f.filter.probe = NX_FILTER_PROBE_SYSCALL | 257;
	nx_fmtev_text(&b, &f, NULL, &o);
	assert_string_equal(nx_json_cstr(&b),
			    "0.000001 ? 9/9 unlink(\"a\\tb\") = -1 ENOENT (No such file or directory) "
			    "<0.000001>\n"
			    "0.000001 ? 9/9 unlink(0x7ffd) = -1 ENOENT (No such file or directory) "
			    "<0.000001>\n"
			    "0.000001 ? 9/9 payload unlink arg1 path \"a\\tb\"\n"
			    "0.000002 [FILTERED 4 events, syscall openat]");
	nx_json_reset(&b);
	nx_fmtev_json(&b, p, 5, NULL, &o);
	assert_non_null(strstr(nx_json_cstr(&b), "\"event_type\":\"payload\""));
	assert_non_null(strstr(nx_json_cstr(&b), "\"data\":\"a\\tb\",\"name\":\"unlink\"}}"));
	nx_json_release(&b);
}

/* A recording whose header says returns carry their mask shows it, as calls do. */
static void test_return_masks_when_recorded(void **state)
{
	static const struct nxr_kv kv[] = { { NX_META_RETURN_TRIGGERS, "1" } };
	const struct nxr_meta meta = { .kv = kv, .nkv = 1 };
	struct nx_fmtev_opts o = { .meta = &meta };
	struct nxr_event ev = { .kind = NX_KIND_RETURN, .pid = 7, .tid = 7, .ts_ns = 5000000 };
	struct nx_json_buf b = { 0 };

	(void)state;
	ev.uret.ret = -5;
	ev.uret.probe = 2;
	ev.uret.triggers = 0x3;
	nx_fmtev_text(&b, &ev, NULL, &o);
	assert_non_null(strstr(nx_json_cstr(&b), "= -5 probe 2 triggers 0x3"));
	nx_json_reset(&b);
	o.meta = NULL;			/* nothing says so: no mask shown */
	nx_fmtev_text(&b, &ev, NULL, &o);
	assert_null(strstr(nx_json_cstr(&b), "triggers"));
	nx_json_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_lines_are_strace_like),
		cmocka_unit_test(test_json_lines_carry_the_common_fields_and_payload),
		cmocka_unit_test(test_json_strings_are_always_valid),
		cmocka_unit_test(test_c_escapes_leave_no_control_byte),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_proctab_follows_exec_and_fork),
		cmocka_unit_test(test_payloads_and_syscall_filters),
		cmocka_unit_test(test_return_masks_when_recorded),
	};

	return cmocka_run_group_tests_name("fmtev", tests, NULL, NULL);
}
