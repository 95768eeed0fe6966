/*
 * capture/cfgwrite.c: a loaded config written back as YAML.
 *
 * The writer works on the loaded values, not on the text the user wrote, so
 * what it prints is what nexus will do: a config built from command-line
 * probe specs, or tuned by nexus-replay, reads back to the same struct.
 * Every string goes out double-quoted, which needs no judgement about which
 * plain scalars YAML would misread ("yes", "0x10", "a: b", "#x").
 */
#include "capture/cfgwrite.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "analyze/syscalls.h"
#include "bpf/payload.h"
#include "format/meta.h"

static void put_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\x%02x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* Each line of text as "<indent># line". */
static void put_comment(FILE *f, const char *indent, const char *text)
{
	while (text && *text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);

		fprintf(f, "%s#%s%.*s\n", indent, n ? " " : "", (int)n, text);
		text = nl ? nl + 1 : text + n;
	}
}

static const char *yes_no(bool b)
{
	return b ? "true" : "false";
}

/* A NoExec list was loaded as its items joined by spaces (config.c), with
 * no argv: written back as the list. */
static void put_command(FILE *f, const struct nx_config *cfg)
{
	const char *s = cfg->command;

	if (!s)
		return;
	if (!cfg->noexec || cfg->argv || !strcmp(s, "*")) {
		fputs("  Command: ", f);
		put_quoted(f, s);
		fputc('\n', f);
		return;
	}
	fputs("  Command:\n", f);
	while (*s) {
		size_t n = strcspn(s, " ");
		char item[4096];

		snprintf(item, sizeof(item), "%.*s", (int)n, s);
		fputs("    - ", f);
		put_quoted(f, item);
		fputc('\n', f);
		s += n + (s[n] == ' ');
	}
}

/* Filter and SyscallPrint (config.h). */
static void put_filter_prints(FILE *f, const struct nx_config *cfg)
{
	const struct nx_config_filter *fl = &cfg->filter;
	char name[32];

	if (fl->npids || fl->nuids || fl->ncomms) {
		fputs("  Filter:\n", f);
		if (fl->npids)
			fputs("    Pid: [", f);
		for (uint32_t i = 0; i < fl->npids; i++)
			fprintf(f, "%s%u%s", i ? ", " : "", fl->pids[i], i + 1 == fl->npids ? "]\n" : "");
		if (fl->nuids)
			fputs("    Uid: [", f);
		for (uint32_t i = 0; i < fl->nuids; i++)
			fprintf(f, "%s%u%s", i ? ", " : "", fl->uids[i], i + 1 == fl->nuids ? "]\n" : "");
		if (fl->ncomms)
			fputs("    Comm: [", f);
		for (uint32_t i = 0; i < fl->ncomms; i++) {
			fputs(i ? ", " : "", f);
			put_quoted(f, fl->comms[i]);
			fputs(i + 1 == fl->ncomms ? "]\n" : "", f);
		}
	}
	if (cfg->nsysprints)
		fputs("  SyscallPrint:\n", f);
	for (uint32_t i = 0; i < cfg->nsysprints; i++) {
		fprintf(f, "    %s: ", nx_syscall_name(cfg->sysprints[i].nr, name, sizeof(name)));
		put_quoted(f, cfg->sysprints[i].print);
		fputc('\n', f);
	}
}

static void put_syscalls(FILE *f, const struct nx_config *cfg)
{
	char name[32];

	if (cfg->syscalls_none) {
		fputs("  Syscalls: none\n", f);
		return;
	}
	if (cfg->nsysfilters) {		/* the list form, a filter as a map item */
		fputs("  Syscalls:\n", f);
		if (!cfg->syscalls)
			fputs("    - all\n", f);
		for (uint32_t i = 0; i < cfg->nsyscalls; i++) {
			const struct nx_config_sysfilter *sf = NULL;

			for (uint32_t j = 0; j < cfg->nsysfilters; j++)
				if (cfg->sysfilters[j].nr == cfg->syscalls[i])
					sf = &cfg->sysfilters[j];
			if (!sf)
				fprintf(f, "    - %s\n",
					nx_syscall_name(cfg->syscalls[i], name, sizeof(name)));
		}
		for (uint32_t j = 0; j < cfg->nsysfilters; j++) {
			const struct nx_config_sysfilter *sf = &cfg->sysfilters[j];

			fprintf(f, "    - %s: {", nx_syscall_name(sf->nr, name, sizeof(name)));
			if (sf->trigger) {
				fputs("Trigger: ", f);
				put_quoted(f, sf->trigger);
			}
			if (sf->path_prefix) {
				fputs(sf->trigger ? ", PathPrefix: " : "PathPrefix: ", f);
				put_quoted(f, sf->path_prefix);
			}
			fputs("}\n", f);
		}
		return;
	}
	if (!cfg->syscalls)
		return;
	fputs("  Syscalls: [", f);
	for (uint32_t i = 0; i < cfg->nsyscalls; i++)
		fprintf(f, "%s%s", i ? ", " : "",
			nx_syscall_name(cfg->syscalls[i], name, sizeof(name)));
	fputs("]\n", f);
}

/* A plain trigger as a string; one with common tuples as a mapping, a tuple a
 * line (at most NX_CONFIG_MAX_COMMON, the loader's bound). */
static void put_trigger(FILE *f, const struct nx_config_trigger *t)
{
	uint32_t n = t->ncommon < NX_CONFIG_MAX_COMMON ? t->ncommon : NX_CONFIG_MAX_COMMON;

	if (!t->common || !n || !t->ncommon_vals) {
		fputs("          - ", f);
		put_quoted(f, t->text);
		fputc('\n', f);
		return;
	}
	fputs("          - Trigger: ", f);
	put_quoted(f, t->text);
	fputs("\n            Common:\n", f);
	for (uint32_t i = 0; i < n; i++) {
		const uint64_t *v = &t->common[(size_t)i * t->ncommon_vals];

		fputs("              - [", f);
		for (uint32_t k = 0; k < t->ncommon_vals; k++)
			fprintf(f, v[k] < 4096 ? "%s%" PRIu64 : "%s0x%" PRIx64, k ? ", " : "", v[k]);
		fputs("]\n", f);
	}
}

/* Payloads, when they differ from the defaults: every limit, so the text
 * says what the run captures. */
static void put_payloads(FILE *f, const struct nx_paycfg *p, const struct nx_paycfg *def)
{
	static const char *const bufs[NX_PAY_BUF_SLOTS] = {
#define BUFNAME(name, nr, slot, ret, vec) [slot] = #name,
		NX_BUF_SYSCALLS(BUFNAME)
#undef BUFNAME
	};

	if (!memcmp(p, def, sizeof(*p)))
		return;
	fprintf(f, "  Payloads: {Paths: %u, Argv: %u, ArgvBytes: %u", p->path_max, p->argc_max,
		p->argv_bytes);
	for (int i = 0; i < NX_PAY_BUF_SLOTS; i++)
		if (p->buf[i] && bufs[i])
			fprintf(f, ", %s: %u", bufs[i], p->buf[i]);
	fputs("}\n", f);
}

static void put_function(FILE *f, const struct nx_config_func *fn)
{
	fputs("      - Func: ", f);
	put_quoted(f, fn->func);
	fprintf(f, "\n        HookType: %s\n",
		fn->hook == NXR_HOOK_URETPROBE ? "uretprobe" : "uprobe");
	if (fn->ntriggers) {
		fputs("        Triggers:\n", f);
		for (uint32_t i = 0; i < fn->ntriggers; i++) {
			put_comment(f, "          ", fn->triggers[i].comment);
			put_trigger(f, &fn->triggers[i]);
		}
	}
	if (fn->nargs) {
		fputs("        Args: [", f);
		for (uint32_t i = 0; i < fn->nargs; i++) {
			if (i)
				fputs(", ", f);
			put_quoted(f, fn->args[i]);
		}
		fputs("]\n", f);
	}
	if (fn->print) {
		fputs("        Print: ", f);
		put_quoted(f, fn->print);
		fputc('\n', f);
	}
}

static void put_targets(FILE *f, const struct nx_config *cfg)
{
	if (!cfg->ntargets)
		return;
	fputs("  Targets:\n", f);
	for (uint32_t i = 0; i < cfg->ntargets; i++) {
		const struct nx_config_target *t = &cfg->targets[i];

		fputs("  - FilePath: ", f);
		put_quoted(f, t->path);
		fputs("\n    Functions:\n", f);
		for (uint32_t j = 0; j < t->nfuncs; j++)
			put_function(f, &t->funcs[j]);
	}
}

int nx_config_write(FILE *f, const struct nx_config *cfg, const char *comment,
		    struct nx_err *err)
{
	struct nx_config defaults;

	nx_config_init(&defaults);
	put_comment(f, "", comment);
	fputs("TraceCondition:\n", f);
	put_command(f, cfg);
	fprintf(f, "  Sudo: %s\n", yes_no(cfg->sudo));
	if (cfg->noexec)
		fputs("  NoExec: true\n", f);
	if (cfg->logs_dir && strcmp(cfg->logs_dir, defaults.logs_dir)) {
		fputs("  LogsDir: ", f);
		put_quoted(f, cfg->logs_dir);
		fputc('\n', f);
	}
	if (cfg->script_path) {
		fputs("  ScriptPath: ", f);
		put_quoted(f, cfg->script_path);
		fputc('\n', f);
	}
	if (cfg->duration_s > 0)
		fprintf(f, "  Duration: %.17g\n", cfg->duration_s);
	put_syscalls(f, cfg);
	if (cfg->follow != defaults.follow)
		fprintf(f, "  Follow: %s\n", yes_no(cfg->follow));
	fprintf(f, "  Mode: %s\n", cfg->mode == NX_MODE_TRIGGERED ? "triggered" : "full");
	if (memcmp(&cfg->health, &defaults.health, sizeof(cfg->health)))
		fprintf(f, "  Health:\n    Interval: %.17g\n    Cpu: %u\n    Disk: %u\n",
			cfg->health.interval_ms / 1000.0, cfg->health.cpu_pct,
			cfg->health.disk_pct);
	put_payloads(f, &cfg->payloads, &defaults.payloads);
	put_targets(f, cfg);
	put_filter_prints(f, cfg);
	if (fflush(f) || ferror(f))
		return nx_err_set(err, -EIO, "cannot write the config: %s", strerror(errno));
	return 0;
}
