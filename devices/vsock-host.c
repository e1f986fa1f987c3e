// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-vsock's host side (see virtio-vsock.h): the UNIX listener at
 * PATH, host clients' "CONNECT <port>\n" handshake, guest connections to
 * PATH_<port>, and every connection's socket. All of it non-blocking and
 * polled through one epoll fd, which the io_uring loop watches: a
 * connection's fd can then be closed and its slot reused at any moment
 * (an io_uring poll in flight would keep pointing at it), and no vCPU
 * ever waits for a socket.
 *
 * epoll is level-triggered and watches only what a connection can act on
 * now (rv_vsock_conn_watch): EPOLLIN until a read, which then goes on
 * until EAGAIN as the guest's credit and receive buffers allow; EPOLLOUT
 * only after a write said EAGAIN. A connection that wants nothing is not
 * registered at all, so a hung-up socket cannot make the loop spin.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "devices/virtio-vsock.h"
#include "vmm/util.h"

/* epoll data of the listener; a connection's is its index and generation. */
#define RV_VSOCK_EP_LISTENER UINT64_MAX
/* Events handled per wake-up; the rest wait for the next (level-triggered). */
#define RV_VSOCK_EP_BATCH 16

struct rv_vsock_conn *rv_vsock_conn_find(struct rv_vsock *v, uint32_t guest_port,
					 uint32_t host_port)
{
	for (unsigned int i = 0; i < RV_VSOCK_MAX_CONNS; i++) {
		struct rv_vsock_conn *c = &v->conns[i];

		if (c->state != RV_VC_FREE && c->state != RV_VC_HANDSHAKE &&
		    c->guest_port == guest_port && c->host_port == host_port)
			return c;
	}
	return NULL;
}

/* All slots taken: the oldest handshake stuck for handshake_ns gives way. */
static struct rv_vsock_conn *rv_vsock_conn_expire(struct rv_vsock *v, uint64_t now)
{
	struct rv_vsock_conn *old = NULL;

	for (unsigned int i = 0; i < RV_VSOCK_MAX_CONNS; i++) {
		struct rv_vsock_conn *c = &v->conns[i];

		if ((c->state == RV_VC_HANDSHAKE || c->state == RV_VC_CONNECTING) &&
		    now - c->born_ns >= v->handshake_ns && (!old || c->born_ns < old->born_ns))
			old = c;
	}
	if (old) {
		v->stats.expired++;
		rv_vsock_conn_close(v, old, true);
	}
	return old;
}

struct rv_vsock_conn *rv_vsock_conn_alloc(struct rv_vsock *v)
{
	uint64_t now = rv_now_ns();
	struct rv_vsock_conn *c = NULL;
	uint32_t gen;

	for (unsigned int i = 0; i < RV_VSOCK_MAX_CONNS && !c; i++)
		if (v->conns[i].state == RV_VC_FREE)
			c = &v->conns[i];
	if (!c)
		c = rv_vsock_conn_expire(v, now);
	if (c) {
		gen = c->gen + 1;
		memset(c, 0, sizeof(*c));
		c->gen = gen;
		c->born_ns = now;
		c->fd = -1;
		c->ring.cap = RV_VSOCK_BUF_ALLOC;
		c->ring.buf = malloc(RV_VSOCK_BUF_ALLOC);
		if (!c->ring.buf)
			return NULL;
	}
	return c;
}

void rv_vsock_owe_rst(struct rv_vsock *v, uint32_t guest_port, uint32_t host_port)
{
	unsigned int at;

	/* Bounded: a guest that floods us with bad packets loses resets, not memory. */
	if (v->rst_len == RV_VSOCK_MAX_RST) {
		v->stats.rst_dropped++;
		return;
	}
	at = (v->rst_head + v->rst_len++) % RV_VSOCK_MAX_RST;
	v->rst[at].guest_port = guest_port;
	v->rst[at].host_port = host_port;
}

void rv_vsock_conn_close(struct rv_vsock *v, struct rv_vsock_conn *c, bool rst)
{
	if (rst && c->state != RV_VC_HANDSHAKE)
		rv_vsock_owe_rst(v, c->guest_port, c->host_port);
	if (c->fd >= 0) {
		/* Closing the fd takes it out of the epoll set too. */
		close(c->fd);
		c->fd = -1;
	}
	free(c->ring.buf);
	c->ring.buf = NULL;
	c->state = RV_VC_FREE;
	c->ep_events = 0;
}

void rv_vsock_conn_watch(struct rv_vsock *v, struct rv_vsock_conn *c)
{
	struct epoll_event ev = { .data.u64 = (uint64_t)c->gen << 32 | (uint64_t)(c - v->conns) };
	uint32_t want = 0;

	switch (c->state) {
	case RV_VC_HANDSHAKE:
		/* Edge-triggered: a partial line wakes us again only when more comes. */
		want = EPOLLIN | EPOLLET;
		break;
	case RV_VC_CONNECTING:
		/* A host client that gives up before the guest answers. */
		want = EPOLLRDHUP;
		break;
	case RV_VC_ESTABLISHED:
		if (!c->readable && !c->host_eof)
			want |= EPOLLIN;
		if (c->out_blocked)
			want |= EPOLLOUT;
		break;
	default:
		return;
	}
	if (want == c->ep_events)
		return;
	ev.events = want;
	if (!want)
		epoll_ctl(v->ep_fd, EPOLL_CTL_DEL, c->fd, NULL);
	else if (epoll_ctl(v->ep_fd, c->ep_events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &ev))
		rv_warn("%s: epoll: %s", v->dev.name, strerror(errno));
	c->ep_events = want;
}

/* Lock held: the guest shut its sending side and we wrote all it sent. */
static bool rv_vsock_conn_done(struct rv_vsock_conn *c)
{
	if (rv_vsock_ring_len(&c->ring))
		return false;
	/* Both the guest's directions closed (it closed its socket), or both ends' sends. */
	return c->guest_shut_send && (c->guest_shut_rcv || c->host_eof);
}

void rv_vsock_conn_flush(struct rv_vsock *v, struct rv_vsock_conn *c)
{
	while (rv_vsock_ring_len(&c->ring)) {
		uint32_t len;
		const uint8_t *p = rv_vsock_ring_peek(&c->ring, &len);
		ssize_t n = send(c->fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			c->out_blocked = true;
			rv_vsock_conn_watch(v, c);
			return;
		}
		if (n <= 0) {
			/* The host side is gone (EPIPE, ECONNRESET): so is the connection. */
			rv_vsock_conn_close(v, c, true);
			return;
		}
		rv_vsock_ring_consume(&c->ring, n);
		c->fwd_cnt += n;
	}
	c->out_blocked = false;
	/*
	 * Room again: tell the guest once a quarter of its window is free
	 * again. Below that it still has three quarters of credit and need not
	 * wait for us; at it, a sender that ran dry hears before it stalls.
	 */
	if (c->fwd_cnt - c->fwd_cnt_told >= RV_VSOCK_BUF_ALLOC / 4)
		c->owe |= RV_VC_OWE_CREDIT;
	if (c->guest_shut_send && !c->host_shut_wr) {
		shutdown(c->fd, SHUT_WR);
		c->host_shut_wr = true;
	}
	if (rv_vsock_conn_done(c)) {
		rv_vsock_conn_close(v, c, true);
		return;
	}
	rv_vsock_conn_watch(v, c);
}

/* A free host port for a host-initiated connection (no other uses it). */
static uint32_t rv_vsock_host_port(struct rv_vsock *v)
{
	for (;;) {
		uint32_t p = v->next_port++;
		bool used = false;

		if (v->next_port < RV_VSOCK_HOST_PORT_BASE)
			v->next_port = RV_VSOCK_HOST_PORT_BASE;
		for (unsigned int i = 0; i < RV_VSOCK_MAX_CONNS && !used; i++)
			used = v->conns[i].state != RV_VC_FREE && v->conns[i].host_port == p;
		if (!used)
			return p;
	}
}

int rv_vsock_host_connect(struct rv_vsock *v, uint32_t guest_port, uint32_t host_port)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct rv_vsock_conn *c;
	int ret;

	/* The path was bounded at parse time to leave room for "_<port>". */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s_%u", v->path, host_port);
	c = rv_vsock_conn_alloc(v);
	if (!c)
		return -ENOSPC;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		ret = -errno;
		goto out_close;
	}
	/* A UNIX connect completes at once or fails (EAGAIN: its backlog is full). */
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		rv_debug("%s: guest port %u to %s: %s", v->dev.name, guest_port, sa.sun_path,
			 strerror(errno));
		goto out_close;
	}
	c->state = RV_VC_ESTABLISHED;
	c->guest_port = guest_port;
	c->host_port = host_port;
	c->owe |= RV_VC_OWE_RESPONSE;
	v->stats.conns_guest++;
	rv_vsock_conn_watch(v, c);
	return 0;

out_close:
	rv_vsock_conn_close(v, c, false);
	return ret;
}

int rv_vsock_host_accepted(struct rv_vsock *v, struct rv_vsock_conn *c)
{
	char line[32];
	int n = snprintf(line, sizeof(line), "OK %u\n", c->host_port);

	/* A few bytes into a fresh socket's empty buffer: never EAGAIN in practice. */
	if (send(c->fd, line, n, MSG_DONTWAIT | MSG_NOSIGNAL) != n)
		return -EIO;
	c->state = RV_VC_ESTABLISHED;
	rv_vsock_conn_watch(v, c);
	return 0;
}

/* A host client's first bytes: "CONNECT <port>\n", and not one byte more. */
static void rv_vsock_handshake(struct rv_vsock *v, struct rv_vsock_conn *c)
{
	char buf[RV_VSOCK_CONNECT_MAX];
	uint32_t port;
	ssize_t n;
	int len;

	/* Peek: what follows the line is the guest's, and stays in the socket. */
	n = recv(c->fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	len = n > 0 ? rv_vsock_parse_connect(buf, n, &port) : -EINVAL;
	if (!len)
		return; /* the rest of the line is still coming */
	if (len < 0 || recv(c->fd, buf, len, MSG_DONTWAIT) != len) {
		v->stats.refused++;
		rv_vsock_conn_close(v, c, false);
		return;
	}
	c->guest_port = port;
	c->host_port = rv_vsock_host_port(v);
	c->state = RV_VC_CONNECTING;
	c->owe |= RV_VC_OWE_REQUEST;
	v->stats.conns_host++;
	rv_vsock_conn_watch(v, c);
}

static void rv_vsock_accept(struct rv_vsock *v)
{
	for (;;) {
		int fd = accept4(v->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct rv_vsock_conn *c;

		if (fd < 0)
			return; /* EAGAIN: all taken */
		/* Until the driver is up there is no one to connect to. */
		c = (v->t.status & VIRTIO_CONFIG_S_DRIVER_OK) ? rv_vsock_conn_alloc(v) : NULL;
		if (!c) {
			v->stats.refused++;
			close(fd);
			continue;
		}
		c->fd = fd;
		c->state = RV_VC_HANDSHAKE;
		rv_vsock_conn_watch(v, c);
	}
}

static void rv_vsock_conn_event(struct rv_vsock *v, struct rv_vsock_conn *c, uint32_t ev)
{
	switch (c->state) {
	case RV_VC_HANDSHAKE:
		rv_vsock_handshake(v, c);
		break;
	case RV_VC_CONNECTING:
		if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			rv_vsock_conn_close(v, c, true);
		break;
	case RV_VC_ESTABLISHED:
		if (ev & EPOLLOUT) {
			rv_vsock_conn_flush(v, c);
			if (c->state != RV_VC_ESTABLISHED)
				break;
		}
		if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
			/* Read by the pump, as credit and receive buffers allow. */
			c->readable = true;
			rv_vsock_conn_watch(v, c);
		}
		break;
	default:
		break;
	}
}

/* Loop thread: the epoll fd has events. */
static void rv_vsock_on_epoll(void *opaque, int res)
{
	struct rv_vsock *v = opaque;
	struct epoll_event evs[RV_VSOCK_EP_BATCH];
	int n;

	if (res < 0)
		return;
	pthread_mutex_lock(&v->t.lock);
	n = epoll_wait(v->ep_fd, evs, RV_VSOCK_EP_BATCH, 0);
	for (int i = 0; i < n; i++) {
		uint64_t d = evs[i].data.u64;
		struct rv_vsock_conn *c;

		if (d == RV_VSOCK_EP_LISTENER) {
			rv_vsock_accept(v);
			continue;
		}
		c = &v->conns[(uint32_t)d % RV_VSOCK_MAX_CONNS];
		/* Closed (or closed and reused) by an earlier event of this batch. */
		if (c->state == RV_VC_FREE || c->gen != (uint32_t)(d >> 32))
			continue;
		rv_vsock_conn_event(v, c, evs[i].events);
	}
	rv_vsock_rx_pump(v);
	pthread_mutex_unlock(&v->t.lock);
}

/*
 * Bind PATH. A socket file left by an earlier run, which nobody listens
 * on any more, is replaced (ringvmm cannot remove its own at exit: the
 * sandbox allows no unlink); one somebody listens on is an error.
 */
static int rv_vsock_listen(struct rv_vsock *v)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", v->path);
	if (!lstat(v->path, &st) && S_ISSOCK(st.st_mode)) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
		    errno == ECONNREFUSED)
			unlink(v->path);
		if (fd >= 0)
			close(fd);
	}
	v->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (v->listen_fd < 0)
		return rv_err(-errno, "%s: socket: %s", v->dev.name, strerror(errno));
	if (bind(v->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(v->listen_fd, RV_VSOCK_MAX_CONNS))
		return rv_err(-errno, "--vsock uds=%s: %s", v->path,
			      errno == EADDRINUSE ? "in use (another VM listens there?)" :
						    strerror(errno));
	return 0;
}

int rv_vsock_host_init(struct rv_vsock *v)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = RV_VSOCK_EP_LISTENER };
	int ret;

	v->listen_fd = v->ep_fd = -1;
	for (unsigned int i = 0; i < RV_VSOCK_MAX_CONNS; i++)
		v->conns[i].fd = -1;
	v->next_port = RV_VSOCK_HOST_PORT_BASE;
	v->handshake_ns = RV_VSOCK_HANDSHAKE_NS;
	/*
	 * A live update: the previous process's listener, so PATH never
	 * refuses a connection and what waits in its backlog is accepted
	 * here (rv_vsock_handover()).
	 */
	ret = rv_device_adopt_fds(v->t.env, &v->listen_fd, 1);
	if (!ret)
		ret = rv_vsock_listen(v);
	else if (ret > 0 && fcntl(v->listen_fd, F_SETFL, O_NONBLOCK))
		ret = rv_err(-errno, "%s: the handed-over listener: %s", v->dev.name,
			     strerror(errno));
	else if (ret > 0)
		ret = 0;
	if (ret)
		return ret;
	v->ep_fd = epoll_create1(EPOLL_CLOEXEC);
	if (v->ep_fd < 0)
		return rv_err(-errno, "%s: epoll_create1: %s", v->dev.name, strerror(errno));
	if (epoll_ctl(v->ep_fd, EPOLL_CTL_ADD, v->listen_fd, &ev))
		return rv_err(-errno, "%s: epoll_ctl: %s", v->dev.name, strerror(errno));
	if (!v->t.env->loop)
		return 0; /* unit tests drive the device by hand */
	return rv_loop_add_fd(v->t.env->loop, &v->ep_watch, v->ep_fd, POLLIN, rv_vsock_on_epoll, v,
			      v->dev.name);
}

void rv_vsock_host_fini(struct rv_vsock *v)
{
	for (unsigned int i = 0; i < RV_VSOCK_MAX_CONNS; i++)
		if (v->conns[i].state != RV_VC_FREE)
			rv_vsock_conn_close(v, &v->conns[i], false);
	if (v->t.env && v->t.env->loop && v->ep_fd >= 0)
		rv_loop_remove(&v->ep_watch);
	if (v->ep_fd >= 0)
		close(v->ep_fd);
	if (v->listen_fd >= 0)
		close(v->listen_fd);
	v->ep_fd = v->listen_fd = -1;
}
