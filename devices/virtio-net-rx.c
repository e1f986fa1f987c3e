// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net's receive path (virtio-net.c has the rest): frames from a
 * queue pair's backend fd into that pair's receive queue. A frame is read
 * whole into the pair's buffer, then copied into one chain, or with
 * VIRTIO_NET_F_MRG_RXBUF as many as it takes, published together. While
 * the guest has no buffer for it, the frame waits and the fd is not read:
 * one frame per pair is all ringvmm ever holds.
 */
#include "virtio-net-dev.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>

#include "vmm/util.h"

static void rv_net_on_rx_ready(void *opaque, int res)
{
	struct rv_net_pair *p = opaque;
	struct rv_net *n = p->n;

	pthread_mutex_lock(&n->t.lock);
	/* A pair the driver disabled: its (detached) fd is not read. */
	if (res < 0 || p->rx_waiting || !n->active || n->be_dead || p->index >= n->pairs) {
		/* In our own callback: nothing is in flight, so removing is final. */
		rv_loop_remove(&p->rx_watch);
		p->rx_polling = false;
	} else {
		rv_net_rx(p);
	}
	pthread_mutex_unlock(&n->t.lock);
}

void rv_net_rx_poll(struct rv_net_pair *p)
{
	struct rv_net *n = p->n;

	if (p->rx_polling || p->rx_waiting || !n->active || n->be_dead || !n->loop ||
	    p->index >= n->pairs)
		return;
	if (rv_loop_add_fd(n->loop, &p->rx_watch, n->be->fd[p->index], POLLIN, rv_net_on_rx_ready,
			   p, n->dev.name))
		rv_warn("%s: cannot poll the backend", n->dev.name);
	else
		p->rx_polling = true;
}

/*
 * Lock held: copy the frame in rx_buf into the receive queue. 1 when it
 * was delivered, 0 when the guest has no buffer for it now (it waits), -1
 * when it was dropped.
 */
static int rv_net_rx_place(struct rv_net_pair *p, struct rv_vq *vq)
{
	struct rv_net *n = p->n;
	bool mrg = rv_virtio_has(&n->t, VIRTIO_NET_F_MRG_RXBUF);
	struct rv_net_rx_acct a;
	unsigned int nb = 0;
	uint16_t num;

	rv_net_rx_begin(&a, p->rx_len, mrg, vq->size);
	while (!rv_net_rx_done(&a)) {
		struct rv_vq_chain *c = nb ? &p->rx_chain : &p->rx_first;
		long take;
		int r = rv_vq_pop(vq, c);

		if (r <= 0) {
			rv_vq_unpop(vq, nb);
			if (r < 0)
				goto out_drop; /* broken: rv_net_rx reports it */
			/* Some buffers, not enough: wait for more than those. */
			p->rx_need_more = nb > 0;
			return 0;
		}
		/* Only the writable part of a receive chain counts. */
		take = rv_net_rx_take(&a, c->in_len);
		if (take < 0) {
			rv_vq_unpop(vq, nb + 1);
			n->stats.rx_dropped_no_fit++;
			goto out_drop;
		}
		rv_vq_buf_to_iov(c->iov + c->nr_out, c->nr_in, 0, p->rx_buf + a.placed - take,
				 take);
		p->rx_heads[nb] = c->head;
		p->rx_lens[nb] = take;
		nb++;
	}
	/* num_buffers: how many chains the driver must gather (1 without MRG_RXBUF). */
	num = nb;
	rv_vq_buf_to_iov(p->rx_first.iov + p->rx_first.nr_out, p->rx_first.nr_in,
			 offsetof(struct virtio_net_hdr_v1, num_buffers), &num, sizeof(num));
	if (rv_vq_push_n(vq, p->rx_heads, p->rx_lens, nb))
		goto out_drop;
	n->stats.rx_packets++;
	p->rx_packets++;
	n->stats.rx_bytes += p->rx_len - RV_NET_HDR_LEN;
	p->rx_len = 0;
	return 1;

out_drop:
	p->rx_len = 0;
	return -1;
}

void rv_net_rx(struct rv_net_pair *p)
{
	struct rv_net *n = p->n;
	unsigned int q = RV_NET_RXQ(p->index);
	struct rv_vq *vq = &n->t.q[q].vq;
	bool pushed = false;
	unsigned int i;

	if (!rv_net_queue_live(n, q) || n->be_dead || p->index >= n->pairs)
		return;
	for (i = 0; i < RV_NET_BATCH; i++) {
		int r;

		if (!p->rx_len) {
			ssize_t len = n->be->ops->recv(n->be, p->index, p->rx_buf,
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
			p->rx_len = len;
		}
		r = rv_net_rx_place(p, vq);
		if (rv_vq_broken(vq)) {
			rv_virtio_queue_broken(&n->t, q);
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
		if (p->rx_need_more ? rv_vq_enable_notify_more(vq) : rv_vq_enable_notify(vq))
			continue;
		p->rx_waiting = true;
		n->stats.rx_stalls++;
		break;
	}
	if (pushed)
		rv_virtio_used(&n->t, q);
	if (i == RV_NET_BATCH)
		rv_net_rekick(n, q);
}
