/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest physical map as the user asks for it: which backend gives guest
 * RAM (--mem-backend), which files are passed through at which guest
 * addresses (--passthrough), and the map printed by --memmap.
 *
 * Everything here is pure (no KVM, no mmap) so that it is unit-tested with
 * bad input: the parsers, and rv_memmap_build(), which turns the arch's RAM
 * layout plus the passthrough slots into a checked list of regions. Then
 * vmm/mem/backend.c gives each region its host mapping and its memslot.
 */
#ifndef RV_MEMMAP_H
#define RV_MEMMAP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "translate.h"

enum rv_mem_backend_type {
	RV_MEM_BACKEND_ANON, /* the default */
	RV_MEM_BACKEND_MEMFD,
	RV_MEM_BACKEND_HUGETLB,
	RV_MEM_BACKEND_GUEST_MEMFD,
	RV_MEM_BACKEND_PFNMAP, /* --passthrough slots, never RAM */
	RV_MEM_BACKEND_NR,
};

/* "anon", "memfd", "hugetlb", "guest_memfd", "pfnmap". */
const char *rv_mem_backend_name(enum rv_mem_backend_type t);

/* --mem-backend NAME (a RAM backend): 0, or -EINVAL with a message. */
int rv_memmap_parse_backend(const char *s, enum rv_mem_backend_type *t);

/*
 * Passthrough slots the CLI accepts. Each is a memslot of its own, and RAM
 * takes up to two (below and above the x86 MMIO hole): together they stay
 * well inside RV_MEM_MAX_REGIONS.
 */
#define RV_MEM_MAX_PASSTHROUGH 8
#define RV_MEM_PATH_MAX 256

struct rv_mem_passthrough {
	char path[RV_MEM_PATH_MAX];
	uint64_t offset; /* in the file; 0 unless given */
	uint64_t size;
	uint64_t gpa;
	bool readonly; /* KVM_MEM_READONLY: guest writes become MMIO exits */
	char name[8];  /* "pt0", "pt1", ...: the slot in messages and --memmap */
};

/*
 * Parse "path=FILE,offset=N,size=N,gpa=ADDR[,ro]" (keys in any order; N and
 * ADDR decimal or 0x hex with an optional K/M/G suffix; offset defaults to
 * 0; FILE cannot contain a comma) into @pt, named "pt<index>". 0, or
 * -EINVAL with a one-line message. Alignment and overlaps are checked later,
 * by rv_memmap_build(), which knows the page size and the rest of the map.
 */
int rv_memmap_parse_passthrough(const char *s, unsigned int index, struct rv_mem_passthrough *pt);

/* A guest physical range no memslot may cover (the arch's devices). */
struct rv_mem_range {
	uint64_t gpa;
	uint64_t size;
	const char *name;
};

struct rv_memmap_plan {
	enum rv_mem_backend_type ram_backend;
	const struct rv_mem_region *ram; /* rv_arch_ram_layout(): gpa, size, name */
	unsigned int nr_ram;
	const struct rv_mem_passthrough *pt;
	unsigned int nr_pt;
	const struct rv_mem_range *reserved;
	unsigned int nr_reserved;
	uint64_t page_size;	/* host page size: mmap and KVM granularity */
	unsigned int max_slots; /* KVM_CAP_NR_MEMSLOTS; 0: not reported */
};

/*
 * Fill @mem (emptied first) with one region per memslot, RAM first, each
 * with its slot number, backend name, flags and, for passthrough, its file
 * and offset; no host mappings yet (host == NULL). Rejects, with a message
 * naming the slot: gpa, size or offset not page-aligned, ranges wrapping
 * 2^64, a passthrough slot over guest RAM, over another slot or over a
 * reserved range, and more slots than KVM (max_slots) or ringvmm
 * (RV_MEM_MAX_REGIONS) allow. 0 or -EINVAL / -ENOSPC.
 */
int rv_memmap_build(struct rv_mem *mem, const struct rv_memmap_plan *plan);

/* The map, one line per memslot in guest address order (--memmap). */
void rv_memmap_print(const struct rv_mem *mem, FILE *out);

/* "16 MiB", "4 KiB", "3 GiB", "12345 B": the largest unit that is exact. */
const char *rv_memmap_size_str(uint64_t size, char *buf, size_t len);

#endif
