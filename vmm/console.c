// SPDX-License-Identifier: GPL-2.0
/*
 * The VMM console: host input from in_fd (here), guest output to out_fd
 * (console-out.c).
 *
 * Input path (all on the loop thread):
 *
 *   in_fd --POLLIN--> read() into pending --> rx() takes what fits
 *                          ^                        |
 *                          |  rx_ready (eventfd)    | took less than all:
 *                          +------------------------+ stop polling in_fd
 *
 * pending only fills when it is empty, so at most one read's worth of input
 * waits here and the rest waits in the kernel (pipe buffer, tty queue): input
 * is never dropped and never reordered, and a guest that stops reading does
 * not make us spin on a readable fd.
 *
 * The terminal: when in_fd is a tty it is put in raw mode, ISIG included, so
 * Ctrl-C, Ctrl-Z and Ctrl-\ go to the guest like any other byte. The user
 * quits with Ctrl-A x (the on_quit hook, as QEMU's -nographic does), by
 * powering the guest off, or with a signal from another terminal (SIGTERM
 * still stops the VMM). Ctrl-A Ctrl-A sends one Ctrl-A; Ctrl-A followed by
 * any other byte sends both bytes, so nothing typed is lost.
 */
#include "console.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "util.h"

#define RV_CONSOLE_ESCAPE 0x01 /* Ctrl-A */
#define RV_CONSOLE_QUIT 'x'

/*
 * Terminals we changed, restored by rv_console_restore_all() from atexit or a
 * fatal signal handler. A copy (fd + termios) rather than a pointer to the
 * console, so a handler never follows a pointer into freed memory. @state is
 * only touched atomically: 0 free, 1 being filled, 2 valid.
 */
#define RV_CONSOLE_MAX_TTYS 4

static struct rv_console_tty {
	int state;
	int fd;
	struct termios saved;
} rv_console_ttys[RV_CONSOLE_MAX_TTYS];

static int rv_console_tty_register(int fd, const struct termios *saved)
{
	for (unsigned int i = 0; i < RV_CONSOLE_MAX_TTYS; i++) {
		struct rv_console_tty *t = &rv_console_ttys[i];
		int free_slot = 0;

		if (!__atomic_compare_exchange_n(&t->state, &free_slot, 1, false, __ATOMIC_ACQUIRE,
						 __ATOMIC_RELAXED))
			continue;
		t->fd = fd;
		t->saved = *saved;
		/* Release: a handler that sees 2 sees fd and saved too. */
		__atomic_store_n(&t->state, 2, __ATOMIC_RELEASE);
		return 0;
	}
	return -ENOSPC;
}

static void rv_console_tty_unregister(int fd)
{
	for (unsigned int i = 0; i < RV_CONSOLE_MAX_TTYS; i++) {
		struct rv_console_tty *t = &rv_console_ttys[i];

		if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) == 2 && t->fd == fd)
			__atomic_store_n(&t->state, 0, __ATOMIC_RELEASE);
	}
}

/* Async-signal-safe: atomic loads and tcsetattr() (POSIX lists it) only. */
void rv_console_restore_all(void)
{
	for (unsigned int i = 0; i < RV_CONSOLE_MAX_TTYS; i++) {
		struct rv_console_tty *t = &rv_console_ttys[i];

		if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) == 2)
			tcsetattr(t->fd, TCSANOW, &t->saved);
	}
}

static int rv_console_make_raw(struct rv_console *con)
{
	struct termios raw;
	int ret;

	if (tcgetattr(con->in_fd, &con->saved) < 0)
		return rv_err(-errno, "console: tcgetattr: %s", strerror(errno));
	ret = rv_console_tty_register(con->in_fd, &con->saved);
	if (ret)
		return rv_err(ret, "console: more than %d terminals in raw mode",
			      RV_CONSOLE_MAX_TTYS);
	raw = con->saved;
	/* No line editing, no echo, 8-bit clean, and no signals (see top). */
	cfmakeraw(&raw);
	/*
	 * cfmakeraw() also clears OPOST. Keep the output side as the user had
	 * it: a guest printing a bare "\n" (early boot code) then still
	 * returns the carriage, and a Linux guest's "\r\n" looks the same.
	 */
	raw.c_oflag = con->saved.c_oflag;
	/* TCSANOW, not TCSAFLUSH: typed-ahead input is the user's, keep it. */
	if (tcsetattr(con->in_fd, TCSANOW, &raw) < 0) {
		ret = rv_err(-errno, "console: tcsetattr: %s", strerror(errno));
		rv_console_tty_unregister(con->in_fd);
		return ret;
	}
	con->raw = true;
	return 0;
}

static void rv_console_restore(struct rv_console *con)
{
	if (!con->raw)
		return;
	tcsetattr(con->in_fd, TCSANOW, &con->saved);
	rv_console_tty_unregister(con->in_fd);
	con->raw = false;
}

/* Hand pending bytes to the receiver until it takes no more. */
static void rv_console_deliver(struct rv_console *con)
{
	while (con->pending_len && con->rx) {
		size_t n =
			con->rx(con->rx_opaque, con->pending + con->pending_off, con->pending_len);

		if (!n)
			break;
		/* Defensive: a receiver claiming more than offered. */
		if (n > con->pending_len)
			n = con->pending_len;
		con->pending_off += n;
		con->pending_len -= n;
	}
	if (!con->pending_len)
		con->pending_off = 0;
}

/*
 * Stop polling in_fd. Only called from in_watch's own callback: the loop then
 * has no SQE in flight for it (one-shot poll, re-armed after the callback
 * unless removed), so rv_loop_add_fd() may reuse the watch later.
 */
static void rv_console_stop_input(struct rv_console *con)
{
	if (!con->in_watching)
		return;
	rv_loop_remove(&con->in_watch);
	con->in_watching = false;
}

/*
 * Ctrl-A escapes, applied to freshly read bytes in @in, written to @out.
 * @out must hold len + 1 bytes: a Ctrl-A left over from the previous read
 * followed by an ordinary byte gives two. Returns the bytes stored; *quit is
 * set at Ctrl-A x, and what follows it is ignored (we are going away).
 */
static size_t rv_console_filter(struct rv_console *con, const uint8_t *in, size_t len, uint8_t *out,
				bool *quit)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = in[i];

		if (!con->on_quit) {
			out[o++] = c;
		} else if (con->got_escape) {
			con->got_escape = false;
			if (c == RV_CONSOLE_QUIT) {
				*quit = true;
				break;
			}
			if (c != RV_CONSOLE_ESCAPE)
				out[o++] = RV_CONSOLE_ESCAPE;
			out[o++] = c;
		} else if (c == RV_CONSOLE_ESCAPE) {
			con->got_escape = true;
		} else {
			out[o++] = c;
		}
	}
	return o;
}

static void rv_console_on_input(void *opaque, int res)
{
	struct rv_console *con = opaque;
	/* One less than pending: room for a Ctrl-A carried over (filter). */
	uint8_t buf[sizeof(con->pending) - 1];
	bool quit = false;
	ssize_t n;

	if (res < 0) {
		/* The loop does not re-arm a failed poll: input is over. */
		rv_warn("console: polling input: %s", strerror(-res));
		con->in_eof = true;
		rv_console_stop_input(con);
		return;
	}
	rv_console_deliver(con);
	if (con->pending_len) {
		/* Not reached in practice: we stop polling while bytes wait. */
		rv_console_stop_input(con);
		return;
	}
	/*
	 * in_fd keeps the blocking mode it came with (it is often shared with
	 * a shell: flipping O_NONBLOCK on stdin changes it for everyone);
	 * poll() said it is readable.
	 */
	n = read(con->in_fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* EOF (</dev/null, closed pipe, hung-up tty) or an error. */
		if (n < 0)
			rv_warn("console: reading input: %s", strerror(errno));
		con->in_eof = true;
		rv_console_stop_input(con);
		return;
	}
	con->pending_off = 0;
	con->pending_len = rv_console_filter(con, buf, n, con->pending, &quit);
	rv_console_deliver(con);
	if (quit) {
		con->in_eof = true;
		rv_console_stop_input(con);
		con->on_quit(con->quit_opaque);
		return;
	}
	/* The receiver is full: let the kernel hold the rest until rx_ready. */
	if (con->pending_len)
		rv_console_stop_input(con);
}

static void rv_console_on_ready(void *opaque, int res)
{
	struct rv_console *con = opaque;
	uint64_t v;
	int ret;

	if (res < 0)
		return;
	/* Reset the eventfd counter, or its poll fires again at once. */
	if (read(con->ready_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		rv_warn("console: reading the ready eventfd: %s", strerror(errno));
	rv_console_deliver(con);
	if (con->pending_len || con->in_eof || con->in_watching)
		return;
	ret = rv_loop_add_fd(con->loop, &con->in_watch, con->in_fd, POLLIN, rv_console_on_input,
			     con, "console input");
	if (ret) {
		rv_warn("console: cannot poll input: %s", strerror(-ret));
		return;
	}
	con->in_watching = true;
}

int rv_console_init(struct rv_console *con, struct rv_loop *loop, int in_fd, int out_fd)
{
	int ret;

	memset(con, 0, sizeof(*con));
	con->in_fd = in_fd;
	con->out_fd = out_fd;
	con->loop = loop;
	con->ready_fd = -1;
	ret = rv_console_out_init(con);
	if (ret)
		return ret;
	/* Without a loop nobody would read input: leave the terminal alone. */
	if (!loop || in_fd < 0)
		return 0;

	con->ready_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (con->ready_fd < 0) {
		ret = rv_err(-errno, "console: eventfd: %s", strerror(errno));
		goto out_output;
	}
	if (isatty(in_fd)) {
		ret = rv_console_make_raw(con);
		if (ret)
			goto out_eventfd;
	}
	ret = rv_loop_add_fd(loop, &con->ready_watch, con->ready_fd, POLLIN, rv_console_on_ready,
			     con, "console ready");
	if (ret)
		goto out_raw;
	ret = rv_loop_add_fd(loop, &con->in_watch, in_fd, POLLIN, rv_console_on_input, con,
			     "console input");
	if (ret)
		goto out_ready;
	con->in_watching = true;
	return 0;

out_ready:
	/* Queued, not submitted: the loop drops it when it completes. */
	rv_loop_remove(&con->ready_watch);
out_raw:
	rv_console_restore(con);
out_eventfd:
	close(con->ready_fd);
	con->ready_fd = -1;
	ret = rv_err(ret, "console: cannot watch input: %s", strerror(-ret));
out_output:
	rv_console_out_destroy(con);
	return ret;
}

/*
 * Call with the loop stopped (or from the loop thread). An in-flight poll
 * still points at @con until the loop completes or is destroyed, which is
 * why the VM destroys the console before the loop but frees neither early.
 */
void rv_console_destroy(struct rv_console *con)
{
	if (con->loop) {
		rv_loop_remove(&con->in_watch);
		rv_loop_remove(&con->ready_watch);
		con->in_watching = false;
	}
	if (con->ready_fd >= 0)
		close(con->ready_fd);
	con->ready_fd = -1;
	rv_console_out_destroy(con);
	rv_console_restore(con);
	con->rx = NULL;
}

int rv_console_attach(struct rv_console *con, rv_console_rx_fn rx, void *opaque)
{
	if (!rx)
		return -EINVAL;
	if (con->rx)
		return -EBUSY;
	con->rx_opaque = opaque;
	con->rx = rx;
	/* Input that arrived before anyone listened is waiting: kick it. */
	rv_console_rx_ready(con);
	return 0;
}

void rv_console_detach(struct rv_console *con)
{
	con->rx = NULL;
	con->rx_opaque = NULL;
}

void rv_console_rx_ready(struct rv_console *con)
{
	uint64_t one = 1;

	if (con->ready_fd < 0)
		return;
	/* An eventfd write from any thread; EAGAIN means a kick is pending. */
	if (write(con->ready_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		rv_warn("console: writing the ready eventfd: %s", strerror(errno));
}
