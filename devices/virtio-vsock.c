// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-vsock (virtio 1.2, "Socket Device"), the virtio side: three
 * queues (rx, tx, event), the guest's CID in config space, no feature bits
 * (stream sockets only). See virtio-vsock.h for the whole picture and the
 * bounds, vsock-host.c for the UNIX side.
 *
 * Flow control both ways ("Buffer Space Management"): every packet we send
 * says buf_alloc (RV_VSOCK_BUF_ALLOC, the connection's ring) and fwd_cnt
 * (what left the ring for the socket); the guest's packets say the same of
 * its socket, and we never send it more payload than
 * buf_alloc - (tx_cnt - fwd_cnt). A guest that sends more than its credit
 * is reset; a guest that stops reading stops our reads of the socket, so
 * the host side's writes block in its own socket buffer, not in ringvmm.
 */
#include "devices/virtio-vsock.h"

#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "vmm/stats.h"
#include "vmm/util.h"

/* Lock held: may the device use queue @q now? (As the transport's run_queue.) */
static bool rv_vsock_live(struct rv_vsock *v, unsigned int q)
{
	struct rv_virtio *t = &v->t;

	return (t->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	       !(t->status & VIRTIO_CONFIG_S_NEEDS_RESET) && t->q[q].ready &&
	       !rv_vq_broken(&t->q[q].vq);
}

/* A header from the host to the guest about @c (ports, credit), or about ports alone. */
static void rv_vsock_hdr(struct rv_vsock *v, struct virtio_vsock_hdr *h, uint16_t op,
			 uint32_t guest_port, uint32_t host_port, struct rv_vsock_conn *c)
{
	memset(h, 0, sizeof(*h));
	h->src_cid = RV_VSOCK_HOST_CID;
	h->dst_cid = v->cid;
	h->src_port = host_port;
	h->dst_port = guest_port;
	h->type = VIRTIO_VSOCK_TYPE_STREAM;
	h->op = op;
	if (c) {
		h->buf_alloc = RV_VSOCK_BUF_ALLOC;
		h->fwd_cnt = c->fwd_cnt;
		c->fwd_cnt_told = c->fwd_cnt;
	}
}

/*
 * @c's payload into the receive chain @rc after the header, straight from
 * its socket: at most @max bytes. Returns the bytes read, 0 at EOF, -EAGAIN
 * when the socket is dry, or another -errno.
 */
static ssize_t rv_vsock_read_into(struct rv_vsock_conn *c, const struct rv_vq_chain *rc, size_t max)
{
	struct iovec iov[RV_VQ_MAX_SIZE];
	size_t skip = sizeof(struct virtio_vsock_hdr), room = max;
	unsigned int n = 0;
	ssize_t r;

	for (unsigned int i = rc->nr_out; i < rc->nr_out + rc->nr_in && room; i++) {
		size_t len = rc->iov[i].iov_len;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		iov[n].iov_base = (uint8_t *)rc->iov[i].iov_base + skip;
		iov[n].iov_len = len - skip < room ? len - skip : room;
		room -= iov[n].iov_len;
		skip = 0;
		n++;
	}
	if (!n)
		return -ENOSPC;
	do
		r = readv(c->fd, iov, n);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return r;
}

/*
 * Fill the held receive chain with the next thing owed to the guest: a
 * reset, a connection's control packet, or a connection's data. Returns
 * the bytes written into the chain, 0 when nothing was ready.
 */
static uint32_t rv_vsock_rx_one(struct rv_vsock *v)
{
	const struct rv_vq_chain *rc = &v->rxc;
	struct virtio_vsock_hdr h;
	uint64_t room = rc->in_len - sizeof(h);

	if (v->rst_len) {
		unsigned int i = v->rst_head;

		v->rst_head = (v->rst_head + 1) % RV_VSOCK_MAX_RST;
		v->rst_len--;
		rv_vsock_hdr(v, &h, VIRTIO_VSOCK_OP_RST, v->rst[i].guest_port, v->rst[i].host_port,
			     NULL);
		v->stats.rst_sent++;
		goto out_hdr;
	}
	for (unsigned int k = 0; k < RV_VSOCK_MAX_CONNS; k++) {
		struct rv_vsock_conn *c = &v->conns[(v->rr + k) % RV_VSOCK_MAX_CONNS];
		uint32_t credit;
		ssize_t n;

		if (c->state == RV_VC_FREE || c->state == RV_VC_HANDSHAKE)
			continue;
		if (c->owe) {
			/* The lowest bit first: REQUEST, RESPONSE, CREDIT_UPDATE. */
			unsigned int bit = c->owe & -c->owe;
			static const uint16_t ops[] = { VIRTIO_VSOCK_OP_REQUEST,
							VIRTIO_VSOCK_OP_RESPONSE,
							VIRTIO_VSOCK_OP_CREDIT_UPDATE };

			c->owe &= ~bit;
			rv_vsock_hdr(v, &h, ops[__builtin_ctz(bit)], c->guest_port, c->host_port,
				     c);
			goto out_hdr;
		}
		if (c->state != RV_VC_ESTABLISHED || !c->readable || c->host_eof ||
		    c->guest_shut_rcv)
			continue;
		credit = rv_vsock_peer_credit(c->peer_buf_alloc, c->peer_fwd_cnt, c->tx_cnt);
		if (!credit) {
			/* Ask once; the guest's next header brings the answer. */
			if (!c->asked_credit) {
				c->asked_credit = true;
				rv_vsock_hdr(v, &h, VIRTIO_VSOCK_OP_CREDIT_REQUEST, c->guest_port,
					     c->host_port, c);
				goto out_hdr;
			}
			continue;
		}
		/* Never more than the guest's credit, its buffer, one packet. */
		if (room > credit)
			room = credit;
		n = rv_vsock_read_into(c, rc, room < RV_VSOCK_MAX_PKT ? room : RV_VSOCK_MAX_PKT);
		if (n == -EAGAIN) {
			c->readable = false;
			rv_vsock_conn_watch(v, c);
			continue;
		}
		if (n <= 0) {
			/* EOF: the host will send no more; an error: the socket is gone. */
			if (n < 0) {
				rv_vsock_conn_close(v, c, true);
				continue;
			}
			c->host_eof = true;
			c->readable = false;
			rv_vsock_hdr(v, &h, VIRTIO_VSOCK_OP_SHUTDOWN, c->guest_port, c->host_port,
				     c);
			h.flags = VIRTIO_VSOCK_SHUTDOWN_SEND;
			/* Both ends done sending: closes it (a RST follows this SHUTDOWN). */
			rv_vsock_conn_flush(v, c);
			goto out_hdr;
		}
		rv_vsock_hdr(v, &h, VIRTIO_VSOCK_OP_RW, c->guest_port, c->host_port, c);
		h.len = (uint32_t)n;
		c->tx_cnt += (uint32_t)n;
		v->stats.rx_bytes += n;
		/* The next connection goes first next time: no socket starves the others. */
		v->rr = (c - v->conns + 1) % RV_VSOCK_MAX_CONNS;
		rv_vq_buf_to_iov(rc->iov + rc->nr_out, rc->nr_in, 0, &h, sizeof(h));
		v->stats.rx_pkts++;
		return sizeof(h) + (uint32_t)n;
	}
	return 0;

out_hdr:
	rv_vq_buf_to_iov(rc->iov + rc->nr_out, rc->nr_in, 0, &h, sizeof(h));
	v->stats.rx_pkts++;
	return sizeof(h);
}

void rv_vsock_rx_pump(struct rv_vsock *v)
{
	struct rv_vq *vq = &v->t.q[RV_VSOCK_RXQ].vq;

	if (!rv_vsock_live(v, RV_VSOCK_RXQ))
		return;
	for (;;) {
		uint32_t n;
		int r;

		if (!v->rxc_held) {
			r = rv_vq_pop(vq, &v->rxc);
			if (r < 0)
				break;
			if (!r) {
				/* The guest's next rx kick brings us back. */
				if (!rv_vq_enable_notify(vq)) {
					v->stats.rx_starved++;
					return;
				}
				continue;
			}
			v->rxc_held = true;
			/* A buffer that cannot hold a header: the guest's mistake, used empty. */
			if (v->rxc.in_len < sizeof(struct virtio_vsock_hdr)) {
				v->stats.bad_rx_buffers++;
				v->rxc_held = false;
				if (rv_vq_push(vq, v->rxc.head, 0))
					break;
				rv_virtio_used(&v->t, RV_VSOCK_RXQ);
				continue;
			}
		}
		n = rv_vsock_rx_one(v);
		if (!n)
			return; /* nothing to send: keep the chain for next time */
		v->rxc_held = false;
		if (rv_vq_push(vq, v->rxc.head, n))
			break;
		rv_virtio_used(&v->t, RV_VSOCK_RXQ);
	}
	if (rv_vq_broken(vq))
		rv_virtio_queue_broken(&v->t, RV_VSOCK_RXQ);
}

/* One packet from the guest, its header checked; @c its connection or NULL. */
static void rv_vsock_tx_packet(struct rv_vsock *v, const struct virtio_vsock_hdr *h,
			       struct rv_vsock_conn *c)
{
	uint32_t gport = h->src_port, hport = h->dst_port;

	if (c) {
		/* Every header carries the guest's credit (hostile values: rv_vsock_peer_credit). */
		c->peer_buf_alloc = h->buf_alloc;
		c->peer_fwd_cnt = h->fwd_cnt;
		c->asked_credit = false;
	}
	switch (h->op) {
	case VIRTIO_VSOCK_OP_REQUEST:
		if (c) {
			/* A second REQUEST for a live connection: both ends start over. */
			rv_vsock_conn_close(v, c, true);
			break;
		}
		if (rv_vsock_host_connect(v, gport, hport)) {
			v->stats.refused++;
			rv_vsock_owe_rst(v, gport, hport);
			break;
		}
		c = rv_vsock_conn_find(v, gport, hport);
		c->peer_buf_alloc = h->buf_alloc;
		c->peer_fwd_cnt = h->fwd_cnt;
		break;
	case VIRTIO_VSOCK_OP_RESPONSE:
		if (!c || c->state != RV_VC_CONNECTING) {
			if (c)
				rv_vsock_conn_close(v, c, true);
			else
				rv_vsock_owe_rst(v, gport, hport);
		} else if (rv_vsock_host_accepted(v, c)) {
			rv_vsock_conn_close(v, c, true);
		}
		break;
	case VIRTIO_VSOCK_OP_RST:
		/* Never answer a reset with one: two peers would ping-pong. */
		if (c)
			rv_vsock_conn_close(v, c, false);
		break;
	case VIRTIO_VSOCK_OP_SHUTDOWN:
		if (!c)
			break;
		c->guest_shut_send |= !!(h->flags & VIRTIO_VSOCK_SHUTDOWN_SEND);
		c->guest_shut_rcv |= !!(h->flags & VIRTIO_VSOCK_SHUTDOWN_RCV);
		rv_vsock_conn_flush(v, c);
		break;
	case VIRTIO_VSOCK_OP_RW:
		if (!c || c->state != RV_VC_ESTABLISHED || c->guest_shut_send) {
			if (c)
				rv_vsock_conn_close(v, c, true);
			else
				rv_vsock_owe_rst(v, gport, hport);
			break;
		}
		/* More than the credit we gave: not buffered, the connection is reset. */
		if (h->len > rv_vsock_ring_room(&c->ring)) {
			v->stats.credit_violations++;
			rv_vsock_conn_close(v, c, true);
			break;
		}
		rv_vq_iov_to_buf(v->txc.iov, v->txc.nr_out, sizeof(*h), v->scratch, h->len);
		rv_vsock_ring_put(&c->ring, v->scratch, h->len);
		v->stats.tx_bytes += h->len;
		rv_vsock_conn_flush(v, c);
		break;
	case VIRTIO_VSOCK_OP_CREDIT_UPDATE:
		break; /* taken above; the pump may send again */
	case VIRTIO_VSOCK_OP_CREDIT_REQUEST:
		if (c)
			c->owe |= RV_VC_OWE_CREDIT;
		break;
	}
}

static void rv_vsock_tx(struct rv_vsock *v)
{
	struct rv_vq *vq = &v->t.q[RV_VSOCK_TXQ].vq;

	do {
		while (rv_vq_pop(vq, &v->txc) == 1) {
			struct virtio_vsock_hdr h;
			enum rv_vsock_bad bad = RV_VSOCK_E_SHORT;

			/* A copy: the guest may rewrite the header while we look. */
			if (rv_vq_iov_to_buf(v->txc.iov, v->txc.nr_out, 0, &h, sizeof(h)) ==
			    sizeof(h))
				bad = rv_vsock_hdr_check(&h, v->txc.out_len - sizeof(h), v->cid);
			v->stats.tx_pkts++;
			if (bad)
				v->stats.bad[bad]++;
			else
				rv_vsock_tx_packet(v, &h,
						   rv_vsock_conn_find(v, h.src_port, h.dst_port));
			if (rv_vq_push(vq, v->txc.head, 0))
				return;
			rv_virtio_used(&v->t, RV_VSOCK_TXQ);
		}
	} while (!rv_vq_broken(vq) && rv_vq_enable_notify(vq));
}

/* Lock held: VIRTIO_VSOCK_EVENT_TRANSPORT_RESET into an event buffer, if owed. */
static void rv_vsock_event(struct rv_vsock *v)
{
	struct rv_vq *vq = &v->t.q[RV_VSOCK_EVQ].vq;
	struct virtio_vsock_event ev = { .id = VIRTIO_VSOCK_EVENT_TRANSPORT_RESET };
	struct rv_vq_chain *c = &v->txc;

	if (!v->event_owed || rv_vq_pop(vq, c) != 1)
		return;
	v->event_owed = false;
	v->stats.events++;
	if (!rv_vq_push(vq, c->head,
			rv_vq_buf_to_iov(c->iov + c->nr_out, c->nr_in, 0, &ev, sizeof(ev))))
		rv_virtio_used(&v->t, RV_VSOCK_EVQ);
}

static void rv_vsock_queue_notify(struct rv_virtio *t, unsigned int q)
{
	struct rv_vsock *v = rv_container_of(t, struct rv_vsock, t);

	if (q == RV_VSOCK_TXQ)
		rv_vsock_tx(v);
	else if (q == RV_VSOCK_EVQ)
		rv_vsock_event(v);
	/* Replies the packets asked for, or new receive buffers: send. */
	rv_vsock_rx_pump(v);
}

/*
 * The driver reset the device: its sockets are gone, so are ours (the
 * host clients see their connections closed). The next driver is told
 * with a TRANSPORT_RESET event ("Device Events") once it posts an event
 * buffer, so that it re-reads the CID.
 */
static void rv_vsock_reset(struct rv_virtio *t)
{
	struct rv_vsock *v = rv_container_of(t, struct rv_vsock, t);
	bool had = false;

	for (unsigned int i = 0; i < RV_VSOCK_MAX_CONNS; i++) {
		if (v->conns[i].state == RV_VC_FREE)
			continue;
		had = true;
		rv_vsock_conn_close(v, &v->conns[i], false);
	}
	v->event_owed |= had;
	v->rst_len = 0;
	v->rxc_held = false;
}

static const struct rv_virtio_dev_ops rv_vsock_virtio_ops = {
	.device_id = VIRTIO_ID_VSOCK,
	.queue_notify = rv_vsock_queue_notify,
	.reset = rv_vsock_reset,
};

static void rv_vsock_stats(struct rv_device *dev, struct rv_stats_sink *s)
{
	struct rv_vsock *v = dev->priv;
	struct rv_vsock_stats *st = &v->stats;
	uint64_t bad = 0;
	unsigned int open = 0;

	pthread_mutex_lock(&v->t.lock);
	for (unsigned int i = 1; i < RV_VSOCK_E_NR; i++)
		bad += st->bad[i];
	for (unsigned int i = 0; i < RV_VSOCK_MAX_CONNS; i++)
		open += v->conns[i].state != RV_VC_FREE;
	rv_stats_u64(s, "cid", v->cid);
	rv_stats_u64(s, "tx_packets", st->tx_pkts);
	rv_stats_u64(s, "tx_bytes", st->tx_bytes);
	rv_stats_u64(s, "rx_packets", st->rx_pkts);
	rv_stats_u64(s, "rx_bytes", st->rx_bytes);
	rv_stats_u64(s, "bad_packets", bad);
	for (unsigned int i = 1; i < RV_VSOCK_E_NR; i++) {
		char key[32];

		snprintf(key, sizeof(key), "bad_%s", rv_vsock_bad_name(i));
		rv_stats_u64(s, key, st->bad[i]);
	}
	rv_stats_u64(s, "conns_from_guest", st->conns_guest);
	rv_stats_u64(s, "conns_from_host", st->conns_host);
	rv_stats_u64(s, "conns_open", open);
	rv_stats_u64(s, "refused", st->refused);
	rv_stats_u64(s, "credit_violations", st->credit_violations);
	rv_stats_u64(s, "handshakes_expired", st->expired);
	rv_stats_u64(s, "rst_sent", st->rst_sent);
	rv_stats_u64(s, "rst_dropped", st->rst_dropped);
	rv_stats_u64(s, "rx_starved", st->rx_starved);
	rv_stats_u64(s, "bad_rx_buffers", st->bad_rx_buffers);
	rv_stats_u64(s, "events", st->events);
	pthread_mutex_unlock(&v->t.lock);
	rv_virtio_stats_put(&v->t, s);
}

static void rv_vsock_destroy(struct rv_device *dev)
{
	struct rv_vsock *v = dev->priv;

	rv_vsock_host_fini(v);
	rv_virtio_fini(&v->t);
	free(v->scratch);
	free(v);
}

/*
 * Snapshots: the transport and the queues. Connections cannot survive a
 * restore (their host ends belonged to the old process), so the restored
 * device tells the driver with VIRTIO_VSOCK_EVENT_TRANSPORT_RESET ("Device
 * Events") at its first event buffer, as after a migration: the guest
 * drops its connections and re-reads the CID. A receive chain the device
 * held is saved as given back.
 */
static int rv_vsock_save(struct rv_device *dev, void *buf, size_t size)
{
	struct rv_vsock *v = dev->priv;
	uint16_t held[RV_VIRTIO_MAX_QUEUES] = { 0 };
	int ret;

	pthread_mutex_lock(&v->t.lock);
	held[RV_VSOCK_RXQ] = v->rxc_held;
	ret = rv_virtio_save(&v->t, buf, size, held, NULL, 0);
	pthread_mutex_unlock(&v->t.lock);
	return ret;
}

static int rv_vsock_load(struct rv_device *dev, const void *buf, size_t len, uint32_t version)
{
	struct rv_vsock *v = dev->priv;
	int ret;

	pthread_mutex_lock(&v->t.lock);
	v->rxc_held = false;
	v->rst_len = 0;
	ret = rv_virtio_load(&v->t, buf, len, version, NULL, 0);
	if (!ret) {
		v->event_owed = (v->t.status & VIRTIO_CONFIG_S_DRIVER_OK) != 0;
		rv_virtio_restored(&v->t);
	}
	pthread_mutex_unlock(&v->t.lock);
	return ret;
}

/*
 * A live update: the listening socket crosses (connections waiting in
 * its backlog are accepted by the new process). Established connections
 * do not: their host ends close at the exec, the host process reads EOF,
 * and the guest's ends are reset by the TRANSPORT_RESET event above.
 */
static int rv_vsock_handover(struct rv_device *dev, int *fds, unsigned int max)
{
	struct rv_vsock *v = dev->priv;

	if (!max)
		return -ENOSPC;
	fds[0] = v->listen_fd;
	return 1;
}

static const struct rv_device_ops rv_vsock_ops = {
	.stats = rv_vsock_stats,
	.destroy = rv_vsock_destroy,
	.state_version = RV_VIRTIO_STATE_VERSION,
	.save = rv_vsock_save,
	.load = rv_vsock_load,
	.handover = rv_vsock_handover,
};

static int rv_vsock_create(struct rv_device_env *env, const struct rv_device_cfg *cfg)
{
	struct rv_vsock *v = calloc(1, sizeof(*v));
	int ret;

	if (!v)
		return -ENOMEM;
	v->dev.priv = v;
	v->dev.ops = &rv_vsock_ops;
	v->listen_fd = v->ep_fd = -1;
	snprintf(v->dev.name, sizeof(v->dev.name), "%s", cfg->name);
	ret = rv_vsock_parse_args(cfg->args, &v->cid, v->path, sizeof(v->path));
	if (ret) {
		ret = rv_err_wrap(ret, "--vsock %s", cfg->args ? cfg->args : "");
		goto out_free;
	}
	v->scratch = malloc(RV_VSOCK_MAX_PKT);
	if (!v->scratch) {
		ret = -ENOMEM;
		goto out_free;
	}
	/* "Device configuration layout": guest_cid, little-endian like the host. */
	v->config.guest_cid = v->cid;
	ret = rv_virtio_init(&v->t, env, cfg, &v->dev, &rv_vsock_virtio_ops, 0, 3, &v->config,
			     sizeof(v->config));
	if (ret)
		goto out_free;
	ret = rv_vsock_host_init(v);
	if (ret)
		goto out_fini;
	rv_device_add(env, &v->dev);
	return 0;

out_fini:
	rv_vsock_host_fini(v);
	rv_virtio_fini(&v->t);
out_free:
	free(v->scratch);
	free(v);
	return ret;
}

static int rv_vsock_check(const char *arg)
{
	char path[RV_VSOCK_PATH_MAX + 1];
	uint64_t cid;

	return rv_vsock_parse_args(arg, &cid, path, sizeof(path));
}

static const struct rv_device_option rv_vsock_option = {
	.name = "vsock",
	.metavar = "cid=N,uds=PATH",
	.help = "a virtio-vsock device, guest CID N: guest connections\n"
		"to host port P go to the UNIX socket PATH_P; a host\n"
		"process connects to PATH and writes \"CONNECT P\\n\"",
	.check = rv_vsock_check,
};

static struct rv_device_type rv_vsock_type = {
	.name = "virtio-vsock",
	.create = rv_vsock_create,
	.cli_option = &rv_vsock_option,
};
RV_DEVICE_TYPE(rv_vsock_type)
