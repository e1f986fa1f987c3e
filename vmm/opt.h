/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Option tables: one per command (run, caps, bench coalesce, ...). A table
 * drives everything about the command's options, so they cannot disagree:
 *
 *   - parsing, through getopt_long(3): "--opt value", "--opt=value", "-o
 *     value", "-ovalue", and clusters of short flags ("-vh");
 *   - refusal of an option given twice, unless it is RV_OPT_REPEAT;
 *   - the command's --help text (rv_opt_usage()).
 *
 * Long options are whole words: getopt_long's abbreviations ("--ker" for
 * "--kernel") are refused, so that adding an option never changes what an
 * existing command line means. A value is handed to the entry's set()
 * callback with the option as the user spelt it ("-m" or "--mem"), so each
 * message names the option and the value at fault.
 */
#ifndef RV_OPT_H
#define RV_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* rv_opt.flags */
#define RV_OPT_REPEAT (1u << 0)	  /* may be given more than once */
#define RV_OPT_OPTIONAL (1u << 1) /* the value is optional, and only as "--opt=value" */

struct rv_opt;

/*
 * Apply one option: @opt as the user spelt it ("-m", "--mem"), @val its
 * value (NULL for a flag, or an optional value left out). 0, or -EINVAL
 * with an rv_err() naming @opt and @val.
 */
typedef int (*rv_opt_set_fn)(void *ctx, const struct rv_opt *o, const char *opt, const char *val);

struct rv_opt {
	const char *name;    /* the long name, without "--" */
	char short_name;     /* 0: none */
	const char *alias;   /* a second long name, or NULL */
	const char *metavar; /* the value's name in --help; NULL: a flag */
	unsigned int flags;
	rv_opt_set_fn set;
	const void *data; /* for set(): what the entry stands for */
	/* One or more lines ('\n'-separated) for --help; NULL: not listed. */
	const char *help;
};

/*
 * set() for a flag: sets the bool at offset *(size_t *)data in the
 * context, which RV_OPT_FLAG(type, field) gives as the entry's data.
 */
int rv_opt_set_flag(void *ctx, const struct rv_opt *o, const char *opt, const char *val);
#define RV_OPT_FLAG(type, field) (&(const size_t){ offsetof(type, field) })

/* Options of one command. */
struct rv_opt_cmd {
	const char *name;  /* "run", "caps", "bench coalesce": in messages */
	const char *usage; /* the lines above the option list in --help */
	const struct rv_opt *opts;
	unsigned int nr_opts;
	/* Optional: more options, not in a static table (devices' own). */
	const struct rv_opt *extra;
	unsigned int nr_extra;
};

/* At most this many options in one command, table and extra together. */
#define RV_OPT_MAX 64

/*
 * Parse @argv[1..@argc) (argv[0] is the command's name) by @cmd's tables,
 * calling each entry's set() in command-line order. Arguments that are not
 * options are refused. 0, or -EINVAL with a one-line rv_err().
 */
int rv_opt_parse(const struct rv_opt_cmd *cmd, int argc, char *const argv[], void *ctx);

/* @cmd's --help: its usage lines, then one entry per listed option. */
void rv_opt_usage(const struct rv_opt_cmd *cmd, FILE *out);

/* Does @cmd have an option named @name (long, without "--")? For tests. */
const struct rv_opt *rv_opt_find(const struct rv_opt_cmd *cmd, const char *name);
/* The option whose short name is @c, or NULL. */
const struct rv_opt *rv_opt_find_short(const struct rv_opt_cmd *cmd, char c);

#endif
