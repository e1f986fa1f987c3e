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
};

static ssize_t rv_net_tap_recv(struct rv_net_be *be, void *buf, size_t len)
{
	ssize_t n = read(be->fd, buf, len);

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

static int rv_net_tap_send(struct rv_net_be *be, const struct iovec *iov, unsigned int n,
			   size_t len)
{
	ssize_t w = writev(be->fd, iov, n);

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
	if (ioctl(be->fd, TUNSETOFFLOAD, flags))
		return rv_err(-errno, "tap: TUNSETOFFLOAD 0x%x: %s", flags, strerror(errno));
	return 0;
}

static const char *rv_net_tap_describe(struct rv_net_be *be)
{
	return rv_container_of(be, struct rv_net_tap, be)->ifname;
}

static void rv_net_tap_destroy(struct rv_net_be *be)
{
	struct rv_net_tap *tap = rv_container_of(be, struct rv_net_tap, be);

	close(be->fd);
	free(tap);
}

static const struct rv_net_be_ops rv_net_tap_ops = {
	.name = "tap",
	.offloads = true,
	.recv = rv_net_tap_recv,
	.send = rv_net_tap_send,
	.set_offload = rv_net_tap_set_offload,
	.describe = rv_net_tap_describe,
	.destroy = rv_net_tap_destroy,
};

int rv_net_tap_open(const struct rv_net_spec *spec, struct rv_net_be **out)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int hdr_len = RV_NET_HDR_LEN;
	unsigned int features = 0;
	struct rv_net_tap *tap;
	int ret;

	tap = calloc(1, sizeof(*tap));
	if (!tap)
		return -ENOMEM;
	tap->be.ops = &rv_net_tap_ops;
	tap->be.fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (tap->be.fd < 0) {
		ret = rv_err(-errno, "--net tap=%s: /dev/net/tun: %s%s", spec->ifname,
			     strerror(errno), errno == ENOENT ? " (modprobe tun)" : "");
		goto out_free;
	}
	if (ioctl(tap->be.fd, TUNGETFEATURES, &features) || !(features & IFF_VNET_HDR)) {
		ret = rv_err(-EOPNOTSUPP, "--net tap=%s: the kernel's tun has no IFF_VNET_HDR",
			     spec->ifname);
		goto out_close;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", spec->ifname);
	if (ioctl(tap->be.fd, TUNSETIFF, &ifr)) {
		ret = rv_err(-errno, "--net tap=%s: TUNSETIFF: %s%s", spec->ifname, strerror(errno),
			     errno == EPERM ?
				     " (creating or opening a tap needs CAP_NET_ADMIN, "
				     "or a tap made for this user by `ip tuntap add`)" :
			     errno == EBUSY ?
				     " (another process has it open)" :
			     errno == EINVAL ?
				     " (is the name taken by a tun or another kind of device?)" :
				     "");
		goto out_close;
	}
	snprintf(tap->ifname, sizeof(tap->ifname), "%s", ifr.ifr_name);
	if (ioctl(tap->be.fd, TUNSETVNETHDRSZ, &hdr_len)) {
		ret = rv_err(-errno, "--net tap=%s: TUNSETVNETHDRSZ %d: %s", spec->ifname, hdr_len,
			     strerror(errno));
		goto out_close;
	}
	/* No offloads until the guest's driver says what it accepts. */
	ret = rv_net_tap_set_offload(&tap->be, &(struct rv_net_offload){ 0 });
	if (ret)
		goto out_close;
	*out = &tap->be;
	return 0;

out_close:
	close(tap->be.fd);
out_free:
	free(tap);
	return ret;
}
