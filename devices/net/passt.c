// SPDX-License-Identifier: GPL-2.0
/*
 * The passt backend (`--net passt[=SOCKET]`): networking without root
 * through passt, Debian's user-mode network stack (passt.1). ringvmm
 * either starts `passt --fd N` on one end of a socketpair (passt then
 * serves that one connection and exits when it closes, ringvmm's exit
 * included), or connects to the UNIX socket of a passt the user started
 * (`passt --socket SOCKET`).
 *
 * The wire is QEMU's "stream" netdev protocol: each Ethernet frame is
 * preceded by its length as a 32-bit big-endian number, with no
 * virtio_net_hdr, so no offload crosses it (the device offers none). Both
 * directions are a byte stream, so this side buffers: a bounded output
 * buffer (a full one is -EAGAIN to the device, which then waits for
 * POLLOUT instead of popping more TX buffers) and an input buffer of one
 * largest frame and its prefix. passt is a separate, unprivileged
 * process, but its lengths are still checked: one outside
 * [RV_NET_MIN_FRAME, RV_NET_MAX_FRAME] ends the connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "devices/net/backend.h"
#include "devices/virtio/virtqueue.h"
#include "vmm/util.h"

#define RV_PASST_PREFIX 4
#define RV_PASST_IN_SIZE (RV_PASST_PREFIX + RV_NET_MAX_FRAME)
/* TX: a few largest frames; past it the guest's TX ring holds the rest. */
#define RV_PASST_OUT_SIZE (4 * (RV_PASST_PREFIX + RV_NET_MAX_FRAME))

extern char **environ;

struct rv_net_passt {
	struct rv_net_be be;
	pid_t pid;   /* the passt we started, or 0 */
	int hand_fd; /* a live update's copy of the buffers below, or -1 */
	char what[sizeof(((struct sockaddr_un *)0)->sun_path) + 16];
	size_t in_len;
	size_t out_off, out_len;
	uint8_t in[RV_PASST_IN_SIZE];
	uint8_t out[RV_PASST_OUT_SIZE];
};

static struct rv_net_passt *rv_passt_of(struct rv_net_be *be)
{
	return rv_container_of(be, struct rv_net_passt, be);
}

/* A whole frame at the start of p->in: copy it out behind a zero header. */
static ssize_t rv_passt_take(struct rv_net_passt *p, uint8_t *buf, size_t len)
{
	uint32_t flen;

	if (p->in_len < RV_PASST_PREFIX)
		return -EAGAIN;
	flen = (uint32_t)p->in[0] << 24 | p->in[1] << 16 | p->in[2] << 8 | p->in[3];
	if (flen < RV_NET_MIN_FRAME || flen > RV_NET_MAX_FRAME ||
	    RV_NET_HDR_LEN + (size_t)flen > len) {
		rv_warn("%s: a frame of %u bytes: not the stream protocol; disconnecting", p->what,
			flen);
		return -EPROTO;
	}
	if (p->in_len < RV_PASST_PREFIX + flen)
		return -EAGAIN;
	/* No offloads: flags 0, GSO_NONE; the device fills num_buffers. */
	memset(buf, 0, RV_NET_HDR_LEN);
	memcpy(buf + RV_NET_HDR_LEN, p->in + RV_PASST_PREFIX, flen);
	p->in_len -= RV_PASST_PREFIX + flen;
	memmove(p->in, p->in + RV_PASST_PREFIX + flen, p->in_len);
	return RV_NET_HDR_LEN + flen;
}

static ssize_t rv_passt_recv(struct rv_net_be *be, unsigned int q, void *buf, size_t len)
{
	struct rv_net_passt *p = rv_passt_of(be);
	ssize_t ret = rv_passt_take(p, buf, len);
	ssize_t n;

	if (ret != -EAGAIN)
		return ret;
	/* in[] always has room for the rest of the frame it holds the start of. */
	n = read(be->fd[0], p->in + p->in_len, sizeof(p->in) - p->in_len);
	if (n < 0)
		return errno == EINTR ? -EAGAIN : -errno;
	if (!n)
		return -ECONNRESET;
	p->in_len += n;
	return rv_passt_take(p, buf, len);
}

static int rv_passt_flush(struct rv_net_be *be, unsigned int q)
{
	struct rv_net_passt *p = rv_passt_of(be);

	while (p->out_len) {
		ssize_t n = write(be->fd[0], p->out + p->out_off, p->out_len);

		if (n < 0)
			return errno == EINTR || errno == EAGAIN ? -EAGAIN : -errno;
		p->out_off += n;
		p->out_len -= n;
	}
	p->out_off = 0;
	return 0;
}

static int rv_passt_send(struct rv_net_be *be, unsigned int q, const struct iovec *iov,
			 unsigned int n, size_t len)
{
	struct rv_net_passt *p = rv_passt_of(be);
	size_t flen = len - RV_NET_HDR_LEN; /* the device checked len */
	uint8_t *dst;
	int ret;

	if (p->out_off + p->out_len + RV_PASST_PREFIX + flen > sizeof(p->out)) {
		/* Full: send what is there, then see whether the frame fits. */
		ret = rv_passt_flush(be, q);
		if (ret)
			return ret;
	}
	dst = p->out + p->out_off + p->out_len;
	dst[0] = flen >> 24;
	dst[1] = flen >> 16;
	dst[2] = flen >> 8;
	dst[3] = flen;
	rv_vq_iov_to_buf(iov, n, RV_NET_HDR_LEN, dst + RV_PASST_PREFIX, flen);
	p->out_len += RV_PASST_PREFIX + flen;
	ret = rv_passt_flush(be, q);
	return ret == -EAGAIN ? 0 : ret; /* it is queued: sent later */
}

static const char *rv_passt_describe(struct rv_net_be *be)
{
	return rv_passt_of(be)->what;
}

static void rv_passt_destroy(struct rv_net_be *be)
{
	struct rv_net_passt *p = rv_passt_of(be);

	/* A passt we started serves this one connection: closing ends it. */
	close(be->fd[0]);
	if (p->hand_fd >= 0)
		close(p->hand_fd);
	free(p);
}

/* What a live update's memfd holds before the bytes: in[] then out[]'s unsent part. */
struct rv_passt_handed {
	uint32_t in_len, out_len;
};

/*
 * A live update: the socket, and a memfd with what this side still holds
 * of the byte stream (the start of a frame from passt, frames not yet
 * written to it). Without them the stream would lose its frame
 * boundaries; with them the new process goes on mid-frame.
 */
static int rv_passt_handover(struct rv_net_be *be, int *fds, unsigned int max)
{
	struct rv_net_passt *p = rv_passt_of(be);
	struct rv_passt_handed h = { (uint32_t)p->in_len, (uint32_t)p->out_len };
	int ret;

	if (max < 2)
		return -ENOSPC;
	if (p->hand_fd >= 0)
		close(p->hand_fd);
	p->hand_fd = memfd_create("ringvmm:passt-buffers", MFD_CLOEXEC);
	if (p->hand_fd < 0)
		return rv_err(-errno, "%s: memfd_create: %s", p->what, strerror(errno));
	ret = rv_write_all(p->hand_fd, &h, sizeof(h));
	if (!ret)
		ret = rv_write_all(p->hand_fd, p->in, p->in_len);
	if (!ret)
		ret = rv_write_all(p->hand_fd, p->out + p->out_off, p->out_len);
	if (ret)
		return rv_err(ret, "%s: saving the buffers: %s", p->what, strerror(-ret));
	fds[0] = be->fd[0];
	fds[1] = p->hand_fd;
	return 2;
}

static const struct rv_net_be_ops rv_net_passt_ops = {
	.name = "passt",
	.offloads = false,
	.recv = rv_passt_recv,
	.send = rv_passt_send,
	.flush = rv_passt_flush,
	.handover = rv_passt_handover,
	.describe = rv_passt_describe,
	.destroy = rv_passt_destroy,
};

static int rv_passt_connect(struct rv_net_passt *p, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rv_err(-errno, "--net passt=%s: socket: %s", path, strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = errno;

		close(fd);
		return rv_err(-err, "--net passt=%s: %s (is `passt --socket %s` running?)", path,
			      strerror(err), path);
	}
	p->be.fd[0] = fd;
	snprintf(p->what, sizeof(p->what), "passt=%s", path);
	return 0;
}

/*
 * Start `passt -f -q --fd N` on one end of a socketpair. passt's own log
 * goes nowhere (-l /dev/null: without a syslog it would fill our stderr
 * with complaints); if it dies, the device sees the connection end and
 * says so. Run as root, passt drops to nobody by itself; the numeric
 * --runas spares it a passwd lookup that a minimal system may not have.
 */
static int rv_passt_spawn(struct rv_net_passt *p)
{
	char fdarg[16];
	char *argv[12];
	int sv[2], ret, i = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return rv_err(-errno, "--net passt: socketpair: %s", strerror(errno));
	/* Ours is close-on-exec; passt's end is the one it inherits. */
	if (fcntl(sv[0], F_SETFD, FD_CLOEXEC)) {
		ret = rv_err(-errno, "--net passt: fcntl: %s", strerror(errno));
		goto out_close;
	}
	snprintf(fdarg, sizeof(fdarg), "%d", sv[1]);
	argv[i++] = "passt";
	argv[i++] = "-f";
	argv[i++] = "-q";
	argv[i++] = "-l";
	argv[i++] = "/dev/null";
	if (!geteuid()) {
		argv[i++] = "--runas";
		argv[i++] = "65534:65534";
	}
	argv[i++] = "--fd";
	argv[i++] = fdarg;
	argv[i] = NULL;
	ret = posix_spawnp(&p->pid, "passt", NULL, NULL, argv, environ);
	if (ret) {
		ret = rv_err(-ret, "--net passt: cannot run passt: %s%s", strerror(ret),
			     ret == ENOENT ? " (install Debian's passt package)" : "");
		goto out_close;
	}
	close(sv[1]);
	p->be.fd[0] = sv[0];
	snprintf(p->what, sizeof(p->what), "passt pid %d", (int)p->pid);
	return 0;

out_close:
	close(sv[0]);
	close(sv[1]);
	return ret;
}

int rv_net_passt_open(const struct rv_net_spec *spec, struct rv_net_be **out)
{
	struct rv_net_passt *p;
	int ret;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->be.ops = &rv_net_passt_ops;
	p->be.nr_queues = 1; /* one socket: no VIRTIO_NET_F_MQ */
	p->hand_fd = -1;
	ret = spec->socket[0] ? rv_passt_connect(p, spec->socket) : rv_passt_spawn(p);
	if (ret) {
		free(p);
		return ret;
	}
	/* The loop thread never waits on passt. */
	if (fcntl(p->be.fd[0], F_SETFL, O_NONBLOCK)) {
		ret = rv_err(-errno, "--net passt: O_NONBLOCK: %s", strerror(errno));
		rv_passt_destroy(&p->be);
		return ret;
	}
	*out = &p->be;
	return 0;
}

/* The buffers rv_passt_handover() saved: lengths within ours, nothing more or less. */
static int rv_passt_load_buffers(struct rv_net_passt *p, int fd)
{
	struct rv_passt_handed h;
	struct stat st;

	if (fstat(fd, &st) || pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    h.in_len > sizeof(p->in) || h.out_len > sizeof(p->out) ||
	    (uint64_t)st.st_size != sizeof(h) + (uint64_t)h.in_len + h.out_len)
		return -EINVAL;
	if (pread(fd, p->in, h.in_len, sizeof(h)) != (ssize_t)h.in_len ||
	    pread(fd, p->out, h.out_len, sizeof(h) + h.in_len) != (ssize_t)h.out_len)
		return -EIO;
	p->in_len = h.in_len;
	p->out_len = h.out_len;
	return 0;
}

int rv_net_passt_adopt(const struct rv_net_spec *spec, int *fds, unsigned int nr,
		       struct rv_net_be **out)
{
	struct rv_net_passt *p = NULL;
	int ret = -EINVAL;

	if (nr == 2)
		p = calloc(1, sizeof(*p));
	if (p) {
		p->be.ops = &rv_net_passt_ops;
		p->be.nr_queues = 1;
		p->be.fd[0] = fds[0];
		p->hand_fd = -1;
		fds[0] = -1;
		snprintf(p->what, sizeof(p->what), "passt (handed over)");
		ret = rv_passt_load_buffers(p, fds[1]);
	}
	for (unsigned int i = 0; i < nr; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (ret) {
		if (p)
			rv_passt_destroy(&p->be);
		return rv_err(ret,
			      "--net passt: the handed-over connection (%u fds) or buffers: %s", nr,
			      strerror(-ret));
	}
	*out = &p->be;
	return 0;
}
