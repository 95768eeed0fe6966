/* tests/unit/test_sysfmt.c: syscall arguments printed as strace prints them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <linux/types.h>
#include <string.h>
#include <sys/syscall.h>

#include "analyze/syscalls.h"
#include "analyze/sysfmt.h"
#include "bpf/events.h"
#include "bpf/payload.h"

static const char *quote(struct nx_json_buf *b, const char *s, size_t n, bool cut)
{
	nx_json_reset(b);
	nx_sysfmt_quote(b, s, n, cut);
	return nx_json_cstr(b);
}

static void test_strings_are_quoted_like_strace(void **state)
{
	struct nx_json_buf b = { 0 };

	(void)state;
	assert_string_equal(quote(&b, "/etc/passwd", 11, false), "\"/etc/passwd\"");
	assert_string_equal(quote(&b, "a\"b\\c", 5, false), "\"a\\\"b\\\\c\"");
	assert_string_equal(quote(&b, "\n\t\r\f\v", 5, false), "\"\\n\\t\\r\\f\\v\"");
	/* octal, shortest unless a digit follows */
	assert_string_equal(quote(&b, "\x01z\xff\xfe", 4, false), "\"\\1z\\377\\376\"");
	assert_string_equal(quote(&b, "\x01" "1\x00" "7\x00x", 6, false), "\"\\0011\\0007\\0x\"");
	assert_string_equal(quote(&b, "\x08", 1, false), "\"\\10\"");
	assert_string_equal(quote(&b, "", 0, false), "\"\"");
	assert_string_equal(quote(&b, "abc", 3, true), "\"abc\"...");
	nx_json_release(&b);
}

static void test_flag_words(void **state)
{
	struct nx_json_buf b = { 0 };

	(void)state;
	nx_sysfmt_open_flags(&b, 0);
	nx_json_putc(&b, ' ');
	nx_sysfmt_open_flags(&b, 02000000);
	nx_json_putc(&b, ' ');
	nx_sysfmt_open_flags(&b, 01 | 0100 | 01000 | 02000000);
	nx_json_putc(&b, ' ');
	nx_sysfmt_open_flags(&b, 02 | 020200000);
	nx_json_putc(&b, ' ');
	nx_sysfmt_open_flags(&b, 04010000 | 0x40000000);
	nx_json_putc(&b, ' ');
	nx_sysfmt_at_flags(&b, 0);
	nx_json_putc(&b, ' ');
	nx_sysfmt_at_flags(&b, 0x200);
	nx_json_putc(&b, ' ');
	nx_sysfmt_at_flags(&b, 0x1100 | 0x2);
	assert_string_equal(nx_json_cstr(&b),
			    "O_RDONLY O_RDONLY|O_CLOEXEC O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC "
			    "O_RDWR|O_TMPFILE O_RDONLY|O_SYNC|0x40000000 0 AT_REMOVEDIR "
			    "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH|0x2");
	nx_json_release(&b);
}

static struct nxr_event sys(uint32_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	struct nxr_event e = { .kind = NX_KIND_SYSCALL, .pid = 7, .tid = 7, .ts_ns = 100 };

	e.syscall.nr = nr;
	e.syscall.arg1 = a1;
	e.syscall.arg2 = a2;
	e.syscall.arg3 = a3;
	e.syscall.arg4 = a4;
	return e;
}

static void add(struct nx_payset *s, uint32_t arg, uint32_t type, const char *data, uint32_t len,
		uint32_t full, uint32_t flags)
{
	struct nxr_event *e = &s->ev[s->n++];

	memset(e, 0, sizeof(*e));
	e->kind = NX_KIND_PAYLOAD;
	e->payload.arg = arg;
	e->payload.type = type;
	e->payload.data.ptr = data;
	e->payload.data.len = len;
	e->payload.full_len = full;
	e->payload.flags = flags;
}

static const char *args(struct nx_json_buf *b, struct nxr_event e, const struct nx_payset *s)
{
	nx_json_reset(b);
	if (!nx_sysfmt_args(b, &e, s))
		return NULL;
	return nx_json_cstr(b);
}

static void test_arguments_with_and_without_payloads(void **state)
{
	struct nx_json_buf b = { 0 };
	struct nx_payset s = { 0 };

	(void)state;
	add(&s, 2, NX_PAYLOAD_PATH, "/etc/passwd", 11, 11, 0);
	assert_string_equal(args(&b, sys(257, 0xffffff9cu, 0x7ffd, 0x80000, 0), &s),
			    "(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC)");
	assert_string_equal(args(&b, sys(257, 0xffffff9cu, 0x7ffd, 0x80000, 0), NULL),
			    "(AT_FDCWD, 0x7ffd, O_RDONLY|O_CLOEXEC)");
	assert_string_equal(args(&b, sys(257, 3, 0x7ffd, 0101, 0644), &s),
			    "(3, \"/etc/passwd\", O_WRONLY|O_CREAT, 0644)");
	s.n = 0;
	add(&s, 1, NX_PAYLOAD_PATH, "", 0, 0, NX_PAYLOAD_FAULT);
	assert_string_equal(args(&b, sys(2, 1, 0, 0, 0), &s), "(0x1, O_RDONLY)");
	s.n = 0;
	add(&s, 1, NX_PAYLOAD_PATH, "a", 1, 1, 0);
	add(&s, 2, NX_PAYLOAD_PATH, "bcd", 3, 9, NX_PAYLOAD_TRUNCATED);
	assert_string_equal(args(&b, sys(82, 1, 2, 0, 0), &s), "(\"a\", \"bcd\"...)");
	assert_string_equal(args(&b, sys(263, 0xffffff9cu, 2, 0x200, 0), &s),
			    "(AT_FDCWD, \"bcd\"..., AT_REMOVEDIR)");
	s.n = 0;
	add(&s, 2, NX_PAYLOAD_BUF, "hi\n\0", 4, 10, NX_PAYLOAD_TRUNCATED);
	assert_string_equal(args(&b, sys(1, 1, 0x1000, 10, 0), &s), "(1, \"hi\\n\\0\"..., 10)");
	s.n = 0;
	add(&s, 1, NX_PAYLOAD_PATH, "/bin/true", 9, 9, 0);
	add(&s, 2, NX_PAYLOAD_ARGV, "true\0-x\0", 8, 2, 0);
	assert_string_equal(args(&b, sys(59, 1, 2, 0x7ff0, 0), &s),
			    "(\"/bin/true\", [\"true\", \"-x\"], 0x7ff0)");
	s.ev[1].payload.data.len = 7;		/* "-x" cut: no NUL after it */
	s.ev[1].payload.full_len = 5;
	s.ev[1].payload.flags = NX_PAYLOAD_TRUNCATED;
	assert_string_equal(args(&b, sys(59, 1, 2, 0, 0), &s),
			    "(\"/bin/true\", [\"true\", \"-x\"..., ...], NULL)");
	assert_string_equal(args(&b, sys(21, 1, 6, 0, 0), NULL), "(0x1, R_OK|W_OK)");
	assert_string_equal(args(&b, sys(21, 0, 0, 0, 0), NULL), "(NULL, F_OK)");
	assert_null(args(&b, sys(35, 1, 2, 3, 4), NULL));	/* nanosleep: no decoder */
	nx_json_release(&b);
}

/* NX_SYS_IA32 | i386 number: the x86-64 namesake's decoder, never the decoder
 * of the x86-64 syscall with that number. */
static void test_ia32_syscalls_decode_as_their_namesakes(void **state)
{
	struct nx_json_buf b = { 0 };
	struct nx_payset s = { 0 };

	(void)state;
	add(&s, 2, NX_PAYLOAD_PATH, "/dev/null", 9, 9, 0);
	assert_string_equal(args(&b, sys(NX_SYS_IA32 | 295, 0xffffff9cu, 0x804a010, 0, 0), &s),
			    "(AT_FDCWD, \"/dev/null\", O_RDONLY)");		/* openat */
	s.n = 0;
	add(&s, 2, NX_PAYLOAD_BUF, "hi\n", 3, 3, 0);
	assert_string_equal(args(&b, sys(NX_SYS_IA32 | 4, 1, 0x804a000, 3, 0), &s),
			    "(1, \"hi\\n\", 3)");				/* write */
	assert_string_equal(args(&b, sys(NX_SYS_IA32 | 6, 3, 0, 0, 0), NULL), "(3)");	/* close */
	/* truncate's length is a 32-bit long: -1 stays -1 */
	assert_string_equal(args(&b, sys(NX_SYS_IA32 | 92, 0x804a000, 0xffffffffu, 0, 0), NULL),
			    "(0x804a000, -1)");
	/* i386 3 is read, x86-64 3 close; i386 5 open, x86-64 5 fstat */
	assert_string_equal(args(&b, sys(NX_SYS_IA32 | 3, 0, 0x1000, 8, 0), NULL),
			    "(0, 0x1000, 8)");
	assert_string_equal(args(&b, sys(NX_SYS_IA32 | 5, 0, 0, 0, 0), NULL), "(NULL, O_RDONLY)");
	assert_null(args(&b, sys(NX_SYS_IA32 | 192, 0, 4096, 3, 34), NULL));	/* mmap2: i386 only */
	assert_null(args(&b, sys(NX_SYS_IA32 | 180, 3, 0x1000, 8, 0), NULL));	/* pread64: split offset */
	nx_json_release(&b);
}

/* An iovec payload's data: per iovec u32 iov_len, u32 n, n bytes (little-endian). */
static uint32_t iov_data(char *out, const uint32_t *lens, const char *const *bytes, unsigned k)
{
	uint32_t off = 0;

	for (unsigned i = 0; i < k; i++) {
		uint32_t n = (uint32_t)strlen(bytes[i]);

		memcpy(out + off, &lens[i], 4);
		memcpy(out + off + 4, &n, 4);
		memcpy(out + off + 8, bytes[i], n);
		off += 8 + n;
	}
	return off;
}

/* readv, writev, sendmsg ... print their iovecs as strace does; a read's
 * bytes end at its return value, so only an iovec the limit cut gets "...". */
static void test_iovec_payloads(void **state)
{
	static const uint32_t wl[] = { 6, 9, 6 }, rl[] = { 3, 100 }, ml[] = { 4, 32 };
	static const char *const wb[] = { "hello ", "ve", "" }, *const rb[] = { "ZAB", "CD\n" };
	static const char *const mb[] = { "ping", " p" };
	struct nx_json_buf b = { 0 };
	struct nx_payset s = { 0 };
	struct nxr_event e;
	char d[256];
	uint32_t n;

	(void)state;
	n = iov_data(d, wl, wb, 3);		/* writev cut at 8 bytes */
	add(&s, 2, NX_PAYLOAD_IOV, d, n, 21, NX_PAYLOAD_TRUNCATED);
	e = sys(20, 3, 0x7ff0, 3, 0);
	e.syscall.ret = 21;
	assert_string_equal(args(&b, e, &s),
			    "(3, [{iov_base=\"hello \", iov_len=6}, {iov_base=\"ve\"..., iov_len=9}, "
			    "{iov_base=\"\"..., iov_len=6}], 3)");
	e = sys(20, 3, 0x7ff0, 5, 0);		/* 5 iovecs, 3 described */
	e.syscall.ret = 21;
	assert_string_equal(args(&b, e, &s),
			    "(3, [{iov_base=\"hello \", iov_len=6}, {iov_base=\"ve\"..., iov_len=9}, "
			    "{iov_base=\"\"..., iov_len=6}, ...], 5)");
	s.n = 0;
	n = iov_data(d, rl, rb, 2);		/* readv = 6: the 100-byte iovec got 3 */
	add(&s, 2, NX_PAYLOAD_IOV, d, n, 6, 0);
	e = sys(19, 3, 0x7ff0, 2, 0);
	e.syscall.ret = 6;
	assert_string_equal(args(&b, e, &s),
			    "(3, [{iov_base=\"ZAB\", iov_len=3}, {iov_base=\"CD\\n\", iov_len=100}], 2)");
	e.syscall.ret = 9;			/* 3 more returned than kept: cut */
	assert_string_equal(args(&b, e, &s),
			    "(3, [{iov_base=\"ZAB\", iov_len=3}, {iov_base=\"CD\\n\"..., iov_len=100}], 2)");
	s.n = 0;
	n = iov_data(d, ml, mb, 2);		/* recvmsg = 9, cut at 6 */
	add(&s, 2, NX_PAYLOAD_IOV, d, n, 9, NX_PAYLOAD_TRUNCATED);
	e = sys(47, 5, 0x7ff0, 0, 0);
	e.syscall.ret = 9;
	assert_string_equal(args(&b, e, &s),
			    "(5, {msg_iov=[{iov_base=\"ping\", iov_len=4}, {iov_base=\" p\"..., "
			    "iov_len=32}]}, 0)");
	assert_string_equal(args(&b, e, NULL), "(5, 0x7ff0, 0)");	/* no payload */
	s.ev[0].payload.flags = NX_PAYLOAD_FAULT;	/* its msghdr unreadable: the pointer */
	s.ev[0].payload.data.len = 0;
	assert_string_equal(args(&b, e, &s), "(5, 0x7ff0, 0)");
	s.ev[0].payload.flags = NX_PAYLOAD_TRUNCATED;
	s.ev[0].payload.data.len = n - 1;	/* a damaged tail: its bytes end at the data */
	assert_string_equal(args(&b, e, &s),
			    "(5, {msg_iov=[{iov_base=\"ping\", iov_len=4}, {iov_base=\" \"..., "
			    "iov_len=32}]}, 0)");
	s.ev[0].payload.data.len = 11;		/* an entry cut in its head: ends the walk */
	assert_string_equal(args(&b, e, &s),
			    "(5, {msg_iov=[{iov_base=\"pin\"..., iov_len=4}]}, 0)");
	s.ev[0].payload.nr = 47;
	nx_json_reset(&b);
	nx_sysfmt_payload(&b, &s.ev[0]);
	assert_string_equal(nx_json_cstr(&b),
			    "payload recvmsg arg2 iov [{iov_base=\"pin\"..., iov_len=4}] (9 bytes)");
	nx_json_release(&b);
}

static void test_payload_alone(void **state)
{
	struct nx_json_buf b = { 0 };
	struct nx_payset s = { 0 };

	(void)state;
	add(&s, 2, NX_PAYLOAD_PATH, "abc", 3, 40, NX_PAYLOAD_TRUNCATED);
	s.ev[0].payload.nr = 257;
	nx_sysfmt_payload(&b, &s.ev[0]);
	assert_string_equal(nx_json_cstr(&b), "payload openat arg2 path \"abc\"... (40 bytes)");
	nx_json_reset(&b);
	s.ev[0].payload.flags = NX_PAYLOAD_FAULT;
	s.ev[0].payload.data.len = 0;
	nx_sysfmt_payload(&b, &s.ev[0]);
	assert_string_equal(nx_json_cstr(&b), "payload openat arg2 path \"\" fault");
	nx_json_release(&b);
}

/* The payload table's numbers are the kernel's: each name maps to its number. */
static void test_payload_table_numbers(void **state)
{
	unsigned n = 0;

	(void)state;
#define CHECK(name, nr, ...)						\
	do {								\
		assert_int_equal(nx_syscall_number(#name), nr);		\
		n++;							\
	} while (0);
	NX_PATH_SYSCALLS(CHECK)
	NX_EXEC_SYSCALLS(CHECK)
	NX_BUF_SYSCALLS(CHECK)
#undef CHECK
	assert_true(n >= 60);
	assert_int_equal(SYS_openat, 257);
	assert_int_equal(SYS_renameat2, 316);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings_are_quoted_like_strace),
		cmocka_unit_test(test_flag_words),
		cmocka_unit_test(test_arguments_with_and_without_payloads),
		cmocka_unit_test(test_ia32_syscalls_decode_as_their_namesakes),
		cmocka_unit_test(test_iovec_payloads),
		cmocka_unit_test(test_payload_alone),
		cmocka_unit_test(test_payload_table_numbers),
	};

	return cmocka_run_group_tests_name("sysfmt", tests, NULL, NULL);
}
