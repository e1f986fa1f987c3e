// SPDX-License-Identifier: GPL-2.0
/*
 * The console's output side: guest output to out_fd through a bounded
 * buffer the event loop drains, so that no VMM thread ever blocks on
 * out_fd (vmm/console.h).
 *
 *   device (any thread) --rv_console_write()--> buf (64 KiB) --loop--> out_fd
 *        ^                                       |
 *        +------ tx_ready (loop thread) <--------+ room again
 *
 * When the buffer is empty a writer writes straight to out_fd (without
 * blocking), which costs no wake-up of the loop: the common case of a
 * terminal that keeps up. What does not fit goes to the buffer, and the
 * loop polls out_fd for room. What does not fit in the buffer is refused:
 * the device (the UART) keeps it and stops taking bytes from the guest, so
 * a stdout nobody reads throttles the guest, not the VMM, and a stop
 * request is seen at once (issue: "a guest can make ringvmm unkillable").
 *
 * Never blocking needs a non-blocking write, but O_NONBLOCK is a property
 * of the open file description, which stdout shares with the shell that
 * started us: setting it there would change it for them. So a pipe, FIFO
 * or terminal is reopened through /proc/self/fd, which gives a description
 * of our own; a socket takes send(MSG_DONTWAIT); a regular file never
 * stalls. Should the reopen fail, only the loop writes, at most PIPE_BUF
 * bytes after poll() said POLLOUT, which a pipe takes without blocking.
 *
 * Lock: out.lock guards the buffer and the counters. It is held across
 * one non-blocking write() (never a blocking one) and never while calling
 * out, so it nests inside a device's lock and nothing nests inside it.
 */
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* Pick how to write @fd without blocking (see the top of the file). */
static void rv_console_out_classify(struct rv_console_out *o, int fd)
{
	struct stat st, st2;
	char path[32];
	int fl, nfd;

	o->wfd = fd;
	o->kind = RV_CONSOLE_OUT_POLLED;
	if (fstat(fd, &st) < 0)
		return;
	if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) {
		o->kind = RV_CONSOLE_OUT_FILE;
		return;
	}
	if (S_ISSOCK(st.st_mode)) {
		o->kind = RV_CONSOLE_OUT_SOCKET;
		return;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && (fl & O_NONBLOCK)) {
		o->kind = RV_CONSOLE_OUT_NONBLOCK;
		return;
	}
	/* A description of our own: O_NONBLOCK on it is nobody else's business. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (nfd < 0)
		return;
	if (fstat(nfd, &st2) < 0 || st2.st_dev != st.st_dev || st2.st_ino != st.st_ino) {
		close(nfd);
		return;
	}
	o->wfd = nfd;
	o->own_wfd = true;
	o->kind = RV_CONSOLE_OUT_NONBLOCK;
}

/* One write that does not block: bytes written, or -errno (-EAGAIN: full). */
static ssize_t rv_console_out_raw(struct rv_console_out *o, const uint8_t *p, size_t n)
{
	ssize_t r;

	if (o->kind == RV_CONSOLE_OUT_SOCKET)
		r = send(o->wfd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	else
		r = write(o->wfd, p,
			  o->kind == RV_CONSOLE_OUT_POLLED && n > PIPE_BUF ? PIPE_BUF : n);
	if (r < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return r;
}

/* Lock held: a write failed for good; what is buffered will never go. */
static void rv_console_out_break(struct rv_console_out *o, int err)
{
	if (!o->broken)
		rv_warn("console: writing guest output: %s (discarding it from now on)",
			strerror(err));
	o->broken = true;
	o->dropped += o->len;
	o->head = o->len = 0;
}

/* Lock held: write from the buffer until out_fd is full. */
static void rv_console_out_drain(struct rv_console_out *o)
{
	while (o->len && !o->broken) {
		size_t chunk = RV_CONSOLE_OUT_SIZE - o->head;
		ssize_t n =
			rv_console_out_raw(o, o->buf + o->head, chunk < o->len ? chunk : o->len);

		if (n == -EINTR)
			continue;
		if (n == -EAGAIN || n == 0)
			return;
		if (n < 0) {
			rv_console_out_break(o, -n);
			return;
		}
		o->head = (o->head + n) % RV_CONSOLE_OUT_SIZE;
		o->len -= n;
		o->bytes += n;
		/* POLLED: one write per POLLOUT, the one that cannot block. */
		if (o->kind == RV_CONSOLE_OUT_POLLED)
			return;
	}
	if (!o->len)
		o->head = 0;
}

size_t rv_console_write(struct rv_console *con, const void *buf, size_t len)
{
	struct rv_console_out *o = &con->out;
	const uint8_t *p = buf;
	size_t taken = 0, copy, tail;
	bool kick;

	if (con->out_fd < 0 || !o->buf)
		return len; /* no output configured: nothing to wait for */
	pthread_mutex_lock(&o->lock);
	if (o->broken) {
		o->dropped += len;
		taken = len;
		goto out_unlock;
	}
	/* Straight out while nothing waits before us (order), if it cannot block. */
	if (!o->len && o->kind != RV_CONSOLE_OUT_POLLED) {
		ssize_t n;

		do
			n = rv_console_out_raw(o, p, len);
		while (n == -EINTR);
		if (n < 0 && n != -EAGAIN) {
			rv_console_out_break(o, -n);
			o->dropped += len;
			taken = len;
			goto out_unlock;
		}
		if (n > 0) {
			taken = n;
			o->bytes += n;
		}
	}
	/* The rest into the ring, as far as it goes: at most two copies. */
	copy = len - taken;
	if (copy > RV_CONSOLE_OUT_SIZE - o->len)
		copy = RV_CONSOLE_OUT_SIZE - o->len;
	while (copy) {
		size_t at = (o->head + o->len) % RV_CONSOLE_OUT_SIZE;

		tail = RV_CONSOLE_OUT_SIZE - at < copy ? RV_CONSOLE_OUT_SIZE - at : copy;
		memcpy(o->buf + at, p + taken, tail);
		o->len += tail;
		taken += tail;
		copy -= tail;
	}
	if (taken < len) {
		o->tx_waiting = true;
		o->refused++;
	}
out_unlock:
	kick = o->len && !o->kick_sent && o->kick_fd >= 0;
	if (kick)
		o->kick_sent = true;
	pthread_mutex_unlock(&o->lock);
	if (kick) {
		uint64_t one = 1;

		/* EAGAIN: the counter is non-zero, the loop will look anyway. */
		if (write(o->kick_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			rv_warn("console: writing the output eventfd: %s", strerror(errno));
	}
	return taken;
}

/* Loop thread: out_fd has room. */
static void rv_console_on_writable(void *opaque, int res)
{
	struct rv_console *con = opaque;
	struct rv_console_out *o = &con->out;
	bool empty, ready;

	pthread_mutex_lock(&o->lock);
	if (res < 0)
		rv_console_out_break(o, -res);
	else
		rv_console_out_drain(o);
	empty = !o->len;
	/* Half empty before a refused writer hears of it: no ping-pong per byte. */
	ready = o->tx_waiting && o->len <= RV_CONSOLE_OUT_SIZE / 2;
	if (ready)
		o->tx_waiting = false;
	pthread_mutex_unlock(&o->lock);
	/* From its own callback: no SQE is in flight, the watch may be re-added. */
	if (empty || res < 0) {
		rv_loop_remove(&o->watch);
		o->watching = false;
	}
	if (ready && o->tx_ready)
		o->tx_ready(o->tx_opaque);
}

/* Loop thread: the buffer has bytes; poll out_fd until it is empty. */
static void rv_console_on_kick(void *opaque, int res)
{
	struct rv_console *con = opaque;
	struct rv_console_out *o = &con->out;
	uint64_t v;
	bool want;
	int ret;

	if (res < 0)
		return;
	if (read(o->kick_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		rv_warn("console: reading the output eventfd: %s", strerror(errno));
	pthread_mutex_lock(&o->lock);
	o->kick_sent = false;
	want = o->len && !o->broken;
	pthread_mutex_unlock(&o->lock);
	if (!want || o->watching)
		return;
	ret = rv_loop_add_fd(con->loop, &o->watch, o->wfd, POLLOUT, rv_console_on_writable, con,
			     "console output");
	if (ret) {
		rv_warn("console: cannot poll output: %s", strerror(-ret));
		return;
	}
	o->watching = true;
}

int rv_console_out_init(struct rv_console *con)
{
	struct rv_console_out *o = &con->out;
	int ret;

	o->kick_fd = -1;
	o->wfd = -1;
	if (con->out_fd < 0)
		return 0;
	o->buf = malloc(RV_CONSOLE_OUT_SIZE);
	if (!o->buf)
		return rv_err(-ENOMEM, "console: no memory for the output buffer");
	ret = -pthread_mutex_init(&o->lock, NULL);
	if (ret)
		goto out_free;
	rv_console_out_classify(o, con->out_fd);
	if (!con->loop)
		return 0;
	o->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (o->kick_fd < 0) {
		ret = rv_err(-errno, "console: eventfd: %s", strerror(errno));
		goto out_mutex;
	}
	ret = rv_loop_add_fd(con->loop, &o->kick_watch, o->kick_fd, POLLIN, rv_console_on_kick, con,
			     "console output kick");
	if (ret) {
		ret = rv_err(ret, "console: cannot watch the output eventfd");
		goto out_kick;
	}
	return 0;

out_kick:
	close(o->kick_fd);
	o->kick_fd = -1;
out_mutex:
	if (o->own_wfd)
		close(o->wfd);
	o->own_wfd = false;
	pthread_mutex_destroy(&o->lock);
out_free:
	free(o->buf);
	o->buf = NULL;
	return ret;
}

static int rv_console_ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? (int)ms : 0;
}

void rv_console_flush(struct rv_console *con, int timeout_ms)
{
	struct rv_console_out *o = &con->out;
	struct timespec deadline;

	if (!o->buf)
		return;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&o->lock);
	while (o->len && !o->broken) {
		struct pollfd pfd = { .fd = o->wfd, .events = POLLOUT };
		size_t before = o->len;
		int ms = rv_console_ms_left(&deadline), r;

		/* Never a write that could block: poll first, within the time left. */
		pthread_mutex_unlock(&o->lock);
		r = poll(&pfd, 1, ms);
		pthread_mutex_lock(&o->lock);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		rv_console_out_drain(o);
		if (o->len == before && !rv_console_ms_left(&deadline))
			break;
	}
	/* Whatever could not go in time is counted, not silently lost. */
	o->dropped += o->len;
	o->head = o->len = 0;
	pthread_mutex_unlock(&o->lock);
}

void rv_console_set_tx_ready(struct rv_console *con, void (*fn)(void *opaque), void *opaque)
{
	con->out.tx_opaque = opaque;
	con->out.tx_ready = fn;
}

void rv_console_out_stats(struct rv_console *con, uint64_t *bytes, uint64_t *dropped,
			  uint64_t *refused)
{
	struct rv_console_out *o = &con->out;

	*bytes = *dropped = *refused = 0;
	if (!o->buf)
		return;
	pthread_mutex_lock(&o->lock);
	*bytes = o->bytes;
	*dropped = o->dropped;
	*refused = o->refused;
	pthread_mutex_unlock(&o->lock);
}

/* Loop stopped (or on its thread): whatever is left gets one last try. */
void rv_console_out_destroy(struct rv_console *con)
{
	struct rv_console_out *o = &con->out;

	if (!o->buf)
		return;
	rv_console_flush(con, 0);
	if (o->kick_fd >= 0) {
		rv_loop_remove(&o->kick_watch);
		if (o->watching)
			rv_loop_remove(&o->watch);
		o->watching = false;
		close(o->kick_fd);
		o->kick_fd = -1;
	}
	if (o->own_wfd)
		close(o->wfd);
	o->own_wfd = false;
	pthread_mutex_destroy(&o->lock);
	free(o->buf);
	o->buf = NULL;
}
