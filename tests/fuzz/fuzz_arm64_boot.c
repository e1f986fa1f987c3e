// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the arm64 Image loader (arch/arm64/boot.c): the header
 * parser, placement and the copy into guest RAM. The Image is the
 * fuzzer's; so are, for placement alone, the RAM base and size (up to the
 * top of the address space, where align-ups used to wrap to 0).
 *
 * Input: bytes 0-7 a RAM base, 8-15 a RAM size, 16-19 an initrd length
 * (all little-endian), the rest the Image. Then the same Image is loaded
 * for real into 32 MiB of RAM at 1 GiB followed by a PROT_NONE
 * --passthrough slot: a write there would fault.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "arch/arm64/boot.h"
#include "arch/arm64/layout.h"
#include "vmm/mem/translate.h"
#include "vmm/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_SIZE (32ULL << 20)

static struct rv_mem mem;

static void fx_setup(void)
{
	struct rv_mem_region ram = { .gpa = RV_ARM64_RAM_ADDR, .size = RAM_SIZE, .name = "ram" };
	struct rv_mem_region pt = { .gpa = RV_ARM64_RAM_ADDR + RAM_SIZE,
				    .size = 2 << 20,
				    .readonly = true,
				    .device = true,
				    .name = "pt0" };

	ram.host = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pt.host = mmap(NULL, pt.size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram.host == MAP_FAILED || pt.host == MAP_FAILED || rv_mem_add(&mem, &ram, 4096) ||
	    rv_mem_add(&mem, &pt, 4096))
		abort();
}

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t initrd[4096];
	struct rv_arm64_boot_layout l;
	struct rv_arm64_image img;
	uint64_t base, len, ilen, end;

	if (!mem.nr)
		fx_setup();
	if (size < 20)
		return 0;
	base = le(data, 8);
	len = le(data + 8, 8);
	ilen = le(data + 16, 4);
	data += 20;
	size -= 20;
	if (rv_arm64_image_parse(data, size, &img))
		return 0;
	/* Placement anywhere: a success lies wholly inside the RAM given. */
	if (!__builtin_add_overflow(base, len, &end) &&
	    !rv_arm64_boot_place(base, len, &img, size, ilen, &l)) {
		if (l.kernel_addr < base || l.kernel_end > end || l.initrd_addr < l.kernel_end ||
		    l.initrd_end > end || l.dtb_addr < l.initrd_end || l.dtb_addr > end ||
		    end - l.dtb_addr < RV_ARM64_DTB_MAX)
			abort();
	}
	/* For real, into RAM followed by a slot the loader must not touch. */
	ilen %= sizeof(initrd) + 1;
	if (!rv_arm64_boot_place(RV_ARM64_RAM_ADDR, RAM_SIZE, &img, size, ilen, &l))
		rv_arm64_boot_load(&mem, &l, data, size, initrd, ilen);
	return 0;
}
