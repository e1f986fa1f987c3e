/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtio-mmio transport's interrupt, inside the transport (devices
 * use rv_virtio_mmio_used() and friends). Every function runs with the
 * transport lock held, but setup and fini (no vCPU, no loop yet or any
 * more).
 *
 * The line is what the platform's slots are (cfg->irq_edge). Edge: each
 * interrupt is one irqfd pulse, and InterruptACK(VRING) need not exit
 * (rv_vmmio_irq_setup()). Level: irqfd with a resample eventfd. Without
 * KVM: the modelled pin through env->set_irq.
 */
#ifndef RV_VIRTIO_MMIO_IRQ_H
#define RV_VIRTIO_MMIO_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio-mmio.h"

/* KVM_IRQFD and, on an edge line, the InterruptACK ioeventfd; 0 or -errno. */
int rv_vmmio_irq_setup(struct rv_virtio_mmio *t);
/* Undo rv_vmmio_irq_setup(); safe on a transport it never ran on. */
void rv_vmmio_irq_fini(struct rv_virtio_mmio *t);
/* Set @bits in InterruptStatus and interrupt the driver. */
void rv_vmmio_irq_raise(struct rv_virtio_mmio *t, uint32_t bits);
/* InterruptACK(@v), as the driver wrote it through an exit. */
void rv_vmmio_irq_ack(struct rv_virtio_mmio *t, uint32_t v);
/* Before any register access: apply the ACKs KVM counted without an exit. */
void rv_vmmio_irq_sync(struct rv_virtio_mmio *t);
/*
 * (De)assign a KVM_IOEVENTFD (api.rst, KVM_IOEVENTFD) on the 32-bit
 * register at @off that matches @value: KVM signals @fd, no exit. -errno.
 */
int rv_vmmio_ioeventfd(struct rv_virtio_mmio *t, uint64_t off, uint32_t value, int fd,
		       bool deassign);

#endif
