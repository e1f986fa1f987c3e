/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the command-line tests share (test_cli.c, test_cli_values.c): the
 * parse of "ringvmm ARGS..." and its checks.
 * Include after <cmocka.h>.
 */
#ifndef RV_TEST_CLI_FX_H
#define RV_TEST_CLI_FX_H

#include <stdio.h>

#include "vmm/cli.h"
#include "vmm/util.h"
#include "msg_fx.h"

#define MAX_ARGS 24

static struct rv_cli cli;

/* Parse "ringvmm" followed by the NULL-terminated arguments (none if @first is NULL). */
static inline int parse(const char *first, ...) __attribute__((sentinel));
static inline int parse(const char *first, ...)
{
	char *argv[MAX_ARGS + 1] = { "ringvmm" };
	int argc;
	va_list ap;

	va_start(ap, first);
	argc = rv_test_argv_append(argv, 1, MAX_ARGS, first, ap);
	va_end(ap);
	rv_err_clear();
	return rv_cli_parse(argc, argv, &cli);
}

/*
 * The parse must fail with -EINVAL and a one-line message containing each of
 * the NULL-terminated key words.
 */
static inline void expect_error(int ret, ...) __attribute__((sentinel));
static inline void expect_error(int ret, ...)
{
	va_list ap;

	va_start(ap, ret);
	rv_test_expect_err_v(ret, -EINVAL, ap);
	va_end(ap);
}

static inline void expect_ok(int ret)
{
	if (ret)
		fail_msg("parse returned %d: \"%s\"", ret, rv_err_msg());
	assert_string_equal(rv_err_msg(), "");
}

#endif
