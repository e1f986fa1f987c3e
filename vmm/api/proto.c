// SPDX-License-Identifier: GPL-2.0
/*
 * The control protocol's parser and reply builder (proto.h). Strict: a
 * request is one JSON object whose only member is "cmd", a string naming a
 * command; anything else (other JSON, trailing bytes, a NUL, an unknown or
 * extra member) is refused, so a request means exactly one thing.
 */
#include "proto.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const rv_api_cmd_names[RV_API_NR_CMDS] = {
	[RV_API_PAUSE] = "pause", [RV_API_RESUME] = "resume",	  [RV_API_STATS] = "stats",
	[RV_API_STOP] = "stop",	  [RV_API_SNAPSHOT] = "snapshot", [RV_API_UPDATE] = "update",
};

const char *rv_api_cmd_name(enum rv_api_cmd cmd)
{
	return (unsigned int)cmd < RV_API_NR_CMDS ? rv_api_cmd_names[cmd] : NULL;
}

static int rv_api_fail(char *err, size_t err_size, const char *fmt, const char *arg)
{
	snprintf(err, err_size, fmt, arg);
	return -EINVAL;
}

/* The "cmd" member of @obj, checked: the only member, a known name. */
static int rv_api_parse_obj(struct json_object *obj, struct rv_api_req *req, char *err,
			    size_t err_size)
{
	struct json_object *cmd = NULL;
	bool found = false;
	const char *name;

	if (!json_object_is_type(obj, json_type_object))
		return rv_api_fail(err, err_size, "%s", "a request is a JSON object");
	json_object_object_foreach(obj, key, val)
	{
		if (strcmp(key, "cmd"))
			return rv_api_fail(err, err_size, "unknown member \"%.64s\"", key);
		cmd = val; /* NULL for JSON null */
		found = true;
	}
	if (!found)
		return rv_api_fail(err, err_size, "%s", "no \"cmd\" member");
	if (!json_object_is_type(cmd, json_type_string))
		return rv_api_fail(err, err_size, "%s", "\"cmd\" is not a string");
	name = json_object_get_string(cmd);
	/* A NUL inside the string would make two names of one. */
	if (strlen(name) != (size_t)json_object_get_string_len(cmd))
		return rv_api_fail(err, err_size, "%s", "\"cmd\" holds a NUL");
	for (unsigned int i = 0; i < RV_API_NR_CMDS; i++) {
		if (!strcmp(name, rv_api_cmd_names[i])) {
			req->cmd = i;
			return 0;
		}
	}
	return rv_api_fail(err, err_size, "unknown command \"%.64s\"", name);
}

int rv_api_parse(const char *line, size_t len, struct rv_api_req *req, char *err, size_t err_size)
{
	struct json_tokener *tok;
	struct json_object *obj;
	char *copy;
	size_t used;
	int ret;

	if (len > RV_API_LINE_MAX) {
		snprintf(err, err_size, "request longer than %u bytes", RV_API_LINE_MAX);
		return -EINVAL;
	}
	if (memchr(line, '\0', len))
		return rv_api_fail(err, err_size, "%s", "request holds a NUL byte");
	/*
	 * A NUL-terminated copy, parsed with length -1: json-c then knows
	 * where the input ends ("42" is a number, not the start of one).
	 */
	copy = strndup(line, len);
	tok = json_tokener_new_ex(RV_API_JSON_DEPTH);
	if (!tok || !copy) {
		free(copy);
		if (tok)
			json_tokener_free(tok);
		return rv_api_fail(err, err_size, "%s", "out of memory");
	}
	/* Strict: no single quotes, no trailing commas, no comments' leniency. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, copy, -1);
	if (!obj) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		/* JSON null is json-c's NULL object, parsed with success. */
		if (e == json_tokener_success)
			ret = rv_api_fail(err, err_size, "%s", "a request is a JSON object");
		/* Incomplete input ends the line without ending the value. */
		else
			ret = rv_api_fail(err, err_size, "malformed JSON: %s",
					  e == json_tokener_continue ? "unexpected end of line" :
								       json_tokener_error_desc(e));
		goto out_tok;
	}
	/* Only white space may follow the object. */
	used = json_tokener_get_parse_end(tok);
	while (used < len && (line[used] == ' ' || line[used] == '\t' || line[used] == '\r'))
		used++;
	if (used != len)
		ret = rv_api_fail(err, err_size, "%s", "bytes after the request's JSON value");
	else
		ret = rv_api_parse_obj(obj, req, err, err_size);
	json_object_put(obj);
out_tok:
	json_tokener_free(tok);
	free(copy);
	return ret;
}

char *rv_api_reply(const char *error, struct json_object *extra)
{
	struct json_object *r = json_object_new_object();
	const char *s;
	char *line = NULL;
	size_t n;

	if (!r)
		return NULL;
	if (json_object_object_add(r, "ok", json_object_new_boolean(!error)))
		goto out;
	if (error && json_object_object_add(r, "error", json_object_new_string(error)))
		goto out;
	if (!error && extra) {
		json_object_object_foreach(extra, key, val)
		{
			if (json_object_object_add(r, key, json_object_get(val)))
				goto out;
		}
	}
	s = json_object_to_json_string_ext(r,
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	n = strlen(s);
	line = malloc(n + 2);
	if (line) {
		memcpy(line, s, n);
		line[n] = '\n';
		line[n + 1] = '\0';
	}
out:
	json_object_put(r);
	return line;
}

struct json_object *rv_api_ms(uint64_t ns)
{
	char text[32];

	snprintf(text, sizeof(text), "%.3f", ns / 1e6);
	return json_object_new_double_s(ns / 1e6, text);
}
