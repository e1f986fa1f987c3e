/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the virtio transport (transport.h): what its files share and no
 * device may call. Every function runs with the transport lock held, but
 * the setups and finis (no vCPU, no loop yet or any more).
 *
 * The register model (transport.c). The transport keeps its state as the
 * virtio-mmio registers define it (virtio 1.2, "MMIO Device Register
 * Layout"); the PCI face (pci.c) maps its common configuration onto
 * them field by field.
 *
 * The MMIO face's interrupt (mmio-irq.c). The line is what the platform's
 * slots are (cfg->irq_edge). Edge: each interrupt is one irqfd pulse,
 * and InterruptACK(VRING) need not exit (rv_vmmio_irq_setup()). Level:
 * irqfd with a resample eventfd. Without KVM: the modelled pin through
 * env->set_irq.
 *
 * The MMIO face's register page (mmio-page.c, t->page): a page holding
 * every register a driver reads, at its offset, and the config space,
 * kept equal to what an exit would return, and mapped to the guest
 * through a read-only memslot over the register window, so that the
 * guest's reads do not exit. Writes still do (or reach KVM's
 * ioeventfds), and the transport publishes what they changed before the
 * vCPU resumes.
 */
#ifndef RV_VIRTIO_INTERNAL_H
#define RV_VIRTIO_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio/transport.h"

/* What a read of register @off returns, without side effects. */
uint32_t rv_virtio_reg_value(struct rv_virtio *t, uint64_t off);
/* A driver's write of @v to register @off. */
void rv_virtio_reg_write(struct rv_virtio *t, uint64_t off, uint32_t v);
/* A kick of queue @q, as QueueNotify gives it. */
void rv_virtio_kick(struct rv_virtio *t, unsigned int q);

/* KVM_IRQFD and, on an edge line, the InterruptACK ioeventfd; 0 or -errno. */
int rv_vmmio_irq_setup(struct rv_virtio *t);
/* Undo rv_vmmio_irq_setup(); safe on a transport it never ran on. */
void rv_vmmio_irq_fini(struct rv_virtio *t);
/* Set @bits in InterruptStatus and interrupt the driver. */
void rv_vmmio_irq_raise(struct rv_virtio *t, uint32_t bits);
/* InterruptACK(@v), as the driver wrote it through an exit. */
void rv_vmmio_irq_ack(struct rv_virtio *t, uint32_t v);
/* Before any register access: apply the ACKs KVM counted without an exit. */
void rv_vmmio_irq_sync(struct rv_virtio *t);
/*
 * (De)assign a KVM_IOEVENTFD (api.rst, KVM_IOEVENTFD) on the 32-bit
 * register at @off that matches @value: KVM signals @fd, no exit. -errno.
 */
int rv_vmmio_ioeventfd(struct rv_virtio *t, uint64_t off, uint32_t value, int fd, bool deassign);

/* The page, and the memslot where the VM has KVM; nothing without env->reg_pages. 0 or -errno. */
int rv_vmmio_page_setup(struct rv_virtio *t);
void rv_vmmio_page_fini(struct rv_virtio *t);
/*
 * Store every word that differs from the transport's state, one 32-bit
 * store each: the config space, ConfigGeneration, the registers, and
 * InterruptStatus last. No-op without a page.
 */
void rv_vmmio_page_publish(struct rv_virtio *t);
/* The same after a device's config change, which the guest sees whole or not at all. */
void rv_vmmio_page_publish_config(struct rv_virtio *t);
/* A read through an exit (no memslot, or while it is away): the page's bytes. */
void rv_vmmio_page_read(struct rv_virtio *t, uint64_t off, void *data, unsigned int len);

#endif
