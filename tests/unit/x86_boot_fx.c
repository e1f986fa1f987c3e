// SPDX-License-Identifier: GPL-2.0
/* The x86 loader tests' fixture: see x86_boot_fx.h. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/util.h"
#include "msg_fx.h"
#include "x86_boot_fx.h"

uint8_t *ram;
struct rv_mem mem;

void put16(uint8_t *p, size_t off, uint16_t v)
{
	memcpy(p + off, &v, 2);
}

void put32(uint8_t *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, 4);
}

void put64(uint8_t *p, size_t off, uint64_t v)
{
	memcpy(p + off, &v, 8);
}

uint8_t get8(uint64_t gpa)
{
	return ram[gpa];
}

uint16_t get16(uint64_t gpa)
{
	uint16_t v;
	memcpy(&v, ram + gpa, 2);
	return v;
}

uint32_t get32(uint64_t gpa)
{
	uint32_t v;
	memcpy(&v, ram + gpa, 4);
	return v;
}

uint64_t get64(uint64_t gpa)
{
	uint64_t v;
	memcpy(&v, ram + gpa, 8);
	return v;
}

int group_setup(void **state)
{
	(void)state;
	ram = calloc(1, RAM_SIZE);
	return ram ? 0 : -1;
}

int group_teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

/* A fresh 64 MiB machine: one low RAM region at gpa 0. */
int test_setup(void **state)
{
	struct rv_mem_region r = { .gpa = 0, .size = RAM_SIZE, .host = ram, .name = "ram-low" };

	(void)state;
	memset(ram, 0, RAM_SIZE);
	memset(&mem, 0, sizeof(mem));
	rv_err_clear();
	return rv_mem_add(&mem, &r, 4096);
}

/* A minimal protocol 2.15 bzImage: 4 setup sectors + PAYLOAD_SIZE bytes. */
uint8_t *make_bzimage(void)
{
	uint8_t *k = calloc(1, BZ_SIZE);

	assert_non_null(k);
	k[0x1f1] = 4; /* setup_sects */
	put16(k, 0x1fe, 0xaa55);
	k[0x200] = 0xeb; /* jmp short: header ends at 0x202 + 0x6a = 0x26c */
	k[0x201] = 0x6a;
	memcpy(k + 0x202, "HdrS", 4);
	put16(k, 0x206, 0x020f);
	k[0x211] = 0x01;	     /* LOADED_HIGH */
	put32(k, 0x214, 0x100000);   /* code32_start */
	put32(k, 0x22c, 0x7fffffff); /* initrd_addr_max */
	put32(k, 0x230, 0x200000);   /* kernel_alignment */
	k[0x234] = 1;		     /* relocatable_kernel */
	put16(k, 0x236, 0x3);	     /* XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G */
	put32(k, 0x238, 2047);	     /* cmdline_size */
	put64(k, 0x258, PREF_ADDR);
	put32(k, 0x260, INIT_SIZE);
	for (size_t i = SETUP_SIZE; i < BZ_SIZE; i++)
		k[i] = (uint8_t)(i * 7 + 1);
	return k;
}

/* The file the loader reads: a memfd holding exactly @len bytes of @buf. */
struct rv_image mkimg(const char *name, const uint8_t *buf, size_t len)
{
	struct rv_image img = { .fd = memfd_create(name, MFD_CLOEXEC), .size = len, .name = name };

	assert_true(img.fd >= 0);
	assert_int_equal(rv_write_all(img.fd, buf, len), 0);
	return img;
}

/* Load the first @len bytes of @k (NULL: no kernel) and of @initrd, if any. */
int load(const uint8_t *k, size_t len, const char *cmdline, const uint8_t *initrd,
	 size_t initrd_len, struct rv_x86_boot_info *info)
{
	struct rv_image kimg = { .fd = -1 }, iimg = { .fd = -1 };
	struct rv_x86_boot_cfg cfg = { .cmdline = cmdline, .acpi_rsdp_addr = 0xe0000 };
	int ret;

	if (k) {
		kimg = mkimg("kernel", k, len);
		cfg.kernel = &kimg;
	}
	if (initrd) {
		iimg = mkimg("initrd", initrd, initrd_len);
		cfg.initrd = &iimg;
	}
	rv_err_clear();
	ret = rv_x86_boot_load(&mem, &cfg, info);
	rv_image_close(&iimg);
	rv_image_close(&kimg);
	return ret;
}

void expect_err(int ret, int err, const char *needle)
{
	rv_test_expect_err(ret, err, needle, NULL);
}

/* The standard e820 map of a single low region of @end bytes. */
void check_e820_low(uint64_t end)
{
	assert_int_equal(get8(BP + 0x1e8), 3);
	assert_int_equal(get64(BP + 0x2d0), 0);
	assert_int_equal(get64(BP + 0x2d8), RV_X86_EBDA_ADDR);
	assert_int_equal(get32(BP + 0x2e0), RV_E820_RAM);
	assert_int_equal(get64(BP + 0x2e4), RV_X86_EBDA_ADDR);
	assert_int_equal(get64(BP + 0x2ec), 0x100000 - RV_X86_EBDA_ADDR);
	assert_int_equal(get32(BP + 0x2f4), RV_E820_RESERVED);
	assert_int_equal(get64(BP + 0x2f8), 0x100000);
	assert_int_equal(get64(BP + 0x300), end - 0x100000);
	assert_int_equal(get32(BP + 0x308), RV_E820_RAM);
}

void put_phdr(uint8_t *k, unsigned int i, uint32_t type, uint64_t off, uint64_t paddr,
	      uint64_t filesz, uint64_t memsz)
{
	size_t p = 64 + i * 56;

	put32(k, p, type);
	put32(k, p + 4, 5);
	put64(k, p + 8, off);
	put64(k, p + 16, paddr + KMAP);
	put64(k, p + 24, paddr);
	put64(k, p + 32, filesz);
	put64(k, p + 40, memsz);
	put64(k, p + 48, 0x200000);
}

uint8_t *make_elf(void)
{
	uint8_t *k = calloc(1, ELF_SIZE);

	assert_non_null(k);
	memcpy(k,
	       "\x7f"
	       "ELF",
	       4);
	k[4] = 2;	  /* ELFCLASS64 */
	k[5] = 1;	  /* ELFDATA2LSB */
	k[6] = 1;	  /* EV_CURRENT */
	put16(k, 16, 2);  /* ET_EXEC */
	put16(k, 18, 62); /* EM_X86_64 */
	put32(k, 20, 1);
	put64(k, 24, 0x1000000); /* e_entry: physical, as ENTRY(phys_startup_64) */
	put64(k, 32, 64);	 /* e_phoff */
	put16(k, 52, 64);
	put16(k, 54, 56); /* e_phentsize */
	put16(k, 56, 3);  /* e_phnum */
	put_phdr(k, 0, 1, 0x1000, 0x1000000, 0x3000, 0x3000);
	put_phdr(k, 1, 4, 0, 0, 0, 0); /* PT_NOTE: ignored */
	put_phdr(k, 2, 1, 0x4000, 0x1200000, 0x1000, 0x5000);
	for (size_t i = 0x1000; i < ELF_SIZE; i++)
		k[i] = (uint8_t)(i * 13 + 5);
	return k;
}

/* xorshift64: the same "random" corruptions on every run and libc. */
static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

void fuzz(uint8_t *(*make)(void), size_t size, size_t hot_lo, size_t hot_hi, unsigned int iters)
{
	uint8_t *k = make(), *copy = malloc(size), initrd[64] = { 0 };
	struct rv_x86_boot_info info;
	unsigned int ok = 0;

	for (unsigned int it = 0; it < iters; it++) {
		unsigned int flips = 1 + rng() % 8;
		size_t len = size;
		int ret;

		memcpy(copy, k, size);
		for (unsigned int f = 0; f < flips; f++) {
			/* Mostly the headers, where the parsing happens. */
			size_t at = rng() % 4 ? hot_lo + rng() % (hot_hi - hot_lo) : rng() % size;

			copy[at] = rng() % 3 ? (uint8_t)rng() : (uint8_t)(copy[at] ^ 0x80);
		}
		if (rng() % 8 == 0)
			len = rng() % size;
		ret = load(copy, len, "console=ttyS0", initrd, sizeof(initrd), &info);
		if (ret == 0) {
			ok++;
			assert_int_equal(info.boot_params_addr, BP);
			assert_non_null(rv_mem_gpa_to_hva(&mem, info.entry, 1));
		} else {
			assert_true(ret == -EINVAL || ret == -E2BIG || ret == -ENOSPC);
			assert_true(rv_err_msg()[0] != '\0');
		}
	}
	print_message("  %u of %u corrupted images still loaded\n", ok, iters);
	free(copy);
	free(k);
}
