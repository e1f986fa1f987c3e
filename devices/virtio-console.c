// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-console (virtio 1.2, "Console Device"), `--console virtio`: one
 * port, no feature bits (no VIRTIO_CONSOLE_F_SIZE, no MULTIPORT), so the
 * driver uses receiveq0 and transmitq0 only and the guest sees /dev/hvc0.
 * It takes the VM's console (vmm/console.h) instead of the UART: the
 * kernel's default command line then says console=hvc0.
 *
 * Flow control, both ways, with nothing buffered here beyond one chain:
 *
 * - transmitq (guest output): each chain's bytes go to rv_console_write(),
 *   which never blocks and takes what fits in its bounded buffer. When it
 *   takes less, the chain stays popped (not yet used) and the queue is not
 *   read on; the console's tx_ready hook resumes it on the loop thread once
 *   there is room. A host side nobody reads (a FIFO, a pty without a
 *   reader) so stops the guest's writes at 64 KiB, as a slow line would,
 *   and a stop request is seen at once: no VMM thread waits on it.
 * - receiveq (host input): the console hands bytes to rv_vcon_rx() on the
 *   loop thread; they go into the driver's next receive buffer, and what
 *   does not fit (no buffer posted yet) stays with the console, which asks
 *   again after the driver's next receiveq kick (rv_console_rx_ready()).
 */
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio/transport.h"
#include "vmm/console.h"
#include "vmm/stats.h"
#include "vmm/util.h"

#define RV_VCON_RXQ 0
#define RV_VCON_TXQ 1

/*
 * "Device configuration layout": cols, rows, max_nr_ports, emerg_wr. Read
 * only with F_SIZE / F_MULTIPORT / F_EMERG_WRITE, none of which we offer;
 * present (zero) so the window has the layout's length.
 */
struct rv_vcon_config {
	uint16_t cols, rows;
	uint32_t max_nr_ports;
	uint32_t emerg_wr;
} __attribute__((packed));

struct rv_vcon {
	struct rv_device dev;
	struct rv_virtio t;
	struct rv_vcon_config config;
	struct rv_console *con; /* NULL: output is counted and dropped */

	/* A transmit chain the console has not taken all of yet. */
	struct rv_vq_chain tx;
	bool tx_pending;
	size_t tx_off; /* bytes of tx's out part already taken */
	/* The console offered input and found no receive buffer. */
	bool rx_waiting;
	struct rv_vq_chain rx; /* the receive chain being filled (lock held) */

	uint64_t tx_bytes, rx_bytes, tx_throttled, tx_dropped;
};

/* Lock held: may the device use queue @q now? (As the transport's run_queue.) */
static bool rv_vcon_live(struct rv_vcon *v, unsigned int q)
{
	struct rv_virtio *t = &v->t;

	return (t->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	       !(t->status & VIRTIO_CONFIG_S_NEEDS_RESET) && t->q[q].ready &&
	       !rv_vq_broken(&t->q[q].vq);
}

/*
 * Lock held. Hand the pending chain to the console from tx_off on; true
 * when all of it went (or was dropped: no console), false when the console
 * is full and will call rv_vcon_tx_ready().
 */
static bool rv_vcon_tx_chain(struct rv_vcon *v)
{
	struct rv_vq_chain *c = &v->tx;
	size_t skip = v->tx_off;

	for (unsigned int i = 0; i < c->nr_out; i++) {
		size_t len = c->iov[i].iov_len, n;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		if (!v->con) {
			v->tx_dropped += len - skip;
			v->tx_off += len - skip;
			skip = 0;
			continue;
		}
		n = rv_console_write(v->con, (uint8_t *)c->iov[i].iov_base + skip, len - skip);
		v->tx_off += n;
		v->tx_bytes += n;
		if (n < len - skip) {
			v->tx_throttled++;
			return false;
		}
		skip = 0;
	}
	return true;
}

/* Lock held: send what the driver queued, until the console is full. */
static void rv_vcon_tx(struct rv_vcon *v)
{
	struct rv_virtio *t = &v->t;
	struct rv_vq *vq = &t->q[RV_VCON_TXQ].vq;

	do {
		for (;;) {
			if (!v->tx_pending) {
				if (rv_vq_pop(vq, &v->tx) != 1)
					break;
				v->tx_pending = true;
				v->tx_off = 0;
			}
			if (!rv_vcon_tx_chain(v))
				return; /* resumed by rv_vcon_tx_ready() */
			v->tx_pending = false;
			/* The device wrote nothing into a transmit buffer. */
			if (rv_vq_push(vq, v->tx.head, 0))
				return;
			rv_virtio_used(t, RV_VCON_TXQ);
		}
	} while (!rv_vq_broken(vq) && rv_vq_enable_notify(vq));
}

/* Loop thread: the console has room again. */
static void rv_vcon_tx_ready(void *opaque)
{
	struct rv_vcon *v = opaque;

	pthread_mutex_lock(&v->t.lock);
	if (rv_vcon_live(v, RV_VCON_TXQ)) {
		rv_vcon_tx(v);
		if (rv_vq_broken(&v->t.q[RV_VCON_TXQ].vq))
			rv_virtio_queue_broken(&v->t, RV_VCON_TXQ);
	}
	pthread_mutex_unlock(&v->t.lock);
}

/* Loop thread: input from the console. Returns the bytes taken. */
static size_t rv_vcon_rx(void *opaque, const uint8_t *buf, size_t len)
{
	struct rv_vcon *v = opaque;
	struct rv_virtio *t = &v->t;
	struct rv_vq *vq = &t->q[RV_VCON_RXQ].vq;
	struct rv_vq_chain *c = &v->rx;
	size_t taken = 0;

	pthread_mutex_lock(&t->lock);
	if (!rv_vcon_live(v, RV_VCON_RXQ))
		goto out_wait;
	while (taken < len) {
		size_t n;
		int r = rv_vq_pop(vq, c);

		if (r != 1) {
			if (r < 0)
				rv_virtio_queue_broken(t, RV_VCON_RXQ);
			break;
		}
		n = rv_vq_buf_to_iov(c->iov + c->nr_out, c->nr_in, 0, buf + taken, len - taken);
		taken += n;
		v->rx_bytes += n;
		if (rv_vq_push(vq, c->head, n)) {
			rv_virtio_queue_broken(t, RV_VCON_RXQ);
			break;
		}
		rv_virtio_used(t, RV_VCON_RXQ);
	}
out_wait:
	/* Not all taken: the driver's next receiveq kick asks for more. */
	v->rx_waiting = taken < len;
	pthread_mutex_unlock(&t->lock);
	return taken;
}

static void rv_vcon_queue_notify(struct rv_virtio *t, unsigned int q)
{
	struct rv_vcon *v = rv_container_of(t, struct rv_vcon, t);

	if (q == RV_VCON_TXQ) {
		rv_vcon_tx(v);
		return;
	}
	/* New receive buffers: input the console holds may go now. */
	if (v->rx_waiting && v->con) {
		v->rx_waiting = false;
		rv_console_rx_ready(v->con);
	}
}

/* The driver reset the device: a half-sent chain belongs to the old rings. */
static void rv_vcon_reset(struct rv_virtio *t)
{
	struct rv_vcon *v = rv_container_of(t, struct rv_vcon, t);

	v->tx_pending = false;
	v->tx_off = 0;
}

static const struct rv_virtio_dev_ops rv_vcon_virtio_ops = {
	.device_id = VIRTIO_ID_CONSOLE,
	.queue_notify = rv_vcon_queue_notify,
	.reset = rv_vcon_reset,
};

static void rv_vcon_stats(struct rv_device *dev, struct rv_stats_sink *s)
{
	struct rv_vcon *v = dev->priv;

	pthread_mutex_lock(&v->t.lock);
	rv_stats_u64(s, "tx_bytes", v->tx_bytes);
	rv_stats_u64(s, "tx_throttled", v->tx_throttled);
	rv_stats_u64(s, "tx_dropped", v->tx_dropped);
	rv_stats_u64(s, "rx_bytes", v->rx_bytes);
	pthread_mutex_unlock(&v->t.lock);
	rv_virtio_stats_put(&v->t, s);
}

static void rv_vcon_destroy(struct rv_device *dev)
{
	struct rv_vcon *v = dev->priv;

	if (v->con) {
		rv_console_set_tx_ready(v->con, NULL, NULL);
		rv_console_detach(v->con);
	}
	rv_virtio_fini(&v->t);
	free(v);
}

/*
 * Snapshots: the transport and the queues, and how much of a transmit
 * chain the console had taken. That chain is saved as given back; the
 * restored device takes it again and skips what was already written, so
 * output is neither lost nor doubled. The host side is the console of
 * the restoring command line.
 */
struct rv_vcon_state {
	uint64_t tx_off;
};

static int rv_vcon_save(struct rv_device *dev, void *buf, size_t size)
{
	struct rv_vcon *v = dev->priv;
	uint16_t held[RV_VIRTIO_MAX_QUEUES] = { 0 };
	struct rv_vcon_state st;
	int n;

	pthread_mutex_lock(&v->t.lock);
	st.tx_off = v->tx_pending ? v->tx_off : 0;
	held[RV_VCON_TXQ] = v->tx_pending;
	n = rv_virtio_save(&v->t, buf, size, held, &st, sizeof(st));
	pthread_mutex_unlock(&v->t.lock);
	return n;
}

static int rv_vcon_load(struct rv_device *dev, const void *buf, size_t len, uint32_t version)
{
	struct rv_vcon *v = dev->priv;
	struct rv_vq *vq = &v->t.q[RV_VCON_TXQ].vq;
	struct rv_vcon_state st;
	int ret;

	pthread_mutex_lock(&v->t.lock);
	v->tx_pending = false;
	ret = rv_virtio_load(&v->t, buf, len, version, &st, sizeof(st));
	if (!ret && st.tx_off) {
		/* Take the chain back now, past the part written before the snapshot. */
		if (!vq->started || rv_vq_broken(vq) || rv_vq_pop(vq, &v->tx) != 1 ||
		    st.tx_off >= v->tx.out_len)
			ret = rv_err(-EINVAL, "%s: %llu bytes of output taken of a chain not there",
				     dev->name, (unsigned long long)st.tx_off);
		else
			v->tx_pending = true;
		v->tx_off = st.tx_off;
	}
	if (!ret)
		rv_virtio_restored(&v->t);
	pthread_mutex_unlock(&v->t.lock);
	return ret;
}

static const struct rv_device_ops rv_vcon_ops = {
	.stats = rv_vcon_stats,
	.destroy = rv_vcon_destroy,
	.state_version = RV_VIRTIO_STATE_VERSION,
	.save = rv_vcon_save,
	.load = rv_vcon_load,
};

static int rv_vcon_create(struct rv_device_env *env, const struct rv_device_cfg *cfg)
{
	struct rv_vcon *v = calloc(1, sizeof(*v));
	int ret;

	if (!v)
		return -ENOMEM;
	v->dev.priv = v;
	v->dev.ops = &rv_vcon_ops;
	snprintf(v->dev.name, sizeof(v->dev.name), "%s", cfg->name);
	if (cfg->console && env->console) {
		ret = rv_console_attach(env->console, rv_vcon_rx, v);
		if (ret) {
			ret = rv_err(ret, "%s: console already taken", cfg->name);
			goto out_free;
		}
		v->con = env->console;
		rv_console_set_tx_ready(v->con, rv_vcon_tx_ready, v);
	}
	ret = rv_virtio_init(&v->t, env, cfg, &v->dev, &rv_vcon_virtio_ops, 0, 2, &v->config,
			     sizeof(v->config));
	if (ret)
		goto out_detach;
	rv_device_add(env, &v->dev);
	return 0;

out_detach:
	if (v->con) {
		rv_console_set_tx_ready(v->con, NULL, NULL);
		rv_console_detach(v->con);
	}
out_free:
	free(v);
	return ret;
}

/* No run option of its own: --console virtio asks for it (vmm/cli.c). */
static struct rv_device_type rv_vcon_type = {
	.name = "virtio-console",
	.create = rv_vcon_create,
	.console_name = "virtio",
	.console_cmdline = "console=hvc0",
};
RV_DEVICE_TYPE(rv_vcon_type)
