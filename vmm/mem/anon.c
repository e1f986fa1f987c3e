// SPDX-License-Identifier: GPL-2.0
/*
 * Anonymous private memory: the default RAM backend. Nothing outside this
 * process can reach it; the kernel allocates a page when the guest (or the
 * VMM) first touches it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "backend.h"
#include "vmm/util.h"

static int rv_mem_anon_map(const struct rv_mem_ctx *ctx, struct rv_mem_region *r)
{
	uint8_t *p;

	/* MAP_NORESERVE: the guest touches what it uses, no more. */
	p = rv_mem_map_aligned(r->size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0,
			       RV_MEM_HOST_ALIGN);
	if (p == MAP_FAILED)
		return rv_err(-errno,
			      "guest RAM %s: cannot map %" PRIu64 " MiB of anonymous memory: %s",
			      r->name, r->size >> 20, strerror(errno));
	/*
	 * Transparent huge pages: measured (docs/platform.md), they cut a nested
	 * Linux boot by about a third. Advice only: a kernel without THP
	 * refuses it and nothing else changes.
	 */
	madvise(p, r->size, MADV_HUGEPAGE);
	snprintf(r->note, sizeof(r->note), "anonymous, MADV_HUGEPAGE");
	r->host = p;
	return 0;
}

static void rv_mem_anon_unmap(struct rv_mem_region *r)
{
	munmap(r->host, r->size);
	r->host = NULL;
}

const struct rv_mem_backend rv_mem_backend_anon = {
	.name = "anon",
	.map = rv_mem_anon_map,
	.unmap = rv_mem_anon_unmap,
};
