// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the x86 kernel loader (arch/x86/boot.c) fed any file as
 * --kernel (a bzImage or ELF vmlinux: everything in it is the image's
 * author's) and --initrd, into a map of 64 MiB of RAM at 0 and two
 * --passthrough slots whose host memory is PROT_NONE: a read-only one at
 * 128 MiB and a writable one at 192 MiB. Loading into either would fault:
 * the loader must put images only into RAM (rv_mem_ram_hva()).
 *
 * Input: byte 0 bits 0-3 give the initrd's share of the rest in 16ths
 * (0: no initrd); byte 1 the command line length / 8; then the kernel.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch/x86/boot.h"
#include "vmm/image.h"
#include "vmm/mem/translate.h"
#include "vmm/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_SIZE (64ULL << 20)

static struct rv_mem mem;

static void fx_setup(void)
{
	struct rv_mem_region ram = { .gpa = 0, .size = RAM_SIZE, .name = "ram-low" };
	struct rv_mem_region ro = { .gpa = 128ULL << 20,
				    .size = 2 << 20,
				    .readonly = true,
				    .device = true,
				    .name = "pt0" };
	struct rv_mem_region rw = {
		.gpa = 192ULL << 20, .size = 2 << 20, .device = true, .name = "pt1"
	};

	ram.host = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro.host = mmap(NULL, ro.size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rw.host = mmap(NULL, rw.size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram.host == MAP_FAILED || ro.host == MAP_FAILED || rw.host == MAP_FAILED ||
	    rv_mem_add(&mem, &ram, 4096) || rv_mem_add(&mem, &ro, 4096) ||
	    rv_mem_add(&mem, &rw, 4096))
		abort();
}

/* A success's ranges are all guest RAM. */
static void fx_check_ram(uint64_t gpa, uint64_t len)
{
	if (len && !rv_mem_ram_hva(&mem, gpa, len, "check"))
		abort();
}

static struct rv_image fx_image(const char *name, const uint8_t *buf, size_t len)
{
	struct rv_image img = { .fd = memfd_create(name, MFD_CLOEXEC), .size = len, .name = name };

	if (img.fd < 0 || rv_write_all(img.fd, buf, len))
		abort();
	return img;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rv_image kernel, initrd = { .fd = -1 };
	struct rv_x86_boot_cfg cfg = { .acpi_rsdp_addr = 0xe0000 };
	struct rv_x86_boot_info info;
	char cmdline[2048 + 16];
	size_t ilen, clen;

	if (!mem.nr)
		fx_setup();
	if (size < 2)
		return 0;
	clen = rv_min_u64((size_t)data[1] * 8, sizeof(cmdline) - 1);
	memset(cmdline, 'c', clen);
	cmdline[clen] = '\0';
	cfg.cmdline = cmdline;
	ilen = (size - 2) * (data[0] & 15) / 16;
	kernel = fx_image("kernel", data + 2, size - 2 - ilen);
	cfg.kernel = &kernel;
	if (ilen) {
		initrd = fx_image("initrd", data + size - ilen, ilen);
		cfg.initrd = &initrd;
	}
	rv_err_clear();
	if (rv_x86_boot_load(&mem, &cfg, &info) == 0) {
		/* What a success promises: the entry and boot_params in RAM. */
		fx_check_ram(info.boot_params_addr, 4096);
		fx_check_ram(info.kernel_addr, info.kernel_size);
		fx_check_ram(info.initrd_addr, info.initrd_size);
	} else if (!rv_err_msg()[0]) {
		abort(); /* a refusal always says why */
	}
	rv_image_close(&initrd);
	rv_image_close(&kernel);
	return 0;
}
