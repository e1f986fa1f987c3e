// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 Image loading (Documentation/arch/arm64/booting.rst). An Image is the kernel's raw binary with a 64-byte header:
 *
 *   u32 code0, code1      executable code (a branch to the real entry, or
 *                         "MZ" + a branch when the EFI stub is built in)
 *   u64 text_offset       load offset from a 2 MiB-aligned base
 *   u64 image_size        memory the kernel uses from there (incl. BSS)
 *   u64 flags             bit 0 endianness, 1-2 page size, 3 placement
 *   u64 res2, res3, res4  0
 *   u32 magic             0x644d5241 ("ARM\x64")
 *   u32 res5              PE header offset for the EFI stub
 *
 * Nothing here trusts the file: each field is range-checked before it
 * becomes an address, and all address arithmetic is overflow-checked.
 */
#include "boot.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "vmm/mem/translate.h"
#include "vmm/util.h"
#include "arch/arch.h"
#include "layout.h"

static uint32_t rv_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rv_le64(const uint8_t *p)
{
	return (uint64_t)rv_le32(p) | (uint64_t)rv_le32(p + 4) << 32;
}

/* What a file that is not an Image probably is, for the error message. */
static const char *rv_arm64_image_guess(const uint8_t *buf, size_t len)
{
	if (len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b)
		return ": gzip data (arm64 boots an uncompressed Image: gunzip it first)";
	if (len >= 4 && buf[0] == 0x7f && !memcmp(buf + 1, "ELF", 3))
		return ": an ELF file (arm64 boots the raw Image, arch/arm64/boot/Image)";
	/* CONFIG_EFI_ZBOOT: a PE stub holding a compressed Image. */
	if (len >= 8 && buf[0] == 'M' && buf[1] == 'Z' && !memcmp(buf + 4, "zimg", 4))
		return ": an EFI zboot image (vmlinuz.efi: boot the Image inside it)";
	if (len >= 0x206 && !memcmp(buf + 0x202, "HdrS", 4))
		return ": an x86 bzImage";
	return "";
}

int rv_arm64_image_parse(const uint8_t *buf, size_t len, struct rv_arm64_image *img)
{
	return rv_arm64_image_parse_head(buf, len, len, img);
}

int rv_arm64_image_parse_head(const uint8_t *buf, size_t len, uint64_t file_len,
			      struct rv_arm64_image *img)
{
	uint64_t page;

	memset(img, 0, sizeof(*img));
	if (len < RV_ARM64_IMAGE_HDR_SIZE || rv_le32(buf + 56) != RV_ARM64_IMAGE_MAGIC)
		return rv_err(-ENOEXEC, "not an arm64 Image (%s)%s",
			      len < RV_ARM64_IMAGE_HDR_SIZE ? "shorter than its 64-byte header" :
							      "no \"ARM\\x64\" magic at offset 56",
			      rv_arm64_image_guess(buf, len));
	img->text_offset = rv_le64(buf + 8);
	img->image_size = rv_le64(buf + 16);
	img->flags = rv_le64(buf + 24);

	/* booting.rst: image_size 0 means a pre-3.17 kernel, text_offset 0x80000. */
	if (img->image_size == 0) {
		img->legacy = true;
		img->text_offset = RV_ARM64_IMAGE_OLD_TEXT_OFFSET;
		img->flags = 0;
		/* The file is all we know of its size (no BSS information). */
		img->image_size = file_len;
	}
	if (img->flags & RV_ARM64_IMAGE_FLAG_BE)
		return rv_err(-EINVAL,
			      "the Image is a big-endian kernel; ringvmm runs little-endian guests");
	/*
	 * text_offset is an offset inside the 2 MiB block the kernel starts in
	 * (the base is 2 MiB-aligned); page-aligned in every kernel ever built.
	 */
	if (img->text_offset >= RV_ARM64_BOOT_ALIGN || !RV_IS_ALIGNED(img->text_offset, 4096))
		return rv_err(-EINVAL,
			      "Image text_offset 0x%" PRIx64
			      " is not a page-aligned offset below 2 MiB",
			      img->text_offset);
	/* A kernel larger than any RAM we can give is a corrupted header. */
	if (img->image_size > RV_ARM64_IPA_LIMIT)
		return rv_err(-EINVAL, "Image image_size 0x%" PRIx64 " is impossibly large",
			      img->image_size);
	if (img->image_size < RV_ARM64_IMAGE_HDR_SIZE)
		return rv_err(-EINVAL, "Image image_size %" PRIu64 " is smaller than its header",
			      img->image_size);
	page = (img->flags & RV_ARM64_IMAGE_FLAG_PAGE_MASK) >> RV_ARM64_IMAGE_FLAG_PAGE_SHIFT;
	img->page_size_kib = page == 1 ? 4 : page == 2 ? 16 : page == 3 ? 64 : 0;
	return 0;
}

int rv_arm64_boot_place(uint64_t ram_addr, uint64_t ram_size, const struct rv_arm64_image *img,
			uint64_t kernel_len, uint64_t initrd_len, struct rv_arm64_boot_layout *out)
{
	uint64_t ram_end, base, used, window;

	memset(out, 0, sizeof(*out));
	if (__builtin_add_overflow(ram_addr, ram_size, &ram_end))
		return rv_err(-EINVAL, "RAM range wraps");
	/*
	 * The lowest 2 MiB-aligned base in RAM: with flags bit 3 clear, memory
	 * below it would be unusable by the kernel (booting.rst), so as low as
	 * possible is right either way.
	 */
	if (!rv_align_up_u64(ram_addr, RV_ARM64_BOOT_ALIGN, &base) ||
	    __builtin_add_overflow(base, img->text_offset, &out->kernel_addr))
		return rv_err(-ENOSPC,
			      "no 2 MiB-aligned kernel base in RAM from 0x%" PRIx64
			      ": aligning it up passes the top of the address space",
			      ram_addr);
	/* The file may be longer than image_size (an appended signature). */
	used = img->image_size > kernel_len ? img->image_size : kernel_len;
	if (__builtin_add_overflow(out->kernel_addr, used, &out->kernel_end) ||
	    out->kernel_end > ram_end)
		return rv_err(-ENOSPC,
			      "the kernel needs %" PRIu64 " MiB from 0x%" PRIx64
			      ", more than the %" PRIu64 " MiB of RAM",
			      (uint64_t)((used + RV_MiB - 1) >> 20), out->kernel_addr,
			      ram_size >> 20);

	/* Each align-up is checked: past 2^64 it would wrap to address 0. */
	if (!rv_align_up_u64(out->kernel_end, RV_ARM64_BOOT_ALIGN, &out->initrd_addr) ||
	    __builtin_add_overflow(out->initrd_addr, initrd_len, &out->initrd_end) ||
	    out->initrd_end > ram_end)
		return rv_err(-ENOSPC,
			      "the initrd (%" PRIu64 " MiB) does not fit in RAM after the kernel",
			      initrd_len >> 20);
	/*
	 * booting.rst: the initrd "must reside entirely within a 1 GB aligned
	 * physical memory window of up to 32 GB in size that fully covers the
	 * kernel Image as well".
	 */
	window = out->kernel_addr & ~(RV_GiB - 1);
	if (out->initrd_end - window > 32 * RV_GiB)
		return rv_err(-ENOSPC,
			      "the initrd (%" PRIu64
			      " MiB) would end outside the 32 GiB window that holds the kernel",
			      initrd_len >> 20);

	/* The dtb: 8-byte aligned, at most 2 MiB, in a 2 MiB block of its own. */
	if (!rv_align_up_u64(out->initrd_end, RV_ARM64_BOOT_ALIGN, &out->dtb_addr) ||
	    out->dtb_addr > ram_end || ram_end - out->dtb_addr < RV_ARM64_DTB_MAX)
		return rv_err(-ENOSPC,
			      "no room for the device tree after the kernel%s (%" PRIu64
			      " MiB of RAM)",
			      initrd_len ? " and initrd" : "", ram_size >> 20);
	return 0;
}

int rv_arm64_boot_ram(const struct rv_mem *mem, const struct rv_arm64_boot_layout *layout,
		      uint64_t kernel_len, uint64_t initrd_len, void **kernel_hva,
		      void **initrd_hva)
{
	/*
	 * The layout came from one RAM region, but check the whole range of
	 * each against the map anyway: RAM only, never a --passthrough slot.
	 * The kernel's whole footprint (image_size, its BSS) must be RAM, and
	 * the file must fit in it (rv_arm64_boot_place() made sure of both).
	 */
	if (kernel_len > layout->kernel_end - layout->kernel_addr)
		return rv_err(-ENOSPC, "the kernel's %" PRIu64 " bytes pass its end at 0x%" PRIx64,
			      kernel_len, layout->kernel_end);
	if (initrd_len > layout->initrd_end - layout->initrd_addr)
		return rv_err(-ENOSPC, "the initrd's %" PRIu64 " bytes pass its end at 0x%" PRIx64,
			      initrd_len, layout->initrd_end);
	*kernel_hva = rv_mem_ram_hva(mem, layout->kernel_addr,
				     layout->kernel_end - layout->kernel_addr, "the kernel");
	if (!*kernel_hva)
		return -ENOSPC;
	*initrd_hva = NULL;
	if (initrd_len) {
		*initrd_hva = rv_mem_ram_hva(mem, layout->initrd_addr, initrd_len, "the initrd");
		if (!*initrd_hva)
			return -ENOSPC;
	}
	if (!rv_mem_ram_hva(mem, layout->dtb_addr, RV_ARM64_DTB_MAX, "the device tree"))
		return -ENOSPC;
	return 0;
}

int rv_arm64_boot_load(const struct rv_mem *mem, const struct rv_arm64_boot_layout *layout,
		       const uint8_t *kernel, size_t kernel_len, const uint8_t *initrd,
		       size_t initrd_len)
{
	/*
	 * booting.rst wants the kernel's range cleaned to the point of
	 * coherency before entry with the MMU off; KVM does that for every
	 * page it maps into stage 2 (or the CPU has FWB), so a plain copy
	 * through our cacheable mapping is enough. The BSS beyond the file is
	 * fresh anonymous memory: already zero.
	 */
	void *khva, *ihva;
	int ret;

	ret = rv_arm64_boot_ram(mem, layout, kernel_len, initrd_len, &khva, &ihva);
	if (ret)
		return ret;
	memcpy(khva, kernel, kernel_len);
	if (initrd_len)
		memcpy(ihva, initrd, initrd_len);
	return 0;
}
