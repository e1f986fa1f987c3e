// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio transport's snapshot state (transport.h, rv_virtio_save/load):
 * the registers the driver wrote, and for each queue its size, rings and
 * the device-side indices of virtqueue.c. A device's state is this, then
 * the device's own bytes, under the device's state_version.
 *
 * A device on PCI (pci.c) adds its PCI face after the queues: the
 * configuration space (command register, MSI-X's control), the MSI-X
 * table and pending bits, the vectors the driver chose.
 *
 * The saved device is quiesced: nothing is in flight. A chain a device
 * holds on to (a frame the backend had no room for, console output the
 * console did not take) is saved as given back, so the restored device
 * takes it again; the live device keeps it. The state file and the
 * memory file are untrusted: every value is checked against what this
 * device offers and against the rings in guest memory before any is used.
 */
#include "devices/virtio/internal.h"
#include "devices/virtio/transport.h"
#include "devices/virtio/pci.h"

#include <errno.h>
#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>
#include <string.h>

#include "vmm/pci.h"
#include "vmm/util.h"

struct rv_vmmio_state {
	uint64_t device_features, driver_features;
	uint32_t device_features_sel, driver_features_sel;
	uint32_t queue_sel, status;
	uint32_t isr, config_generation;
	uint32_t nr_queues, own_len; /* own_len: the device's bytes after the queues */
};

struct rv_vmmio_state_queue {
	uint64_t desc, driver, device;
	uint32_t num;
	uint8_t ready, error, signalled_valid, pad;
	uint16_t last_avail, used_idx, signalled_used, pad2;
};

/* Every status bit a driver or this transport sets ("Device Status Field"). */
#define RV_VMMIO_STATUS_KNOWN                                                               \
	(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_DRIVER_OK | \
	 VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_NEEDS_RESET | VIRTIO_CONFIG_S_FAILED)

/*
 * The PCI face in a snapshot. The configuration space goes whole: what
 * the guest may not write must come back as this device has it (ids,
 * capabilities, BAR addresses), and the rest (command, MSI-X control,
 * the access capability's window) is the guest's.
 */
#define RV_VPCI_STATE_MAGIC 0x69637076 /* "vpci" */

struct rv_vpci_state {
	uint8_t cfg[RV_PCI_CFG_SIZE];
	uint32_t magic, nr_vectors, pba;
	uint16_t config_vector;
	uint16_t queue_vector[RV_VIRTIO_MAX_QUEUES];
	uint16_t pad;
	struct rv_vpci_msix_entry table[RV_VPCI_MAX_VECTORS];
};

size_t rv_vpci_state_size(void)
{
	return sizeof(struct rv_vpci_state);
}

/* Every vCPU is parked: nobody touches the configuration space meanwhile. */
static size_t rv_vpci_save(struct rv_virtio *t, void *buf)
{
	const struct rv_virtio_pci *p = t->pci;
	struct rv_vpci_state st = {
		.magic = RV_VPCI_STATE_MAGIC,
		.nr_vectors = p->nr_vectors,
		.pba = p->pba,
		.config_vector = p->config_vector,
	};

	memcpy(st.cfg, p->func.cfg, sizeof(st.cfg));
	memcpy(st.queue_vector, p->queue_vector, sizeof(st.queue_vector));
	memcpy(st.table, p->table, sizeof(st.table));
	memcpy(buf, &st, sizeof(st));
	return sizeof(st);
}

static int rv_vpci_load(struct rv_virtio *t, const void *buf)
{
	struct rv_virtio_pci *p = t->pci;
	const char *name = t->dev->name;
	struct rv_vpci_state st;
	uint16_t ctl;

	memcpy(&st, buf, sizeof(st));
	if (st.magic != RV_VPCI_STATE_MAGIC || st.nr_vectors != p->nr_vectors)
		return rv_err(-EINVAL, "%s: no virtio-pci state for %u vectors here", name,
			      p->nr_vectors);
	for (unsigned int i = 0; i < RV_PCI_CFG_SIZE; i++)
		if ((st.cfg[i] ^ p->func.cfg[i]) & ~p->func.wmask[i])
			return rv_err(-EINVAL,
				      "%s: saved PCI configuration differs from this device's at "
				      "0x%02x",
				      name, i);
	for (unsigned int bar = 0; bar < RV_PCI_NR_BARS; bar++) {
		unsigned int off = PCI_BASE_ADDRESS_0 + 4 * bar;

		if (rv_pci_get32(st.cfg + off) != rv_pci_get32(p->func.cfg + off))
			return rv_err(-EINVAL, "%s: saved BAR %u at another address", name, bar);
	}
	if (st.pba >> p->nr_vectors ||
	    (st.config_vector >= p->nr_vectors && st.config_vector != VIRTIO_MSI_NO_VECTOR))
		return rv_err(-EINVAL, "%s: MSI-X pending 0x%x, config vector %u", name, st.pba,
			      st.config_vector);
	for (unsigned int q = 0; q < RV_VIRTIO_MAX_QUEUES; q++)
		if (st.queue_vector[q] >= p->nr_vectors &&
		    st.queue_vector[q] != VIRTIO_MSI_NO_VECTOR)
			return rv_err(-EINVAL, "%s: queue %u on MSI-X vector %u of %u", name, q,
				      st.queue_vector[q], p->nr_vectors);
	for (unsigned int v = 0; v < RV_VPCI_MAX_VECTORS; v++)
		if (st.table[v].ctrl & ~PCI_MSIX_ENTRY_CTRL_MASKBIT)
			return rv_err(-EINVAL, "%s: MSI-X entry %u control 0x%x", name, v,
				      st.table[v].ctrl);
	memcpy(p->func.cfg, st.cfg, sizeof(st.cfg));
	memcpy(p->queue_vector, st.queue_vector, sizeof(st.queue_vector));
	memcpy(p->table, st.table, sizeof(st.table));
	p->config_vector = st.config_vector;
	p->pba = st.pba;
	ctl = rv_pci_get16(p->func.cfg + p->msix_cap + PCI_MSIX_FLAGS);
	p->msix_on = ctl & PCI_MSIX_FLAGS_ENABLE;
	p->msix_masked = ctl & PCI_MSIX_FLAGS_MASKALL;
	return 0;
}

/* The PCI face's block sits between the queues and the device's bytes. */
static size_t rv_vmmio_state_size(const struct rv_virtio *t, unsigned int nr_queues, size_t own_len)
{
	return sizeof(struct rv_vmmio_state) + nr_queues * sizeof(struct rv_vmmio_state_queue) +
	       (t->pci ? rv_vpci_state_size() : 0) + own_len;
}

int rv_virtio_save(struct rv_virtio *t, void *buf, size_t size, const uint16_t *held,
		   const void *own, size_t own_len)
{
	struct rv_vmmio_state st;
	uint8_t *p = buf;

	/* The ACKs KVM counted without an exit are part of InterruptStatus. */
	rv_vmmio_irq_sync(t);
	rv_vmmio_page_publish(t);
	st = (struct rv_vmmio_state){
		.device_features = t->device_features,
		.driver_features = t->driver_features,
		.device_features_sel = t->device_features_sel,
		.driver_features_sel = t->driver_features_sel,
		.queue_sel = t->queue_sel,
		.status = t->status,
		.isr = t->isr,
		.config_generation = t->config_generation,
		.nr_queues = t->nr_queues,
		.own_len = (uint32_t)own_len,
	};

	if (size < rv_vmmio_state_size(t, t->nr_queues, own_len))
		return -ENOSPC;
	if (t->inflight)
		return rv_err(-EBUSY, "%s: %u requests still in flight", t->dev->name, t->inflight);
	memcpy(p, &st, sizeof(st));
	p += sizeof(st);
	for (unsigned int i = 0; i < t->nr_queues; i++) {
		const struct rv_virtio_queue *q = &t->q[i];
		const struct rv_vq *vq = &q->vq;
		uint16_t h = held ? held[i] : 0;
		struct rv_vmmio_state_queue sq = {
			.desc = q->desc,
			.driver = q->driver,
			.device = q->device,
			.num = q->num,
			.ready = q->ready,
			.error = (uint8_t)vq->error,
			.signalled_valid = vq->signalled_valid,
			.last_avail = (uint16_t)(vq->last_avail - h),
			.used_idx = vq->used_idx,
			.signalled_used = vq->signalled_used,
		};

		/* Only what the device holds may be out of the rings: it is given back. */
		if (vq->inflight != h)
			return rv_err(-EBUSY, "%s: queue %u has %u buffers in flight", t->dev->name,
				      i, vq->inflight);
		memcpy(p, &sq, sizeof(sq));
		p += sizeof(sq);
	}
	if (t->pci)
		p += rv_vpci_save(t, p);
	if (own_len)
		memcpy(p, own, own_len);
	return (int)rv_vmmio_state_size(t, t->nr_queues, own_len);
}

/* One saved queue, checked, into @q; the transport's features already set. */
static int rv_vmmio_load_queue(struct rv_virtio *t, struct rv_virtio_queue *q,
			       const struct rv_vmmio_state_queue *sq)
{
	const char *name = t->dev->name;
	int ret;

	rv_vq_reset(&q->vq);
	q->num = sq->num;
	q->desc = sq->desc;
	q->driver = sq->driver;
	q->device = sq->device;
	q->ready = sq->ready;
	if (sq->num > RV_VQ_MAX_SIZE)
		return rv_err(-EINVAL, "%s: queue %u of size %u, this device offers %d", name,
			      q->index, sq->num, RV_VQ_MAX_SIZE);
	if (sq->ready > 1 || sq->error > RV_VQ_E_TOTAL_LENGTH)
		return rv_err(-EINVAL, "%s: queue %u: ready %u, error %u", name, q->index,
			      sq->ready, sq->error);
	if (!sq->ready)
		return 0;
	q->vq.size = (uint16_t)sq->num;
	q->vq.desc_gpa = sq->desc;
	q->vq.avail_gpa = sq->driver;
	q->vq.used_gpa = sq->device;
	q->vq.event_idx = rv_virtio_has(t, VIRTIO_RING_F_EVENT_IDX);
	q->vq.indirect = rv_virtio_has(t, VIRTIO_RING_F_INDIRECT_DESC);
	if (sq->error != RV_VQ_OK) {
		/* Broken before the snapshot: it stays so until the driver resets. */
		q->vq.error = sq->error;
		return 0;
	}
	if (!t->env->mem)
		return rv_err(-EINVAL, "%s: queue %u: no guest memory", name, q->index);
	ret = rv_vq_restore(&q->vq, t->env->mem, sq->last_avail, sq->used_idx, sq->signalled_used,
			    sq->signalled_valid);
	if (ret == -ERANGE)
		return rv_err(-EINVAL,
			      "%s: queue %u: indices (device took %u, gave back %u) do not match "
			      "its rings in guest memory",
			      name, q->index, sq->last_avail, sq->used_idx);
	if (ret)
		return rv_err(-EINVAL, "%s: queue %u: %s", name, q->index,
			      rv_vq_error_name(q->vq.error));
	return 0;
}

int rv_virtio_load(struct rv_virtio *t, const void *buf, size_t len, uint32_t version, void *own,
		   size_t own_len)
{
	const char *name = t->dev->name;
	const uint8_t *p = buf;
	struct rv_vmmio_state st;
	int ret;

	if (version != RV_VIRTIO_STATE_VERSION)
		return rv_err(-EINVAL, "%s: state version %u, this ringvmm reads %d", name, version,
			      RV_VIRTIO_STATE_VERSION);
	if (len < sizeof(st))
		return rv_err(-EINVAL, "%s: state of %zu bytes, truncated", name, len);
	memcpy(&st, p, sizeof(st));
	if (st.nr_queues != t->nr_queues || st.own_len != own_len ||
	    len != rv_vmmio_state_size(t, t->nr_queues, own_len))
		return rv_err(-EINVAL,
			      "%s: state of %zu bytes for %u queues, this device has %u queues "
			      "(%zu bytes)",
			      name, len, st.nr_queues, t->nr_queues,
			      rv_vmmio_state_size(t, t->nr_queues, own_len));
	/* The device's options decide its features: they must be the ones it was saved with. */
	if (st.device_features != t->device_features)
		return rv_err(-EINVAL,
			      "%s: saved with features 0x%llx, offers 0x%llx here (other device "
			      "options?)",
			      name, (unsigned long long)st.device_features,
			      (unsigned long long)t->device_features);
	if ((st.driver_features & ~st.device_features) || (st.status & ~RV_VMMIO_STATUS_KNOWN) ||
	    (st.isr & ~(uint32_t)(VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG)) ||
	    ((st.status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	     !(st.driver_features & (1ULL << VIRTIO_F_VERSION_1))))
		return rv_err(-EINVAL, "%s: driver features 0x%llx, status 0x%x, interrupt 0x%x",
			      name, (unsigned long long)st.driver_features, st.status, st.isr);
	t->driver_features = st.driver_features;
	t->device_features_sel = st.device_features_sel;
	t->driver_features_sel = st.driver_features_sel;
	t->queue_sel = st.queue_sel;
	t->status = st.status;
	t->isr = st.isr;
	t->isr_new = 0; /* the driver reads InterruptStatus before it ACKs */
	t->config_generation = st.config_generation;
	t->inflight = 0;
	p += sizeof(st);
	for (unsigned int i = 0; i < t->nr_queues; i++) {
		struct rv_vmmio_state_queue sq;

		memcpy(&sq, p, sizeof(sq));
		p += sizeof(sq);
		ret = rv_vmmio_load_queue(t, &t->q[i], &sq);
		if (ret)
			return ret;
	}
	if (t->pci) {
		ret = rv_vpci_load(t, p);
		if (ret)
			return ret;
		p += rv_vpci_state_size();
	}
	if (own_len)
		memcpy(own, p, own_len);
	return 0;
}

int rv_virtio_save_plain(struct rv_virtio *t, void *buf, size_t size)
{
	int n;

	pthread_mutex_lock(&t->lock);
	n = rv_virtio_save(t, buf, size, NULL, NULL, 0);
	pthread_mutex_unlock(&t->lock);
	return n;
}

int rv_virtio_load_plain(struct rv_virtio *t, const void *buf, size_t len, uint32_t version)
{
	int ret;

	pthread_mutex_lock(&t->lock);
	ret = rv_virtio_load(t, buf, len, version, NULL, 0);
	if (!ret)
		rv_virtio_restored(t);
	pthread_mutex_unlock(&t->lock);
	return ret;
}
