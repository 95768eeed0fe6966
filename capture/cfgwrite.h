#ifndef NX_CAPTURE_CFGWRITE_H	/* capture/cfgwrite.h: a loaded config written back as YAML */
#define NX_CAPTURE_CFGWRITE_H

#include <stdio.h>

#include "capture/config.h"
#include "format/err.h"

/*
 * Writes cfg as one TraceCondition document that nx_config_parse() reads
 * back into an equal config (tests/unit/test_cfgwrite.c proves it for every
 * config under tests/configs/good). Keys at their default are left out, except
 * Command, Sudo and Mode, which a reader looks for. Strings are double-quoted
 * with YAML escapes; they must be UTF-8 (libyaml refuses anything else).
 *
 * comment (NULL: none) opens the document as "# " lines, one per line of
 * it; a trigger's comment (nx_config_trigger.comment) goes on the lines
 * before that trigger, so a generated config (nexus-replay -o, nexus-record
 * --print-config) can say where each of its lines came from.
 *
 * Returns 0, or -EIO when the stream reported an error (err says so).
 */
int nx_config_write(FILE *f, const struct nx_config *cfg, const char *comment,
		    struct nx_err *err);

#endif
