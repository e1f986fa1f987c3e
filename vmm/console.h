/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMM's console: guest output to an fd (stdout), host input from an fd
 * (stdin) delivered to one device. When the input is a terminal it is put in
 * raw mode, and restored by rv_console_destroy() and on every exit path
 * (rv_console_restore_all() is called from atexit and fatal signal handlers).
 *
 * Input flow control: the device accepts what fits (its FIFO) and calls
 * rv_console_rx_ready() when it has room again; bytes not accepted stay
 * buffered here, so none are lost and the order is kept.
 *
 * Output flow control (vmm/console-out.c): guest output goes through a
 * bounded buffer that the event loop drains; rv_console_write() never
 * blocks. It takes what fits and, when it took less than offered, calls the
 * writer's tx_ready hook (on the loop thread) once there is room again, so
 * a stalled stdout throttles the guest's device, never a VMM thread.
 */
#ifndef RV_CONSOLE_H
#define RV_CONSOLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "loop.h"

/* Returns how many of @len bytes the device took (0..len). */
typedef size_t (*rv_console_rx_fn)(void *opaque, const uint8_t *buf, size_t len);

/*
 * Guest output waiting for out_fd: at most this much. A Linux guest's
 * console prints a few kB per screenful; 64 KiB rides out a terminal that
 * scrolls slowly and bounds what a stalled reader can make us hold.
 */
#define RV_CONSOLE_OUT_SIZE (64 * 1024)
/* How long rv_console_flush() at exit keeps trying, at most. */
#define RV_CONSOLE_FLUSH_MS 300

/* How output reaches out_fd without a VMM thread ever blocking on it. */
enum rv_console_out_kind {
	RV_CONSOLE_OUT_NONBLOCK, /* out_wfd is non-blocking (ours, or already so) */
	RV_CONSOLE_OUT_FILE,	 /* a regular file or block device: writes do not stall */
	RV_CONSOLE_OUT_SOCKET,	 /* send(MSG_DONTWAIT) */
	RV_CONSOLE_OUT_POLLED,	 /* blocking: the loop writes at most PIPE_BUF after POLLOUT */
};

struct rv_console_out {
	pthread_mutex_t lock; /* the buffer, the counters, tx_waiting */
	enum rv_console_out_kind kind;
	int wfd;      /* what we write to: out_fd, or a non-blocking reopen of it */
	bool own_wfd; /* wfd is ours to close */
	bool broken;  /* a write failed for good (EPIPE, EIO): output is discarded */
	uint8_t *buf; /* RV_CONSOLE_OUT_SIZE bytes, a ring */
	size_t head, len;
	bool tx_waiting; /* a writer was refused: call tx_ready on room */
	bool kick_sent;	 /* kick_fd written, the loop has not read it */
	int kick_fd;	 /* eventfd: the buffer has bytes, start polling wfd */
	bool watching;	 /* watch is registered (loop thread only) */
	struct rv_loop_watch kick_watch, watch;
	void (*tx_ready)(void *opaque);
	void *tx_opaque;
	uint64_t bytes, dropped, refused;
};

struct rv_console {
	int in_fd; /* -1: no input */
	int out_fd;
	bool raw; /* in_fd was a tty and is in raw mode */
	struct termios saved;

	struct rv_loop *loop;
	struct rv_loop_watch in_watch;
	struct rv_loop_watch ready_watch;
	int ready_fd; /* eventfd: device has room again (any thread) */

	rv_console_rx_fn rx;
	void *rx_opaque;

	/*
	 * Called on the loop thread when the user types Ctrl-A x (as in
	 * QEMU; Ctrl-A Ctrl-A sends one Ctrl-A to the guest). Set it after
	 * rv_console_init(); while it is NULL, input is passed through
	 * untouched (no escape processing).
	 */
	void (*on_quit)(void *opaque);
	void *quit_opaque;

	uint8_t pending[4096]; /* read from in_fd, not yet taken */
	size_t pending_off, pending_len;
	bool in_eof;
	bool in_watching; /* in_watch is registered with the loop */
	bool got_escape;  /* the last input byte was Ctrl-A */

	struct rv_console_out out;
};

/* @loop may be NULL (no input is read then). */
int rv_console_init(struct rv_console *con, struct rv_loop *loop, int in_fd, int out_fd);
void rv_console_destroy(struct rv_console *con);

/* Deliver input to @rx; one receiver per console (-EBUSY otherwise). */
int rv_console_attach(struct rv_console *con, rv_console_rx_fn rx, void *opaque);
/* Forget the receiver (its device is going away); input stays buffered. */
void rv_console_detach(struct rv_console *con);
/* From any thread: the receiver can take more input now. */
void rv_console_rx_ready(struct rv_console *con);
/*
 * Guest output, from any thread, in the order of the calls; never blocks.
 * Returns how many of @len bytes were taken (written, or buffered for the
 * loop to write). Less than @len: the buffer is full, and @con's tx_ready
 * hook will run on the loop thread when there is room again. Output that
 * can never be written (no out_fd, a closed pipe) is taken and counted as
 * dropped, so a dead terminal does not throttle the guest for ever.
 */
size_t rv_console_write(struct rv_console *con, const void *buf, size_t len);
/* The writer to tell when rv_console_write() has room again (one per console). */
void rv_console_set_tx_ready(struct rv_console *con, void (*fn)(void *opaque), void *opaque);
/*
 * With the guest stopped: write what is buffered, waiting for out_fd at
 * most @timeout_ms in all; what is left then is counted as dropped.
 */
void rv_console_flush(struct rv_console *con, int timeout_ms);
/* Output counters: bytes written, dropped, and writes refused for room. */
void rv_console_out_stats(struct rv_console *con, uint64_t *bytes, uint64_t *dropped,
			  uint64_t *refused);

/* vmm/console-out.c, for rv_console_init() and rv_console_destroy(). */
int rv_console_out_init(struct rv_console *con);
void rv_console_out_destroy(struct rv_console *con);

/*
 * vmm/console-host.c: the host side --console-out names. stdio (or NULL):
 * stdin and stdout; FILE: output to FILE (created or truncated), input
 * stdin; pty: a new pseudo-terminal for both, its slave's name in
 * pty_name for the user.
 */
struct rv_console_host {
	int in_fd, out_fd; /* for rv_console_init() */
	int fd;		   /* what we opened (file, pty master), or -1 */
	int slave_fd;	   /* pty: our own hold on the slave, or -1 */
	char pty_name[64]; /* pty: "/dev/pts/N" */
};

/*
 * @handed (@nr_handed fds, or NULL): a live update's new process takes
 * these over, fd then slave_fd as the old one had them, instead of
 * opening: the same file (not truncated again), the same pty.
 */
int rv_console_open_host(struct rv_console_host *h, const char *spec, const int *handed,
			 unsigned int nr_handed);
void rv_console_close_host(struct rv_console_host *h);

/* Put every terminal back as we found it (atexit, signal handlers). */
void rv_console_restore_all(void);

#endif
