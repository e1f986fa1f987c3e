// SPDX-License-Identifier: GPL-2.0
/*
 * The tap backend (`--net tap=NAME`): a TAP interface of the host kernel,
 * created if absent (and gone again when ringvmm exits, unless it was made
 * persistent beforehand, e.g. by `ip tuntap add`).
 *
 * Opened with IFF_VNET_HDR and a 12-byte header (TUNSETVNETHDRSZ), the
 * size of virtio_net_hdr_v1, so each read() and writev() carries exactly
 * the header the guest's driver reads and writes: checksum and
 * segmentation offloads cross unchanged, and the host kernel checks the
 * header again before it builds an skb from it. TUNSETOFFLOAD tells the
 * kernel what the guest accepts on receive, once the driver has chosen
 * (Documentation/networking/tuntap.rst).
 *
 * Several queue pairs (VIRTIO_NET_F_MQ): the tap is opened IFF_MULTI_QUEUE,
 * once per pair (tuntap.rst, "Multiqueue tuntap interface"). The kernel
 * steers a frame to the queue whose fd last wrote a frame of the same flow,
 * which is the spec's automatic receive steering with no work of ours.
 * Pairs the driver has not enabled are detached (TUNSETQUEUE
 * IFF_DETACH_QUEUE), so the kernel queues nothing for them.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "devices/net/backend.h"
#include "vmm/util.h"

struct rv_net_tap {
	struct rv_net_be be;
	char ifname[IFNAMSIZ];
	bool attached[RV_NET_MAX_PAIRS];
};

static ssize_t rv_net_tap_recv(struct rv_net_be *be, unsigned int q, void *buf, size_t len)
{
	ssize_t n = read(be->fd[q], buf, len);

	if (n < 0)
		return errno == EINTR ? -EAGAIN : -errno;
	/*
	 * A frame that filled the whole buffer may have been cut (tun
	 * truncates to the reader's buffer); one shorter than a header and
	 * an Ethernet header is not a frame.
	 */
	if ((size_t)n >= len || n < RV_NET_HDR_LEN + RV_NET_MIN_FRAME)
		return -EMSGSIZE;
	return n;
}

static int rv_net_tap_send(struct rv_net_be *be, unsigned int q, const struct iovec *iov,
			   unsigned int n, size_t len)
{
	ssize_t w = writev(be->fd[q], iov, n);

	if (w < 0)
		return errno == EINTR ? -EAGAIN : -errno;
	/* tun takes a frame whole or not at all. */
	return (size_t)w == len ? 0 : -EIO;
}

static int rv_net_tap_set_offload(struct rv_net_be *be, const struct rv_net_offload *o)
{
	unsigned int flags = 0;

	if (o->csum) {
		flags |= TUN_F_CSUM;
		/* Segmented frames always come with a checksum to fill in. */
		if (o->tso4)
			flags |= TUN_F_TSO4;
		if (o->tso6)
			flags |= TUN_F_TSO6;
	}
	/* The interface's, whichever queue's fd sets it. */
	if (ioctl(be->fd[0], TUNSETOFFLOAD, flags))
		return rv_err(-errno, "tap: TUNSETOFFLOAD 0x%x: %s", flags, strerror(errno));
	return 0;
}

static int rv_net_tap_set_queues(struct rv_net_be *be, unsigned int n)
{
	struct rv_net_tap *tap = rv_container_of(be, struct rv_net_tap, be);

	for (unsigned int q = 1; q < be->nr_queues; q++) {
		struct ifreq ifr = { .ifr_flags = q < n ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE };

		if ((q < n) == tap->attached[q])
			continue;
		if (ioctl(be->fd[q], TUNSETQUEUE, &ifr))
			return rv_err(-errno, "tap %s: TUNSETQUEUE %s queue %u: %s", tap->ifname,
				      q < n ? "attach" : "detach", q, strerror(errno));
		tap->attached[q] = q < n;
	}
	return 0;
}

static const char *rv_net_tap_describe(struct rv_net_be *be)
{
	return rv_container_of(be, struct rv_net_tap, be)->ifname;
}

static void rv_net_tap_destroy(struct rv_net_be *be)
{
	struct rv_net_tap *tap = rv_container_of(be, struct rv_net_tap, be);

	for (unsigned int q = 0; q < be->nr_queues; q++)
		close(be->fd[q]);
	free(tap);
}

/* A live update: every queue's fd; the interface lives on in them. */
static int rv_net_tap_handover(struct rv_net_be *be, int *fds, unsigned int max)
{
	if (be->nr_queues > max)
		return -ENOSPC;
	for (unsigned int q = 0; q < be->nr_queues; q++)
		fds[q] = be->fd[q];
	return (int)be->nr_queues;
}

static const struct rv_net_be_ops rv_net_tap_ops = {
	.name = "tap",
	.offloads = true,
	.recv = rv_net_tap_recv,
	.send = rv_net_tap_send,
	.set_offload = rv_net_tap_set_offload,
	.set_queues = rv_net_tap_set_queues,
	.handover = rv_net_tap_handover,
	.describe = rv_net_tap_describe,
	.destroy = rv_net_tap_destroy,
};

/* One queue's fd on the tap @spec names: 0, -errno (EINVAL is left to the caller to explain). */
static int rv_net_tap_open_queue(const struct rv_net_spec *spec, bool mq, int *fd, char *ifname)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	unsigned int features = 0;
	int ret;

	if (mq)
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
	*fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (*fd < 0)
		return rv_err(-errno, "--net tap=%s: /dev/net/tun: %s%s", spec->ifname,
			      strerror(errno), errno == ENOENT ? " (modprobe tun)" : "");
	if (ioctl(*fd, TUNGETFEATURES, &features) || !(features & IFF_VNET_HDR) ||
	    (mq && !(features & IFF_MULTI_QUEUE))) {
		ret = rv_err(-EOPNOTSUPP, "--net tap=%s: the kernel's tun has no %s", spec->ifname,
			     mq ? "IFF_MULTI_QUEUE" : "IFF_VNET_HDR");
		goto out_close;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", spec->ifname);
	if (ioctl(*fd, TUNSETIFF, &ifr)) {
		ret = -errno;
		if (ret != -EINVAL)
			rv_err(ret, "--net tap=%s: TUNSETIFF: %s%s", spec->ifname, strerror(-ret),
			       ret == -EPERM ? " (creating or opening a tap needs CAP_NET_ADMIN, "
					       "or a tap made for this user by `ip tuntap add`)" :
			       ret == -EBUSY ? " (another process has it open)" :
					       "");
		goto out_close;
	}
	snprintf(ifname, IFNAMSIZ, "%s", ifr.ifr_name);
	return 0;

out_close:
	close(*fd);
	*fd = -1;
	return ret;
}

int rv_net_tap_open(const struct rv_net_spec *spec, unsigned int queues, struct rv_net_be **out)
{
	int hdr_len = RV_NET_HDR_LEN;
	struct rv_net_tap *tap;
	unsigned int q;
	int ret;

	tap = calloc(1, sizeof(*tap));
	if (!tap)
		return -ENOMEM;
	tap->be.ops = &rv_net_tap_ops;
	for (q = 0; q < queues; q++) {
		ret = rv_net_tap_open_queue(spec, queues > 1, &tap->be.fd[q], tap->ifname);
		/*
		 * EINVAL: the name is taken by a tun, or by a tap made without
		 * (or with) multi_queue. The default of one pair per vCPU gives
		 * way to a single-queue tap the user made.
		 */
		if (ret == -EINVAL && q == 0 && queues > 1 && !spec->queues) {
			rv_warn("--net tap=%s: not a multi_queue tap: one queue pair",
				spec->ifname);
			queues = 1;
			ret = rv_net_tap_open_queue(spec, false, &tap->be.fd[q], tap->ifname);
		}
		if (ret == -EINVAL)
			ret = rv_err(ret,
				     "--net tap=%s: TUNSETIFF: %s (is the name taken by a tun, or "
				     "by a tap made %s multi_queue? queues=%u)",
				     spec->ifname, strerror(EINVAL),
				     queues > 1 ? "without" : "with", queues);
		if (ret)
			goto out_close;
		tap->be.nr_queues = q + 1;
		tap->attached[q] = true;
	}
	if (ioctl(tap->be.fd[0], TUNSETVNETHDRSZ, &hdr_len)) {
		ret = rv_err(-errno, "--net tap=%s: TUNSETVNETHDRSZ %d: %s", spec->ifname, hdr_len,
			     strerror(errno));
		goto out_close;
	}
	/* No offloads until the guest's driver says what it accepts. */
	ret = rv_net_tap_set_offload(&tap->be, &(struct rv_net_offload){ 0 });
	if (ret)
		goto out_close;
	/* Pair 0 alone until the driver enables more (VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET). */
	ret = rv_net_tap_set_queues(&tap->be, 1);
	if (ret)
		goto out_close;
	*out = &tap->be;
	return 0;

out_close:
	for (q = 0; q < tap->be.nr_queues; q++)
		close(tap->be.fd[q]);
	free(tap);
	return ret;
}

/*
 * The queues a live update handed over: the same interface (a tap ringvmm
 * created lives as long as one of its fds: its addresses, routes and link
 * state stay), its offloads as the guest's driver set them, and each
 * queue attached or detached as it was (TUNGETIFF fails with EBADFD on a
 * detached queue's fd).
 */
int rv_net_tap_adopt(const struct rv_net_spec *spec, int *fds, unsigned int nr,
		     struct rv_net_be **out)
{
	struct rv_net_tap *tap;
	unsigned int q;
	int ret = 0;

	tap = calloc(1, sizeof(*tap));
	if (!tap) {
		ret = -ENOMEM;
		goto out_close;
	}
	tap->be.ops = &rv_net_tap_ops;
	for (q = 0; q < nr && q < RV_NET_MAX_PAIRS; q++) {
		struct ifreq ifr = { 0 };

		tap->be.fd[q] = fds[q];
		tap->be.nr_queues = q + 1;
		fds[q] = -1;
		if (!ioctl(tap->be.fd[q], TUNGETIFF, &ifr)) {
			tap->attached[q] = true;
			if (!q)
				snprintf(tap->ifname, sizeof(tap->ifname), "%s", ifr.ifr_name);
			if ((ifr.ifr_flags & (IFF_TAP | IFF_VNET_HDR)) != (IFF_TAP | IFF_VNET_HDR))
				ret = -EINVAL;
		} else if (errno != EBADFD || !q) {
			ret = -errno;
		}
		if (ret) {
			ret = rv_err(ret, "--net tap=%s: handed-over queue %u is not a tap's: %s",
				     spec->ifname, q, strerror(-ret));
			break;
		}
	}
	if (!ret && (!nr || nr > RV_NET_MAX_PAIRS))
		ret = rv_err(-EINVAL, "--net tap=%s: %u queues handed over", spec->ifname, nr);
	if (ret) {
		rv_net_tap_destroy(&tap->be);
		goto out_close;
	}
	*out = &tap->be;
	return 0;

out_close:
	for (q = 0; q < nr; q++)
		if (fds[q] >= 0)
			close(fds[q]);
	return ret;
}
