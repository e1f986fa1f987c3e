/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtio-mmio register page, inside the transport (virtio-mmio.h,
 * t->page): a page holding every register a driver reads, at its
 * offset, and the config space, kept equal to what an exit would
 * return, and mapped to the guest through a read-only memslot over the
 * register window, so that the guest's reads do not exit. Writes still
 * do (or reach KVM's ioeventfds), and the transport publishes what they
 * changed before the vCPU resumes. Every function runs with the
 * transport lock held, but setup and fini.
 */
#ifndef RV_VIRTIO_MMIO_PAGE_H
#define RV_VIRTIO_MMIO_PAGE_H

#include <stdint.h>

#include "virtio-mmio.h"

/* The page, and the memslot where the VM has KVM; nothing without env->reg_pages. 0 or -errno. */
int rv_vmmio_page_setup(struct rv_virtio_mmio *t);
void rv_vmmio_page_fini(struct rv_virtio_mmio *t);
/*
 * Store every word that differs from the transport's state, one 32-bit
 * store each: the config space, ConfigGeneration, the registers, and
 * InterruptStatus last. No-op without a page.
 */
void rv_vmmio_page_publish(struct rv_virtio_mmio *t);
/* The same after a device's config change, which the guest sees whole or not at all. */
void rv_vmmio_page_publish_config(struct rv_virtio_mmio *t);
/* A read through an exit (no memslot, or while it is away): the page's bytes. */
void rv_vmmio_page_read(struct rv_virtio_mmio *t, uint64_t off, void *data, unsigned int len);

/* virtio-mmio.c: what a read of register @off returns, without side effects. */
uint32_t rv_vmmio_reg_value(struct rv_virtio_mmio *t, uint64_t off);

#endif
