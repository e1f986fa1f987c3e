/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtio transport's PCI face (virtio 1.2, "Virtio Over PCI Bus"),
 * inside the transport: a device created on RV_SPACE_PCI keeps its state
 * in the same struct rv_virtio (features, status, queues, config),
 * and this file gives it a PCI function instead of an MMIO window:
 *
 *   BAR 0, port I/O, 4 bytes: the notify register. Every queue notifies
 *          at offset 0 (notify_off_multiplier 0) by writing its index,
 *          which a KVM_IOEVENTFD per queue matches. A port write is
 *          decoded by the CPU (an IOIO intercept), where an MMIO write
 *          is a page fault KVM must decode by emulating the instruction.
 *   BAR 1, memory, 16 KiB: common configuration at 0, ISR at 0x1000,
 *          the device's config space at 0x2000, the MSI-X table at 0x3000
 *          and its pending bits at 0x3800.
 *
 * Interrupts are MSI-X only, one vector per queue and one for config
 * changes, sent with KVM_SIGNAL_MSI: the driver's interrupt handler reads
 * and writes no register, where virtio-mmio's reads InterruptStatus and
 * writes InterruptACK. The function has no INTx pin; a driver that cannot
 * enable MSI-X gets no interrupts (Linux always can here).
 *
 * Every function but setup and fini runs with the transport lock held.
 */
#ifndef RV_VIRTIO_PCI_H
#define RV_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio/transport.h"
#include "vmm/pci.h"

#define RV_VPCI_MAX_VECTORS (RV_VIRTIO_MAX_QUEUES + 1)

struct rv_vpci_msix_entry {
	uint32_t addr_lo, addr_hi, data, ctrl; /* PCI_MSIX_ENTRY_* */
};

struct rv_virtio_pci {
	struct rv_pci_func func;
	struct rv_virtio *t;
	uint64_t regs;			/* BAR 1 */
	uint64_t notify;		/* BAR 0, a port */
	unsigned int msix_cap, cfg_cap; /* capability offsets */
	unsigned int nr_vectors;
	/* Vectors the driver chose (common config), or VIRTIO_MSI_NO_VECTOR. */
	uint16_t config_vector;
	uint16_t queue_vector[RV_VIRTIO_MAX_QUEUES];
	struct rv_vpci_msix_entry table[RV_VPCI_MAX_VECTORS];
	uint32_t pba;		   /* pending bits: masked vectors that fired */
	bool msix_on, msix_masked; /* the capability's enable and function mask */
	bool said_no_msix;	   /* warned once that interrupts are being lost */
	struct {
		uint64_t msis;	 /* interrupts sent */
		uint64_t pended; /* held in the PBA by a mask */
		uint64_t lost;	 /* no vector, or MSI-X off: nothing to send */
	} stats;
};

/* Set-up: the PCI function, its BARs and their bus ranges. 0 or -errno with a message. */
int rv_vpci_setup(struct rv_virtio *t, const char *name);
void rv_vpci_fini(struct rv_virtio *t);
/* Interrupt the driver for queue @q, or for a config change when @q < 0. */
void rv_vpci_interrupt(struct rv_virtio *t, int q);
/* A device reset: the vectors the driver chose are forgotten. */
void rv_vpci_reset(struct rv_virtio *t);
/* (De)assign queue @q's notify ioeventfd on BAR 0 (api.rst, KVM_IOEVENTFD, PIO). */
int rv_vpci_ioeventfd(struct rv_virtio *t, unsigned int q, int fd, bool deassign);
/* The size of the PCI face's block in the transport's snapshot state (state.c). */
size_t rv_vpci_state_size(void);
/*
 * After a snapshot's load (state.c checks and applies the PCI face's
 * block): interrupt every ready queue once, since an MSI sent while the
 * snapshot was taken may be lost.
 */
void rv_vpci_restored(struct rv_virtio *t);
struct rv_stats_sink;
void rv_vpci_stats(struct rv_virtio *t, struct rv_stats_sink *s);

#endif
