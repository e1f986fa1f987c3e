// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net (virtio 1.2, "Network Device") on a tap or passt backend:
 * `--net tap=NAME[,mac=M]`, `--net passt[=SOCKET][,mac=M]`.
 *
 * One receive queue (0) and one transmit queue (1). Everything runs on the
 * event loop thread, under the transport's lock: the guest's kicks arrive
 * there through KVM_IOEVENTFD, and the backend's fd is polled there too
 * (POLLIN for frames to receive; POLLOUT only while the backend pushed
 * back on a send). No vCPU ever waits for the network.
 *
 * Receive. A frame is read from the backend into one buffer (header
 * included), then copied into the guest's receive buffers: one chain, or
 * with VIRTIO_NET_F_MRG_RXBUF as many as it takes, all published by one
 * used->idx store with num_buffers set in the first. A frame that does
 * not fit (the guest's buffers too small, or more of them than the queue
 * holds) is dropped and counted; its chains stay the guest's. When the
 * guest has posted no buffer, the frame waits and the backend is no longer
 * read until the guest posts some: ringvmm holds one frame per device,
 * never more, whatever the guest does; the backend's own queue is bounded
 * (a tap's txqueuelen, after which the host kernel drops; passt's socket
 * buffer, after which passt stops reading its side).
 *
 * Transmit. Each chain's header is copied out of guest memory and checked
 * (rv_net_tx_check) before the frame goes to the backend, from the guest's
 * buffers with no copy for a tap; a frame that fails is dropped and
 * counted, and the chain is returned all the same.
 */
#include "virtio-net.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/net/backend.h"
#include "devices/virtio-mmio.h"
#include "vmm/stats.h"
#include "vmm/util.h"

#define RV_NET_RXQ 0
#define RV_NET_TXQ 1
/*
 * Frames handled per wake-up before the loop thread turns to other work
 * (the disks, the other direction): a guest or a peer that never stops
 * sending cannot starve them.
 */
#define RV_NET_BATCH 256

struct rv_net_stats {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t rx_dropped_oversize; /* the backend gave a frame over RV_NET_MAX_FRAME */
	uint64_t rx_dropped_no_fit;   /* the guest's buffers cannot hold it */
	uint64_t rx_dropped_reset;    /* waiting when the driver reset */
	uint64_t rx_stalls;	      /* the guest had no receive buffer */
	uint64_t tx_dropped_short, tx_dropped_oversize, tx_dropped_bad_hdr;
	uint64_t tx_dropped_backend; /* refused by the backend, or it is gone */
	uint64_t tx_pushback;	     /* the backend said "later" (-EAGAIN) */
};

struct rv_net {
	struct rv_device dev;
	struct rv_virtio_mmio t;
	struct rv_net_spec spec;
	struct rv_net_be *be;
	struct rv_loop *loop;
	struct virtio_net_config config;
	bool active;	   /* the driver is running: offloads set, backend polled */
	uint64_t features; /* what the last driver negotiated (kept past its reset) */
	bool be_dead;	   /* the backend went away (passt ended) */
	bool rx_polling;   /* rx_watch is armed or will be re-armed */
	bool rx_waiting;   /* a frame waits for the guest's buffers */
	bool rx_need_more; /* ... and the ones it has are too few */
	bool tx_polling;
	bool tx_held; /* tx_chain was refused with -EAGAIN: offered again */
	struct rv_loop_watch rx_watch, tx_watch;
	size_t rx_len; /* the frame in rx_buf, 0: none */
	uint8_t *rx_buf;
	struct rv_vq_chain rx_first, rx_chain, tx_chain;
	uint16_t rx_heads[RV_VQ_MAX_SIZE];
	uint32_t rx_lens[RV_VQ_MAX_SIZE];
	struct iovec tx_iov[RV_VQ_MAX_SIZE + 1];
	uint8_t tx_hdr[RV_NET_HDR_LEN];
	struct rv_net_stats stats;
};

static void rv_net_rx(struct rv_net *n);
static void rv_net_tx(struct rv_net *n);

static struct rv_net *rv_net_of(struct rv_virtio_mmio *t)
{
	return rv_container_of(t, struct rv_net, t);
}

static bool rv_net_queue_live(struct rv_net *n, unsigned int q)
{
	const struct rv_vq *vq = &n->t.q[q].vq;

	return n->active && vq->started && !rv_vq_broken(vq);
}

/* Loop thread, lock held: the backend went away; the guest's TX is dropped from now on. */
static void rv_net_backend_gone(struct rv_net *n, int err)
{
	if (n->be_dead)
		return;
	n->be_dead = true;
	rv_warn("%s: %s: %s; the link is down", n->dev.name,
		n->be->ops->describe ? n->be->ops->describe(n->be) : n->be->ops->name,
		err == -ECONNRESET ? "connection closed" : strerror(-err));
	n->config.status = 0; /* VIRTIO_NET_S_LINK_UP cleared */
	rv_virtio_mmio_config_changed(&n->t);
}

static void rv_net_on_rx_ready(void *opaque, int res)
{
	struct rv_net *n = opaque;

	pthread_mutex_lock(&n->t.lock);
	if (res < 0 || n->rx_waiting || !n->active || n->be_dead) {
		/* In our own callback: nothing is in flight, so removing is final. */
		rv_loop_remove(&n->rx_watch);
		n->rx_polling = false;
	} else {
		rv_net_rx(n);
	}
	pthread_mutex_unlock(&n->t.lock);
}

static void rv_net_on_tx_ready(void *opaque, int res)
{
	struct rv_net *n = opaque;

	pthread_mutex_lock(&n->t.lock);
	/* Not re-armed after an error either: the next kick polls again. */
	rv_loop_remove(&n->tx_watch);
	n->tx_polling = false;
	if (n->active && res >= 0)
		rv_net_tx(n);
	pthread_mutex_unlock(&n->t.lock);
}

/* Lock held: poll the backend for frames, unless we wait for the guest. */
static void rv_net_rx_poll(struct rv_net *n)
{
	if (n->rx_polling || n->rx_waiting || !n->active || n->be_dead || !n->loop)
		return;
	if (rv_loop_add_fd(n->loop, &n->rx_watch, n->be->fd, POLLIN, rv_net_on_rx_ready, n,
			   n->dev.name))
		rv_warn("%s: cannot poll the backend", n->dev.name);
	else
		n->rx_polling = true;
}

/*
 * Lock held: copy the frame in rx_buf into the receive queue. 1 when it
 * was delivered, 0 when the guest has no buffer for it now (it waits), -1
 * when it was dropped.
 */
static int rv_net_rx_place(struct rv_net *n, struct rv_vq *vq)
{
	bool mrg = rv_virtio_mmio_has(&n->t, VIRTIO_NET_F_MRG_RXBUF);
	struct rv_net_rx_acct a;
	unsigned int nb = 0;
	uint16_t num;

	rv_net_rx_begin(&a, n->rx_len, mrg, vq->size);
	while (!rv_net_rx_done(&a)) {
		struct rv_vq_chain *c = nb ? &n->rx_chain : &n->rx_first;
		long take;
		int r = rv_vq_pop(vq, c);

		if (r <= 0) {
			rv_vq_unpop(vq, nb);
			if (r < 0)
				goto out_drop; /* broken: rv_net_rx reports it */
			/* Some buffers, not enough: wait for more than those. */
			n->rx_need_more = nb > 0;
			return 0;
		}
		/* Only the writable part of a receive chain counts. */
		take = rv_net_rx_take(&a, c->in_len);
		if (take < 0) {
			rv_vq_unpop(vq, nb + 1);
			n->stats.rx_dropped_no_fit++;
			goto out_drop;
		}
		rv_vq_buf_to_iov(c->iov + c->nr_out, c->nr_in, 0, n->rx_buf + a.placed - take,
				 take);
		n->rx_heads[nb] = c->head;
		n->rx_lens[nb] = take;
		nb++;
	}
	/* num_buffers: how many chains the driver must gather (1 without MRG_RXBUF). */
	num = nb;
	rv_vq_buf_to_iov(n->rx_first.iov + n->rx_first.nr_out, n->rx_first.nr_in,
			 offsetof(struct virtio_net_hdr_v1, num_buffers), &num, sizeof(num));
	if (rv_vq_push_n(vq, n->rx_heads, n->rx_lens, nb))
		goto out_drop;
	n->stats.rx_packets++;
	n->stats.rx_bytes += n->rx_len - RV_NET_HDR_LEN;
	n->rx_len = 0;
	return 1;

out_drop:
	n->rx_len = 0;
	return -1;
}

/*
 * Lock held: a batch ended with work left: queue @q's kick eventfd brings
 * the loop back to it after its other work. The backend's fd alone would
 * not: passt's frames may already sit in our input buffer.
 */
static void rv_net_rekick(struct rv_net *n, unsigned int q)
{
	uint64_t one = 1;

	if (n->t.q[q].kick_fd >= 0 && write(n->t.q[q].kick_fd, &one, sizeof(one)) < 0)
		rv_debug("%s: re-kick: %s", n->dev.name, strerror(errno));
}

/* Lock held: receive what the backend has, as far as the guest takes it. */
static void rv_net_rx(struct rv_net *n)
{
	struct rv_vq *vq = &n->t.q[RV_NET_RXQ].vq;
	bool pushed = false;
	unsigned int i;

	if (!rv_net_queue_live(n, RV_NET_RXQ) || n->be_dead)
		return;
	for (i = 0; i < RV_NET_BATCH; i++) {
		int r;

		if (!n->rx_len) {
			ssize_t len = n->be->ops->recv(n->be, n->rx_buf,
						       RV_NET_HDR_LEN + RV_NET_MAX_FRAME);

			if (len == -EAGAIN || len == -EWOULDBLOCK)
				break;
			if (len == -EMSGSIZE) {
				n->stats.rx_dropped_oversize++;
				continue;
			}
			if (len < 0) {
				rv_net_backend_gone(n, len);
				break;
			}
			n->rx_len = len;
		}
		r = rv_net_rx_place(n, vq);
		if (rv_vq_broken(vq)) {
			rv_virtio_mmio_queue_broken(&n->t, RV_NET_RXQ);
			break;
		}
		if (r > 0)
			pushed = true;
		if (r)
			continue;
		/*
		 * No buffer (or too few): ask for a kick, and look once more
		 * before waiting. Too few: at the driver's next buffer, or the
		 * kick would never come (the driver is past avail_event).
		 */
		if (n->rx_need_more ? rv_vq_enable_notify_more(vq) : rv_vq_enable_notify(vq))
			continue;
		n->rx_waiting = true;
		n->stats.rx_stalls++;
		break;
	}
	if (pushed)
		rv_virtio_mmio_used(&n->t, RV_NET_RXQ);
	if (i == RV_NET_BATCH)
		rv_net_rekick(n, RV_NET_RXQ);
}

/* Lock held: one popped chain to the backend. -EAGAIN: keep it for later. */
static int rv_net_tx_one(struct rv_net *n, struct rv_vq_chain *c)
{
	bool offloads = n->be->ops->offloads;
	struct rv_net_tx_caps caps = {
		.csum = offloads && rv_virtio_mmio_has(&n->t, VIRTIO_NET_F_CSUM),
		.tso4 = offloads && rv_virtio_mmio_has(&n->t, VIRTIO_NET_F_HOST_TSO4),
		.tso6 = offloads && rv_virtio_mmio_has(&n->t, VIRTIO_NET_F_HOST_TSO6),
		.max_frame = RV_NET_MAX_FRAME,
	};
	unsigned int nr = 1;
	uint64_t skip = RV_NET_HDR_LEN;
	int ret;

	/* The header is checked in our copy: the guest may rewrite its own. */
	memset(n->tx_hdr, 0, sizeof(n->tx_hdr));
	rv_vq_iov_to_buf(c->iov, c->nr_out, 0, n->tx_hdr, sizeof(n->tx_hdr));
	switch (rv_net_tx_check(n->tx_hdr, c->out_len, &caps)) {
	case RV_NET_TX_OK:
		break;
	case RV_NET_TX_SHORT:
		n->stats.tx_dropped_short++;
		return 0;
	case RV_NET_TX_OVERSIZE:
		n->stats.tx_dropped_oversize++;
		return 0;
	default:
		n->stats.tx_dropped_bad_hdr++;
		return 0;
	}
	if (n->be_dead) {
		n->stats.tx_dropped_backend++;
		return 0;
	}
	/* Our copy of the header, then the frame from the guest's buffers. */
	n->tx_iov[0] = (struct iovec){ n->tx_hdr, RV_NET_HDR_LEN };
	for (unsigned int i = 0; i < c->nr_out; i++) {
		struct iovec v = c->iov[i];

		if (skip >= v.iov_len) {
			skip -= v.iov_len;
			continue;
		}
		v.iov_base = (uint8_t *)v.iov_base + skip;
		v.iov_len -= skip;
		skip = 0;
		n->tx_iov[nr++] = v;
	}
	ret = n->be->ops->send(n->be, n->tx_iov, nr, c->out_len);
	if (ret == -EAGAIN || ret == -EWOULDBLOCK) {
		n->stats.tx_pushback++;
		return -EAGAIN;
	}
	if (ret) {
		n->stats.tx_dropped_backend++;
		/* The peer is gone (passt ended), not just this frame refused. */
		if (ret == -EPIPE || ret == -ECONNRESET || ret == -ENOTCONN)
			rv_net_backend_gone(n, ret);
		return 0;
	}
	n->stats.tx_packets++;
	n->stats.tx_bytes += c->out_len - RV_NET_HDR_LEN;
	return 0;
}

/* Lock held: send what the guest queued, until the backend pushes back. */
static void rv_net_tx(struct rv_net *n)
{
	struct rv_vq *vq = &n->t.q[RV_NET_TXQ].vq;
	unsigned int done = 0;
	bool pushed = false;
	int r;

	if (!rv_net_queue_live(n, RV_NET_TXQ) || n->tx_polling)
		return;
	if (n->be->ops->flush && !n->be_dead && n->be->ops->flush(n->be) == -EAGAIN)
		goto out_wait;
	do {
		while (done < RV_NET_BATCH) {
			if (!n->tx_held) {
				r = rv_vq_pop(vq, &n->tx_chain);
				if (r <= 0)
					break;
			}
			n->tx_held = false;
			if (rv_net_tx_one(n, &n->tx_chain) == -EAGAIN) {
				n->tx_held = true;
				break;
			}
			if (rv_vq_push(vq, n->tx_chain.head, 0))
				break;
			pushed = true;
			done++;
		}
		if (n->tx_held || rv_vq_broken(vq) || done >= RV_NET_BATCH)
			break;
	} while (rv_vq_enable_notify(vq));
	if (pushed)
		rv_virtio_mmio_used(&n->t, RV_NET_TXQ);
	if (rv_vq_broken(vq)) {
		rv_virtio_mmio_queue_broken(&n->t, RV_NET_TXQ);
		return;
	}
	if (done >= RV_NET_BATCH) {
		rv_net_rekick(n, RV_NET_TXQ);
		return;
	}
	/*
	 * Done unless something waits: a refused chain, or bytes a stream
	 * backend queued and could not write yet (the guest may send nothing
	 * more until they are answered).
	 */
	if (!n->tx_held &&
	    (!n->be->ops->flush || n->be_dead || n->be->ops->flush(n->be) != -EAGAIN))
		return;
out_wait:
	if (n->loop && !rv_loop_add_fd(n->loop, &n->tx_watch, n->be->fd, POLLOUT,
				       rv_net_on_tx_ready, n, n->dev.name))
		n->tx_polling = true;
}

/* Lock held: the driver is running (DRIVER_OK, first kick): set up the backend for it. */
static void rv_net_activate(struct rv_net *n)
{
	struct rv_net_offload o = {
		.csum = rv_virtio_mmio_has(&n->t, VIRTIO_NET_F_GUEST_CSUM),
		.tso4 = rv_virtio_mmio_has(&n->t, VIRTIO_NET_F_GUEST_TSO4),
		.tso6 = rv_virtio_mmio_has(&n->t, VIRTIO_NET_F_GUEST_TSO6),
	};

	if (n->active)
		return;
	n->features = n->t.driver_features;
	/* Receive offloads only as the driver accepted them. */
	if (n->be->ops->set_offload && n->be->ops->set_offload(n->be, &o))
		rv_warn("%s: the guest will see no receive offloads", n->dev.name);
	n->active = true;
	n->rx_waiting = false;
	rv_net_rx_poll(n);
}

static void rv_net_queue_notify(struct rv_virtio_mmio *t, unsigned int q)
{
	struct rv_net *n = rv_net_of(t);

	rv_net_activate(n);
	if (q == RV_NET_RXQ) {
		/* New receive buffers: a waiting frame goes first, then the backend again. */
		n->rx_waiting = false;
		rv_net_rx(n);
		rv_net_rx_poll(n);
	} else if (q == RV_NET_TXQ) {
		rv_net_tx(n);
	}
}

/* The driver reset the device: whatever waits for its rings is dropped. */
static void rv_net_reset(struct rv_virtio_mmio *t)
{
	struct rv_net *n = rv_net_of(t);

	n->active = false;
	n->tx_held = false;
	if (n->rx_len)
		n->stats.rx_dropped_reset++;
	n->rx_len = 0;
	/* The polls stop at their next wake-up (their callbacks check active). */
}

static const struct rv_virtio_dev_ops rv_net_virtio_ops = {
	.device_id = VIRTIO_ID_NET,
	.queue_notify = rv_net_queue_notify,
	.reset = rv_net_reset,
};

static void rv_net_stats(struct rv_device *dev, struct rv_stats_sink *s)
{
	struct rv_net *n = dev->priv;
	const struct rv_net_stats *st = &n->stats;
	char mac[18];

	pthread_mutex_lock(&n->t.lock);
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", n->config.mac[0],
		 n->config.mac[1], n->config.mac[2], n->config.mac[3], n->config.mac[4],
		 n->config.mac[5]);
	rv_stats_str(s, "backend", n->be->ops->name);
	rv_stats_str(s, "peer", n->be->ops->describe ? n->be->ops->describe(n->be) : "");
	rv_stats_str(s, "mac", mac);
	rv_stats_u64(s, "features", n->features);
	rv_stats_u64(s, "link_up", !n->be_dead);
	rv_stats_u64(s, "rx_packets", st->rx_packets);
	rv_stats_u64(s, "rx_bytes", st->rx_bytes);
	rv_stats_u64(s, "tx_packets", st->tx_packets);
	rv_stats_u64(s, "tx_bytes", st->tx_bytes);
	rv_stats_u64(s, "rx_dropped",
		     st->rx_dropped_oversize + st->rx_dropped_no_fit + st->rx_dropped_reset);
	rv_stats_u64(s, "rx_dropped_oversize", st->rx_dropped_oversize);
	rv_stats_u64(s, "rx_dropped_no_fit", st->rx_dropped_no_fit);
	rv_stats_u64(s, "rx_dropped_reset", st->rx_dropped_reset);
	rv_stats_u64(s, "rx_stalls", st->rx_stalls);
	rv_stats_u64(s, "tx_dropped",
		     st->tx_dropped_short + st->tx_dropped_oversize + st->tx_dropped_bad_hdr +
			     st->tx_dropped_backend);
	rv_stats_u64(s, "tx_dropped_short", st->tx_dropped_short);
	rv_stats_u64(s, "tx_dropped_oversize", st->tx_dropped_oversize);
	rv_stats_u64(s, "tx_dropped_bad_hdr", st->tx_dropped_bad_hdr);
	rv_stats_u64(s, "tx_dropped_backend", st->tx_dropped_backend);
	rv_stats_u64(s, "tx_pushback", st->tx_pushback);
	pthread_mutex_unlock(&n->t.lock);
	rv_virtio_mmio_stats(&n->t, s);
}

static void rv_net_destroy(struct rv_device *dev)
{
	struct rv_net *n = dev->priv;

	rv_virtio_mmio_fini(&n->t);
	if (n->rx_polling)
		rv_loop_remove(&n->rx_watch);
	if (n->tx_polling)
		rv_loop_remove(&n->tx_watch);
	n->be->ops->destroy(n->be);
	free(n->rx_buf);
	free(n);
}

/*
 * Snapshots: the transport and the queues. The backend is the one of the
 * restoring command line (a tap opened by name, a new passt); the first
 * kick of the restored device activates it. A transmit chain the backend
 * pushed back is saved as given back and sent after the restore; a
 * received frame still waiting for the guest's buffers is dropped, as a
 * network may.
 */
static int rv_net_save(struct rv_device *dev, void *buf, size_t size)
{
	struct rv_net *n = dev->priv;
	uint16_t held[RV_VIRTIO_MAX_QUEUES] = { 0 };
	int ret;

	pthread_mutex_lock(&n->t.lock);
	held[RV_NET_TXQ] = n->tx_held;
	ret = rv_virtio_mmio_save(&n->t, buf, size, held, NULL, 0);
	pthread_mutex_unlock(&n->t.lock);
	return ret;
}

static int rv_net_load(struct rv_device *dev, const void *buf, size_t len, uint32_t version)
{
	struct rv_net *n = dev->priv;
	int ret;

	pthread_mutex_lock(&n->t.lock);
	n->tx_held = false;
	n->rx_len = 0;
	ret = rv_virtio_mmio_load(&n->t, buf, len, version, NULL, 0);
	if (!ret)
		rv_virtio_mmio_restored(&n->t);
	pthread_mutex_unlock(&n->t.lock);
	return ret;
}

static const struct rv_device_ops rv_net_ops = {
	.stats = rv_net_stats,
	.destroy = rv_net_destroy,
	.state_version = RV_VIRTIO_MMIO_STATE_VERSION,
	.save = rv_net_save,
	.load = rv_net_load,
};

static int rv_net_create(struct rv_device_env *env, const struct rv_device_cfg *cfg)
{
	uint64_t features = (1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_STATUS) |
			    (1ULL << VIRTIO_NET_F_MRG_RXBUF);
	struct rv_net *n;
	int ret;

	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->dev.priv = n;
	n->dev.ops = &rv_net_ops;
	n->loop = env->loop;
	snprintf(n->dev.name, sizeof(n->dev.name), "%s", cfg->name);
	ret = rv_net_parse_spec(cfg->args ? cfg->args : "", &n->spec);
	if (ret)
		goto out_free;
	n->rx_buf = malloc(RV_NET_HDR_LEN + RV_NET_MAX_FRAME);
	if (!n->rx_buf) {
		ret = -ENOMEM;
		goto out_free;
	}
	ret = n->spec.kind == RV_NET_TAP ? rv_net_tap_open(&n->spec, &n->be) :
					   rv_net_passt_open(&n->spec, &n->be);
	if (ret)
		goto out_free;
	/* A tap passes the header through, so the offloads cross it. */
	if (n->be->ops->offloads)
		features |= (1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_GUEST_CSUM) |
			    (1ULL << VIRTIO_NET_F_HOST_TSO4) | (1ULL << VIRTIO_NET_F_HOST_TSO6) |
			    (1ULL << VIRTIO_NET_F_GUEST_TSO4) | (1ULL << VIRTIO_NET_F_GUEST_TSO6);
	if (n->spec.has_mac)
		memcpy(n->config.mac, n->spec.mac, sizeof(n->config.mac));
	else
		rv_net_default_mac(&n->spec, cfg->name, n->config.mac);
	n->config.status = VIRTIO_NET_S_LINK_UP;
	n->config.max_virtqueue_pairs = 1;
	ret = rv_virtio_mmio_init(&n->t, env, cfg, &n->dev, &rv_net_virtio_ops, features, 2,
				  &n->config, sizeof(n->config));
	if (ret)
		goto out_be;
	rv_device_add(env, &n->dev);
	rv_debug("%s: %s%s%s, mac %02x:%02x:%02x:%02x:%02x:%02x", cfg->name, n->be->ops->name,
		 n->be->ops->describe ? " " : "",
		 n->be->ops->describe ? n->be->ops->describe(n->be) : "", n->config.mac[0],
		 n->config.mac[1], n->config.mac[2], n->config.mac[3], n->config.mac[4],
		 n->config.mac[5]);
	return 0;

out_be:
	n->be->ops->destroy(n->be);
out_free:
	free(n->rx_buf);
	free(n);
	return ret;
}

static int rv_net_check(const char *arg)
{
	struct rv_net_spec spec;

	return rv_net_parse_spec(arg, &spec);
}

static const struct rv_device_option rv_net_option = {
	.name = "net",
	.short_name = 'n',
	.metavar = "tap=NAME|passt[=SOCKET][,mac=M]",
	.help = "a virtio-net NIC: a tap interface (created if\n"
		"absent; offloads pass through) or passt, started\n"
		"by ringvmm or listening at SOCKET; repeatable",
	.repeat = true,
	.check = rv_net_check,
};

static struct rv_device_type rv_net_type = {
	.name = "virtio-net",
	.create = rv_net_create,
	.cli_option = &rv_net_option,
};
RV_DEVICE_TYPE(rv_net_type)
