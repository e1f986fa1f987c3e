// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket (server.h). Everything runs on the loop thread; each
 * connection is a slot with one fd watch. A slot is reused only once its
 * watch has no poll in flight: closing shuts the socket down first, which
 * completes the poll (POLLHUP), so even a silent peer frees its slot.
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmm/util.h"

/* The idle sweep's longest period: a silent client goes within idle + this. */
#define RV_API_SWEEP_NS (1000ULL * 1000 * 1000)

static void rv_api_close_fds(struct rv_api_client *c)
{
	for (unsigned int i = 0; i < c->nr_fds; i++)
		close(c->fds[i]);
	c->nr_fds = 0;
}

static void rv_api_drop(struct rv_api_client *c)
{
	rv_api_close_fds(c);
	if (c->fd < 0)
		return;
	rv_loop_remove(&c->watch);
	/* Wakes the poll in flight: the slot frees when it completes. */
	shutdown(c->fd, SHUT_RDWR);
	close(c->fd);
	c->fd = -1;
}

/* Non-blocking: a reply that does not fit the socket buffer closes the client. */
static void rv_api_send(struct rv_api_client *c, const char *line)
{
	size_t n = strlen(line);
	ssize_t w = send(c->fd, line, n, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (w < 0 || (size_t)w != n)
		rv_api_drop(c);
}

static void rv_api_send_error(struct rv_api_client *c, const char *error)
{
	char *line = rv_api_reply(error, NULL);

	if (line)
		rv_api_send(c, line);
	else
		rv_api_drop(c);
	free(line);
}

static void rv_api_request(struct rv_api_client *c, const char *line, size_t len)
{
	struct rv_api_server *srv = c->srv;
	struct json_object *extra;
	struct rv_api_req req;
	char err[640], *reply;
	int ret;

	srv->requests++;
	if (rv_api_parse(line, len, &req, err, sizeof(err))) {
		rv_api_close_fds(c);
		rv_api_send_error(c, err);
		return;
	}
	/* The fds that came with this request's bytes are its: used, then closed. */
	req.nr_fds = c->nr_fds;
	memcpy(req.fds, c->fds, sizeof(req.fds));
	req.client_fd = c->fd;
	extra = json_object_new_object();
	if (!extra) {
		rv_api_send_error(c, "out of memory");
		return;
	}
	rv_err_clear();
	ret = srv->handle(srv->opaque, &req, extra);
	rv_api_close_fds(c);
	if (ret)
		snprintf(err, sizeof(err), "%s: %s", rv_api_cmd_name(req.cmd),
			 *rv_err_msg() ? rv_err_msg() : strerror(-ret));
	rv_err_clear();
	reply = rv_api_reply(ret ? err : NULL, extra);
	json_object_put(extra);
	if (reply)
		rv_api_send(c, reply);
	else
		rv_api_drop(c);
	free(reply);
}

/* Answer every complete line in the buffer; keep the partial one. */
static void rv_api_lines(struct rv_api_client *c)
{
	size_t start = 0;
	char *nl;

	while (c->fd >= 0 && (nl = memchr(c->buf + start, '\n', c->len - start))) {
		rv_api_request(c, c->buf + start, (size_t)(nl - (c->buf + start)));
		c->last_ns = rv_now_ns();
		start = (size_t)(nl - c->buf) + 1;
	}
	if (c->fd < 0)
		return;
	c->len -= start;
	memmove(c->buf, c->buf + start, c->len);
	/* The sender controls the line: a full buffer without a newline is too long. */
	if (c->len > RV_API_LINE_MAX) {
		char err[64];

		snprintf(err, sizeof(err), "request longer than %u bytes", RV_API_LINE_MAX);
		rv_api_send_error(c, err);
		rv_api_drop(c);
	}
}

/*
 * Keep the fds that came with the bytes just read (SCM_RIGHTS), for the
 * request they end; more than RV_API_MAX_FDS in all are closed at once.
 */
static void rv_api_take_fds(struct rv_api_client *c, struct msghdr *msg)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		size_t n;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			if (c->nr_fds < RV_API_MAX_FDS)
				c->fds[c->nr_fds++] = fd;
			else
				close(fd);
		}
	}
}

static void rv_api_on_client(void *opaque, int res)
{
	struct rv_api_client *c = opaque;
	union {
		char buf[CMSG_SPACE(RV_API_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct msghdr msg;
	struct iovec iov;
	ssize_t n;

	if (c->fd < 0)
		return;
	if (res < 0 || (res & (POLLERR | POLLNVAL))) {
		rv_api_drop(c);
		return;
	}
	/* One buffer's worth per wake-up: the other clients get their turn. */
	iov = (struct iovec){ c->buf + c->len, sizeof(c->buf) - c->len };
	msg = (struct msghdr){
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf.buf,
		.msg_controllen = sizeof(cbuf.buf),
	};
	n = recvmsg(c->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		rv_api_take_fds(c, &msg);
	if (n <= 0 || (msg.msg_flags & MSG_CTRUNC)) {
		rv_api_drop(c); /* EOF, an error, or more fds than a request carries */
		return;
	}
	c->len += (size_t)n;
	rv_api_lines(c);
}

static bool rv_api_peer_ok(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) || len != sizeof(cred))
		return false;
	return cred.uid == geteuid() || cred.uid == 0;
}

static struct rv_api_client *rv_api_free_slot(struct rv_api_server *srv)
{
	for (unsigned int i = 0; i < RV_API_MAX_CLIENTS; i++) {
		struct rv_api_client *c = &srv->clients[i];

		if (c->fd < 0 && !c->watch.armed)
			return c;
	}
	return NULL;
}

static void rv_api_on_accept(void *opaque, int res)
{
	struct rv_api_server *srv = opaque;

	if (res < 0)
		return;
	/* A bounded number per wake-up; the watch re-arms for the rest. */
	for (unsigned int i = 0; i < RV_API_MAX_CLIENTS; i++) {
		int fd = accept4(srv->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct rv_api_client *c;

		if (fd < 0)
			return;
		c = rv_api_free_slot(srv);
		/* Not our user: nothing is said. All slots taken: that is said. */
		if (rv_api_peer_ok(fd) && !c) {
			static const char busy[] =
				"{\"ok\":false,\"error\":\"too many control connections\"}\n";

			if (send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
				/* It sees the close. */
			}
		}
		if (!c || !rv_api_peer_ok(fd)) {
			srv->refused++;
			close(fd);
			continue;
		}
		c->fd = fd;
		c->len = 0;
		c->nr_fds = 0;
		c->last_ns = rv_now_ns();
		if (rv_loop_add_fd(srv->loop, &c->watch, fd, POLLIN, rv_api_on_client, c,
				   "api client")) {
			close(fd);
			c->fd = -1;
		}
	}
}

/* Close connections that sent no complete request for RV_API_IDLE_MS. */
static void rv_api_on_sweep(void *opaque, int res)
{
	struct rv_api_server *srv = opaque;
	uint64_t now = rv_now_ns();

	(void)res;
	for (unsigned int i = 0; i < RV_API_MAX_CLIENTS; i++) {
		struct rv_api_client *c = &srv->clients[i];

		if (c->fd >= 0 && now - c->last_ns > srv->idle_ms * 1000000ULL)
			rv_api_drop(c);
	}
}

/* @path holds a socket nobody listens on: a previous ringvmm's, to replace. */
static bool rv_api_stale(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool stale;

	if (fd < 0)
		return false;
	stale = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 && errno == ECONNREFUSED;
	close(fd);
	return stale;
}

int rv_api_open(struct rv_api_server *srv, const char *opt, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int ret;

	memset(srv, 0, sizeof(*srv));
	srv->fd = -1;
	srv->idle_ms = RV_API_IDLE_MS;
	for (unsigned int i = 0; i < RV_API_MAX_CLIENTS; i++)
		srv->clients[i].fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path))
		return rv_err(-ENAMETOOLONG, "%s %s: longer than a socket path may be (%zu)", opt,
			      path, sizeof(sa.sun_path) - 1);
	strcpy(sa.sun_path, path);
	if (!lstat(path, &st)) {
		if (!S_ISSOCK(st.st_mode) || !rv_api_stale(&sa))
			return rv_err(-EEXIST, "%s %s: exists%s", opt, path,
				      S_ISSOCK(st.st_mode) ? " and is in use" :
							     " and is not a socket");
		unlink(path);
	}
	srv->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->fd < 0)
		return rv_err(-errno, "%s: socket: %s", opt, strerror(errno));
	/* Mode 0600 from birth: no window where another user may connect. */
	old = umask(0177);
	ret = bind(srv->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret < 0) {
		ret = rv_err(-errno, "%s %s: %s", opt, path, strerror(errno));
		goto out_close;
	}
	strcpy(srv->path, path);
	if (listen(srv->fd, RV_API_MAX_CLIENTS) < 0) {
		ret = rv_err(-errno, "%s %s: listen: %s", opt, path, strerror(errno));
		goto out_unlink;
	}
	return 0;

out_unlink:
	unlink(srv->path);
	srv->path[0] = '\0';
out_close:
	close(srv->fd);
	srv->fd = -1;
	return ret;
}

int rv_api_adopt(struct rv_api_server *srv, int fd, const char *path)
{
	memset(srv, 0, sizeof(*srv));
	srv->idle_ms = RV_API_IDLE_MS;
	for (unsigned int i = 0; i < RV_API_MAX_CLIENTS; i++)
		srv->clients[i].fd = -1;
	srv->fd = fd;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return rv_err(-errno, "control socket (fd %d): %s", fd, strerror(errno));
	/* A path too long was refused by the process that bound it. */
	snprintf(srv->path, sizeof(srv->path), "%s", path);
	return 0;
}

int rv_api_start(struct rv_api_server *srv, struct rv_loop *loop, rv_api_handler handle,
		 void *opaque)
{
	int ret;

	srv->loop = loop;
	srv->handle = handle;
	srv->opaque = opaque;
	for (unsigned int i = 0; i < RV_API_MAX_CLIENTS; i++)
		srv->clients[i].srv = srv;
	ret = rv_loop_add_fd(loop, &srv->accept_watch, srv->fd, POLLIN, rv_api_on_accept, srv,
			     "api");
	if (ret)
		return rv_err(ret, "control socket: cannot watch it: %s", strerror(-ret));
	ret = rv_loop_add_timer(loop, &srv->idle_watch,
				rv_min_u64(RV_API_SWEEP_NS, srv->idle_ms * 1000000ULL / 4),
				rv_api_on_sweep, srv, "api idle");
	if (ret)
		return rv_err(ret, "control socket: cannot start its timer: %s", strerror(-ret));
	return 0;
}

void rv_api_close(struct rv_api_server *srv)
{
	for (unsigned int i = 0; i < RV_API_MAX_CLIENTS; i++)
		rv_api_drop(&srv->clients[i]);
	if (srv->loop) {
		rv_loop_remove(&srv->accept_watch);
		rv_loop_remove(&srv->idle_watch);
	}
	if (srv->fd >= 0)
		close(srv->fd);
	srv->fd = -1;
	if (srv->path[0] && !srv->keep_path)
		unlink(srv->path);
	srv->path[0] = '\0';
}
