// SPDX-License-Identifier: GPL-2.0
/*
 * Linux x86 boot protocol (Documentation/arch/x86/boot.rst) for a kernel
 * image the user named: a bzImage (protocol 2.06+) or an ELF64 vmlinux.
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
#include "boot.h"

#include <asm/bootparam.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

#define RV_BZ_HDR_START 0x1f1 /* the setup header inside the image */
#define RV_BZ_HDR_MAX (RV_BZ_HDR_START + sizeof(struct setup_header))
#define RV_BZ_MAGIC_END 0x206 /* "HdrS" at 0x202..0x205 */
#define RV_BZ_HDRS 0x53726448 /* "HdrS", little-endian */
#define RV_BZ_BOOT_FLAG 0xaa55
/* Header must reach cmdline_size (2.06) or init_size (2.10) for us to read them. */
#define RV_BZ_HDR_END_206 0x23c
#define RV_BZ_HDR_END_210 0x264
/* boot.rst "Sample Boot Configuration": heap to 0xe000 of the setup segment. */
#define RV_BZ_HEAP_END 0xe000
/*
 * The first bytes of a kernel file, read before its format is known: the
 * bzImage setup header ends there, and an ELF header is shorter.
 */
#define RV_HEAD_SIZE RV_BZ_HDR_MAX
_Static_assert(sizeof(Elf64_Ehdr) <= RV_HEAD_SIZE, "ELF header in the head");
/*
 * Program headers we read. A vmlinux has five (vmlinux.lds.S PHDRS: text,
 * data, percpu, init, note); 64 leaves room and bounds the table, whose
 * e_phnum the image controls, to 3.5 KiB on the stack.
 */
#define RV_ELF_MAX_PHNUM 64
#define RV_LOADER_UNDEFINED 0xff  /* type_of_loader: "0xFF = undefined" */
#define RV_VID_MODE_NORMAL 0xffff /* "vga=normal" */
/*
 * x86 COMMAND_LINE_SIZE (2048, with the NUL): the bound for a vmlinux, which
 * has no cmdline_size field. Longer lines would be truncated by the kernel.
 */
#define RV_ELF_CMDLINE_SIZE 2047
/* header.S INITRD_ADDR_MAX, used for a vmlinux, which has no setup header. */
#define RV_ELF_INITRD_ADDR_MAX 0x7fffffffULL
#define RV_ELF_PROTOCOL 0x020f /* what we fill in: 2.15 fields are valid */
#define RV_4GiB (4 * RV_GiB)
#define RV_PAGE 4096ULL

static uint64_t rv_max(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* "2.06" from 0x0206: the low byte is the minor number in decimal. */
#define RV_PROTO_FMT "%u.%02u"
#define RV_PROTO_ARG(v) (unsigned int)((v) >> 8), (unsigned int)((v)&0xff)

/* End of the RAM region holding the 1 MiB line: the top of "low RAM". */
static uint64_t rv_x86_low_ram_end(const struct rv_mem *mem)
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
static int rv_x86_load_cmdline(const struct rv_mem *mem, const char *cmdline, uint32_t max,
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
static int rv_x86_load_initrd(const struct rv_mem *mem, const struct rv_x86_boot_cfg *cfg,
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
static int rv_x86_finish_params(const struct rv_mem *mem, const struct rv_x86_boot_cfg *cfg,
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

/*
 * @k holds the first min(file size, RV_HEAD_SIZE) bytes, and the caller
 * checked that reaches RV_BZ_MAGIC_END; the rest stays in the file.
 */
static int rv_x86_load_bzimage(const struct rv_mem *mem, const struct rv_x86_boot_cfg *cfg,
			       const uint8_t *k, struct rv_x86_boot_info *info)
{
	uint64_t klen = cfg->kernel->size, pm_len;
	size_t setup_size, hdr_end, need;
	uint64_t load = RV_X86_KERNEL_ADDR, start, end, footprint, ram_end;
	struct boot_params bp;
	struct setup_header h;
	unsigned int sects;
	void *dst;
	int ret;

	if (k[0x1fe] != 0x55 || k[0x1ff] != 0xaa)
		return rv_err(-EINVAL, "bzImage: boot_flag 0x%02x%02x at 0x1fe is not 0xaa55",
			      k[0x1ff], k[0x1fe]);
	/* boot.rst "Loading The Rest of The Kernel": 0 setup_sects means 4. */
	sects = k[RV_BZ_HDR_START] ? k[RV_BZ_HDR_START] : 4;
	setup_size = (sects + 1) * 512;
	if (setup_size > klen)
		return rv_err(-EINVAL,
			      "bzImage: setup_sects %u extends past the end of the %llu-byte file",
			      sects, (unsigned long long)klen);
	/*
	 * The setup area (>= 2560 bytes) holds the whole struct, so the head
	 * has it all; only the bytes up to the header's own end mean anything.
	 */
	_Static_assert(RV_BZ_HDR_MAX <= 5 * 512, "header inside the setup area");
	memcpy(&h, k + RV_BZ_HDR_START, sizeof(h));
	if (h.version < 0x0206)
		return rv_err(-EINVAL, "bzImage: boot protocol " RV_PROTO_FMT " is older than 2.06",
			      RV_PROTO_ARG(h.version));
	/* boot.rst: the header ends at 0x202 + the jump offset byte at 0x201. */
	hdr_end = 0x202 + k[0x201];
	need = h.version >= 0x020a ? RV_BZ_HDR_END_210 : RV_BZ_HDR_END_206;
	if (hdr_end < need)
		return rv_err(
			-EINVAL,
			"bzImage: setup header ends at 0x%zx, before the end (0x%zx) of the protocol " RV_PROTO_FMT
			" fields",
			hdr_end, need, RV_PROTO_ARG(h.version));
	if (!(h.loadflags & LOADED_HIGH))
		return rv_err(
			-EINVAL,
			"bzImage: loadflags 0x%02x lack LOADED_HIGH (a zImage, loaded at 0x10000, is not supported)",
			h.loadflags);
	pm_len = klen - setup_size;
	if (!pm_len)
		return rv_err(-EINVAL, "bzImage: no protected-mode code after the %zu setup bytes",
			      setup_size);

	/*
	 * boot.rst init_size: the kernel needs init_size bytes from its
	 * runtime start, align_up(load, kernel_alignment) when relocatable,
	 * else pref_address. compressed/head_64.S also never goes below
	 * LOAD_PHYSICAL_ADDR, which header.S stores as pref_address.
	 */
	start = load;
	footprint = pm_len;
	if (h.relocatable_kernel) {
		uint32_t a = h.kernel_alignment;

		if (!a || (a & (a - 1)))
			return rv_err(-EINVAL,
				      "bzImage: kernel_alignment 0x%x is not a power of two", a);
		start = RV_ALIGN_UP(load, (uint64_t)a);
	}
	if (h.version >= 0x020a) {
		if (h.relocatable_kernel)
			start = rv_max(start, h.pref_address);
		else if (h.pref_address)
			start = h.pref_address;
		footprint = h.init_size;
	}
	if (start < load || __builtin_add_overflow(start, footprint, &end))
		return rv_err(
			-EINVAL,
			"bzImage: runtime start 0x%llx + init_size 0x%llx is not a valid range above 0x%llx",
			(unsigned long long)start, (unsigned long long)footprint,
			(unsigned long long)load);
	end = rv_max(end, load + pm_len);
	if (!rv_mem_find(mem, load, end - load)) {
		ram_end = rv_x86_low_ram_end(mem);
		return rv_err(
			-ENOSPC,
			"bzImage: the kernel needs RAM [0x%llx, 0x%llx) (image 0x%llx bytes, init_size 0x%x from 0x%llx), but RAM from 1 MiB ends at 0x%llx",
			(unsigned long long)load, (unsigned long long)end,
			(unsigned long long)pm_len, h.init_size, (unsigned long long)start,
			(unsigned long long)ram_end);
	}
	/* In the map, but it must be RAM too: not a --passthrough slot. */
	dst = rv_mem_ram_hva(mem, load, end - load, "bzImage: the kernel");
	if (!dst)
		return -ENOSPC;

	/* Entry: boot.rst "64-bit Boot Protocol" / "32-bit Boot Protocol". */
	if (h.version >= 0x020c && (h.xloadflags & XLF_KERNEL_64)) {
		info->entry = load + 0x200;
		info->entry_64 = true;
	} else {
		/* code32_start defaults to the load address; honour a moved one. */
		if (h.code32_start < load || h.code32_start - load >= pm_len)
			return rv_err(
				-EINVAL,
				"bzImage: code32_start 0x%x is outside the %llu-byte kernel loaded at 0x%llx",
				h.code32_start, (unsigned long long)pm_len,
				(unsigned long long)load);
		info->entry = h.code32_start;
		info->entry_64 = false;
	}

	/* "initialized to all zero", then the header up to its own end. */
	memset(&bp, 0, sizeof(bp));
	memcpy(&bp.hdr, k + RV_BZ_HDR_START, rv_min_u64(hdr_end, RV_BZ_HDR_MAX) - RV_BZ_HDR_START);
	ret = rv_x86_load_cmdline(mem, cfg->cmdline, h.cmdline_size, &bp);
	if (ret)
		return ret;
	/* The protected-mode code, from the file into RAM checked above. */
	ret = rv_image_pread(cfg->kernel, setup_size, dst, pm_len);
	if (ret)
		return ret;
	ret = rv_x86_load_initrd(mem, cfg, h.initrd_addr_max, load, end, &bp, info);
	if (ret)
		return ret;

	/* The "write (obligatory)" fields of boot.rst "Details of Header Fields". */
	bp.hdr.type_of_loader = RV_LOADER_UNDEFINED;
	bp.hdr.ext_loader_ver = 0;
	bp.hdr.ext_loader_type = 0;
	bp.hdr.loadflags |= CAN_USE_HEAP;
	bp.hdr.heap_end_ptr = RV_BZ_HEAP_END - 0x200;
	bp.hdr.vid_mode = RV_VID_MODE_NORMAL;
	bp.hdr.hardware_subarch = X86_SUBARCH_PC; /* not Xen PV, not a MID */
	/* We pass no setup_data list; the image's value means nothing here. */
	bp.hdr.setup_data = 0;
	ret = rv_x86_finish_params(mem, cfg, &bp, info);
	if (ret)
		return ret;
	info->kernel_addr = load;
	info->kernel_size = pm_len;
	info->protocol = h.version;
	return 0;
}

/* The headers of an ELF64 vmlinux: all of it the loader holds in memory. */
struct rv_x86_elf {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[RV_ELF_MAX_PHNUM];
};

/*
 * Check the ELF header in @head (the file's first min(size, RV_HEAD_SIZE)
 * bytes) and read the program header table it points at into @el.
 */
static int rv_x86_elf_read_headers(const struct rv_image *img, const uint8_t *head,
				   struct rv_x86_elf *el)
{
	Elf64_Ehdr *eh = &el->eh;
	uint64_t klen = img->size, tab, end;

	if (klen < sizeof(*eh))
		return rv_err(-EINVAL, "ELF: %llu bytes is shorter than the %zu-byte ELF header",
			      (unsigned long long)klen, sizeof(*eh));
	memcpy(eh, head, sizeof(*eh));
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return rv_err(-EINVAL, "ELF: class %u is not ELFCLASS64", eh->e_ident[EI_CLASS]);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return rv_err(-EINVAL, "ELF: data encoding %u is not little-endian",
			      eh->e_ident[EI_DATA]);
	if (eh->e_machine != EM_X86_64)
		return rv_err(-EINVAL, "ELF: e_machine %u is not EM_X86_64", eh->e_machine);
	if (eh->e_type != ET_EXEC)
		return rv_err(-EINVAL, "ELF: e_type %u is not ET_EXEC", eh->e_type);
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return rv_err(-EINVAL, "ELF: e_phentsize %u is not %zu", eh->e_phentsize,
			      sizeof(Elf64_Phdr));
	if (!eh->e_phnum || eh->e_phnum == PN_XNUM)
		return rv_err(-EINVAL, "ELF: e_phnum %u: no usable program header table",
			      eh->e_phnum);
	/* The image controls e_phnum: bound what we read before reading it. */
	if (eh->e_phnum > RV_ELF_MAX_PHNUM)
		return rv_err(-EINVAL,
			      "ELF: e_phnum %u is more than the %u program headers ringvmm reads",
			      eh->e_phnum, RV_ELF_MAX_PHNUM);
	/* phnum * 56 is at most 3.5 KiB; only phoff + that can overflow. */
	tab = (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);
	if (__builtin_add_overflow(eh->e_phoff, tab, &end) || end > klen)
		return rv_err(
			-EINVAL,
			"ELF: program headers at 0x%llx (%u x %zu bytes) extend past the end of the %llu-byte file",
			(unsigned long long)eh->e_phoff, eh->e_phnum, sizeof(Elf64_Phdr),
			(unsigned long long)klen);
	/* phoff need not be aligned: pread() does not care, and el->ph is. */
	return rv_image_pread(img, eh->e_phoff, el->ph, tab);
}

/*
 * Linux links vmlinux with ENTRY(phys_startup_64) (vmlinux.lds.S), so
 * e_entry is already physical; other links may give a virtual address in
 * __START_KERNEL_map, which a PT_LOAD's p_vaddr - p_paddr converts.
 */
static int rv_x86_elf_entry(const struct rv_x86_elf *el, uint64_t *entry)
{
	uint64_t e = el->eh.e_entry;

	for (int virt = 0; virt < 2; virt++) {
		for (unsigned int i = 0; i < el->eh.e_phnum; i++) {
			const Elf64_Phdr *ph = &el->ph[i];
			uint64_t base = virt ? ph->p_vaddr : ph->p_paddr;

			if (ph->p_type != PT_LOAD || e < base || e - base >= ph->p_memsz)
				continue;
			*entry = ph->p_paddr + (e - base);
			return 0;
		}
	}
	return rv_err(-EINVAL, "ELF: e_entry 0x%llx is in no PT_LOAD segment",
		      (unsigned long long)e);
}

static int rv_x86_load_elf(const struct rv_mem *mem, const struct rv_x86_boot_cfg *cfg,
			   const uint8_t *head, struct rv_x86_boot_info *info)
{
	uint64_t lo = UINT64_MAX, hi = 0, entry = 0, klen = cfg->kernel->size;
	unsigned int loads = 0;
	struct boot_params bp;
	struct rv_x86_elf el;
	int ret;

	ret = rv_x86_elf_read_headers(cfg->kernel, head, &el);
	if (ret)
		return ret;
	ret = rv_x86_elf_entry(&el, &entry);
	if (ret)
		return ret;
	memset(&bp, 0, sizeof(bp));
	ret = rv_x86_load_cmdline(mem, cfg->cmdline, RV_ELF_CMDLINE_SIZE, &bp);
	if (ret)
		return ret;

	for (unsigned int i = 0; i < el.eh.e_phnum; i++) {
		const Elf64_Phdr *ph = &el.ph[i];
		uint64_t fend, mend;
		char what[32];
		uint8_t *dst;

		if (ph->p_type != PT_LOAD || !ph->p_memsz)
			continue;
		if (ph->p_filesz > ph->p_memsz)
			return rv_err(-EINVAL,
				      "ELF: PT_LOAD %u has p_filesz 0x%llx > p_memsz 0x%llx", i,
				      (unsigned long long)ph->p_filesz,
				      (unsigned long long)ph->p_memsz);
		if (__builtin_add_overflow(ph->p_offset, ph->p_filesz, &fend) || fend > klen)
			return rv_err(
				-EINVAL,
				"ELF: PT_LOAD %u file bytes [0x%llx, +0x%llx) extend past the end of the %llu-byte file",
				i, (unsigned long long)ph->p_offset,
				(unsigned long long)ph->p_filesz, (unsigned long long)klen);
		/* Below 1 MiB live boot_params, page tables, GDT and ACPI. */
		if (ph->p_paddr < RV_X86_HIMEM_ADDR)
			return rv_err(
				-EINVAL,
				"ELF: PT_LOAD %u at 0x%llx is below 1 MiB, where the VMM's boot data lives",
				i, (unsigned long long)ph->p_paddr);
		/*
		 * p_paddr and p_memsz are the image's: the whole segment must
		 * be guest RAM, not a --passthrough slot (a read-only one has a
		 * read-only host mapping) and not past the end of the map.
		 */
		snprintf(what, sizeof(what), "ELF: PT_LOAD %u", i);
		dst = rv_mem_ram_hva(mem, ph->p_paddr, ph->p_memsz, what);
		if (!dst)
			return -ENOSPC;
		if (__builtin_add_overflow(ph->p_paddr, ph->p_memsz, &mend))
			return rv_err(
				-ENOSPC,
				"ELF: PT_LOAD %u [0x%llx, +0x%llx) ends at the top of the address space",
				i, (unsigned long long)ph->p_paddr,
				(unsigned long long)ph->p_memsz);
		/* File bytes straight into guest RAM, then the bss zeroed. */
		ret = rv_image_pread(cfg->kernel, ph->p_offset, dst, ph->p_filesz);
		if (ret)
			return ret;
		memset(dst + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
		lo = rv_min_u64(lo, ph->p_paddr);
		hi = rv_max(hi, mend);
		loads++;
	}
	if (!loads)
		return rv_err(-EINVAL, "ELF: no non-empty PT_LOAD segment");

	ret = rv_x86_load_initrd(mem, cfg, RV_ELF_INITRD_ADDR_MAX, lo, hi, &bp, info);
	if (ret)
		return ret;
	/*
	 * No setup header to copy: build the parts of one the kernel reads
	 * (boot.rst "64-bit Boot Protocol", zero-page.rst).
	 */
	bp.hdr.boot_flag = RV_BZ_BOOT_FLAG;
	bp.hdr.header = RV_BZ_HDRS;
	bp.hdr.version = RV_ELF_PROTOCOL;
	bp.hdr.type_of_loader = RV_LOADER_UNDEFINED;
	bp.hdr.loadflags = LOADED_HIGH;
	bp.hdr.vid_mode = RV_VID_MODE_NORMAL;
	bp.hdr.cmdline_size = RV_ELF_CMDLINE_SIZE;
	bp.hdr.initrd_addr_max = RV_ELF_INITRD_ADDR_MAX;
	ret = rv_x86_finish_params(mem, cfg, &bp, info);
	if (ret)
		return ret;
	info->entry = entry;
	info->entry_64 = true;
	info->kernel_addr = lo;
	info->kernel_size = hi - lo;
	info->protocol = 0;
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
