// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio transport (see transport.h): its state, kept as the
 * virtio-mmio registers define it, and its MMIO face, a version 2
 * register window. Section names are those of the virtio 1.2
 * specification; the register offsets are Linux's <linux/virtio_mmio.h>,
 * which follows "MMIO Device Register Layout".
 *
 * Registers are 32-bit: an access of another width (or at an offset that
 * names no register) reads 0 and writes nothing. The config space behind
 * them is byte-addressable.
 */
#include "devices/virtio/transport.h"
#include "devices/virtio/internal.h"
#include "devices/virtio/pci.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "vmm/bus.h"
#include "vmm/kvm.h"
#include "vmm/stats.h"
#include "vmm/util.h"

#define RV_VIRTIO_MMIO_MAGIC 0x74726976 /* "virt" */
#define RV_VIRTIO_MMIO_VERSION 2
#define RV_VIRTIO_VENDOR_ID 0x554d4551 /* the value QEMU and kvmtool use too */
/*
 * How long a reset waits for the host to finish requests in flight. The
 * host kernel may still be writing their buffers; past this we warn and
 * rely on the generation check alone (ops->reset).
 */
#define RV_VIRTIO_RESET_WAIT_NS (5ULL * 1000000000ULL)

/* The transport's own features: version 1 (modern), and the ring features. */
#define RV_VIRTIO_TRANSPORT_FEATURES                                        \
	((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX) | \
	 (1ULL << VIRTIO_RING_F_INDIRECT_DESC))

bool rv_virtio_has(const struct rv_virtio *t, unsigned int bit)
{
	return bit < 64 && (t->driver_features & (1ULL << bit));
}

void rv_virtio_used(struct rv_virtio *t, unsigned int q)
{
	if (!rv_vq_should_interrupt(&t->q[q].vq)) {
		t->stats.suppressed++;
		t->q[q].suppressed++;
		return;
	}
	t->stats.interrupts++;
	t->q[q].interrupts++;
	if (t->pci)
		rv_vpci_interrupt(t, (int)q);
	else
		rv_vmmio_irq_raise(t, VIRTIO_MMIO_INT_VRING);
}

/* Lock held: the config change interrupt, on either face of the transport. */
static void rv_vmmio_config_interrupt(struct rv_virtio *t)
{
	t->stats.config_interrupts++;
	if (t->pci)
		rv_vpci_interrupt(t, -1);
	else
		rv_vmmio_irq_raise(t, VIRTIO_MMIO_INT_CONFIG);
}

void rv_virtio_queue_broken(struct rv_virtio *t, unsigned int q)
{
	if (t->status & VIRTIO_CONFIG_S_NEEDS_RESET)
		return;
	rv_warn("%s: queue %u: %s: the device needs a reset", t->dev->name, q,
		rv_vq_error_name(t->q[q].vq.error));
	t->stats.broken++;
	/* "Device Status Field": tell the driver, with a config change interrupt. */
	t->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	rv_vmmio_config_interrupt(t);
}

void rv_virtio_config_changed(struct rv_virtio *t)
{
	/* "Device Configuration Space": the driver re-reads until the generation holds still. */
	t->config_generation++;
	rv_vmmio_page_publish_config(t);
	rv_vmmio_config_interrupt(t);
}

void rv_virtio_request_done(struct rv_virtio *t)
{
	pthread_cond_broadcast(&t->idle);
}

/* Lock held. Run the device on queue @q if the driver let it. */
static void rv_vmmio_run_queue(struct rv_virtio *t, unsigned int q)
{
	struct rv_virtio_queue *vq = &t->q[q];

	if (!(t->status & VIRTIO_CONFIG_S_DRIVER_OK) || (t->status & VIRTIO_CONFIG_S_NEEDS_RESET) ||
	    !vq->ready || rv_vq_broken(&vq->vq))
		return;
	t->ops->queue_notify(t, q);
	if (rv_vq_broken(&vq->vq))
		rv_virtio_queue_broken(t, q);
}

/* Loop thread: KVM signalled the queue's ioeventfd (or we did, below). */
static void rv_vmmio_on_kick(void *opaque, int res)
{
	struct rv_virtio_queue *q = opaque;
	struct rv_virtio *t = q->t;
	uint64_t v;

	if (res < 0)
		return;
	if (read(q->kick_fd, &v, sizeof(v)) != sizeof(v))
		return; /* EAGAIN: a spurious wakeup */
	pthread_mutex_lock(&t->lock);
	t->stats.notifications += v;
	q->kicks += v;
	rv_vmmio_run_queue(t, q->index);
	pthread_mutex_unlock(&t->lock);
}

/* Where the kick lands: the loop thread, or inline without a loop. */
void rv_virtio_kick(struct rv_virtio *t, unsigned int q)
{
	uint64_t one = 1;

	if (t->q[q].kick_fd >= 0) {
		/* Not through KVM (no ioeventfd, or a value it did not match). */
		if (write(t->q[q].kick_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			rv_warn("%s: kick eventfd: %s", t->dev->name, strerror(errno));
		return;
	}
	t->stats.notifications++;
	t->q[q].kicks++;
	rv_vmmio_run_queue(t, q);
}

/* Lock held. Status 0: wait for requests in flight, then forget everything. */
static void rv_vmmio_reset(struct rv_virtio *t)
{
	struct timespec deadline;
	uint64_t ns;

	t->generation++;
	/* No more queue work from the loop thread while we wait below. */
	t->status = 0;
	if (t->ops->reset)
		t->ops->reset(t);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	ns = deadline.tv_nsec + RV_VIRTIO_RESET_WAIT_NS;
	deadline.tv_sec += ns / 1000000000ULL;
	deadline.tv_nsec = ns % 1000000000ULL;
	while (t->inflight) {
		if (pthread_cond_timedwait(&t->idle, &t->lock, &deadline) == ETIMEDOUT) {
			rv_warn("%s: reset with %u requests still in flight", t->dev->name,
				t->inflight);
			break;
		}
	}
	for (unsigned int i = 0; i < t->nr_queues; i++) {
		struct rv_virtio_queue *q = &t->q[i];

		rv_vq_reset(&q->vq);
		q->num = 0;
		q->ready = false;
		q->desc = q->driver = q->device = 0;
	}
	t->driver_features = 0;
	t->device_features_sel = t->driver_features_sel = t->queue_sel = 0;
	t->status = 0;
	rv_vmmio_irq_ack(t, t->isr);
	t->isr_new = 0;
	if (t->pci)
		rv_vpci_reset(t);
	t->stats.resets++;
}

static void rv_vmmio_set_status(struct rv_virtio *t, uint32_t v)
{
	if (!v) {
		rv_vmmio_reset(t);
		return;
	}
	/*
	 * "Device Initialization": FEATURES_OK only for a subset of what we
	 * offered that includes VERSION_1 (we have no legacy interface); the
	 * driver reads the status back and gives up when it is not set.
	 */
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) && !(t->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
		if ((t->driver_features & ~t->device_features) ||
		    !rv_virtio_has(t, VIRTIO_F_VERSION_1))
			v &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	}
	/* The driver sets bits; only a reset clears them. NEEDS_RESET is ours. */
	v &= ~VIRTIO_CONFIG_S_NEEDS_RESET;
	v |= t->status;
	if ((v & VIRTIO_CONFIG_S_DRIVER_OK) && !(t->status & VIRTIO_CONFIG_S_DRIVER_OK)) {
		t->status = v;
		/* Buffers the driver queued before DRIVER_OK. */
		for (unsigned int q = 0; q < t->nr_queues; q++)
			if (t->q[q].ready)
				rv_virtio_kick(t, q);
		return;
	}
	t->status = v;
}

static void rv_vmmio_queue_ready(struct rv_virtio *t, struct rv_virtio_queue *q, uint32_t v)
{
	if (!v) {
		rv_vq_reset(&q->vq);
		q->ready = false;
		return;
	}
	if (q->ready)
		return;
	q->vq.size = q->num;
	q->vq.desc_gpa = q->desc;
	q->vq.avail_gpa = q->driver;
	q->vq.used_gpa = q->device;
	q->vq.event_idx = rv_virtio_has(t, VIRTIO_RING_F_EVENT_IDX);
	q->vq.indirect = rv_virtio_has(t, VIRTIO_RING_F_INDIRECT_DESC);
	q->ready = true;
	/* The driver chose size and addresses: bad ones break the queue. */
	if (!t->env->mem || rv_vq_start(&q->vq, t->env->mem))
		rv_virtio_queue_broken(t, q - t->q);
}

static void rv_vmmio_set_addr(uint64_t *reg, uint32_t v, bool high)
{
	if (high)
		*reg = (*reg & 0xffffffffULL) | (uint64_t)v << 32;
	else
		*reg = (*reg & ~0xffffffffULL) | v;
}

uint32_t rv_virtio_reg_value(struct rv_virtio *t, uint64_t off)
{
	struct rv_virtio_queue *q = t->queue_sel < t->nr_queues ? &t->q[t->queue_sel] : NULL;

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return RV_VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return RV_VIRTIO_MMIO_VERSION;
	case VIRTIO_MMIO_DEVICE_ID:
		return t->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return RV_VIRTIO_VENDOR_ID;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		/* The driver chose the selector: only words 0 and 1 exist. */
		return t->device_features_sel < 2 ?
			       (uint32_t)(t->device_features >> (32 * t->device_features_sel)) :
			       0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return q ? RV_VQ_MAX_SIZE : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return q ? q->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return t->isr;
	case VIRTIO_MMIO_STATUS:
		return t->status;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
		/* "Shared Memory Regions": none, which reads as length -1. */
		return 0xffffffff;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return t->config_generation;
	}
	return 0;
}

void rv_virtio_reg_write(struct rv_virtio *t, uint64_t off, uint32_t v)
{
	struct rv_virtio_queue *q = t->queue_sel < t->nr_queues ? &t->q[t->queue_sel] : NULL;
	/* Queue registers only change while the queue is not ready. */
	struct rv_virtio_queue *qw = q && !q->ready ? q : NULL;

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		t->device_features_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		/* Only while negotiating: frozen once FEATURES_OK is set. */
		if (t->driver_features_sel < 2 && !(t->status & VIRTIO_CONFIG_S_FEATURES_OK))
			rv_vmmio_set_addr(&t->driver_features, v, t->driver_features_sel);
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		t->driver_features_sel = v;
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		t->queue_sel = v;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
		if (qw)
			qw->num = v; /* checked by rv_vq_start() at QueueReady */
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		if (q)
			rv_vmmio_queue_ready(t, q, v);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		/* The driver writes the queue index; anything else is ignored. */
		if (v < t->nr_queues)
			rv_virtio_kick(t, v);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		rv_vmmio_irq_ack(t, v);
		break;
	case VIRTIO_MMIO_STATUS:
		rv_vmmio_set_status(t, v);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		if (qw)
			rv_vmmio_set_addr(&qw->desc, v, off == VIRTIO_MMIO_QUEUE_DESC_HIGH);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		if (qw)
			rv_vmmio_set_addr(&qw->driver, v, off == VIRTIO_MMIO_QUEUE_AVAIL_HIGH);
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		if (qw)
			rv_vmmio_set_addr(&qw->device, v, off == VIRTIO_MMIO_QUEUE_USED_HIGH);
		break;
	}
}

void rv_virtio_mmio_read(void *opaque, uint64_t off, void *data, unsigned int len)
{
	struct rv_virtio *t = opaque;
	uint32_t v;

	memset(data, 0, len);
	pthread_mutex_lock(&t->lock);
	rv_vmmio_irq_sync(t);
	if (t->page) {
		/* Exit or not, every read sees the page (no memslot, or a config change's). */
		rv_vmmio_page_publish(t);
		rv_vmmio_page_read(t, off, data, len);
	} else if (off >= RV_VIRTIO_MMIO_CONFIG) {
		/* The bus checked off + len against the window; the config may be shorter. */
		off -= RV_VIRTIO_MMIO_CONFIG;
		if (off < t->config_len && len <= t->config_len - off)
			memcpy(data, t->config + off, len);
	} else if (len == 4) {
		v = rv_virtio_reg_value(t, off);
		/* What the driver has seen: a later InterruptACK may clear it (irq_sync). */
		if (off == VIRTIO_MMIO_INTERRUPT_STATUS)
			t->isr_new = 0;
		memcpy(data, &v, 4);
	}
	pthread_mutex_unlock(&t->lock);
}

void rv_virtio_mmio_write(void *opaque, uint64_t off, const void *data, unsigned int len)
{
	struct rv_virtio *t = opaque;
	uint32_t v;

	pthread_mutex_lock(&t->lock);
	rv_vmmio_irq_sync(t);
	if (off >= RV_VIRTIO_MMIO_CONFIG) {
		off -= RV_VIRTIO_MMIO_CONFIG;
		if (t->ops->config_written && off < t->config_len && len <= t->config_len - off) {
			memcpy(t->config + off, data, len);
			t->ops->config_written(t);
		}
	} else if (len == 4) {
		memcpy(&v, data, 4);
		rv_virtio_reg_write(t, off, v);
	}
	/* Before this vCPU runs on: its next read sees what the write changed. */
	rv_vmmio_page_publish(t);
	pthread_mutex_unlock(&t->lock);
}

static const struct rv_bus_ops rv_vmmio_bus_ops = {
	.access_sizes = RV_BUS_SIZE_1 | RV_BUS_SIZE_2 | RV_BUS_SIZE_4,
	.read = rv_virtio_mmio_read,
	.write = rv_virtio_mmio_write,
};

/* The queue's notify: QueueNotify, or the PCI face's notify port. */
static int rv_vmmio_kick_ioeventfd(struct rv_virtio *t, struct rv_virtio_queue *q, bool deassign)
{
	if (t->pci)
		return rv_vpci_ioeventfd(t, q->index, q->kick_fd, deassign);
	return rv_vmmio_ioeventfd(t, VIRTIO_MMIO_QUEUE_NOTIFY, q->index, q->kick_fd, deassign);
}

/*
 * QueueNotify through KVM_IOEVENTFD (api.rst, KVM_IOEVENTFD): a write of
 * queue index @q to the register signals the queue's eventfd inside KVM,
 * without an exit to this process; the event loop reads it. Without KVM
 * (or where it refuses), the MMIO exit writes the same eventfd.
 */
static int rv_vmmio_setup_kick(struct rv_virtio *t, struct rv_virtio_queue *q)
{
	int ret;

	q->kick_fd = -1;
	if (!t->env->loop)
		return 0; /* unit tests: notifications run inline */
	q->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->kick_fd < 0)
		return rv_err(-errno, "%s: eventfd: %s", t->dev->name, strerror(errno));
	if (t->env->vm_fd >= 0) {
		ret = rv_vmmio_kick_ioeventfd(t, q, false);
		if (ret)
			rv_debug("%s: KVM_IOEVENTFD: %s; the notify exits instead", t->dev->name,
				 strerror(-ret));
		q->ioeventfd = !ret;
	}
	return rv_loop_add_fd(t->env->loop, &q->kick_watch, q->kick_fd, POLLIN, rv_vmmio_on_kick, q,
			      t->dev->name);
}

int rv_virtio_init(struct rv_virtio *t, struct rv_device_env *env, const struct rv_device_cfg *cfg,
		   struct rv_device *dev, const struct rv_virtio_dev_ops *ops, uint64_t features,
		   unsigned int nr_queues, void *config, uint32_t config_len)
{
	pthread_condattr_t attr;
	int ret;

	if ((cfg->space != RV_SPACE_MMIO && cfg->space != RV_SPACE_PCI) || !nr_queues ||
	    nr_queues > RV_VIRTIO_MAX_QUEUES ||
	    config_len > RV_VIRTIO_MMIO_SIZE - RV_VIRTIO_MMIO_CONFIG)
		return rv_err(-EINVAL, "%s: virtio needs an MMIO slot or PCI, and 1-%d queues",
			      cfg->name, RV_VIRTIO_MAX_QUEUES);
	memset(t, 0, sizeof(*t));
	t->ops = ops;
	t->env = env;
	t->dev = dev;
	t->base = cfg->base;
	t->irq = cfg->irq;
	t->edge = cfg->irq_edge;
	t->device_features = features | RV_VIRTIO_TRANSPORT_FEATURES;
	t->nr_queues = nr_queues;
	t->config = config;
	t->config_len = config_len;
	t->irq_fd = t->resample_fd = t->ack_fd = t->page_slot = -1;
	for (unsigned int i = 0; i < RV_VIRTIO_MAX_QUEUES; i++) {
		t->q[i].t = t;
		t->q[i].index = i;
		t->q[i].kick_fd = -1;
	}
	pthread_mutex_init(&t->lock, NULL);
	/* A reset's deadline is on the monotonic clock: wall-clock steps do not matter. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&t->idle, &attr);
	pthread_condattr_destroy(&attr);

	if (cfg->space == RV_SPACE_PCI) {
		ret = rv_vpci_setup(t, cfg->name);
	} else {
		ret = rv_bus_register(env->mmio, t->base, RV_VIRTIO_MMIO_SIZE, &rv_vmmio_bus_ops, t,
				      dev);
		if (ret)
			ret = rv_err(ret, "%s: mmio range 0x%" PRIx64 "+0x%x: %s", cfg->name,
				     t->base, RV_VIRTIO_MMIO_SIZE, strerror(-ret));
	}
	if (ret)
		goto out_fini;
	for (unsigned int i = 0; i < nr_queues; i++) {
		ret = rv_vmmio_setup_kick(t, &t->q[i]);
		if (ret)
			goto out_fini;
	}
	if (t->pci) {
		rv_debug("%s: virtio-pci in slot %u, %u queues, notify %s at port 0x%" PRIx64
			 ", MSI-X (KVM_SIGNAL_MSI)",
			 cfg->name, t->pci->func.slot, nr_queues,
			 t->q[0].ioeventfd ? "KVM_IOEVENTFD" : "exit", t->pci->notify);
		return 0;
	}
	ret = rv_vmmio_irq_setup(t);
	if (ret)
		goto out_fini;
	ret = rv_vmmio_page_setup(t);
	if (ret)
		goto out_fini;
	rv_debug("%s: virtio-mmio at 0x%" PRIx64 " irq %u, %u queues, notify %s, irq %s, reads %s",
		 cfg->name, t->base, t->irq, nr_queues,
		 t->q[0].ioeventfd ? "KVM_IOEVENTFD" : "exit",
		 t->irq_fd < 0 ? "KVM_IRQ_LINE" :
		 t->edge       ? "KVM_IRQFD, edge" :
				 "KVM_IRQFD+resample",
		 t->page_slot >= 0 ? "from a read-only memslot" : "exit");
	return 0;

out_fini:
	rv_virtio_fini(t);
	return ret;
}

void rv_virtio_fini(struct rv_virtio *t)
{
	for (unsigned int i = 0; i < RV_VIRTIO_MAX_QUEUES; i++) {
		struct rv_virtio_queue *q = &t->q[i];

		if (q->kick_fd < 0)
			continue;
		/* A closed VM (teardown) took its ioeventfds and irqfds with it. */
		if (q->ioeventfd && t->env->vm_fd >= 0)
			rv_vmmio_kick_ioeventfd(t, q, true);
		rv_loop_remove(&q->kick_watch);
		close(q->kick_fd);
		q->kick_fd = -1;
	}
	rv_vmmio_irq_fini(t);
	rv_vmmio_page_fini(t);
	rv_vpci_fini(t);
	pthread_cond_destroy(&t->idle);
	pthread_mutex_destroy(&t->lock);
}

void rv_virtio_stats_put(struct rv_virtio *t, struct rv_stats_sink *s)
{
	char rings[32 * RV_VIRTIO_MAX_QUEUES] = "";
	char perq[64 * RV_VIRTIO_MAX_QUEUES] = "";
	size_t n = 0, m = 0;

	pthread_mutex_lock(&t->lock);
	rv_stats_u64(s, "notifications", t->stats.notifications);
	rv_stats_u64(s, "interrupts", t->stats.interrupts);
	rv_stats_u64(s, "interrupts_suppressed", t->stats.suppressed);
	rv_stats_u64(s, "acks_in_kernel", t->stats.acks_in_kernel);
	rv_stats_u64(s, "config_interrupts", t->stats.config_interrupts);
	rv_stats_u64(s, "resets", t->stats.resets);
	rv_stats_u64(s, "broken_queues", t->stats.broken);
	rv_stats_u64(s, "ioeventfd", t->q[0].ioeventfd);
	rv_stats_u64(s, "irqfd", t->irq_fd >= 0);
	rv_stats_u64(s, "reg_page", t->page_slot >= 0);
	rv_stats_u64(s, "reg_page_flips", t->stats.page_flips);
	if (t->pci)
		rv_vpci_stats(t, s);
	/*
	 * Each started queue: the driver's avail->idx, what the device took
	 * and gave back. A gap at exit says where a request got stuck.
	 */
	for (unsigned int i = 0; i < t->nr_queues && n < sizeof(rings); i++) {
		struct rv_vq *vq = &t->q[i].vq;

		if (vq->started)
			n += snprintf(rings + n, sizeof(rings) - n, "%sq%u %u/%u/%u", n ? " " : "",
				      i,
				      __atomic_load_n((volatile uint16_t *)(vq->avail + 2),
						      __ATOMIC_RELAXED),
				      vq->last_avail, vq->used_idx);
	}
	rv_stats_str(s, "rings_avail_taken_used", rings);
	/* Each queue's kicks, interrupts raised and suppressed, resets included. */
	for (unsigned int i = 0; i < t->nr_queues && m < sizeof(perq); i++) {
		const struct rv_virtio_queue *q = &t->q[i];

		if (q->kicks || q->interrupts || q->suppressed)
			m += snprintf(perq + m, sizeof(perq) - m,
				      "%sq%u %" PRIu64 "/%" PRIu64 "/%" PRIu64, m ? " " : "", i,
				      q->kicks, q->interrupts, q->suppressed);
	}
	rv_stats_str(s, "queues_kicks_irqs_suppressed", perq);
	pthread_mutex_unlock(&t->lock);
}

/*
 * After a snapshot's load (state.c). The ioeventfds and the
 * irqfd were wired at init for every queue, as on a fresh start; what a
 * restore adds is the interrupt still pending, and a look at each ready
 * queue.
 */
void rv_virtio_restored(struct rv_virtio *t)
{
	rv_vmmio_page_publish(t);
	if (t->pci)
		rv_vpci_restored(t);
	else if (t->isr)
		rv_vmmio_irq_raise(t, t->isr);
	if (!(t->status & VIRTIO_CONFIG_S_DRIVER_OK))
		return;
	for (unsigned int q = 0; q < t->nr_queues; q++)
		if (t->q[q].ready && !rv_vq_broken(&t->q[q].vq))
			rv_virtio_kick(t, q);
}
