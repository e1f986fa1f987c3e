// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the control protocol's parser and replies (vmm/api/proto.c).
 * Every command name parses to its command; malformed JSON, other JSON
 * types, trailing bytes, a NUL, unknown or extra members, a non-string
 * "cmd", too deep nesting and a line over RV_API_LINE_MAX are each refused
 * with -EINVAL and a reason; replies are one line of JSON that parses back
 * to what was put in.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "vmm/api/proto.h"

static int parse(const char *line, struct rv_api_req *req, char *err, size_t size)
{
	return rv_api_parse(line, strlen(line), req, err, size);
}

static void test_every_command(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < RV_API_NR_CMDS; i++) {
		struct rv_api_req req = { .cmd = RV_API_NR_CMDS };
		char line[64], err[128];

		snprintf(line, sizeof(line), " {\"cmd\" : \"%s\"}\r", rv_api_cmd_name(i));
		assert_int_equal(parse(line, &req, err, sizeof(err)), 0);
		assert_int_equal(req.cmd, i);
	}
	assert_null(rv_api_cmd_name(RV_API_NR_CMDS));
}

/* Each refused with -EINVAL and a reason containing @why. */
static void expect_refused(const char *line, size_t len, const char *why)
{
	struct rv_api_req req;
	char err[160] = "";

	assert_int_equal(rv_api_parse(line, len, &req, err, sizeof(err)), -EINVAL);
	if (!strstr(err, why))
		fail_msg("%.40s: reason \"%s\", expected \"%s\"", line, err, why);
}

static void test_malformed(void **state)
{
	static const struct {
		const char *line, *why;
	} cases[] = {
		{ "", "malformed JSON" },
		{ "{", "malformed JSON" },
		{ "{\"cmd\":\"pause\"", "malformed JSON" },
		{ "{'cmd':'pause'}", "malformed JSON" },
		{ "{\"cmd\":\"pause\",}", "malformed JSON" },
		{ "pause", "malformed JSON" },
		{ "\xff\xfe", "malformed JSON" },
		/* json-c's strict mode refuses these itself; either way, refused. */
		{ "{\"cmd\":\"pause\"} x", "" },
		{ "{\"cmd\":\"pause\"}{\"cmd\":\"stop\"}", "" },
		{ "[\"pause\"]", "a JSON object" },
		{ "\"pause\"", "a JSON object" },
		{ "42", "a JSON object" },
		{ "null", "a JSON object" },
		{ "{}", "no \"cmd\"" },
		{ "{\"cmd\":1}", "not a string" },
		{ "{\"cmd\":null}", "not a string" },
		{ "{\"cmd\":[\"pause\"]}", "not a string" },
		{ "{\"cmd\":\"pause\",\"x\":1}", "unknown member \"x\"" },
		{ "{\"cmd\":\"pause\\u0000stop\"}", "NUL" },
		{ "{\"cmd\":\"reboot\"}", "unknown command \"reboot\"" },
		{ "{\"cmd\":\"PAUSE\"}", "unknown command" },
		{ "{\"cmd\":\"\"}", "unknown command" },
		{ "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":1}}}}}", "malformed JSON" },
	};

	(void)state;
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_refused(cases[i].line, strlen(cases[i].line), cases[i].why);
	/* A NUL byte in the line itself, outside any string. */
	expect_refused("{\"cmd\":\"stop\"}\0", 15, "NUL byte");
}

static void test_huge_line(void **state)
{
	size_t n = RV_API_LINE_MAX + 1;
	char *line = malloc(n);
	struct rv_api_req req;
	char err[128];

	(void)state;
	assert_non_null(line);
	/* A valid request padded with spaces: refused for its length alone. */
	memset(line, ' ', n);
	memcpy(line, "{\"cmd\":\"stats\"}", 15);
	expect_refused(line, n, "longer than");
	assert_int_equal(rv_api_parse(line, n - 1, &req, err, sizeof(err)), 0);
	assert_int_equal(req.cmd, RV_API_STATS);
	/* A very long command name is quoted truncated, not overflowed. */
	memset(line, 'a', n);
	memcpy(line, "{\"cmd\":\"", 8);
	memcpy(line + n - 3, "\"}", 2);
	expect_refused(line, n - 1, "unknown command");
	free(line);
}

static void test_reply(void **state)
{
	struct json_object *extra = json_object_new_object(), *r, *v;
	char *line;

	(void)state;
	json_object_object_add(extra, "paused", json_object_new_boolean(1));
	line = rv_api_reply(NULL, extra);
	assert_non_null(line);
	assert_int_equal(line[strlen(line) - 1], '\n');
	r = json_tokener_parse(line);
	assert_true(json_object_object_get_ex(r, "ok", &v) && json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(r, "paused", &v) && json_object_get_boolean(v));
	json_object_put(r);
	free(line);

	/* An error: ok false, the reason, and no extra member. */
	line = rv_api_reply("pause: \"quoted\"\nline", extra);
	r = json_tokener_parse(line);
	assert_true(json_object_object_get_ex(r, "ok", &v) && !json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(r, "error", &v));
	assert_string_equal(json_object_get_string(v), "pause: \"quoted\"\nline");
	assert_false(json_object_object_get_ex(r, "paused", &v));
	/* The newline in the message is escaped: still one line. */
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
	json_object_put(r);
	free(line);
	json_object_put(extra);
}

/* Durations in replies: three decimals, whatever the double's binary digits. */
static void test_ms(void **state)
{
	struct json_object *extra = json_object_new_object();
	char *line;

	(void)state;
	json_object_object_add(extra, "paused_ms", rv_api_ms(56575830));
	json_object_object_add(extra, "save_ms", rv_api_ms(1));
	line = rv_api_reply(NULL, extra);
	assert_non_null(line);
	assert_string_equal(line, "{\"ok\":true,\"paused_ms\":56.576,\"save_ms\":0.000}\n");
	free(line);
	json_object_put(extra);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_command),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_huge_line),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_ms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
