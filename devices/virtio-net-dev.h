/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-net's device state, shared by virtio-net.c (the device, transmit,
 * the control queue) and virtio-net-rx.c (the receive path). Nothing
 * outside these two includes it.
 */
#ifndef RV_VIRTIO_NET_DEV_H
#define RV_VIRTIO_NET_DEV_H

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/net/backend.h"
#include "devices/virtio/transport.h"
#include "devices/virtio-net.h"

/* Pair k's queues: receive 2k, transmit 2k + 1. */
#define RV_NET_RXQ(k) (2 * (k))
#define RV_NET_TXQ(k) (2 * (k) + 1)
/*
 * Frames handled per wake-up before the loop thread turns to other work
 * (the disks, the other direction): a guest or a peer that never stops
 * sending cannot starve them.
 */
#define RV_NET_BATCH 256
/*
 * A transmit kick is served this long after it came (QEMU's virtio-net
 * has the same idea as tx=timer). Served at once, every frame goes back
 * to the guest before its application writes again: Linux's TCP
 * autocorking, which holds a small write while an earlier skb of the
 * socket is still queued, never engages, and a flow of small writes
 * leaves one frame (a kick, an interrupt) per write. Measured in the
 * nested host (docs/benchmarks.md, issue 13): the tap test's 64 MiB
 * upload from 103-118 s to 51 s, iperf3 guest to L1 from 240 to 317
 * Mbit/s. The cost: up to this much more latency on a frame the guest
 * sends alone.
 */
#define RV_NET_TX_DELAY_NS 200000

struct rv_net_stats {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t rx_dropped_oversize; /* the backend gave a frame over RV_NET_MAX_FRAME */
	uint64_t rx_dropped_no_fit;   /* the guest's buffers cannot hold it */
	uint64_t rx_dropped_reset;    /* waiting when the driver reset */
	uint64_t rx_stalls;	      /* the guest had no receive buffer */
	uint64_t tx_dropped_short, tx_dropped_oversize, tx_dropped_bad_hdr;
	uint64_t tx_dropped_backend; /* refused by the backend, or it is gone */
	uint64_t tx_pushback;	     /* the backend said "later" (-EAGAIN) */
	uint64_t ctrl_ok, ctrl_err;  /* control queue commands acked OK / ERR */
	uint64_t ctrl_bad;	     /* chains with no room for the ack */
};

/* One queue pair: its queues, its backend fd (same index), what waits. */
struct rv_net_pair {
	struct rv_net *n;
	unsigned int index;
	bool rx_polling;   /* rx_watch is armed or will be re-armed */
	bool rx_waiting;   /* a frame waits for the guest's buffers */
	bool rx_need_more; /* ... and the ones it has are too few */
	bool tx_polling;
	bool tx_held;	  /* tx_chain was refused with -EAGAIN: offered again */
	bool tx_timer_on; /* tx_timer was added to the loop */
	struct rv_loop_watch tx_timer;
	struct rv_loop_watch rx_watch, tx_watch;
	size_t rx_len; /* the frame in rx_buf, 0: none */
	uint8_t *rx_buf;
	struct rv_vq_chain rx_first, rx_chain, tx_chain;
	uint16_t rx_heads[RV_VQ_MAX_SIZE];
	uint32_t rx_lens[RV_VQ_MAX_SIZE];
	struct iovec tx_iov[RV_VQ_MAX_SIZE + 1];
	uint8_t tx_hdr[RV_NET_HDR_LEN];
	uint64_t rx_packets, tx_packets;
};

struct rv_net {
	struct rv_device dev;
	struct rv_virtio t;
	struct rv_net_spec spec;
	struct rv_net_be *be;
	struct rv_loop *loop;
	struct virtio_net_config config;
	bool active;		/* the driver is running: offloads set, backend polled */
	uint64_t features;	/* what the last driver negotiated (kept past its reset) */
	bool be_dead;		/* the backend went away (passt ended) */
	unsigned int max_pairs; /* max_virtqueue_pairs: the backend's queues */
	unsigned int pairs;	/* enabled by the driver, 1 until VQ_PAIRS_SET */
	struct rv_net_pair *pair;
	struct rv_vq_chain ctrl_chain;
	struct rv_net_stats stats;
};

/* Lock held: queue @q is started, unbroken, and the driver running. */
static inline bool rv_net_queue_live(struct rv_net *n, unsigned int q)
{
	const struct rv_vq *vq = &n->t.q[q].vq;

	return n->active && vq->started && !rv_vq_broken(vq);
}

/* Loop thread, lock held: the backend went away; the guest's TX is dropped from now on. */
void rv_net_backend_gone(struct rv_net *n, int err);
/* Lock held: a batch ended with work left on queue @q: come back to it later. */
void rv_net_rekick(struct rv_net *n, unsigned int q);

/*
 * Lock held: pairs [0, @k) receive from now on (the driver's
 * VQ_PAIRS_SET, a restore, or 1 at a reset). 0 or the backend's error.
 */
int rv_net_set_pairs(struct rv_net *n, unsigned int k);

/* virtio-net-state.c: the device ops besides the queues'. */
void rv_net_stats(struct rv_device *dev, struct rv_stats_sink *s);
int rv_net_save(struct rv_device *dev, void *buf, size_t size);
int rv_net_load(struct rv_device *dev, const void *buf, size_t len, uint32_t version);
int rv_net_handover(struct rv_device *dev, int *fds, unsigned int max);

/* virtio-net-rx.c. Lock held: receive what pair @p's fd has, as far as the guest takes it. */
void rv_net_rx(struct rv_net_pair *p);
/* Lock held: poll pair @p's backend fd for frames, unless we wait for the guest. */
void rv_net_rx_poll(struct rv_net_pair *p);

#endif
