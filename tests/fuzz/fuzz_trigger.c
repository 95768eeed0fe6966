/*
 * tests/fuzz/fuzz_trigger.c: libFuzzer target for the trigger language.
 *
 * Input: one flags byte, then the trigger text (or, with bit 1, a raw
 * predicate program). Bit 0 picks a uretprobe instead of a uprobe. A text
 * must parse or be refused with one line starting "column C: " and C within
 * the text (+1); a parsed trigger must compile, its canonical text must parse
 * back to the same canonical text and the same program, both evaluators must
 * agree with the tree on inputs derived from the data, and the printers must
 * honour their buffer length. A raw program must evaluate without reading out
 * of bounds. Violations trap.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/trigger.h"
#include "format/meta.h"
#include "tests/unit/trig_gen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		__builtin_trap();
}

static void check_error(const struct nx_err *err, uint32_t col, size_t len)
{
	char want[32];

	check(err->code < 0);
	check(err->msg[0] != '\0' && !strchr(err->msg, '\n'));
	if (col) {
		check(col <= len + 1);
		snprintf(want, sizeof(want), "column %u: ", col);
		check(strncmp(err->msg, want, strlen(want)) == 0);
	}
}

static void check_trigger(const struct nx_trigger *t, const struct nx_trigger_ctx *ctx,
			  uint64_t seed)
{
	static char canon[NX_TRIGGER_MAX_TEXT * 4], canon2[sizeof(canon)], bt[sizeof(canon)];
	struct nx_trig_prog p, p2;
	struct nx_err err = { 0 };
	struct nx_trigger *t2;
	struct trig_rng rng = { seed };
	char small[8];
	int n, rc;

	n = nx_trigger_format(t, canon, sizeof(canon));
	check(n > 0 && (size_t)n < sizeof(canon) && strlen(canon) == (size_t)n);
	check(nx_trigger_format(t, small, sizeof(small)) == n);
	check(strlen(small) == ((size_t)n < sizeof(small) ? (size_t)n : sizeof(small) - 1));
	t2 = nx_trigger_parse(canon, ctx, NULL, &err);
	check(t2 != NULL);
	nx_trigger_format(t2, canon2, sizeof(canon2));
	check(strcmp(canon, canon2) == 0);

	rc = nx_trigger_compile(t, &p, &err);
	if (nx_trigger_type(t) == NX_TRIGGER_AUTO) {
		uint8_t vars[NX_TRIGGER_MAX_AUTO];
		unsigned nv = nx_trigger_auto_vars(t, vars);

		check(rc == -EINVAL && nv >= 1 && nv <= NX_TRIGGER_MAX_AUTO);
	} else {
		check(rc == 0 && p.len >= 1 && p.len <= NX_TRIG_MAX_INSNS);
		check(nx_trigger_compile(t2, &p2, &err) == 0);
		check(memcmp(&p, &p2, sizeof(p)) == 0);
		for (int j = 0; j < 8; j++) {
			struct nx_trig_input in;
			bool a;

			trig_input(&rng, &in);
			a = nx_trigger_eval_tree(t, &in);
			check(a == nx_trig_prog_eval(&p, &in));
			check(a == nx_trigger_eval_tree(t2, &in));
		}
	}
	n = nx_trigger_to_bpftrace(t, bt, sizeof(bt), &err);
	if (nx_trigger_type(t) == NX_TRIGGER_MANUAL) {
		check(n > 0 && (size_t)n < sizeof(bt) && strlen(bt) == (size_t)n);
		check(nx_trigger_to_bpftrace(t, small, sizeof(small), &err) == n);
	} else {
		check(n == -EINVAL);
	}
	nx_trigger_free(t2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nx_trigger_ctx ctx = { .hook = NXR_HOOK_UPROBE };
	struct nx_err err = { 0 };
	struct nx_trigger *t;
	uint64_t seed = 0x666f6f;
	uint32_t col = 0;
	char *text;

	if (size < 1)
		return 0;
	if (data[0] & 1)
		ctx.hook = NXR_HOOK_URETPROBE;
	for (size_t i = 0; i < size; i++)
		seed = seed * 31 + data[i];
	if (data[0] & 2) {	/* a raw program: any bytes */
		struct nx_trig_prog p = { 0 };
		struct trig_rng rng = { seed };
		struct nx_trig_input in;
		volatile bool sink;

		memcpy(&p, data + 1, size - 1 < sizeof(p) ? size - 1 : sizeof(p));
		trig_input(&rng, &in);
		sink = nx_trig_prog_eval(&p, &in);
		(void)sink;
		return 0;
	}
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	t = nx_trigger_parse(text, &ctx, &col, &err);
	if (!t)
		check_error(&err, col, strlen(text));
	else
		check_trigger(t, &ctx, seed);
	nx_trigger_free(t);
	free(text);
	return 0;
}
