/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Linux x86 boot protocol (Documentation/arch/x86/boot.rst): loading a
 * bzImage (protocol 2.06+) or an uncompressed ELF64 vmlinux, and filling the
 * boot_params ("zero page") with the command line, initrd and e820 map.
 *
 * The image bytes come from a file the user named and are untrusted: every
 * offset and size read from them is checked against the image length and the
 * guest memory before use.
 */
#ifndef RV_X86_BOOT_H
#define RV_X86_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/image.h"

struct rv_mem;

struct rv_x86_boot_cfg {
	const struct rv_image *kernel;
	const struct rv_image *initrd; /* NULL or 0 bytes: none */
	const char *cmdline;	       /* NULL: empty */
	uint64_t acpi_rsdp_addr;       /* 0: none (the guest scans 0xe0000) */
};

struct rv_x86_boot_info {
	uint64_t entry;			   /* guest physical entry point */
	bool entry_64;			   /* true: 64-bit entry (long mode); false: 32-bit flat */
	uint64_t boot_params_addr;	   /* RSI (64-bit) / ESI (32-bit) */
	uint64_t kernel_addr, kernel_size; /* where the image went */
	uint64_t initrd_addr, initrd_size; /* 0 when none */
	uint16_t protocol;		   /* boot protocol version, 0 for ELF */
};

/*
 * Load the kernel (bzImage or ELF64 vmlinux, detected from its bytes), the
 * initrd and the command line into @mem, and build boot_params with an e820
 * map derived from @mem and the layout in layout.h. On failure records a
 * message with rv_err() (e.g. "bzImage: boot protocol 2.04 is older than
 * 2.06") and returns -EINVAL (malformed), -E2BIG (cmdline too long),
 * -ENOSPC (does not fit in guest RAM), -EIO or -errno (reading failed).
 * Only the headers are read into buffers (at most a few KiB); the kernel's
 * segments and the initrd are read from their files into guest RAM.
 */
int rv_x86_boot_load(const struct rv_mem *mem, const struct rv_x86_boot_cfg *cfg,
		     struct rv_x86_boot_info *info);

/* Fill an e820 table from @mem; returns the number of entries or -errno. */
struct rv_x86_e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));
#define RV_E820_RAM 1
#define RV_E820_RESERVED 2
int rv_x86_e820_build(const struct rv_mem *mem, struct rv_x86_e820_entry *tab, unsigned int max);

#endif
