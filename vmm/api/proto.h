/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control protocol (docs/api.md): one JSON object per line each way.
 *
 *   -> {"cmd":"pause"}
 *   <- {"ok":true}
 *   -> {"cmd":"stats"}
 *   <- {"ok":true,"stats":{...}}
 *   -> {"cmd":"nope"}
 *   <- {"ok":false,"error":"unknown command \"nope\""}
 *
 * Pure functions of the bytes, parsed with json-c: the socket side
 * (server.c) and the unit tests (tests/unit/test_api_proto.c) share them.
 * Whoever connects to the socket controls the line; the bounds below are
 * what it may send.
 */
#ifndef RV_API_PROTO_H
#define RV_API_PROTO_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

/*
 * The longest request line, newline excluded. The longest legitimate one
 * names a snapshot directory (PATH_MAX) plus a few keys: a line longer
 * than this is refused and the connection closed.
 */
#define RV_API_LINE_MAX 4352
/* Nesting json-c's tokenizer accepts: requests are flat objects. */
#define RV_API_JSON_DEPTH 4
/* A path argument (snapshot DIR), terminator included. */
#define RV_API_PATH_MAX 4096

enum rv_api_cmd {
	RV_API_PAUSE,
	RV_API_RESUME,
	RV_API_STATS,
	RV_API_STOP,
	/*
	 * Write a snapshot into the two files whose fds come with the
	 * request (SCM_RIGHTS): the state file, then the memory file. The
	 * client opens them, so the VMM opens no path while it runs.
	 */
	RV_API_SNAPSHOT,
	/*
	 * Live update (docs/live-update.md): exec the binary whose fd comes
	 * with the request (none: this one) with the guest's fds; the new
	 * process sends the reply.
	 */
	RV_API_UPDATE,
	RV_API_NR_CMDS,
};

/* File descriptors a request may carry. */
#define RV_API_MAX_FDS 2

struct rv_api_req {
	enum rv_api_cmd cmd;
	/* Passed with the request (server.c fills them in); owned by the server. */
	int fds[RV_API_MAX_FDS];
	unsigned int nr_fds;
	/* The connection it came on (server.c): a live update hands it over. */
	int client_fd;
};

/* "pause", ...; NULL for an out-of-range value. */
const char *rv_api_cmd_name(enum rv_api_cmd cmd);

/*
 * Parse one request line of @len bytes (no newline). 0, or -EINVAL with
 * the reason, one line for the reply, in @err (@err_size bytes).
 */
int rv_api_parse(const char *line, size_t len, struct rv_api_req *req, char *err, size_t err_size);

/*
 * The reply line, '\n'-terminated, in a malloc'ed string: {"ok":true} with
 * @extra's members merged in (NULL: none; not consumed), or
 * {"ok":false,"error":@error} when @error is not NULL. NULL when out of
 * memory.
 */
char *rv_api_reply(const char *error, struct json_object *extra);

/*
 * A duration of @ns nanoseconds as milliseconds for a reply, written with
 * three decimals (41.254, not json-c's 41.254000000000005); NULL when out
 * of memory, which json_object_object_add() takes as JSON null.
 */
struct json_object *rv_api_ms(uint64_t ns);

#endif
