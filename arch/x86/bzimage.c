// SPDX-License-Identifier: GPL-2.0
/*
 * The bzImage loader (Documentation/arch/x86/boot.rst, protocol 2.06+):
 * the setup header checked field by field, the protected-mode code read
 * from the file into guest RAM at 1 MiB, the setup header copied into
 * boot_params with the loader's obligatory fields. Nothing in the file is
 * trusted (boot.c says how).
 */
#include <errno.h>
#include <string.h>

#include "vmm/mem/translate.h"
#include "vmm/util.h"
#include "layout.h"
#include "loader.h"

/* Header must reach cmdline_size (2.06) or init_size (2.10) for us to read them. */
#define RV_BZ_HDR_END_206 0x23c
#define RV_BZ_HDR_END_210 0x264
/* boot.rst "Sample Boot Configuration": heap to 0xe000 of the setup segment. */
#define RV_BZ_HEAP_END 0xe000
/* "2.06" from 0x0206: the low byte is the minor number in decimal. */
#define RV_PROTO_FMT "%u.%02u"
#define RV_PROTO_ARG(v) (unsigned int)((v) >> 8), (unsigned int)((v)&0xff)

/*
 * @k holds the first min(file size, RV_HEAD_SIZE) bytes, and the caller
 * checked that reaches RV_BZ_MAGIC_END; the rest stays in the file.
 */
int rv_x86_load_bzimage(const struct rv_mem *mem, const struct rv_x86_boot_cfg *cfg,
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
