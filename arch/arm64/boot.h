/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arm64 Linux boot protocol (Documentation/arch/arm64/booting.rst):
 * the Image header, and where the Image, the initrd and the device tree go
 * in guest RAM. Pure functions of their arguments (no KVM, no files), so
 * they are unit-tested with made-up and corrupted images, and build on any
 * host.
 */
#ifndef RV_ARM64_BOOT_H
#define RV_ARM64_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rv_mem;

/* booting.rst, "Call the kernel image": the 64-byte header. */
#define RV_ARM64_IMAGE_HDR_SIZE 64
#define RV_ARM64_IMAGE_MAGIC 0x644d5241 /* "ARM\x64", little endian */
/* Before Linux 3.17 image_size was 0 and text_offset meant 0x80000. */
#define RV_ARM64_IMAGE_OLD_TEXT_OFFSET 0x80000

/* flags, booting.rst "Header notes". */
#define RV_ARM64_IMAGE_FLAG_BE (1ULL << 0) /* bit 0: kernel is big-endian */
#define RV_ARM64_IMAGE_FLAG_PAGE_SHIFT 1   /* bits 1-2: page size */
#define RV_ARM64_IMAGE_FLAG_PAGE_MASK (3ULL << 1)
#define RV_ARM64_IMAGE_FLAG_PHYS_ANY (1ULL << 3) /* bit 3: placement anywhere */

struct rv_arm64_image {
	uint64_t text_offset; /* from the 2 MiB-aligned base */
	uint64_t image_size;  /* bytes from the load address the kernel may use */
	uint64_t flags;
	unsigned int page_size_kib; /* 4, 16, 64, or 0 if unspecified */
	bool legacy;		    /* image_size was 0: pre-3.17 rules applied */
};

/*
 * Parse and check the header of the @len-byte Image at @buf. The bytes are
 * untrusted: every field is checked before use. Returns 0, or -ENOEXEC
 * (not an arm64 Image; the message says what it looks like instead, e.g. a
 * compressed one) / -EINVAL (a header with impossible values), with
 * rv_err() set.
 */
int rv_arm64_image_parse(const uint8_t *buf, size_t len, struct rv_arm64_image *img);
/*
 * The same from the first @len bytes of a @file_len-byte Image (the loader
 * reads only the head of the file; a pre-3.17 header's image_size is then
 * the file's length).
 */
int rv_arm64_image_parse_head(const uint8_t *buf, size_t len, uint64_t file_len,
			      struct rv_arm64_image *img);

/* Where everything goes; all guest physical addresses. */
struct rv_arm64_boot_layout {
	uint64_t kernel_addr;		  /* = entry point: 2 MiB-aligned base + text_offset */
	uint64_t kernel_end;		  /* kernel_addr + the memory the kernel may use */
	uint64_t initrd_addr, initrd_end; /* equal when there is no initrd */
	uint64_t dtb_addr;		  /* RV_ARM64_DTB_MAX bytes reserved */
};

/*
 * Place a kernel (@img, @kernel_len bytes of file) and an @initrd_len-byte
 * initrd in RAM [@ram_addr, @ram_addr + @ram_size), following booting.rst:
 * the kernel at a 2 MiB-aligned base + text_offset as low in RAM as
 * possible (flags bit 3 clear means memory below it is unusable), the
 * initrd inside the same 1 GiB-aligned 32 GiB window as the kernel, the dtb
 * 8-byte aligned in a 2 MiB region of its own. -ENOSPC (with the sizes in
 * the message) when it does not fit.
 */
int rv_arm64_boot_place(uint64_t ram_addr, uint64_t ram_size, const struct rv_arm64_image *img,
			uint64_t kernel_len, uint64_t initrd_len, struct rv_arm64_boot_layout *out);

/*
 * Where in the host's mapping of guest RAM a @kernel_len-byte kernel and an
 * @initrd_len-byte initrd go, as @layout says, after checking that every
 * range @layout names (the kernel's whole footprint, the initrd, the dtb's
 * block) is RAM and holds them: the loader then reads the files straight
 * into @kernel_hva and @initrd_hva (NULL without an initrd). -ENOSPC with
 * rv_err() set otherwise.
 */
int rv_arm64_boot_ram(const struct rv_mem *mem, const struct rv_arm64_boot_layout *layout,
		      uint64_t kernel_len, uint64_t initrd_len, void **kernel_hva,
		      void **initrd_hva);

/*
 * Copy kernel, initrd from buffers into guest memory as @layout says (the
 * dtb is written later, when the vCPUs are known): code built into ringvmm
 * or a test. -ENOSPC if a range is not RAM.
 */
int rv_arm64_boot_load(const struct rv_mem *mem, const struct rv_arm64_boot_layout *layout,
		       const uint8_t *kernel, size_t kernel_len, const uint8_t *initrd,
		       size_t initrd_len);

#endif
