// SPDX-License-Identifier: GPL-2.0
/*
 * The ELF64 vmlinux loader: the uncompressed kernel, entered through the
 * "64-bit Boot Protocol" of Documentation/arch/x86/boot.rst at e_entry.
 * Only the ELF header and a bounded program header table are read into
 * memory; each PT_LOAD goes from the file straight into guest RAM above
 * 1 MiB. No setup header exists, so boot_params gets the fields of one
 * the kernel reads. Nothing in the file is trusted (boot.c says how).
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm/mem/translate.h"
#include "vmm/util.h"
#include "layout.h"
#include "loader.h"

/*
 * Program headers we read. A vmlinux has five (vmlinux.lds.S PHDRS: text,
 * data, percpu, init, note); 64 leaves room and bounds the table, whose
 * e_phnum the image controls, to 3.5 KiB on the stack.
 */
#define RV_ELF_MAX_PHNUM 64
/*
 * x86 COMMAND_LINE_SIZE (2048, with the NUL): the bound for a vmlinux, which
 * has no cmdline_size field. Longer lines would be truncated by the kernel.
 */
#define RV_ELF_CMDLINE_SIZE 2047
/* header.S INITRD_ADDR_MAX, used for a vmlinux, which has no setup header. */
#define RV_ELF_INITRD_ADDR_MAX 0x7fffffffULL
#define RV_ELF_PROTOCOL 0x020f /* what we fill in: 2.15 fields are valid */

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

int rv_x86_load_elf(const struct rv_mem *mem, const struct rv_x86_boot_cfg *cfg,
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
