// SPDX-License-Identifier: GPL-2.0
/*
 * Option tables (opt.h) on getopt_long(3). The table entry for getopt's
 * return value v is number v - RV_OPT_VAL; short options are looked up by
 * their letter. The optstring starts with "-:": arguments that are not
 * options come back as 1 in order (nothing is permuted, so argv[] still
 * says where each option was spelt), and a missing value comes back as ':'.
 */
#include "opt.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "util.h"

#define RV_OPT_VAL 256
/* The help column: option names left of it, their help from it on. */
#define RV_OPT_HELP_COL 26

static const struct rv_opt *rv_opt_at(const struct rv_opt_cmd *cmd, unsigned int i)
{
	return i < cmd->nr_opts ? &cmd->opts[i] : &cmd->extra[i - cmd->nr_opts];
}

static unsigned int rv_opt_count(const struct rv_opt_cmd *cmd)
{
	return cmd->nr_opts + cmd->nr_extra;
}

const struct rv_opt *rv_opt_find(const struct rv_opt_cmd *cmd, const char *name)
{
	for (unsigned int i = 0; i < rv_opt_count(cmd); i++) {
		const struct rv_opt *o = rv_opt_at(cmd, i);

		if (!strcmp(o->name, name) || (o->alias && !strcmp(o->alias, name)))
			return o;
	}
	return NULL;
}

const struct rv_opt *rv_opt_find_short(const struct rv_opt_cmd *cmd, char c)
{
	for (unsigned int i = 0; i < rv_opt_count(cmd); i++)
		if (rv_opt_at(cmd, i)->short_name == c)
			return rv_opt_at(cmd, i);
	return NULL;
}

int rv_opt_set_flag(void *ctx, const struct rv_opt *o, const char *opt, const char *val)
{
	*(bool *)((char *)ctx + *(const size_t *)o->data) = true;
	return 0;
}

/* "-m/--mem", "-p/--cmdline/--params": every spelling of @o. */
static const char *rv_opt_names(const struct rv_opt *o, char *buf, size_t size)
{
	int n = 0;

	if (o->short_name)
		n = snprintf(buf, size, "-%c/", o->short_name);
	snprintf(buf + n, size - n, "--%s%s%s", o->name, o->alias ? "/--" : "",
		 o->alias ? o->alias : "");
	return buf;
}

static int rv_opt_build(const struct rv_opt_cmd *cmd, struct option *longopts, char *shorts)
{
	unsigned int nl = 0;
	char *s = shorts;

	*s++ = '-';
	*s++ = ':';
	for (unsigned int i = 0; i < rv_opt_count(cmd); i++) {
		const struct rv_opt *o = rv_opt_at(cmd, i);
		int has = !o->metavar		     ? no_argument :
			  o->flags & RV_OPT_OPTIONAL ? optional_argument :
						       required_argument;

		longopts[nl++] = (struct option){ o->name, has, NULL, RV_OPT_VAL + i };
		if (o->alias)
			longopts[nl++] = (struct option){ o->alias, has, NULL, RV_OPT_VAL + i };
		if (!o->short_name)
			continue;
		*s++ = o->short_name;
		if (has != no_argument)
			*s++ = ':';
		if (has == optional_argument)
			*s++ = ':';
	}
	longopts[nl] = (struct option){ 0 };
	*s = '\0';
	return 0;
}

/* The table entry getopt_long() returned @c for; -1 for none. */
static int rv_opt_index(const struct rv_opt_cmd *cmd, int c)
{
	if (c >= RV_OPT_VAL)
		return c - RV_OPT_VAL < (int)rv_opt_count(cmd) ? c - RV_OPT_VAL : -1;
	for (unsigned int i = 0; c > 0 && i < rv_opt_count(cmd); i++)
		if (rv_opt_at(cmd, i)->short_name == c)
			return i;
	return -1;
}

/* A long option word must name its option whole: "--kernel", not "--ker". */
static bool rv_opt_whole(const char *word, const char *name)
{
	size_t len;

	if (strncmp(word, "--", 2))
		return true; /* a short option */
	word += 2;
	len = strcspn(word, "=");
	return len == strlen(name) && !strncmp(word, name, len);
}

/* The option word at argv[@at] up to its '=', for messages. */
static int rv_opt_word_len(const char *word)
{
	return !strncmp(word, "--", 2) ? (int)strcspn(word, "=") : (int)strlen(word);
}

int rv_opt_parse(const struct rv_opt_cmd *cmd, int argc, char *const argv[], void *ctx)
{
	struct option longopts[2 * RV_OPT_MAX + 1];
	char shorts[3 * RV_OPT_MAX + 3];
	unsigned int seen[RV_OPT_MAX] = { 0 };
	char spelt[64], names[96];
	const struct rv_opt *bare = NULL; /* the last option, if it took an optional value bare */

	if (rv_opt_count(cmd) > RV_OPT_MAX)
		return rv_err(-E2BIG, "%s: more than %d options", cmd->name, RV_OPT_MAX);
	rv_opt_build(cmd, longopts, shorts);
	opterr = 0; /* the messages are ours */
	optind = 0; /* glibc: start afresh, for each parse */
	for (;;) {
		int at = optind ? optind : 1, li = -1, c, i, ret;
		const struct rv_opt *o;

		c = getopt_long(argc, argv, shorts, longopts, &li);
		if (c == -1)
			break;
		if (c == 1 && bare)
			return rv_err(-EINVAL,
				      "%s: unexpected argument \"%s\" (a value of --%s goes with '=': "
				      "--%s=%s)",
				      cmd->name, optarg, bare->name, bare->name, optarg);
		if (c == 1)
			return rv_err(-EINVAL, "%s: unexpected argument \"%s\" (options only)",
				      cmd->name, optarg);
		if (c == '?' && optopt >= RV_OPT_VAL && rv_opt_index(cmd, optopt) >= 0)
			return rv_err(-EINVAL, "%s: %.*s takes no value (\"%s\")", cmd->name,
				      rv_opt_word_len(argv[at]), argv[at], argv[at]);
		if (c == '?' && optopt > 0 && optopt < RV_OPT_VAL)
			return rv_err(-EINVAL, "%s: unknown option \"-%c\" (try ringvmm %s --help)",
				      cmd->name, optopt, cmd->name);
		if (c == '?')
			return rv_err(-EINVAL,
				      "%s: unknown option \"%.*s\" (try ringvmm %s --help)",
				      cmd->name, rv_opt_word_len(argv[at]), argv[at], cmd->name);
		if (c == ':') {
			i = rv_opt_index(cmd, optopt);
			if (optopt < RV_OPT_VAL || i < 0)
				return rv_err(-EINVAL, "%s: -%c needs a value", cmd->name, optopt);
			return rv_err(-EINVAL, "%s: %.*s needs a value", cmd->name,
				      rv_opt_word_len(argv[at]), argv[at]);
		}
		if (li >= 0 && !rv_opt_whole(argv[at], longopts[li].name))
			return rv_err(-EINVAL, "%s: unknown option \"%.*s\" (did you mean --%s?)",
				      cmd->name, rv_opt_word_len(argv[at]), argv[at],
				      longopts[li].name);
		i = rv_opt_index(cmd, c);
		if (i < 0)
			return rv_err(-EINVAL, "%s: unknown option \"%s\"", cmd->name, argv[at]);
		o = rv_opt_at(cmd, i);
		if (li >= 0)
			snprintf(spelt, sizeof(spelt), "--%s", longopts[li].name);
		else
			snprintf(spelt, sizeof(spelt), "-%c", c);
		if (seen[i]++ && !(o->flags & RV_OPT_REPEAT))
			return rv_err(-EINVAL, "%s: %s%s%s: %s may be given only once", cmd->name,
				      spelt, optarg ? " " : "", optarg ? optarg : "",
				      rv_opt_names(o, names, sizeof(names)));
		ret = o->set(ctx, o, spelt, optarg);
		if (ret)
			return ret;
		bare = o->flags & RV_OPT_OPTIONAL && !optarg ? o : NULL;
	}
	/* What follows a "--". */
	if (optind < argc)
		return rv_err(-EINVAL, "%s: unexpected argument \"%s\" (options only)", cmd->name,
			      argv[optind]);
	return 0;
}

/* "  -k, --kernel FILE", "      --stats[=FORMAT]", "  -p, --cmdline, --params STR" */
static int rv_opt_left(const struct rv_opt *o, char *buf, size_t size)
{
	const char *eq = o->flags & RV_OPT_OPTIONAL ? "[=" : " ";

	return snprintf(buf, size, "  %c%c%c --%s%s%s%s%s%s", o->short_name ? '-' : ' ',
			o->short_name ? o->short_name : ' ', o->short_name ? ',' : ' ', o->name,
			o->alias ? ", --" : "", o->alias ? o->alias : "", o->metavar ? eq : "",
			o->metavar ? o->metavar : "",
			o->metavar && o->flags & RV_OPT_OPTIONAL ? "]" : "");
}

void rv_opt_usage(const struct rv_opt_cmd *cmd, FILE *out)
{
	fputs(cmd->usage, out);
	for (unsigned int i = 0; i < rv_opt_count(cmd); i++) {
		const struct rv_opt *o = rv_opt_at(cmd, i);
		const char *h = o->help;
		char left[128];
		int n;

		if (!h)
			continue;
		n = rv_opt_left(o, left, sizeof(left));
		fputs(left, out);
		if (n >= RV_OPT_HELP_COL - 1) {
			fputc('\n', out);
			n = 0;
		}
		while (*h) {
			size_t len = strcspn(h, "\n");

			fprintf(out, "%*s%.*s\n", RV_OPT_HELP_COL - n, "", (int)len, h);
			n = 0;
			h += len;
			if (*h)
				h++;
		}
	}
}
