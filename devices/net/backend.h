/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-net backends: where the guest's frames go and come from. The
 * device (devices/virtio-net.c) polls the backend's fd on the event loop
 * and calls these on the loop thread; nothing here blocks.
 *
 * Frames cross this interface with their 12-byte virtio_net_hdr_v1 in
 * front (RV_NET_HDR_LEN). A tap carries it to and from the kernel
 * (IFF_VNET_HDR), which is how checksum and segmentation offloads pass
 * through; passt has no such header, so its backend writes a zero one on
 * receive and drops it on send, and the device offers no offload with it.
 */
#ifndef RV_NET_BACKEND_H
#define RV_NET_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "devices/virtio-net.h"

/* TUNSETOFFLOAD's flags for what the guest accepts on RX (rv_net_be_ops.set_offload). */
struct rv_net_offload {
	bool csum, tso4, tso6;
};

struct rv_net_be;

/*
 * Every call names the queue pair @q it is for (below be->nr_queues): a
 * multi-queue tap has one fd per pair; passt has one socket, so q is 0.
 */
struct rv_net_be_ops {
	const char *name;
	/* Can the backend take and give offloaded frames (tap's vnet header)? */
	bool offloads;
	/*
	 * One frame, header included, into @buf (@len bytes, at least
	 * RV_NET_HDR_LEN + RV_NET_MAX_FRAME). Returns its length, -EAGAIN when
	 * there is none now, -EMSGSIZE for a frame dropped for its size (read
	 * and discarded), or another -errno when the backend is gone.
	 */
	ssize_t (*recv)(struct rv_net_be *be, unsigned int q, void *buf, size_t len);
	/*
	 * One frame, header included, from @iov (@n entries, @len bytes,
	 * already checked). 0 when it is gone, -EAGAIN when the backend
	 * cannot take it now (poll for POLLOUT, call flush, offer it again),
	 * another -errno when the backend refused it: dropped.
	 */
	int (*send)(struct rv_net_be *be, unsigned int q, const struct iovec *iov, unsigned int n,
		    size_t len);
	/* Optional: push out what send buffered. 0 when empty, -EAGAIN, -errno. */
	int (*flush)(struct rv_net_be *be, unsigned int q);
	/* Optional: the offloads the guest negotiated for RX. */
	int (*set_offload)(struct rv_net_be *be, const struct rv_net_offload *o);
	/*
	 * Optional (nr_queues > 1): only pairs [0, @n) may receive from now
	 * on; the others' fds are neither read nor polled until enabled again.
	 */
	int (*set_queues)(struct rv_net_be *be, unsigned int n);
	/*
	 * Optional: a live update (vmm/device.h, rv_device_ops.handover): the
	 * fds the new process's backend takes over, into @fds (at most
	 * @max); how many, or -errno. The backend goes on owning them.
	 */
	int (*handover)(struct rv_net_be *be, int *fds, unsigned int max);
	/* Optional: what the stats show about the backend (an interface name). */
	const char *(*describe)(struct rv_net_be *be);
	void (*destroy)(struct rv_net_be *be);
};

struct rv_net_be {
	const struct rv_net_be_ops *ops;
	unsigned int nr_queues; /* queue pairs, 1..RV_NET_MAX_PAIRS */
	/* Polled by the device: POLLIN for recv, POLLOUT after -EAGAIN. */
	int fd[RV_NET_MAX_PAIRS];
};

/*
 * Open the backend @spec names. 0 and *@out, or -errno with a message.
 * A tap gets @queues queue pairs (IFF_MULTI_QUEUE when more than one),
 * pair 0 alone enabled; a tap made earlier without multi_queue gets one,
 * with a warning, unless the user asked for more (@spec->queues).
 */
int rv_net_tap_open(const struct rv_net_spec *spec, unsigned int queues, struct rv_net_be **out);
int rv_net_passt_open(const struct rv_net_spec *spec, struct rv_net_be **out);

/*
 * A live update's new process: the backend from the @nr fds its handover
 * op gave in the old process (@fds, now this backend's), instead of
 * opening one. 0 and *@out, or -errno with a message; @fds are closed
 * either way.
 */
int rv_net_tap_adopt(const struct rv_net_spec *spec, int *fds, unsigned int nr,
		     struct rv_net_be **out);
int rv_net_passt_adopt(const struct rv_net_spec *spec, int *fds, unsigned int nr,
		       struct rv_net_be **out);

/* The most fds a backend hands over: a tap's queues; passt's socket and buffer. */
#define RV_NET_MAX_HANDED RV_NET_MAX_PAIRS

#endif
