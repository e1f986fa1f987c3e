/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers the unit tests of command lines and loaders share: an argv built
 * from a NULL-terminated argument list, and the check of the one error
 * message ringvmm's CLI prints (rv_err_msg(): non-empty, one line, naming
 * what the user got wrong). Include after <cmocka.h>.
 */
#ifndef RV_TEST_MSG_FX_H
#define RV_TEST_MSG_FX_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmm/util.h"

/*
 * Append the NULL-terminated @first, @ap... to @argv[@argc] onwards (at
 * most @max entries in all), NULL-terminate it and return the new argc.
 */
static inline int rv_test_argv_append(char **argv, int argc, int max, const char *first, va_list ap)
{
	for (const char *a = first; a; a = va_arg(ap, const char *)) {
		assert_true(argc < max);
		argv[argc++] = (char *)a;
	}
	argv[argc] = NULL;
	return argc;
}

/*
 * @ret must be @want, and the recorded message one non-empty line holding
 * each of the NULL-terminated words in @ap. The message stays, for
 * checks of what it must not say.
 */
static inline void rv_test_expect_err_v(int ret, int want, va_list ap)
{
	const char *msg = rv_err_msg(), *word;

	if (ret != want)
		fail_msg("got %d, want %d (message \"%s\")", ret, want, msg);
	if (!*msg)
		fail_msg("no message recorded");
	if (strchr(msg, '\n'))
		fail_msg("message is not one line: \"%s\"", msg);
	while ((word = va_arg(ap, const char *)))
		if (!strstr(msg, word))
			fail_msg("message \"%s\" lacks \"%s\"", msg, word);
}

/* rv_test_expect_err_v() with the words as arguments. */
static inline void rv_test_expect_err(int ret, int want, ...) __attribute__((sentinel));
static inline void rv_test_expect_err(int ret, int want, ...)
{
	va_list ap;

	va_start(ap, want);
	rv_test_expect_err_v(ret, want, ap);
	va_end(ap);
}

/* What @fn prints (a command's --help...), malloc'ed: the caller frees it. */
static inline char *rv_test_capture(void (*fn)(FILE *))
{
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	fn(f);
	fclose(f);
	return text;
}

#endif
