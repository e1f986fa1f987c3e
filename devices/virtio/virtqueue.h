/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Split virtqueues, the device side (virtio 1.2, "Split Virtqueues"), with
 * VIRTIO_F_EVENT_IDX and VIRTIO_F_INDIRECT_DESC.
 *
 * The three rings live in guest memory and the guest writes them whenever it
 * likes: every address and length read from them goes through
 * rv_mem_gpa_to_hva() as a whole range, every index is checked against the
 * queue size, chains are bounded by the queue size (indirect tables by their
 * own length, never nested), so a malicious driver can neither make the
 * device touch memory outside the guest nor loop forever. A queue that sees
 * garbage is marked broken; the transport then sets DEVICE_NEEDS_RESET and
 * the device stops using the queue until the driver resets it.
 *
 * Not thread-safe: the transport serialises every call for one queue.
 * The byte order of the rings is little-endian (VIRTIO_F_VERSION_1), as is
 * every host ringvmm runs on (x86_64, arm64), so fields are read in place.
 */
#ifndef RV_VIRTQUEUE_H
#define RV_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct rv_mem;

/*
 * The largest queue the devices offer (QueueNumMax). Also the longest chain
 * accepted: "A driver MUST NOT create a descriptor chain longer than the
 * Queue Size of the device" (virtio 1.2, "The Virtqueue Descriptor Table").
 */
#define RV_VQ_MAX_SIZE 256

/* Why a queue was declared broken (rv_vq.error), for messages and tests. */
enum rv_vq_error {
	RV_VQ_OK = 0,
	RV_VQ_E_SIZE,	      /* QueueNum zero, over the maximum or not a power of 2 */
	RV_VQ_E_RING_ADDR,    /* a ring outside guest RAM or misaligned */
	RV_VQ_E_AVAIL_IDX,    /* avail->idx moved by more than the queue size */
	RV_VQ_E_HEAD,	      /* a head index >= queue size */
	RV_VQ_E_NEXT,	      /* a next index >= queue size (or table length) */
	RV_VQ_E_CHAIN_LONG,   /* more descriptors than the queue size: a loop */
	RV_VQ_E_BUF_ADDR,     /* a buffer outside guest RAM (or a write to ROM) */
	RV_VQ_E_INDIRECT,     /* bad indirect table: nested, size, NEXT, length */
	RV_VQ_E_ORDER,	      /* a device-readable buffer after a writable one */
	RV_VQ_E_USED_ID,      /* the device pushed a head it never popped */
	RV_VQ_E_TOTAL_LENGTH, /* a chain of more than 4 GiB */
};

struct rv_vq {
	/* Set by the transport from the driver's registers. */
	uint16_t size;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	bool event_idx; /* VIRTIO_F_EVENT_IDX negotiated */
	bool indirect;	/* VIRTIO_F_INDIRECT_DESC negotiated */

	/* Host views of the rings, valid between rv_vq_start() and reset. */
	const struct rv_mem *mem;
	volatile uint8_t *desc; /* struct vring_desc[size] */
	volatile uint8_t *avail;
	volatile uint8_t *used;
	bool started;

	uint16_t last_avail; /* next avail ring slot the device reads */
	uint16_t used_idx;   /* next used ring slot the device writes */
	uint16_t inflight;   /* popped, not yet pushed */
	/* EVENT_IDX: used_idx when the driver was last interrupted. */
	uint16_t signalled_used;
	bool signalled_valid;

	enum rv_vq_error error; /* RV_VQ_OK until the driver feeds garbage */
};

/* One buffer of a chain, translated to the host. */
struct rv_vq_buf {
	void *hva;
	uint32_t len;
};

/*
 * A popped chain: device-readable buffers first (out), then device-writable
 * ones (in), as virtio 1.2 "Message Framing" requires of the driver.
 */
struct rv_vq_chain {
	uint16_t head;
	unsigned int nr_out, nr_in;
	uint64_t out_len, in_len;
	struct iovec iov[RV_VQ_MAX_SIZE]; /* out buffers, then in buffers */
};

/*
 * Check the rings (size, alignment, all of them inside guest RAM, avail and
 * used never in ROM) and map them. 0, or -EINVAL with vq->error set.
 */
int rv_vq_start(struct rv_vq *vq, const struct rv_mem *mem);
/* Forget everything (driver reset, or QueueReady 0). */
void rv_vq_reset(struct rv_vq *vq);

static inline bool rv_vq_broken(const struct rv_vq *vq)
{
	return vq->error != RV_VQ_OK;
}

/*
 * Pop the next available chain into @c. Returns 1 with a chain, 0 when the
 * ring is empty, -EIO when the queue is (or just became) broken.
 */
int rv_vq_pop(struct rv_vq *vq, struct rv_vq_chain *c);

/* Put @head back in the used ring with @len bytes written by the device. */
int rv_vq_push(struct rv_vq *vq, uint16_t head, uint32_t len);

/*
 * Put @n chains back at once, published by one used->idx store: the
 * driver sees all of them or none (a mergeable receive buffer's parts,
 * virtio 1.2 "Processing of Incoming Packets").
 */
int rv_vq_push_n(struct rv_vq *vq, const uint16_t *heads, const uint32_t *lens, unsigned int n);

/*
 * Give back the last @n chains popped and not pushed, as if never popped:
 * the device found it cannot use them now (a frame that does not fit).
 */
void rv_vq_unpop(struct rv_vq *vq, unsigned int n);

/*
 * After pushes: should the driver be interrupted? Honours
 * VRING_AVAIL_F_NO_INTERRUPT, or used_event with EVENT_IDX (virtio 1.2,
 * "Used Buffer Notification Suppression").
 */
bool rv_vq_should_interrupt(struct rv_vq *vq);

/*
 * Before the device goes idle: ask for a notification at the next available
 * buffer (avail_event with EVENT_IDX) and re-check the ring. Returns true
 * when buffers arrived meanwhile: pop again.
 */
bool rv_vq_enable_notify(struct rv_vq *vq);

/*
 * The same for a device that has seen the buffers the driver made
 * available and needs more than those (a frame spread over several):
 * notification when the driver adds the next one, not at the first one
 * the device has not taken. Returns true when more arrived meanwhile.
 */
bool rv_vq_enable_notify_more(struct rv_vq *vq);

const char *rv_vq_error_name(enum rv_vq_error e);

/*
 * Snapshots: start @vq (size and addresses set) at the saved device-side
 * indices, with nothing in flight (the device saved it quiesced, so
 * @last_avail equals @used_idx). -EINVAL for a size or ring address
 * rv_vq_start() refuses (vq->error says which), -ERANGE when the indices
 * do not match the rings in guest memory; the queue is then not started.
 */
int rv_vq_restore(struct rv_vq *vq, const struct rv_mem *mem, uint16_t last_avail,
		  uint16_t used_idx, uint16_t signalled_used, bool signalled_valid);

/*
 * Copy from / to the buffers of a chain's out (or in) part, starting @off
 * bytes in. Return the bytes copied (less than @len at the end).
 */
size_t rv_vq_iov_to_buf(const struct iovec *iov, unsigned int n, size_t off, void *dst, size_t len);
size_t rv_vq_buf_to_iov(const struct iovec *iov, unsigned int n, size_t off, const void *src,
			size_t len);

#endif
