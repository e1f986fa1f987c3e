/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the two x86 kernel loaders (bzimage.c, elf.c) share with boot.c,
 * which builds the boot_params ("zero page") both fill in and picks the
 * loader from the image's first bytes. Not seen outside arch/x86.
 */
#ifndef RV_X86_LOADER_H
#define RV_X86_LOADER_H

#include <asm/bootparam.h>
#include <stdint.h>

#include "boot.h"

#define RV_BZ_HDR_START 0x1f1 /* the setup header inside the image */
#define RV_BZ_HDR_MAX (RV_BZ_HDR_START + sizeof(struct setup_header))
#define RV_BZ_MAGIC_END 0x206 /* "HdrS" at 0x202..0x205 */
#define RV_BZ_HDRS 0x53726448 /* "HdrS", little-endian */
#define RV_BZ_BOOT_FLAG 0xaa55
/*
 * The first bytes of a kernel file, read before its format is known: the
 * bzImage setup header ends there, and an ELF header is shorter.
 */
#define RV_HEAD_SIZE RV_BZ_HDR_MAX
#define RV_LOADER_UNDEFINED 0xff  /* type_of_loader: "0xFF = undefined" */
#define RV_VID_MODE_NORMAL 0xffff /* "vga=normal" */

static inline uint64_t rv_max(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* End of the RAM region holding the 1 MiB line: the top of "low RAM". */
uint64_t rv_x86_low_ram_end(const struct rv_mem *mem);
/* The command line, at most @max bytes without the NUL; bp->hdr.cmd_line_ptr. */
int rv_x86_load_cmdline(const struct rv_mem *mem, const char *cmdline, uint32_t max,
			struct boot_params *bp);
/*
 * The initrd, if any, as high as allowed below @addr_max, clear of the
 * kernel's [@kernel_start, @kernel_end); bp->hdr.ramdisk_*.
 */
int rv_x86_load_initrd(const struct rv_mem *mem, const struct rv_x86_boot_cfg *cfg,
		       uint64_t addr_max, uint64_t kernel_start, uint64_t kernel_end,
		       struct boot_params *bp, struct rv_x86_boot_info *info);
/* The e820 map and the RSDP, then @bp into guest RAM at RV_X86_BOOT_PARAMS_ADDR. */
int rv_x86_finish_params(const struct rv_mem *mem, const struct rv_x86_boot_cfg *cfg,
			 struct boot_params *bp, struct rv_x86_boot_info *info);

/*
 * The loaders: @head holds the file's first min(size, RV_HEAD_SIZE) bytes,
 * the rest stays in the file. bzImage: the head reaches RV_BZ_MAGIC_END.
 */
int rv_x86_load_bzimage(const struct rv_mem *mem, const struct rv_x86_boot_cfg *cfg,
			const uint8_t *k, struct rv_x86_boot_info *info);
int rv_x86_load_elf(const struct rv_mem *mem, const struct rv_x86_boot_cfg *cfg,
		    const uint8_t *head, struct rv_x86_boot_info *info);

#endif
