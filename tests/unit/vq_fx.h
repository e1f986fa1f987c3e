/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake guest for the virtio tests: RAM and a read-only region in a
 * struct rv_mem, and the driver's side of one split virtqueue (descriptor
 * table, available ring, used ring) written the way a driver writes them.
 */
#ifndef RV_TEST_VQ_FX_H
#define RV_TEST_VQ_FX_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio/virtqueue.h"
#include "vmm/bus.h"
#include "vmm/mem/translate.h"

#define VQ_FX_RAM_GPA 0x100000ULL
#define VQ_FX_RAM_SIZE 0x100000ULL
#define VQ_FX_ROM_GPA 0x10000ULL
#define VQ_FX_ROM_SIZE 0x10000ULL
/* Ring offsets in RAM; buffers go from VQ_FX_DATA. */
#define VQ_FX_DESC (VQ_FX_RAM_GPA + 0x0)
#define VQ_FX_AVAIL (VQ_FX_RAM_GPA + 0x4000)
#define VQ_FX_USED (VQ_FX_RAM_GPA + 0x8000)
#define VQ_FX_DATA (VQ_FX_RAM_GPA + 0x10000)

struct vq_fx {
	struct rv_mem mem;
	uint8_t *ram, *rom;
	uint16_t size;
	uint16_t avail_idx;
};

void vq_fx_init(struct vq_fx *f, uint16_t size);
/* vq_fx_init(), then @vq set up on the rings and started (@indirect negotiated). */
void vq_fx_init_started(struct vq_fx *f, struct rv_vq *vq, uint16_t size, bool indirect);
void vq_fx_fini(struct vq_fx *f);
/* Host pointer of guest RAM/ROM at @gpa (the test's own view). */
void *vq_fx_host(struct vq_fx *f, uint64_t gpa);
/* Point @vq at the fixture's rings (size, addresses), not started. */
void vq_fx_setup(struct vq_fx *f, struct rv_vq *vq);
/* Write descriptor @i of the table at @table_gpa. */
void vq_fx_desc_at(struct vq_fx *f, uint64_t table_gpa, unsigned int i, uint64_t addr, uint32_t len,
		   uint16_t flags, uint16_t next);
void vq_fx_desc(struct vq_fx *f, unsigned int i, uint64_t addr, uint32_t len, uint16_t flags,
		uint16_t next);
/* Make @head available and publish avail->idx. */
void vq_fx_avail(struct vq_fx *f, uint16_t head);
void vq_fx_set_avail_idx(struct vq_fx *f, uint16_t idx);
void vq_fx_set_avail_flags(struct vq_fx *f, uint16_t flags);
void vq_fx_set_used_event(struct vq_fx *f, uint16_t v);
uint16_t vq_fx_avail_event(struct vq_fx *f);
uint16_t vq_fx_used_idx(struct vq_fx *f);
void vq_fx_used_elem(struct vq_fx *f, uint16_t slot, uint32_t *id, uint32_t *len);

/* A driver's 32-bit register access through @bus (it must reach a device). */
static inline uint32_t vq_fx_rd32(struct rv_bus *bus, uint64_t addr)
{
	uint32_t v = 0;

	assert_int_equal(rv_bus_access(bus, addr, &v, 4, false), 0);
	return v;
}

static inline void vq_fx_wr32(struct rv_bus *bus, uint64_t addr, uint32_t v)
{
	assert_int_equal(rv_bus_access(bus, addr, &v, 4, true), 0);
}

#endif
