// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net (virtio 1.2, "Network Device") on a tap or passt backend:
 * `--net tap=NAME[,mac=M][,queues=N]`, `--net passt[=SOCKET][,mac=M]`.
 *
 * Queue pairs: receive queue 2k and transmit queue 2k+1 of pair k. A tap
 * has one pair per vCPU by default (`queues=N`), which the device offers
 * as VIRTIO_NET_F_MQ with a control queue (VIRTIO_NET_F_CTRL_VQ) after the
 * last pair; the driver starts on pair 0 and enables more with
 * VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET (virtio 1.2, "Automatic receive steering
 * in multiqueue mode"). Each pair has its own tap fd, and the kernel's tun
 * steers a flow's frames to the fd that sent its last frame. passt has one
 * socket, so one pair and no control queue.
 *
 * Everything runs on the event loop thread, under the transport's lock: the
 * guest's kicks arrive there through KVM_IOEVENTFD, and the backend's fds
 * are polled there too (POLLIN for frames to receive; POLLOUT only while
 * the backend pushed back on a send). No vCPU ever waits for the network.
 *
 * Receive (virtio-net-rx.c). A frame is read from the backend into one
 * buffer (header included), then copied into the guest's receive buffers:
 * one chain, or with VIRTIO_NET_F_MRG_RXBUF as many as it takes, all
 * published by one used->idx store with num_buffers set in the first. A frame that does
 * not fit (the guest's buffers too small, or more of them than the queue
 * holds) is dropped and counted; its chains stay the guest's. When the
 * guest has posted no buffer, the frame waits and the backend is no longer
 * read until the guest posts some: ringvmm holds one frame per queue pair,
 * never more, whatever the guest does; the backend's own queue is bounded
 * (a tap's txqueuelen, after which the host kernel drops; passt's socket
 * buffer, after which passt stops reading its side).
 *
 * Transmit. A kick is served RV_NET_TX_DELAY_NS after it came (see
 * virtio-net-dev.h: the guest's small writes coalesce meanwhile). Each
 * chain's header is copied out of guest memory and checked
 * (rv_net_tx_check) before the frame goes to the backend, from the guest's
 * buffers with no copy for a tap; a frame that fails is dropped and
 * counted, and the chain is returned all the same.
 */
#include "virtio-net-dev.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/stats.h"
#include "vmm/util.h"

static void rv_net_tx(struct rv_net_pair *p);

static struct rv_net *rv_net_of(struct rv_virtio *t)
{
	return rv_container_of(t, struct rv_net, t);
}

/* Loop thread, lock held: the backend went away; the guest's TX is dropped from now on. */
void rv_net_backend_gone(struct rv_net *n, int err)
{
	if (n->be_dead)
		return;
	n->be_dead = true;
	rv_warn("%s: %s: %s; the link is down", n->dev.name,
		n->be->ops->describe ? n->be->ops->describe(n->be) : n->be->ops->name,
		err == -ECONNRESET ? "connection closed" : strerror(-err));
	n->config.status = 0; /* VIRTIO_NET_S_LINK_UP cleared */
	rv_virtio_config_changed(&n->t);
}

static void rv_net_on_tx_ready(void *opaque, int res)
{
	struct rv_net_pair *p = opaque;
	struct rv_net *n = p->n;

	pthread_mutex_lock(&n->t.lock);
	/* Not re-armed after an error either: the next kick polls again. */
	rv_loop_remove(&p->tx_watch);
	p->tx_polling = false;
	if (n->active && res >= 0)
		rv_net_tx(p);
	pthread_mutex_unlock(&n->t.lock);
}

/*
 * A batch ended with work left: queue @q's kick eventfd brings
 * the loop back to it after its other work. The backend's fd alone would
 * not: passt's frames may already sit in our input buffer.
 */
void rv_net_rekick(struct rv_net *n, unsigned int q)
{
	uint64_t one = 1;

	if (n->t.q[q].kick_fd >= 0 && write(n->t.q[q].kick_fd, &one, sizeof(one)) < 0)
		rv_debug("%s: re-kick: %s", n->dev.name, strerror(errno));
}

/* Lock held: one popped chain to the backend. -EAGAIN: keep it for later. */
static int rv_net_tx_one(struct rv_net_pair *p, struct rv_vq_chain *c)
{
	struct rv_net *n = p->n;
	bool offloads = n->be->ops->offloads;
	struct rv_net_tx_caps caps = {
		.csum = offloads && rv_virtio_has(&n->t, VIRTIO_NET_F_CSUM),
		.tso4 = offloads && rv_virtio_has(&n->t, VIRTIO_NET_F_HOST_TSO4),
		.tso6 = offloads && rv_virtio_has(&n->t, VIRTIO_NET_F_HOST_TSO6),
		.max_frame = RV_NET_MAX_FRAME,
	};
	unsigned int nr = 1;
	uint64_t skip = RV_NET_HDR_LEN;
	int ret;

	/* The header is checked in our copy: the guest may rewrite its own. */
	memset(p->tx_hdr, 0, sizeof(p->tx_hdr));
	rv_vq_iov_to_buf(c->iov, c->nr_out, 0, p->tx_hdr, sizeof(p->tx_hdr));
	switch (rv_net_tx_check(p->tx_hdr, c->out_len, &caps)) {
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
	p->tx_iov[0] = (struct iovec){ p->tx_hdr, RV_NET_HDR_LEN };
	for (unsigned int i = 0; i < c->nr_out; i++) {
		struct iovec v = c->iov[i];

		if (skip >= v.iov_len) {
			skip -= v.iov_len;
			continue;
		}
		v.iov_base = (uint8_t *)v.iov_base + skip;
		v.iov_len -= skip;
		skip = 0;
		p->tx_iov[nr++] = v;
	}
	/*
	 * A disabled pair's fd is detached: what the driver still queued
	 * there leaves through pair 0's.
	 */
	ret = n->be->ops->send(n->be, p->index < n->pairs ? p->index : 0, p->tx_iov, nr,
			       c->out_len);
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
	p->tx_packets++;
	n->stats.tx_bytes += c->out_len - RV_NET_HDR_LEN;
	return 0;
}

/* Lock held: send what the guest queued on pair @p, until the backend pushes back. */
static void rv_net_tx(struct rv_net_pair *p)
{
	struct rv_net *n = p->n;
	unsigned int q = RV_NET_TXQ(p->index);
	unsigned int bq = p->index < n->pairs ? p->index : 0;
	struct rv_vq *vq = &n->t.q[q].vq;
	unsigned int done = 0;
	bool pushed = false;
	int r;

	if (!rv_net_queue_live(n, q) || p->tx_polling)
		return;
	if (n->be->ops->flush && !n->be_dead && n->be->ops->flush(n->be, bq) == -EAGAIN)
		goto out_wait;
	do {
		while (done < RV_NET_BATCH) {
			if (!p->tx_held) {
				r = rv_vq_pop(vq, &p->tx_chain);
				if (r <= 0)
					break;
			}
			p->tx_held = false;
			if (rv_net_tx_one(p, &p->tx_chain) == -EAGAIN) {
				p->tx_held = true;
				break;
			}
			if (rv_vq_push(vq, p->tx_chain.head, 0))
				break;
			pushed = true;
			done++;
		}
		if (p->tx_held || rv_vq_broken(vq) || done >= RV_NET_BATCH)
			break;
	} while (rv_vq_enable_notify(vq));
	if (pushed)
		rv_virtio_used(&n->t, q);
	if (rv_vq_broken(vq)) {
		rv_virtio_queue_broken(&n->t, q);
		return;
	}
	if (done >= RV_NET_BATCH) {
		rv_net_rekick(n, q);
		return;
	}
	/*
	 * Done unless something waits: a refused chain, or bytes a stream
	 * backend queued and could not write yet (the guest may send nothing
	 * more until they are answered).
	 */
	if (!p->tx_held &&
	    (!n->be->ops->flush || n->be_dead || n->be->ops->flush(n->be, bq) != -EAGAIN))
		return;
out_wait:
	if (n->loop && !rv_loop_add_fd(n->loop, &p->tx_watch, n->be->fd[bq], POLLOUT,
				       rv_net_on_tx_ready, p, n->dev.name))
		p->tx_polling = true;
}

/* Loop thread: RV_NET_TX_DELAY_NS after a transmit kick. */
static void rv_net_on_tx_timer(void *opaque, int res)
{
	struct rv_net_pair *p = opaque;

	(void)res;
	pthread_mutex_lock(&p->n->t.lock);
	rv_net_tx(p);
	pthread_mutex_unlock(&p->n->t.lock);
}

/*
 * Lock held: a kick on pair @p's transmit queue, served RV_NET_TX_DELAY_NS
 * later (at once without a loop, or if the timer cannot be armed). Kicks
 * meanwhile find the timer armed; the guest adds frames without kicking,
 * as avail_event still names the one that kicked.
 */
static void rv_net_tx_kicked(struct rv_net_pair *p)
{
	struct rv_net *n = p->n;

	if (!n->loop) {
		rv_net_tx(p);
		return;
	}
	if (!p->tx_timer_on) {
		if (rv_loop_add_oneshot(n->loop, &p->tx_timer, RV_NET_TX_DELAY_NS,
					rv_net_on_tx_timer, p, n->dev.name, false)) {
			rv_net_tx(p);
			return;
		}
		p->tx_timer_on = true;
	}
	if (rv_loop_timer_start(&p->tx_timer))
		rv_net_tx(p);
}

/*
 * Lock held: pairs [0, @k) receive from now on (the driver's
 * VQ_PAIRS_SET, or 1 at a reset). A frame a disabled pair holds is
 * dropped: "The device MUST NOT queue packets on receive queues greater
 * than virtqueue_pairs once it has placed the VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET
 * command in a used buffer" (virtio 1.2, "Automatic receive steering in
 * multiqueue mode"). Their polls end at their next wake-up.
 */
int rv_net_set_pairs(struct rv_net *n, unsigned int k)
{
	int ret = 0;

	if (n->be->ops->set_queues && n->be->nr_queues > 1)
		ret = n->be->ops->set_queues(n->be, k);
	if (ret)
		return ret;
	for (unsigned int i = k; i < n->max_pairs; i++) {
		if (n->pair[i].rx_len)
			n->stats.rx_dropped_reset++;
		n->pair[i].rx_len = 0;
	}
	/* A pair enabled again looks at its queue afresh: what it waited for is gone. */
	for (unsigned int i = n->pairs; i < k; i++) {
		n->pair[i].rx_waiting = false;
		n->pair[i].rx_need_more = false;
	}
	n->pairs = k;
	for (unsigned int i = 0; i < k; i++)
		rv_net_rx_poll(&n->pair[i]);
	return 0;
}

/* Lock held: the control queue's commands (virtio 1.2, "Control Virtqueue"). */
static void rv_net_ctrl(struct rv_net *n, unsigned int q)
{
	struct rv_vq *vq = &n->t.q[q].vq;
	struct rv_vq_chain *c = &n->ctrl_chain;
	bool pushed = false;
	unsigned int done = 0;

	if (!rv_net_queue_live(n, q))
		return;
	do {
		while (done < RV_NET_BATCH && rv_vq_pop(vq, c) > 0) {
			uint8_t cmd[RV_NET_CTRL_CMD_MAX] = { 0 };
			unsigned int pairs;
			uint8_t ack;

			done++;
			/* No writable byte for the ack: returned untouched, counted. */
			if (!c->in_len) {
				n->stats.ctrl_bad++;
				if (rv_vq_push(vq, c->head, 0))
					break;
				pushed = true;
				continue;
			}
			/* Our copy: the guest may rewrite its own meanwhile. */
			rv_vq_iov_to_buf(c->iov, c->nr_out, 0, cmd, sizeof(cmd));
			ack = rv_net_ctrl_parse(cmd, c->out_len,
						rv_virtio_has(&n->t, VIRTIO_NET_F_MQ), n->max_pairs,
						&pairs);
			if (ack == VIRTIO_NET_OK && rv_net_set_pairs(n, pairs))
				ack = VIRTIO_NET_ERR;
			if (ack == VIRTIO_NET_OK)
				n->stats.ctrl_ok++;
			else
				n->stats.ctrl_err++;
			/* The ack is the first writable byte ("Control Virtqueue"). */
			rv_vq_buf_to_iov(c->iov + c->nr_out, c->nr_in, 0, &ack, 1);
			if (rv_vq_push(vq, c->head, 1))
				break;
			pushed = true;
		}
	} while (!rv_vq_broken(vq) && done < RV_NET_BATCH && rv_vq_enable_notify(vq));
	if (pushed)
		rv_virtio_used(&n->t, q);
	if (rv_vq_broken(vq))
		rv_virtio_queue_broken(&n->t, q);
	else if (done >= RV_NET_BATCH)
		rv_net_rekick(n, q);
}

/* Lock held: the driver is running (DRIVER_OK, first kick): set up the backend for it. */
static void rv_net_activate(struct rv_net *n)
{
	struct rv_net_offload o = {
		.csum = rv_virtio_has(&n->t, VIRTIO_NET_F_GUEST_CSUM),
		.tso4 = rv_virtio_has(&n->t, VIRTIO_NET_F_GUEST_TSO4),
		.tso6 = rv_virtio_has(&n->t, VIRTIO_NET_F_GUEST_TSO6),
	};

	if (n->active)
		return;
	n->features = n->t.driver_features;
	/* Receive offloads only as the driver accepted them. */
	if (n->be->ops->set_offload && n->be->ops->set_offload(n->be, &o))
		rv_warn("%s: the guest will see no receive offloads", n->dev.name);
	n->active = true;
	for (unsigned int i = 0; i < n->max_pairs; i++)
		n->pair[i].rx_waiting = false;
	rv_net_rx_poll(&n->pair[0]);
}

static void rv_net_queue_notify(struct rv_virtio *t, unsigned int q)
{
	struct rv_net *n = rv_net_of(t);
	/*
	 * The queue layout follows what was negotiated: with MQ, max_pairs
	 * pairs and the control queue after them; with CTRL_VQ alone, the
	 * control queue is queue 2 ("Virtqueues" of "Network Device").
	 */
	bool mq = rv_virtio_has(t, VIRTIO_NET_F_MQ);
	unsigned int layout = mq ? n->max_pairs : 1;
	struct rv_net_pair *p;

	rv_net_activate(n);
	if (q == 2 * layout) {
		if (rv_virtio_has(t, VIRTIO_NET_F_CTRL_VQ))
			rv_net_ctrl(n, q);
		return;
	}
	if (q / 2 >= layout)
		return;
	p = &n->pair[q / 2];
	if (q == RV_NET_RXQ(p->index)) {
		/* New receive buffers: a waiting frame goes first, then the backend again. */
		p->rx_waiting = false;
		rv_net_rx(p);
		rv_net_rx_poll(p);
	} else {
		rv_net_tx_kicked(p);
	}
}

/* The driver reset the device: whatever waits for its rings is dropped. */
static void rv_net_reset(struct rv_virtio *t)
{
	struct rv_net *n = rv_net_of(t);

	n->active = false;
	for (unsigned int i = 0; i < n->max_pairs; i++) {
		struct rv_net_pair *p = &n->pair[i];

		p->tx_held = false;
		if (p->rx_len)
			n->stats.rx_dropped_reset++;
		p->rx_len = 0;
	}
	/* Until its VQ_PAIRS_SET, a driver has pair 0 alone. */
	if (n->pairs > 1 && rv_net_set_pairs(n, 1))
		rv_warn("%s: queue pairs stay enabled past the reset", n->dev.name);
	/* The polls stop at their next wake-up (their callbacks check active). */
}

static const struct rv_virtio_dev_ops rv_net_virtio_ops = {
	.device_id = VIRTIO_ID_NET,
	.queue_notify = rv_net_queue_notify,
	.reset = rv_net_reset,
};

static void rv_net_free_pairs(struct rv_net *n)
{
	for (unsigned int i = 0; n->pair && i < n->max_pairs; i++)
		free(n->pair[i].rx_buf);
	free(n->pair);
}

/* The pairs' state, each with room for one largest frame. */
static int rv_net_alloc_pairs(struct rv_net *n, unsigned int nr)
{
	n->pair = calloc(nr, sizeof(*n->pair));
	if (!n->pair)
		return -ENOMEM;
	n->max_pairs = nr;
	n->pairs = 1;
	for (unsigned int i = 0; i < nr; i++) {
		n->pair[i].n = n;
		n->pair[i].index = i;
		n->pair[i].rx_buf = malloc(RV_NET_HDR_LEN + RV_NET_MAX_FRAME);
		if (!n->pair[i].rx_buf)
			return -ENOMEM;
	}
	return 0;
}

static void rv_net_destroy(struct rv_device *dev)
{
	struct rv_net *n = dev->priv;

	rv_virtio_fini(&n->t);
	for (unsigned int i = 0; i < n->max_pairs; i++) {
		if (n->pair[i].rx_polling)
			rv_loop_remove(&n->pair[i].rx_watch);
		if (n->pair[i].tx_polling)
			rv_loop_remove(&n->pair[i].tx_watch);
		if (n->pair[i].tx_timer_on)
			rv_loop_remove(&n->pair[i].tx_timer);
	}
	n->be->ops->destroy(n->be);
	rv_net_free_pairs(n);
	free(n);
}

static const struct rv_device_ops rv_net_ops = {
	.stats = rv_net_stats,
	.destroy = rv_net_destroy,
	.state_version = RV_VIRTIO_STATE_VERSION,
	.save = rv_net_save,
	.load = rv_net_load,
	.handover = rv_net_handover,
};

static int rv_net_create(struct rv_device_env *env, const struct rv_device_cfg *cfg)
{
	uint64_t features = (1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_STATUS) |
			    (1ULL << VIRTIO_NET_F_MRG_RXBUF);
	int handed[RV_NET_MAX_HANDED];
	unsigned int queues;
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
	/* A tap: one pair per vCPU unless queues= says; passt: one (the parser checked). */
	queues = n->spec.queues ? n->spec.queues : n->spec.kind == RV_NET_TAP ? env->nr_cpus : 1;
	queues = queues < 1 ? 1 : queues > RV_NET_MAX_PAIRS ? RV_NET_MAX_PAIRS : queues;
	/* A live update: the previous process's backend, not a new one. */
	ret = rv_device_adopt_fds(env, handed, RV_NET_MAX_HANDED);
	if (ret > 0)
		ret = n->spec.kind == RV_NET_TAP ?
			      rv_net_tap_adopt(&n->spec, handed, ret, &n->be) :
			      rv_net_passt_adopt(&n->spec, handed, ret, &n->be);
	else if (!ret)
		ret = n->spec.kind == RV_NET_TAP ? rv_net_tap_open(&n->spec, queues, &n->be) :
						   rv_net_passt_open(&n->spec, &n->be);
	if (ret)
		goto out_free;
	ret = rv_net_alloc_pairs(n, n->be->nr_queues);
	if (ret)
		goto out_be;
	/* Several pairs: VIRTIO_NET_F_MQ, which needs the control queue. */
	if (n->max_pairs > 1)
		features |= (1ULL << VIRTIO_NET_F_CTRL_VQ) | (1ULL << VIRTIO_NET_F_MQ);
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
	n->config.max_virtqueue_pairs = n->max_pairs;
	ret = rv_virtio_init(&n->t, env, cfg, &n->dev, &rv_net_virtio_ops, features,
			     n->max_pairs > 1 ? 2 * n->max_pairs + 1 : 2, &n->config,
			     sizeof(n->config));
	if (ret)
		goto out_be;
	rv_device_add(env, &n->dev);
	rv_debug("%s: %s%s%s, mac %02x:%02x:%02x:%02x:%02x:%02x, %u queue pair%s", cfg->name,
		 n->be->ops->name, n->be->ops->describe ? " " : "",
		 n->be->ops->describe ? n->be->ops->describe(n->be) : "", n->config.mac[0],
		 n->config.mac[1], n->config.mac[2], n->config.mac[3], n->config.mac[4],
		 n->config.mac[5], n->max_pairs, n->max_pairs > 1 ? "s" : "");
	return 0;

out_be:
	n->be->ops->destroy(n->be);
out_free:
	rv_net_free_pairs(n);
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
	.metavar = "tap=NAME|passt[=SOCKET][,mac=M][,queues=N]",
	.help = "a virtio-net NIC: a tap interface (created if\n"
		"absent; offloads pass through; N queue pairs,\n"
		"default one per vCPU) or passt (one pair), started\n"
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
