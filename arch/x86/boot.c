// SPDX-License-Identifier: GPL-2.0
/*
 * Linux x86 boot protocol (Documentation/arch/x86/boot.rst) for a kernel
 * image the user named: a bzImage (protocol 2.06+, bzimage.c) or an ELF64
 * vmlinux (elf.c). Here: the boot_params ("zero page") both fill in, with
 * the command line, the initrd and the e820 map, and the choice of loader.
 *
 * Everything in the image is untrusted: each offset and size read from it is
 * checked against the image length (overflow included) before use, and every
 * guest address goes through rv_mem_ram_hva() with its whole length: images
 * land in guest RAM only, never in a --passthrough slot or a hole. The
 * image can only hurt the guest it boots, never the VMM.
 *
 * Only headers are read into (bounded, on-stack) buffers: the bzImage setup
 * header, or the ELF header and program header table. The kernel's code and
 * the initrd are pread() from their files straight into guest RAM, so the
 * VMM's own memory does not grow with the size of the image.
 *
 * The guest starts in long mode (or flat 32-bit mode) with boot_params in
 * RSI/ESI; no real-mode setup code runs, so the setup header is copied into
 * a zeroed boot_params by us ("32-bit/64-bit Boot Protocol" in boot.rst).
 */
#include "loader.h"

#include <elf.h>
#include <errno.h>
#include <string.h>

#include "vmm/mem/translate.h"
#include "vmm/util.h"
#include "layout.h"

/*
 * The 6.1 uapi header has every field we use; pin the offsets we rely on to
 * the ones boot.rst and zero-page.rst document, so a header mismatch fails
 * the build instead of a boot.
 */
#define RV_BP_OFF(f) __builtin_offsetof(struct boot_params, f)
_Static_assert(sizeof(struct boot_params) == 4096, "zero page is one page");
_Static_assert(RV_BP_OFF(acpi_rsdp_addr) == 0x070, "acpi_rsdp_addr");
_Static_assert(RV_BP_OFF(e820_entries) == 0x1e8, "e820_entries");
_Static_assert(RV_BP_OFF(hdr) == 0x1f1, "setup header");
_Static_assert(RV_BP_OFF(hdr.vid_mode) == 0x1fa, "vid_mode");
_Static_assert(RV_BP_OFF(hdr.boot_flag) == 0x1fe, "boot_flag");
_Static_assert(RV_BP_OFF(hdr.header) == 0x202, "header");
_Static_assert(RV_BP_OFF(hdr.version) == 0x206, "version");
_Static_assert(RV_BP_OFF(hdr.type_of_loader) == 0x210, "type_of_loader");
_Static_assert(RV_BP_OFF(hdr.loadflags) == 0x211, "loadflags");
_Static_assert(RV_BP_OFF(hdr.code32_start) == 0x214, "code32_start");
_Static_assert(RV_BP_OFF(hdr.ramdisk_image) == 0x218, "ramdisk_image");
_Static_assert(RV_BP_OFF(hdr.ramdisk_size) == 0x21c, "ramdisk_size");
_Static_assert(RV_BP_OFF(hdr.heap_end_ptr) == 0x224, "heap_end_ptr");
_Static_assert(RV_BP_OFF(hdr.ext_loader_ver) == 0x226, "ext_loader_ver");
_Static_assert(RV_BP_OFF(hdr.cmd_line_ptr) == 0x228, "cmd_line_ptr");
_Static_assert(RV_BP_OFF(hdr.initrd_addr_max) == 0x22c, "initrd_addr_max");
_Static_assert(RV_BP_OFF(hdr.kernel_alignment) == 0x230, "kernel_alignment");
_Static_assert(RV_BP_OFF(hdr.relocatable_kernel) == 0x234, "relocatable");
_Static_assert(RV_BP_OFF(hdr.xloadflags) == 0x236, "xloadflags");
_Static_assert(RV_BP_OFF(hdr.cmdline_size) == 0x238, "cmdline_size");
_Static_assert(RV_BP_OFF(hdr.hardware_subarch) == 0x23c, "hardware_subarch");
_Static_assert(RV_BP_OFF(hdr.setup_data) == 0x250, "setup_data");
_Static_assert(RV_BP_OFF(hdr.pref_address) == 0x258, "pref_address");
_Static_assert(RV_BP_OFF(hdr.init_size) == 0x260, "init_size");
_Static_assert(RV_BP_OFF(e820_table) == 0x2d0, "e820_table");
_Static_assert(sizeof(struct boot_e820_entry) == sizeof(struct rv_x86_e820_entry),
	       "e820 entry layout");

#define RV_4GiB (4 * RV_GiB)
#define RV_PAGE 4096ULL
_Static_assert(sizeof(Elf64_Ehdr) <= RV_HEAD_SIZE, "ELF header in the head");

/* End of the RAM region holding the 1 MiB line: the top of "low RAM". */
uint64_t rv_x86_low_ram_end(const struct rv_mem *mem)
{
	for (unsigned int i = 0; i < mem->nr; i++) {
		const struct rv_mem_region *r = &mem->regions[i];

		if (!r->readonly && !r->device && r->gpa <= RV_X86_HIMEM_ADDR &&
		    RV_X86_HIMEM_ADDR - r->gpa < r->size)
			return r->gpa + r->size;
	}
	return 0;
}

static int rv_x86_e820_add(struct rv_x86_e820_entry *tab, unsigned int max, unsigned int *n,
			   uint64_t start, uint64_t end, uint32_t type)
{
	if (start >= end)
		return 0;
	if (*n == max)
		return rv_err(-ENOSPC, "e820: more than %u entries", max);
	tab[(*n)++] = (struct rv_x86_e820_entry){
		.addr = start,
		.size = end - start,
		.type = type,
	};
	return 0;
}

int rv_x86_e820_build(const struct rv_mem *mem, struct rv_x86_e820_entry *tab, unsigned int max)
{
	const struct rv_mem_region *sorted[RV_MEM_MAX_REGIONS];
	unsigned int n = 0, nr;
	int ret;

	/* Linux sanitizes the map, but a sorted one is easier to read in dmesg. */
	nr = rv_mem_sorted(mem, sorted);
	for (unsigned int i = 0; i < nr; i++) {
		const struct rv_mem_region *r = sorted[i];
		uint64_t a = r->gpa, b;

		if (__builtin_add_overflow(a, r->size, &b))
			return rv_err(-EINVAL, "e820: region %s wraps the address space",
				      r->name ? r->name : "?");
		/*
		 * Device memory (a --passthrough slot) is left out, as firmware
		 * leaves out a PCI BAR: the guest learns of it another way
		 * (its command line, a driver) and must not take it for RAM.
		 */
		if (r->device)
			continue;
		/* Read-only memory (ROM, flash) must never become kernel RAM. */
		if (r->readonly) {
			ret = rv_x86_e820_add(tab, max, &n, a, b, RV_E820_RESERVED);
			if (ret)
				return ret;
			continue;
		}
		/*
		 * EBDA, VGA hole and BIOS area up to 1 MiB are reserved: our
		 * ACPI tables live at 0xe0000 and Linux scans there for the RSDP.
		 */
		ret = rv_x86_e820_add(tab, max, &n, a, rv_min_u64(b, RV_X86_EBDA_ADDR),
				      RV_E820_RAM);
		if (!ret)
			ret = rv_x86_e820_add(tab, max, &n, rv_max(a, RV_X86_EBDA_ADDR),
					      rv_min_u64(b, RV_X86_HIMEM_ADDR), RV_E820_RESERVED);
		if (!ret)
			ret = rv_x86_e820_add(tab, max, &n, rv_max(a, RV_X86_HIMEM_ADDR), b,
					      RV_E820_RAM);
		if (ret)
			return ret;
	}
	return n;
}

/*
 * The command line goes to RV_X86_CMDLINE_ADDR, below 0xA0000 and not in
 * high memory as boot.rst "The Kernel Command Line" asks. @max is the
 * kernel's limit without the NUL (cmdline_size, 2.06+).
 */
int rv_x86_load_cmdline(const struct rv_mem *mem, const char *cmdline, uint32_t max,
			struct boot_params *bp)
{
	const char *s = cmdline ? cmdline : "";
	size_t len = strlen(s);
	int ret;

	if (len > max || len + 1 > RV_X86_CMDLINE_MAX)
		return rv_err(
			-E2BIG,
			"command line is %zu bytes; the kernel takes at most %u (cmdline_size) and ringvmm at most %llu",
			len, max, RV_X86_CMDLINE_MAX - 1);
	ret = rv_mem_ram_write(mem, RV_X86_CMDLINE_ADDR, s, len + 1, "the command line");
	if (ret)
		return ret;
	bp->hdr.cmd_line_ptr = RV_X86_CMDLINE_ADDR;
	return 0;
}

/*
 * The initrd goes as high as allowed (boot.rst: "an initrd should be placed
 * near end of memory"), page-aligned, below the lowest of: the kernel's
 * initrd_addr_max (the highest byte it may occupy), the top of low RAM, and
 * 4 GiB (ramdisk_image is 32 bits; we do not use ext_ramdisk_image). It
 * must stay clear of the kernel's [start, end) footprint and of the VMM's
 * boot area below 1 MiB.
 */
int rv_x86_load_initrd(const struct rv_mem *mem, const struct rv_x86_boot_cfg *cfg,
		       uint64_t addr_max, uint64_t kernel_start, uint64_t kernel_end,
		       struct boot_params *bp, struct rv_x86_boot_info *info)
{
	const struct rv_image *img = cfg->initrd;
	uint64_t limit, floor, addr, len;
	void *dst;
	int ret;

	if (!img || !img->size)
		return 0;
	len = img->size;
	limit = rv_min_u64(rv_min_u64(addr_max + 1, rv_x86_low_ram_end(mem)), RV_4GiB);
	floor = kernel_start < limit ? kernel_end : 0;
	floor = rv_max(floor, RV_X86_HIMEM_ADDR);
	addr = len <= limit ? (limit - len) & ~(RV_PAGE - 1) : 0;
	if (len > limit || addr < floor)
		return rv_err(
			-ENOSPC,
			"initrd of %llu bytes does not fit between 0x%llx (end of the kernel) and 0x%llx (min of initrd_addr_max+1, top of low RAM, 4 GiB)",
			(unsigned long long)len, (unsigned long long)floor,
			(unsigned long long)limit);
	dst = rv_mem_ram_hva(mem, addr, len, "initrd");
	if (!dst)
		return -ENOSPC;
	ret = rv_image_pread(img, 0, dst, len);
	if (ret)
		return ret;
	bp->hdr.ramdisk_image = addr;
	bp->hdr.ramdisk_size = len;
	info->initrd_addr = addr;
	info->initrd_size = len;
	return 0;
}

/* The fields every kernel gets, whichever image format it came in. */
int rv_x86_finish_params(const struct rv_mem *mem, const struct rv_x86_boot_cfg *cfg,
			 struct boot_params *bp, struct rv_x86_boot_info *info)
{
	struct rv_x86_e820_entry e820[E820_MAX_ENTRIES_ZEROPAGE];
	int n, ret;

	n = rv_x86_e820_build(mem, e820, RV_ARRAY_SIZE(e820));
	if (n < 0)
		return n;
	memcpy(bp->e820_table, e820, n * sizeof(e820[0]));
	bp->e820_entries = n;
	/* zero-page.rst: 0x070 acpi_rsdp_addr, read by the kernel from 2.14. */
	if (cfg->acpi_rsdp_addr && bp->hdr.version >= 0x020e)
		bp->acpi_rsdp_addr = cfg->acpi_rsdp_addr;
	ret = rv_mem_ram_write(mem, RV_X86_BOOT_PARAMS_ADDR, bp, sizeof(*bp), "boot_params");
	if (ret)
		return ret;
	info->boot_params_addr = RV_X86_BOOT_PARAMS_ADDR;
	return 0;
}

int rv_x86_boot_load(const struct rv_mem *mem, const struct rv_x86_boot_cfg *cfg,
		     struct rv_x86_boot_info *info)
{
	const struct rv_image *img = cfg->kernel;
	uint8_t k[RV_HEAD_SIZE];
	uint64_t klen;
	size_t hlen;
	uint32_t magic = 0;
	int ret;

	memset(info, 0, sizeof(*info));
	if (!img)
		return rv_err(-EINVAL, "no kernel image");
	/* The format is in the first bytes; the loaders check klen for more. */
	klen = img->size;
	hlen = rv_min_u64(klen, sizeof(k));
	ret = rv_image_pread(img, 0, k, hlen);
	if (ret)
		return ret;
	if (hlen >= SELFMAG && !memcmp(k, ELFMAG, SELFMAG))
		return rv_x86_load_elf(mem, cfg, k, info);
	if (hlen >= RV_BZ_MAGIC_END)
		memcpy(&magic, k + RV_BP_OFF(hdr.header), sizeof(magic));
	if (magic == RV_BZ_HDRS)
		return rv_x86_load_bzimage(mem, cfg, k, info);
	if (hlen >= RV_BZ_MAGIC_END && k[0x1fe] == 0x55 && k[0x1ff] == 0xaa)
		return rv_err(-EINVAL,
			      "bzImage: no \"HdrS\" magic at 0x202 (boot protocol older than 2.00)");
	return rv_err(
		-EINVAL,
		"not a bzImage or ELF64 vmlinux: %llu bytes with neither \"HdrS\" at 0x202 nor an ELF magic",
		(unsigned long long)klen);
}
