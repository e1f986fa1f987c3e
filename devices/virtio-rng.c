// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-rng (virtio 1.2, "Entropy Device"), `--rng`: one queue whose
 * device-writable buffers are filled from getrandom(2), the host kernel's
 * CSPRNG. In the guest it is a hw_random source (/dev/hwrng).
 *
 * Requests are served on the loop thread as they come: getrandom() on an
 * initialised host pool never blocks, and each request is capped so one
 * large buffer cannot hold the loop up.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/virtio_ids.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "devices/virtio/transport.h"
#include "vmm/stats.h"
#include "vmm/util.h"

/* Bytes per request at most; the driver asks again for more. */
#define RV_RNG_MAX_REQUEST 4096

struct rv_rng {
	struct rv_device dev;
	struct rv_virtio t;
	uint64_t requests, bytes, errors;
	struct rv_vq_chain chain;
};

/* Fill the chain's writable buffers, up to RV_RNG_MAX_REQUEST bytes in all. */
static uint32_t rv_rng_fill(struct rv_rng *r, const struct rv_vq_chain *c)
{
	uint32_t done = 0;

	for (unsigned int i = c->nr_out; i < c->nr_out + c->nr_in; i++) {
		size_t want = c->iov[i].iov_len;
		ssize_t got;

		if (want > RV_RNG_MAX_REQUEST - done)
			want = RV_RNG_MAX_REQUEST - done;
		if (!want)
			break;
		got = getrandom(c->iov[i].iov_base, want, GRND_NONBLOCK);
		if (got < 0) {
			r->errors++;
			break;
		}
		done += got;
		if ((size_t)got < want)
			break;
	}
	return done;
}

static void rv_rng_queue_notify(struct rv_virtio *t, unsigned int q)
{
	struct rv_rng *r = rv_container_of(t, struct rv_rng, t);
	struct rv_vq *vq = &t->q[q].vq;

	do {
		while (rv_vq_pop(vq, &r->chain) == 1) {
			uint32_t n = rv_rng_fill(r, &r->chain);

			r->requests++;
			r->bytes += n;
			if (rv_vq_push(vq, r->chain.head, n))
				return;
			rv_virtio_used(t, q);
		}
	} while (!rv_vq_broken(vq) && rv_vq_enable_notify(vq));
}

static const struct rv_virtio_dev_ops rv_rng_virtio_ops = {
	.device_id = VIRTIO_ID_RNG,
	.queue_notify = rv_rng_queue_notify,
};

static void rv_rng_stats(struct rv_device *dev, struct rv_stats_sink *s)
{
	struct rv_rng *r = dev->priv;

	pthread_mutex_lock(&r->t.lock);
	rv_stats_u64(s, "requests", r->requests);
	rv_stats_u64(s, "bytes", r->bytes);
	rv_stats_u64(s, "errors", r->errors);
	pthread_mutex_unlock(&r->t.lock);
	rv_virtio_stats_put(&r->t, s);
}

static void rv_rng_destroy(struct rv_device *dev)
{
	struct rv_rng *r = dev->priv;

	rv_virtio_fini(&r->t);
	free(r);
}

/* Snapshots: the transport and the queue; the device has nothing else. */
static int rv_rng_save(struct rv_device *dev, void *buf, size_t size)
{
	return rv_virtio_save_plain(&((struct rv_rng *)dev->priv)->t, buf, size);
}

static int rv_rng_load(struct rv_device *dev, const void *buf, size_t len, uint32_t version)
{
	return rv_virtio_load_plain(&((struct rv_rng *)dev->priv)->t, buf, len, version);
}

static const struct rv_device_ops rv_rng_ops = {
	.stats = rv_rng_stats,
	.destroy = rv_rng_destroy,
	.state_version = RV_VIRTIO_STATE_VERSION,
	.save = rv_rng_save,
	.load = rv_rng_load,
};

static int rv_rng_create(struct rv_device_env *env, const struct rv_device_cfg *cfg)
{
	struct rv_rng *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return -ENOMEM;
	r->dev.priv = r;
	r->dev.ops = &rv_rng_ops;
	snprintf(r->dev.name, sizeof(r->dev.name), "%s", cfg->name);
	/* No device features, no config space ("Entropy Device"). */
	ret = rv_virtio_init(&r->t, env, cfg, &r->dev, &rv_rng_virtio_ops, 0, 1, NULL, 0);
	if (ret) {
		free(r);
		return ret;
	}
	rv_device_add(env, &r->dev);
	return 0;
}

static const struct rv_device_option rv_rng_option = {
	.name = "rng",
	.help = "a virtio-rng entropy device fed by getrandom(2)",
};

static struct rv_device_type rv_rng_type = {
	.name = "virtio-rng",
	.create = rv_rng_create,
	.cli_option = &rv_rng_option,
};
RV_DEVICE_TYPE(rv_rng_type)
