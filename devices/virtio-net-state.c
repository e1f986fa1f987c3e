// SPDX-License-Identifier: GPL-2.0
/*
 * What leaves a virtio-net device besides frames (virtio-net-dev.h): its
 * --stats, its state in a snapshot, and the backend fds a live update
 * hands to the next process. virtio-net.c has the queues.
 */
#include "virtio-net-dev.h"

#include <errno.h>
#include <stdio.h>

#include "vmm/stats.h"
#include "vmm/util.h"

void rv_net_stats(struct rv_device *dev, struct rv_stats_sink *s)
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
	rv_stats_u64(s, "queue_pairs", n->max_pairs);
	rv_stats_u64(s, "queue_pairs_enabled", n->pairs);
	if (n->max_pairs > 1) {
		rv_stats_u64(s, "ctrl_ok", st->ctrl_ok);
		rv_stats_u64(s, "ctrl_err", st->ctrl_err);
		rv_stats_u64(s, "ctrl_bad", st->ctrl_bad);
	}
	/* Flat keys, q<k>_rx_packets: which pairs the traffic took. */
	for (unsigned int i = 0; i < n->max_pairs; i++) {
		char key[32];

		snprintf(key, sizeof(key), "q%u_rx_packets", i);
		rv_stats_u64(s, key, n->pair[i].rx_packets);
		snprintf(key, sizeof(key), "q%u_tx_packets", i);
		rv_stats_u64(s, key, n->pair[i].tx_packets);
	}
	pthread_mutex_unlock(&n->t.lock);
	rv_virtio_stats_put(&n->t, s);
}

/*
 * Snapshots: the transport and the queues. The backend is the one of the
 * restoring command line (a tap opened by name, a new passt); the first
 * kick of the restored device activates it. A transmit chain the backend
 * pushed back is saved as given back and sent after the restore; a
 * received frame still waiting for the guest's buffers is dropped, as a
 * network may.
 */
int rv_net_save(struct rv_device *dev, void *buf, size_t size)
{
	struct rv_net *n = dev->priv;
	uint16_t held[RV_VIRTIO_MAX_QUEUES] = { 0 };
	/* The device's own bytes: the pairs the driver enabled (VQ_PAIRS_SET). */
	uint32_t pairs;
	int ret;

	pthread_mutex_lock(&n->t.lock);
	for (unsigned int k = 0; k < n->max_pairs; k++)
		held[RV_NET_TXQ(k)] = n->pair[k].tx_held;
	pairs = n->pairs;
	ret = rv_virtio_save(&n->t, buf, size, held, &pairs, sizeof(pairs));
	pthread_mutex_unlock(&n->t.lock);
	return ret;
}

int rv_net_load(struct rv_device *dev, const void *buf, size_t len, uint32_t version)
{
	struct rv_net *n = dev->priv;
	uint32_t pairs = 1;
	int ret;

	pthread_mutex_lock(&n->t.lock);
	for (unsigned int k = 0; k < n->max_pairs; k++) {
		n->pair[k].tx_held = false;
		n->pair[k].rx_len = 0;
	}
	ret = rv_virtio_load(&n->t, buf, len, version, &pairs, sizeof(pairs));
	/* The snapshot file's value: 1..this device's pairs, as VQ_PAIRS_SET takes. */
	if (!ret && (pairs < 1 || pairs > n->max_pairs))
		ret = rv_err(-EINVAL, "%s: %u queue pairs enabled, this device has %u", n->dev.name,
			     pairs, n->max_pairs);
	if (!ret && pairs != n->pairs)
		ret = rv_net_set_pairs(n, pairs);
	if (!ret)
		rv_virtio_restored(&n->t);
	pthread_mutex_unlock(&n->t.lock);
	return ret;
}

/* A live update: the backend's fds (a tap's queues, passt's connection) cross. */
int rv_net_handover(struct rv_device *dev, int *fds, unsigned int max)
{
	struct rv_net *n = dev->priv;

	return n->be->ops->handover ? n->be->ops->handover(n->be, fds, max) : 0;
}
