/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control socket (run --api PATH): a UNIX stream socket served from
 * the VM's event loop (vmm/loop.h), speaking proto.h's protocol.
 *
 * Whoever can connect is a user of the machine, and a careless or hostile
 * one must not stall the guest or the loop:
 *   - the socket is created mode 0600 and each peer's SO_PEERCRED uid must
 *     be ours or root's;
 *   - at most RV_API_MAX_CLIENTS connections; one more is told so and closed;
 *   - a request line longer than RV_API_LINE_MAX is answered with an error
 *     and the connection closed (the rest of it is never buffered);
 *   - a connection with no complete request for RV_API_IDLE_MS is closed;
 *   - every socket is non-blocking: a client that does not read its reply
 *     is closed instead of waited for;
 *   - each wake-up reads at most one buffer per client, so a flooding
 *     client shares the loop with the others.
 * Nothing here knows what a command does: @handle does.
 */
#ifndef RV_API_SERVER_H
#define RV_API_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"
#include "vmm/loop.h"

#define RV_API_MAX_CLIENTS 8
#define RV_API_IDLE_MS 10000

struct json_object;
struct rv_api_server;

/*
 * Run @req: 0, with members for the reply added to @reply, or -errno with
 * the reason in rv_err_msg(). Runs on the loop thread.
 */
typedef int (*rv_api_handler)(void *opaque, const struct rv_api_req *req,
			      struct json_object *reply);

struct rv_api_client {
	struct rv_api_server *srv;
	int fd; /* -1: free, once its watch is no longer in flight */
	struct rv_loop_watch watch;
	uint64_t last_ns; /* connected, or last complete request */
	/* Received with the bytes not yet answered; closed after the next request. */
	int fds[RV_API_MAX_FDS];
	unsigned int nr_fds;
	size_t len;
	char buf[RV_API_LINE_MAX + 1];
};

struct rv_api_server {
	int fd;
	char path[108]; /* sizeof(sun_path) */
	struct rv_loop *loop;
	struct rv_loop_watch accept_watch, idle_watch;
	rv_api_handler handle;
	void *opaque;
	struct rv_api_client clients[RV_API_MAX_CLIENTS];
	uint64_t requests, refused; /* refused: peers turned away */
	unsigned int idle_ms;	    /* RV_API_IDLE_MS; tests shorten it */
	/*
	 * Leave the socket file at close: unlink(2) names a path, which the
	 * sandbox denies (vmm/sandbox.c). The next --api on that path
	 * replaces it as stale (rv_api_open).
	 */
	bool keep_path;
};

/*
 * Create and bind the socket at @path (option name @opt for messages);
 * before the sandbox. A stale socket (nobody listening) is replaced; any
 * other file is not. 0 or -errno with a message.
 */
int rv_api_open(struct rv_api_server *srv, const char *opt, const char *path);
/*
 * Take over @fd, a socket listening at @path that a live update handed
 * over (vmm/snapshot/update.h), as rv_api_open() would have made it.
 */
int rv_api_adopt(struct rv_api_server *srv, int fd, const char *path);
/* Serve it from @loop, running @handle for each request. */
int rv_api_start(struct rv_api_server *srv, struct rv_loop *loop, rv_api_handler handle,
		 void *opaque);
/* Close every connection and the socket, and remove its path. */
void rv_api_close(struct rv_api_server *srv);

#endif
