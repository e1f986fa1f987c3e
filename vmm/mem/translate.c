// SPDX-License-Identifier: GPL-2.0
#include "translate.h"

#include <errno.h>
#include <string.h>

#include "vmm/util.h"

int rv_mem_add(struct rv_mem *mem, const struct rv_mem_region *r, uint64_t align)
{
	uint64_t last;

	if (!r->size || __builtin_add_overflow(r->gpa, r->size - 1, &last))
		return -EINVAL;
	if (align && (!RV_IS_ALIGNED(r->gpa, align) || !RV_IS_ALIGNED(r->size, align)))
		return -EINVAL;
	for (unsigned int i = 0; i < mem->nr; i++) {
		const struct rv_mem_region *o = &mem->regions[i];

		if (r->gpa <= o->gpa + (o->size - 1) && o->gpa <= last)
			return -EEXIST;
	}
	if (mem->nr == RV_MEM_MAX_REGIONS)
		return -ENOSPC;
	mem->regions[mem->nr++] = *r;
	return 0;
}

const struct rv_mem_region *rv_mem_find(const struct rv_mem *mem, uint64_t gpa, uint64_t len)
{
	for (unsigned int i = 0; i < mem->nr; i++) {
		const struct rv_mem_region *r = &mem->regions[i];

		/*
		 * Written so nothing can overflow: once gpa >= r->gpa, the
		 * offset is at most size and len must fit in what is left.
		 */
		if (gpa >= r->gpa && gpa - r->gpa <= r->size && len <= r->size - (gpa - r->gpa))
			return r;
	}
	return NULL;
}

void *rv_mem_gpa_to_hva(const struct rv_mem *mem, uint64_t gpa, uint64_t len)
{
	const struct rv_mem_region *r = rv_mem_find(mem, gpa, len);

	return r ? r->host + (gpa - r->gpa) : NULL;
}

int rv_mem_write(const struct rv_mem *mem, uint64_t gpa, const void *src, uint64_t len)
{
	const struct rv_mem_region *r = rv_mem_find(mem, gpa, len);

	if (!r || r->readonly)
		return -EFAULT;
	memcpy(r->host + (gpa - r->gpa), src, len);
	return 0;
}

int rv_mem_read(const struct rv_mem *mem, uint64_t gpa, void *dst, uint64_t len)
{
	const void *src = rv_mem_gpa_to_hva(mem, gpa, len);

	if (!src)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

static bool rv_mem_is_ram(const struct rv_mem_region *r)
{
	return !r->readonly && !r->device;
}

/* The first region [gpa, gpa + len) overlaps that is not RAM, or NULL. */
static const struct rv_mem_region *rv_mem_non_ram(const struct rv_mem *mem, uint64_t gpa,
						  uint64_t last)
{
	for (unsigned int i = 0; i < mem->nr; i++) {
		const struct rv_mem_region *r = &mem->regions[i];

		if (!rv_mem_is_ram(r) && gpa <= r->gpa + (r->size - 1) && r->gpa <= last)
			return r;
	}
	return NULL;
}

void *rv_mem_ram_hva(const struct rv_mem *mem, uint64_t gpa, uint64_t len, const char *what)
{
	const struct rv_mem_region *r, *o = NULL;
	unsigned long long g = gpa, l = len;
	uint64_t last = gpa;

	/* Who controls gpa and len: the image's headers, or the user's sizes. */
	if (len && __builtin_add_overflow(gpa, len - 1, &last)) {
		rv_err(-ENOSPC, "%s [0x%llx, +0x%llx) wraps past the top of the address space",
		       what, g, l);
		return NULL;
	}
	r = rv_mem_find(mem, gpa, len);
	if (r && rv_mem_is_ram(r))
		return r->host + (gpa - r->gpa);
	if (len)
		o = rv_mem_non_ram(mem, gpa, last);
	else if (r)
		o = r;
	if (o)
		rv_err(-ENOSPC, "%s [0x%llx, +0x%llx) is not in guest RAM: it reaches %s %s%s%s",
		       what, g, l, o->device ? "passthrough slot" : "read-only region",
		       o->name ? o->name : "?", o->path ? " " : "", o->path ? o->path : "");
	else
		rv_err(-ENOSPC,
		       "%s [0x%llx, +0x%llx) is not in guest RAM: no one RAM region holds all of it",
		       what, g, l);
	return NULL;
}

int rv_mem_ram_write(const struct rv_mem *mem, uint64_t gpa, const void *src, uint64_t len,
		     const char *what)
{
	void *dst = rv_mem_ram_hva(mem, gpa, len, what);

	if (!dst)
		return -ENOSPC;
	memcpy(dst, src, len);
	return 0;
}

uint64_t rv_mem_ram_size(const struct rv_mem *mem)
{
	uint64_t total = 0;

	for (unsigned int i = 0; i < mem->nr; i++)
		if (!mem->regions[i].readonly && !mem->regions[i].device)
			total += mem->regions[i].size;
	return total;
}

unsigned int rv_mem_sorted(const struct rv_mem *mem,
			   const struct rv_mem_region *out[RV_MEM_MAX_REGIONS])
{
	unsigned int nr = 0;

	/* Insertion sort: there are at most RV_MEM_MAX_REGIONS regions. */
	for (unsigned int i = 0; i < mem->nr && i < RV_MEM_MAX_REGIONS; i++) {
		const struct rv_mem_region *r = &mem->regions[i];
		unsigned int j = nr++;

		for (; j > 0 && out[j - 1]->gpa > r->gpa; j--)
			out[j] = out[j - 1];
		out[j] = r;
	}
	return nr;
}
