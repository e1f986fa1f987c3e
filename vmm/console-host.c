// SPDX-License-Identifier: GPL-2.0
/*
 * The console's host side, --console-out FILE|pty|stdio (vmm/console.h):
 * which fds rv_console_init() gets. Whatever they are, the console's
 * bounded buffering applies (console-out.c): a file, a pty nobody has
 * opened, a terminal that scrolls slowly all throttle the guest's device
 * once 64 KiB wait, never a VMM thread.
 */
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/*
 * A new pty: the master is ours, input and output both. We keep the slave
 * open too, so that the master neither reads EIO nor polls POLLHUP while
 * no user has it open (before the first, between two): input simply waits.
 * Output then queues in the slave's input buffer (a few KiB) and the
 * master's writes stop (EAGAIN, O_NONBLOCK is ours to set here) until a
 * reader comes: bounded, like any other stalled output.
 */
static int rv_console_open_pty(struct rv_console_host *h)
{
	const char *name;
	int ret;

	h->fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (h->fd < 0)
		return rv_err(-errno, "--console-out pty: posix_openpt: %s", strerror(errno));
	if (grantpt(h->fd) || unlockpt(h->fd) || !(name = ptsname(h->fd))) {
		ret = rv_err(-errno, "--console-out pty: %s", strerror(errno));
		goto out_close;
	}
	snprintf(h->pty_name, sizeof(h->pty_name), "%s", name);
	h->slave_fd = open(h->pty_name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (h->slave_fd < 0) {
		ret = rv_err(-errno, "--console-out pty: %s: %s", h->pty_name, strerror(errno));
		goto out_close;
	}
	if (fcntl(h->fd, F_SETFL, fcntl(h->fd, F_GETFL) | O_NONBLOCK) < 0) {
		ret = rv_err(-errno, "--console-out pty: O_NONBLOCK: %s", strerror(errno));
		goto out_slave;
	}
	h->in_fd = h->out_fd = h->fd;
	return 0;

out_slave:
	close(h->slave_fd);
	h->slave_fd = -1;
out_close:
	close(h->fd);
	h->fd = -1;
	return ret;
}

/*
 * A live update's new process: the previous one's file or pty, as new
 * numbers (the handed ones stay open for a fallback, vmm/snapshot/update.c).
 */
static int rv_console_adopt(struct rv_console_host *h, const char *spec, const int *handed,
			    unsigned int nr)
{
	bool pty = !strcmp(spec, "pty");
	const char *name;

	if (nr != (pty ? 2u : 1u))
		return rv_err(-EINVAL, "--console-out %s: %u fds handed over by the update", spec,
			      nr);
	h->fd = fcntl(handed[0], F_DUPFD_CLOEXEC, 3);
	if (h->fd < 0)
		return rv_err(-errno, "--console-out %s: handed fd %d: %s", spec, handed[0],
			      strerror(errno));
	h->out_fd = h->fd;
	if (!pty)
		return 0;
	h->in_fd = h->fd;
	h->slave_fd = fcntl(handed[1], F_DUPFD_CLOEXEC, 3);
	name = h->slave_fd < 0 ? NULL : ptsname(h->fd);
	if (!name) {
		rv_console_close_host(h);
		return rv_err(-EBADF, "--console-out pty: the handed fds are not a pty");
	}
	snprintf(h->pty_name, sizeof(h->pty_name), "%s", name);
	return 0;
}

int rv_console_open_host(struct rv_console_host *h, const char *spec, const int *handed,
			 unsigned int nr_handed)
{
	memset(h, 0, sizeof(*h));
	h->fd = h->slave_fd = -1;
	h->in_fd = 0;
	h->out_fd = 1;
	if (!spec || !strcmp(spec, "stdio"))
		return 0;
	if (handed && nr_handed)
		return rv_console_adopt(h, spec, handed, nr_handed);
	if (!strcmp(spec, "pty"))
		return rv_console_open_pty(h);
	/*
	 * A file: output only; input stays stdin. Truncated, like a log.
	 * O_NONBLOCK: a FIFO nobody reads is an error (ENXIO), not an open
	 * that waits for ever, and one somebody reads is written without
	 * blocking (console-out.c).
	 */
	h->fd = open(spec, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0644);
	if (h->fd < 0)
		return rv_err(-errno, "--console-out %s: %s", spec,
			      errno == ENXIO ? "a FIFO nobody reads" : strerror(errno));
	h->out_fd = h->fd;
	return 0;
}

void rv_console_close_host(struct rv_console_host *h)
{
	if (h->slave_fd >= 0)
		close(h->slave_fd);
	if (h->fd >= 0)
		close(h->fd);
	h->fd = h->slave_fd = -1;
}
