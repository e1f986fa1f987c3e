// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vq_fx.h"

void vq_fx_init(struct vq_fx *f, uint16_t size)
{
	struct rv_mem_region ram = { .gpa = VQ_FX_RAM_GPA, .size = VQ_FX_RAM_SIZE, .name = "ram" };
	struct rv_mem_region rom = {
		.gpa = VQ_FX_ROM_GPA, .size = VQ_FX_ROM_SIZE, .name = "rom", .readonly = true
	};

	memset(f, 0, sizeof(*f));
	f->ram = calloc(1, VQ_FX_RAM_SIZE);
	f->rom = calloc(1, VQ_FX_ROM_SIZE);
	assert_non_null(f->ram);
	assert_non_null(f->rom);
	ram.host = f->ram;
	rom.host = f->rom;
	assert_int_equal(rv_mem_add(&f->mem, &ram, 0), 0);
	assert_int_equal(rv_mem_add(&f->mem, &rom, 0), 0);
	f->size = size;
}

void vq_fx_init_started(struct vq_fx *f, struct rv_vq *vq, uint16_t size, bool indirect)
{
	vq_fx_init(f, size);
	vq_fx_setup(f, vq);
	vq->indirect = indirect;
	assert_int_equal(rv_vq_start(vq, &f->mem), 0);
}

void vq_fx_fini(struct vq_fx *f)
{
	free(f->ram);
	free(f->rom);
}

void *vq_fx_host(struct vq_fx *f, uint64_t gpa)
{
	if (gpa >= VQ_FX_RAM_GPA && gpa < VQ_FX_RAM_GPA + VQ_FX_RAM_SIZE)
		return f->ram + (gpa - VQ_FX_RAM_GPA);
	assert_true(gpa >= VQ_FX_ROM_GPA && gpa < VQ_FX_ROM_GPA + VQ_FX_ROM_SIZE);
	return f->rom + (gpa - VQ_FX_ROM_GPA);
}

void vq_fx_setup(struct vq_fx *f, struct rv_vq *vq)
{
	rv_vq_reset(vq);
	vq->size = f->size;
	vq->desc_gpa = VQ_FX_DESC;
	vq->avail_gpa = VQ_FX_AVAIL;
	vq->used_gpa = VQ_FX_USED;
}

void vq_fx_desc_at(struct vq_fx *f, uint64_t table_gpa, unsigned int i, uint64_t addr, uint32_t len,
		   uint16_t flags, uint16_t next)
{
	uint8_t *d = vq_fx_host(f, table_gpa + 16ULL * i);

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

void vq_fx_desc(struct vq_fx *f, unsigned int i, uint64_t addr, uint32_t len, uint16_t flags,
		uint16_t next)
{
	vq_fx_desc_at(f, VQ_FX_DESC, i, addr, len, flags, next);
}

static uint16_t *vq_fx_u16(struct vq_fx *f, uint64_t gpa)
{
	return vq_fx_host(f, gpa);
}

/*
 * The driver publishes with release, as a real one does (virtio 1.2,
 * "Updating idx"): the ring entry and the descriptors before avail->idx,
 * for a device that may read them from another thread (the event loop's).
 */
void vq_fx_avail(struct vq_fx *f, uint16_t head)
{
	*vq_fx_u16(f, VQ_FX_AVAIL + 4 + 2 * (f->avail_idx % f->size)) = head;
	f->avail_idx++;
	__atomic_store_n(vq_fx_u16(f, VQ_FX_AVAIL + 2), f->avail_idx, __ATOMIC_RELEASE);
}

void vq_fx_set_avail_idx(struct vq_fx *f, uint16_t idx)
{
	f->avail_idx = idx;
	__atomic_store_n(vq_fx_u16(f, VQ_FX_AVAIL + 2), idx, __ATOMIC_RELEASE);
}

void vq_fx_set_avail_flags(struct vq_fx *f, uint16_t flags)
{
	*vq_fx_u16(f, VQ_FX_AVAIL) = flags;
}

void vq_fx_set_used_event(struct vq_fx *f, uint16_t v)
{
	*vq_fx_u16(f, VQ_FX_AVAIL + 4 + 2 * f->size) = v;
}

/* As a driver reads it: the device may write it on another thread (the loop's). */
uint16_t vq_fx_avail_event(struct vq_fx *f)
{
	return __atomic_load_n(vq_fx_u16(f, VQ_FX_USED + 4 + 8 * f->size), __ATOMIC_ACQUIRE);
}

/*
 * As a driver reads it: with acquire, pairing with the device's release
 * store in rv_vq_push(), so the used element and the buffers it names are
 * seen complete (the device may run on another thread: the event loop's).
 */
uint16_t vq_fx_used_idx(struct vq_fx *f)
{
	return __atomic_load_n(vq_fx_u16(f, VQ_FX_USED + 2), __ATOMIC_ACQUIRE);
}

void vq_fx_used_elem(struct vq_fx *f, uint16_t slot, uint32_t *id, uint32_t *len)
{
	uint8_t *e = vq_fx_host(f, VQ_FX_USED + 4 + 8ULL * (slot % f->size));

	memcpy(id, e, 4);
	memcpy(len, e + 4, 4);
}
