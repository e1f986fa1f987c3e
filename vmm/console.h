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
 */
#ifndef RV_CONSOLE_H
#define RV_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "loop.h"

/* Returns how many of @len bytes the device took (0..len). */
typedef size_t (*rv_console_rx_fn)(void *opaque, const uint8_t *buf, size_t len);

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
/* Guest output, written whole and in order (the caller serialises). */
int rv_console_write(struct rv_console *con, const void *buf, size_t len);

/* Put every terminal back as we found it (atexit, signal handlers). */
void rv_console_restore_all(void);

#endif
