// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the console on the real io_uring loop, with pipes for input
 * and output and a fake receiver with a settable amount of room: input order,
 * buffering and backpressure (no polling while the receiver is full), Ctrl-A
 * escapes, EOF, bounded output that never blocks (a stdout nobody reads),
 * raw mode on a pseudo-terminal, and --console-out's stdio, FILE and pty
 * (both ways through a new pty, and a pty nobody reads).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "vmm/console.h"
#include "vmm/loop.h"
#include "vmm/util.h"

struct fx {
	struct rv_loop loop;
	struct rv_console con;
	struct rv_loop_watch tick;
	int in[2], out[2];
	uint8_t got[8192];
	size_t got_len;
	size_t want_len; /* for run_until_got() */
	size_t room;	 /* what the fake receiver takes, like a device FIFO */
	unsigned int rx_calls;
	unsigned int quits;
	unsigned int tx_ready_calls;
	bool (*cond)(struct fx *f);
	uint64_t deadline;
};

static size_t fake_rx(void *opaque, const uint8_t *buf, size_t len)
{
	struct fx *f = opaque;
	size_t n = len < f->room ? len : f->room;

	f->rx_calls++;
	assert_true(f->got_len + n <= sizeof(f->got));
	memcpy(f->got + f->got_len, buf, n);
	f->got_len += n;
	f->room -= n;
	return n;
}

static void fake_quit(void *opaque)
{
	((struct fx *)opaque)->quits++;
}

/* Every millisecond: stop the loop when the condition holds or time is up. */
static void on_tick(void *opaque, int res)
{
	struct fx *f = opaque;

	(void)res;
	if (f->cond(f) || rv_now_ns() > f->deadline)
		rv_loop_stop(&f->loop);
}

static bool never(struct fx *f)
{
	(void)f;
	return false;
}

/* Run the loop until @cond holds (true) or @ms pass (false). */
static bool run_until(struct fx *f, bool (*cond)(struct fx *), unsigned int ms)
{
	f->cond = cond;
	f->deadline = rv_now_ns() + ms * 1000000ULL;
	/* rv_loop_run() returns once stopped; let it run again. */
	f->loop.stopping = false;
	assert_int_equal(rv_loop_run(&f->loop), 0);
	return cond(f);
}

static bool got_want(struct fx *f)
{
	return f->got_len == f->want_len;
}

/* Run the loop until the receiver holds exactly @len bytes, or @ms pass. */
static bool run_until_got(struct fx *f, size_t len, unsigned int ms)
{
	f->want_len = len;
	return run_until(f, got_want, ms);
}

static void put(int fd, const void *buf, size_t len)
{
	assert_int_equal(rv_write_all(fd, buf, len), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(pipe2(f->in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(f->out, O_CLOEXEC), 0);
	assert_int_equal(rv_loop_init(&f->loop, 16), 0);
	assert_int_equal(rv_loop_add_timer(&f->loop, &f->tick, 1000000, on_tick, f, "test tick"),
			 0);
	assert_int_equal(rv_console_init(&f->con, &f->loop, f->in[0], f->out[1]), 0);
	f->room = sizeof(f->got);
	*state = f;
	return 0;
}

/* For tests that set up their own console on the fixture's loop. */
static int setup_bare(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(pipe2(f->in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(f->out, O_CLOEXEC), 0);
	assert_int_equal(rv_loop_init(&f->loop, 16), 0);
	assert_int_equal(rv_loop_add_timer(&f->loop, &f->tick, 1000000, on_tick, f, "test tick"),
			 0);
	f->con.ready_fd = -1; /* nothing to close in teardown */
	f->room = sizeof(f->got);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	rv_console_destroy(&f->con);
	rv_loop_destroy(&f->loop);
	for (int i = 0; i < 2; i++) {
		if (f->in[i] >= 0)
			close(f->in[i]);
		if (f->out[i] >= 0)
			close(f->out[i]);
	}
	free(f);
	return 0;
}

static bool throttled_7(struct fx *f)
{
	return f->con.pending_len == 7 && !f->con.in_watching;
}

static void test_input_in_order(void **state)
{
	struct fx *f = *state;

	assert_int_equal(rv_console_attach(&f->con, fake_rx, f), 0);
	put(f->in[1], "hello", 5);
	assert_true(run_until_got(f, 5, 2000));
	assert_memory_equal(f->got, "hello", 5);
	assert_true(f->con.in_watching);
}

static void test_backpressure(void **state)
{
	struct fx *f = *state;
	unsigned int calls;
	int avail = 0;

	assert_int_equal(rv_console_attach(&f->con, fake_rx, f), 0);
	f->room = 4;
	put(f->in[1], "hello world", 11);
	assert_true(run_until(f, throttled_7, 2000));
	assert_int_equal(f->got_len, 4);
	assert_memory_equal(f->got, "hell", 4);

	/* Full receiver: newer input stays in the pipe, nobody spins on it. */
	put(f->in[1], "XYZ", 3);
	calls = f->rx_calls;
	assert_false(run_until(f, never, 30));
	assert_int_equal(f->rx_calls, calls);
	assert_int_equal(f->got_len, 4);
	assert_false(f->con.in_watch.armed);
	assert_int_equal(ioctl(f->in[0], FIONREAD, &avail), 0);
	assert_int_equal(avail, 3);

	/* Room for two: the buffered bytes come first. */
	f->room = 2;
	rv_console_rx_ready(&f->con);
	assert_true(run_until_got(f, 6, 2000));
	assert_memory_equal(f->got, "hello ", 6);
	assert_false(f->con.in_watching);

	/* Room for all: pending drains, then polling resumes for the pipe. */
	f->room = 100;
	rv_console_rx_ready(&f->con);
	assert_true(run_until_got(f, 14, 2000));
	assert_memory_equal(f->got, "hello worldXYZ", 14);
	assert_true(f->con.in_watching);
	assert_int_equal(f->con.pending_len, 0);
}

static bool pending_3(struct fx *f)
{
	return f->con.pending_len == 3 && !f->con.in_watching;
}

static void test_attach_delivers_early_input(void **state)
{
	struct fx *f = *state;

	put(f->in[1], "abc", 3);
	assert_true(run_until(f, pending_3, 2000));
	assert_int_equal(rv_console_attach(&f->con, fake_rx, f), 0);
	assert_true(run_until_got(f, 3, 2000));
	assert_memory_equal(f->got, "abc", 3);
}

static bool escape_seen(struct fx *f)
{
	return f->con.got_escape;
}
static bool quit_seen(struct fx *f)
{
	return f->quits == 1;
}

static void test_escape(void **state)
{
	struct fx *f = *state;

	f->con.on_quit = fake_quit;
	f->con.quit_opaque = f;
	assert_int_equal(rv_console_attach(&f->con, fake_rx, f), 0);

	/* ^A^A is one ^A; ^A then another byte sends both. */
	put(f->in[1],
	    "a\x01\x01"
	    "b\x01"
	    "cd",
	    7);
	assert_true(run_until_got(f, 6, 2000));
	assert_memory_equal(f->got,
			    "a\x01"
			    "b\x01"
			    "cd",
			    6);

	/* The escape may straddle two reads. */
	put(f->in[1], "\x01", 1);
	assert_true(run_until(f, escape_seen, 2000));
	put(f->in[1], "xzz", 3);
	assert_true(run_until(f, quit_seen, 2000));
	assert_int_equal(f->got_len, 6);
	assert_true(f->con.in_eof);
	assert_false(f->con.in_watching);
}

static void test_escape_off_without_hook(void **state)
{
	struct fx *f = *state;

	assert_int_equal(rv_console_attach(&f->con, fake_rx, f), 0);
	put(f->in[1], "\x01x", 2);
	assert_true(run_until_got(f, 2, 2000));
	assert_memory_equal(f->got, "\x01x", 2);
	assert_int_equal(f->quits, 0);
}

static bool eof_and_3(struct fx *f)
{
	return f->con.in_eof && f->got_len == 3;
}

static void test_eof(void **state)
{
	struct fx *f = *state;
	unsigned int calls;

	assert_int_equal(rv_console_attach(&f->con, fake_rx, f), 0);
	f->room = 1;
	put(f->in[1], "abc", 3);
	close(f->in[1]);
	f->in[1] = -1;
	assert_true(run_until_got(f, 1, 2000));
	f->room = 1;
	rv_console_rx_ready(&f->con);
	assert_true(run_until_got(f, 2, 2000));
	/* Bytes read before EOF are still delivered, then input stops. */
	f->room = 10;
	rv_console_rx_ready(&f->con);
	assert_true(run_until(f, eof_and_3, 2000));
	assert_memory_equal(f->got, "abc", 3);
	assert_false(f->con.in_watching);

	/* No busy loop on the dead fd, and rx_ready does not revive it. */
	calls = f->rx_calls;
	rv_console_rx_ready(&f->con);
	assert_false(run_until(f, never, 30));
	assert_false(f->con.in_watch.armed);
	assert_false(f->con.in_watching);
	assert_int_equal(f->rx_calls, calls);
}

static bool eof_seen(struct fx *f)
{
	return f->con.in_eof;
}

static void test_dev_null_input(void **state)
{
	struct fx *f = *state;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(rv_console_init(&f->con, &f->loop, fd, f->out[1]), 0);
	assert_false(f->con.raw);
	assert_int_equal(rv_console_attach(&f->con, fake_rx, f), 0);
	assert_true(run_until(f, eof_seen, 2000));
	assert_false(f->con.in_watching);
	assert_int_equal(f->got_len, 0);
	rv_console_destroy(&f->con);
	close(fd);
	/* teardown destroys it again: that must be harmless. */
}

struct drain {
	int fd;
	uint8_t *buf;
	size_t len;
};

static void *drain_thread(void *arg)
{
	struct drain *d = arg;
	ssize_t n;

	usleep(50000); /* let the writer hit EAGAIN first */
	while ((n = read(d->fd, d->buf + d->len, 65536)) > 0)
		d->len += n;
	return NULL;
}

static void on_tx_ready(void *opaque)
{
	((struct fx *)opaque)->tx_ready_calls++;
}

static bool tx_ready_called(struct fx *f)
{
	return f->tx_ready_calls > 0;
}

/* Offer src[*off..total) in odd-sized pieces until one is refused in part. */
static void offer(struct fx *f, const uint8_t *src, size_t total, size_t *off)
{
	size_t chunk = 1;

	while (*off < total) {
		size_t n = total - *off < chunk ? total - *off : chunk;
		size_t took = rv_console_write(&f->con, src + *off, n);

		assert_true(took <= n);
		*off += took;
		if (took < n)
			return;
		chunk = chunk * 3 % 7919 + 1; /* 1 byte to ~8 KiB */
	}
}

/*
 * stdout a blocking pipe nobody reads: no write blocks; the console takes
 * what fits (the pipe, then its buffer) and refuses the rest; tx_ready
 * comes only once a reader made room; every byte arrives once, in order;
 * and the pipe's description, shared with whoever started us, stays
 * blocking. Before the bounded buffer, the first write here never returned.
 */
static void test_output_bounded(void **state)
{
	struct fx *f = *state;
	const size_t total = 1024 * 1024;
	uint8_t *src = malloc(total);
	struct drain d = { .fd = f->out[0], .buf = malloc(total + 65536) };
	uint64_t t0 = rv_now_ns(), bytes, dropped, refused;
	size_t off = 0;
	pthread_t t;

	assert_non_null(src);
	assert_non_null(d.buf);
	for (size_t i = 0; i < total; i++)
		src[i] = (uint8_t)(i * 7 + (i >> 9));
	fcntl(f->out[1], F_SETPIPE_SZ, 4096);
	rv_console_set_tx_ready(&f->con, on_tx_ready, f);
	offer(f, src, total, &off);
	assert_true(rv_now_ns() - t0 < 1000000000ULL);
	assert_true(off >= RV_CONSOLE_OUT_SIZE);
	assert_true(off < total);
	assert_int_equal(fcntl(f->out[1], F_GETFL) & O_NONBLOCK, 0);
	/* Nobody reads: no room, so no call. */
	assert_false(run_until(f, tx_ready_called, 30));

	assert_int_equal(pthread_create(&t, NULL, drain_thread, &d), 0);
	while (off < total) {
		assert_true(run_until(f, tx_ready_called, 5000));
		f->tx_ready_calls = 0;
		offer(f, src, total, &off);
	}
	rv_console_flush(&f->con, 5000);
	rv_console_out_stats(&f->con, &bytes, &dropped, &refused);
	assert_int_equal(bytes, total);
	assert_int_equal(dropped, 0);
	assert_true(refused > 0);
	/* EOF for the reader: our reopened description is a writer too. */
	rv_console_destroy(&f->con);
	close(f->out[1]);
	f->out[1] = -1;
	pthread_join(t, NULL);
	assert_int_equal(d.len, total);
	assert_memory_equal(d.buf, src, total);
	free(src);
	free(d.buf);
}

/* At exit with nobody reading: the flush gives up in time and counts the rest. */
static void test_flush_counts_dropped(void **state)
{
	struct fx *f = *state;
	static uint8_t src[256 * 1024];
	uint64_t t0, bytes, dropped, refused;
	size_t off = 0;

	fcntl(f->out[1], F_SETPIPE_SZ, 4096);
	offer(f, src, sizeof(src), &off);
	t0 = rv_now_ns();
	rv_console_flush(&f->con, 100);
	assert_true(rv_now_ns() - t0 < 500000000ULL);
	rv_console_out_stats(&f->con, &bytes, &dropped, &refused);
	assert_int_equal(bytes + dropped, off);
	assert_int_equal(dropped, RV_CONSOLE_OUT_SIZE);
	/* A closed pipe: output is counted as dropped, never a throttled guest. */
	signal(SIGPIPE, SIG_IGN); /* as main() does */
	close(f->out[0]);
	f->out[0] = -1;
	assert_int_equal(rv_console_write(&f->con, "abc", 3), 3);
	rv_console_out_stats(&f->con, &bytes, &dropped, &refused);
	assert_int_equal(dropped, RV_CONSOLE_OUT_SIZE + 3);
}

static void test_no_loop(void **state)
{
	struct fx *f = *state;
	struct rv_console con;
	char buf[8];

	(void)state;
	assert_int_equal(rv_console_init(&con, NULL, f->in[0], f->out[1]), 0);
	assert_int_equal(con.ready_fd, -1);
	assert_false(con.in_watching);
	assert_int_equal(rv_console_attach(&con, fake_rx, f), 0);
	assert_int_equal(rv_console_attach(&con, fake_rx, f), -EBUSY);
	rv_console_detach(&con);
	assert_int_equal(rv_console_attach(&con, fake_rx, f), 0);
	assert_int_equal(rv_console_attach(&con, NULL, f), -EINVAL);
	rv_console_rx_ready(&con); /* a no-op without a loop */
	assert_int_equal(rv_console_write(&con, "ok", 2), 2);
	assert_int_equal(read(f->out[0], buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "ok", 2);
	rv_console_destroy(&con);

	/* No output fd: output is dropped, not an error. */
	assert_int_equal(rv_console_init(&con, NULL, -1, -1), 0);
	assert_int_equal(rv_console_write(&con, "x", 1), 1);
	rv_console_destroy(&con);
}

static void test_raw_tty(void **state)
{
	struct fx *f = *state;
	struct termios orig, now;
	int master, slave;

	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) || unlockpt(master)) {
		skip(); /* no /dev/ptmx in this sandbox */
		return;
	}
	slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(slave >= 0);
	assert_int_equal(tcgetattr(slave, &orig), 0);
	assert_true(orig.c_lflag & ISIG);

	assert_int_equal(rv_console_init(&f->con, &f->loop, slave, f->out[1]), 0);
	assert_true(f->con.raw);
	assert_int_equal(tcgetattr(slave, &now), 0);
	assert_int_equal(now.c_lflag & (ICANON | ECHO | ISIG | IEXTEN), 0);
	assert_int_equal(now.c_iflag & (ICRNL | IXON), 0);
	assert_int_equal(now.c_oflag, orig.c_oflag);

	/* Ctrl-C and CR arrive as bytes: no signal, no translation. */
	assert_int_equal(rv_console_attach(&f->con, fake_rx, f), 0);
	put(master, "q\x03\r\x1a", 4);
	assert_true(run_until_got(f, 4, 2000));
	assert_memory_equal(f->got, "q\x03\r\x1a", 4);

	/* The async-signal-safe path restores it... */
	rv_console_restore_all();
	assert_int_equal(tcgetattr(slave, &now), 0);
	assert_int_equal(now.c_lflag, orig.c_lflag);
	assert_int_equal(now.c_iflag, orig.c_iflag);

	/* ...and so does destroy, which also forgets the terminal. */
	assert_int_equal(tcsetattr(slave, TCSANOW, &f->con.saved), 0);
	rv_console_destroy(&f->con);
	assert_false(f->con.raw);
	assert_int_equal(tcgetattr(slave, &now), 0);
	assert_int_equal(now.c_lflag, orig.c_lflag);
	now.c_lflag &= ~ECHO;
	assert_int_equal(tcsetattr(slave, TCSANOW, &now), 0);
	rv_console_restore_all(); /* must not touch a destroyed console's tty */
	assert_int_equal(tcgetattr(slave, &now), 0);
	assert_int_equal(now.c_lflag & ECHO, 0);
	close(slave);
	close(master);
}

/* --console-out stdio and FILE (vmm/console-host.c). */
static void test_host_file(void **state)
{
	struct fx *f = *state;
	struct rv_console_host h;
	char path[] = "/tmp/rv-console-XXXXXX", buf[16];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	put(fd, "old contents", 12);
	close(fd);
	assert_int_equal(rv_console_open_host(&h, NULL, NULL, 0), 0);
	assert_int_equal(h.in_fd, 0);
	assert_int_equal(h.out_fd, 1);
	assert_int_equal(h.fd, -1);
	assert_int_equal(rv_console_open_host(&h, "stdio", NULL, 0), 0);
	assert_int_equal(h.out_fd, 1);
	/* A file: truncated, output only, input stays stdin. */
	assert_int_equal(rv_console_open_host(&h, path, NULL, 0), 0);
	assert_int_equal(h.in_fd, 0);
	assert_true(h.out_fd >= 0 && h.out_fd == h.fd);
	assert_int_equal(rv_console_init(&f->con, &f->loop, -1, h.out_fd), 0);
	assert_int_equal(rv_console_write(&f->con, "guest", 5), 5);
	rv_console_destroy(&f->con);
	rv_console_close_host(&h);
	fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "guest", 5);
	close(fd);
	/*
	 * A live update hands the file over: the new process writes on
	 * after what is there (not truncated again), and the handed fd
	 * stays open for a fallback.
	 */
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 3);
	assert_int_equal(rv_console_open_host(&h, path, &fd, 1), 0);
	assert_true(h.fd >= 0 && h.fd != fd && h.out_fd == h.fd);
	put(h.out_fd, "+new", 4);
	rv_console_close_host(&h);
	assert_true(fcntl(fd, F_GETFD) >= 0);
	close(fd);
	fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), 9);
	assert_memory_equal(buf, "guest+new", 9);
	close(fd);
	unlink(path);
	/* The wrong number of handed fds for the kind: refused, naming the option. */
	fd = 1;
	assert_int_equal(rv_console_open_host(&h, "pty", &fd, 1), -EINVAL);
	assert_non_null(strstr(rv_err_msg(), "--console-out pty"));
	/* A directory that is not there: one error naming the option. */
	rv_err_clear();
	assert_int_equal(rv_console_open_host(&h, "/nonexistent-dir/x", NULL, 0), -ENOENT);
	assert_non_null(strstr(rv_err_msg(), "--console-out /nonexistent-dir/x"));
}

/*
 * --console-out pty: both ways through a new pty, whose master is ours
 * and non-blocking; output nobody reads is refused once buffers are full,
 * without a write that blocks.
 */
static void test_host_pty(void **state)
{
	struct fx *f = *state;
	static uint8_t src[1024 * 1024];
	struct rv_console_host h;
	uint64_t t0 = rv_now_ns();
	char buf[16];
	size_t off = 0;
	int user;

	if (rv_console_open_host(&h, "pty", NULL, 0)) {
		skip(); /* no /dev/ptmx in this sandbox */
		return;
	}
	assert_int_equal(strncmp(h.pty_name, "/dev/pts/", 9), 0);
	assert_true(h.in_fd == h.fd && h.out_fd == h.fd && h.slave_fd >= 0);
	assert_true(fcntl(h.fd, F_GETFL) & O_NONBLOCK);
	assert_int_equal(rv_console_init(&f->con, &f->loop, h.in_fd, h.out_fd), 0);
	assert_int_equal(rv_console_attach(&f->con, fake_rx, f), 0);
	user = open(h.pty_name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(user >= 0);
	/* The user types; the device gets it (raw: no echo, no line editing). */
	put(user, "hi\r", 3);
	assert_true(run_until_got(f, 3, 2000));
	assert_memory_equal(f->got, "hi\r", 3);
	assert_int_equal(rv_console_write(&f->con, "out", 3), 3);
	assert_int_equal(read(user, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "out", 3);
	close(user);
	/* Nobody reads now: a bounded amount is taken, fast. */
	offer(f, src, sizeof(src), &off);
	assert_true(off < sizeof(src));
	assert_true(rv_now_ns() - t0 < 2000000000ULL);
	rv_console_flush(&f->con, 10);
	rv_console_destroy(&f->con);
	/* A live update hands both over: the same pty, the same name. */
	{
		struct rv_console_host h2;
		int handed[2] = { h.fd, h.slave_fd };

		assert_int_equal(rv_console_open_host(&h2, "pty", handed, 2), 0);
		assert_string_equal(h2.pty_name, h.pty_name);
		assert_true(h2.in_fd == h2.fd && h2.out_fd == h2.fd && h2.fd != h.fd);
		rv_console_close_host(&h2);
	}
	rv_console_close_host(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_input_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backpressure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_delivers_early_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escape_off_without_hook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dev_null_input, setup_bare, teardown),
		cmocka_unit_test_setup_teardown(test_output_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_counts_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_loop, setup_bare, teardown),
		cmocka_unit_test_setup_teardown(test_raw_tty, setup_bare, teardown),
		cmocka_unit_test_setup_teardown(test_host_file, setup_bare, teardown),
		cmocka_unit_test_setup_teardown(test_host_pty, setup_bare, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
