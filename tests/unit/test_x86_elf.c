// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the ELF64 vmlinux loader (arch/x86/elf.c) against synthetic
 * images in a malloc'ed guest RAM (x86_boot_fx.c): a valid vmlinux's
 * PT_LOADs land at their physical addresses, bss zeroed, entry translated
 * from __START_KERNEL_map, boot_params built without a setup header; bad
 * headers and segments, truncations and random corruptions are rejected
 * with a message, never a crash.
 */
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

static void test_elf_valid(void **state)
{
	uint8_t *k = make_elf(), initrd[3000];
	struct rv_x86_boot_info info;

	(void)state;
	memset(initrd, 0x5a, sizeof(initrd));
	memset(ram + 0x1200000, 0xcc, 0x6000); /* stale bytes where bss goes */
	assert_int_equal(load(k, ELF_SIZE, "console=ttyS0", initrd, sizeof(initrd), &info), 0);
	assert_int_equal(info.entry, 0x1000000);
	assert_true(info.entry_64);
	assert_int_equal(info.kernel_addr, 0x1000000);
	assert_int_equal(info.kernel_size, 0x205000);
	assert_int_equal(info.protocol, 0);
	assert_memory_equal(ram + 0x1000000, k + 0x1000, 0x3000);
	assert_memory_equal(ram + 0x1200000, k + 0x4000, 0x1000);
	for (size_t i = 0x1000; i < 0x5000; i++)
		assert_int_equal(ram[0x1200000 + i], 0);
	assert_int_equal(ram[0x1205000], 0xcc); /* nothing past memsz */

	assert_int_equal(get16(BP + 0x1fe), 0xaa55);
	assert_memory_equal(ram + BP + 0x202, "HdrS", 4);
	assert_true(get16(BP + 0x206) >= 0x020e);
	assert_int_equal(get8(BP + 0x210), 0xff);
	assert_int_equal(get32(BP + 0x228), RV_X86_CMDLINE_ADDR);
	assert_string_equal((char *)ram + RV_X86_CMDLINE_ADDR, "console=ttyS0");
	assert_int_equal(get64(BP + 0x070), 0xe0000);
	assert_int_equal(get32(BP + 0x218), (RAM_SIZE - sizeof(initrd)) & ~0xfffULL);
	assert_int_equal(get32(BP + 0x21c), sizeof(initrd));
	assert_memory_equal(ram + info.initrd_addr, initrd, sizeof(initrd));
	check_e820_low(RAM_SIZE);

	/* A virtual e_entry is converted with its PT_LOAD's p_vaddr - p_paddr. */
	put64(k, 24, KMAP + 0x1000100);
	assert_int_equal(load(k, ELF_SIZE, "", NULL, 0, &info), 0);
	assert_int_equal(info.entry, 0x1000100);
	put64(k, 24, 0x1100000);
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL, "e_entry 0x1100000");
	put64(k, 24, 0x1000000);

	/* The ELF command line bound is COMMAND_LINE_SIZE - 1. */
	{
		char s[2049];

		memset(s, 'c', 2048);
		s[2048] = '\0';
		expect_err(load(k, ELF_SIZE, s, NULL, 0, &info), -E2BIG, "2048 bytes");
	}
	free(k);
}

static void test_elf_bad_headers(void **state)
{
	uint8_t *k = make_elf();
	struct rv_x86_boot_info info;

	(void)state;
	expect_err(load(k, 63, "", NULL, 0, &info), -EINVAL, "shorter than the 64-byte ELF header");
	k[4] = 1;
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL, "ELFCLASS64");
	k[4] = 2;
	put16(k, 18, 3);
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL, "EM_X86_64");
	put16(k, 18, 62);
	put16(k, 16, 3); /* ET_DYN */
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL, "ET_EXEC");
	put16(k, 16, 2);
	put16(k, 54, 32);
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL, "e_phentsize 32");
	put16(k, 54, 56);
	put16(k, 56, 0);
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL, "e_phnum 0");
	put16(k, 56, 0xffff);
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL, "e_phnum 65535");
	/* The table we read is bounded, even when the file would hold it. */
	put16(k, 56, 65);
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL,
		   "e_phnum 65 is more than the 64 program headers");
	put16(k, 56, 64); /* 64 x 56 bytes from 64: entries 3.. are zero, not PT_LOAD */
	assert_int_equal(load(k, ELF_SIZE, "", NULL, 0, &info), 0);
	put16(k, 56, 3);
	put64(k, 32, ELF_SIZE - 100); /* table runs past EOF */
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL, "program headers");
	put64(k, 32, UINT64_MAX - 8); /* phoff + size overflows */
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL, "program headers");
	put64(k, 32, 64);
	put_phdr(k, 0, 4, 0, 0, 0, 0);
	put_phdr(k, 2, 1, 0, 0x1000000, 0, 0); /* only an empty PT_LOAD */
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL, "PT_LOAD");
	free(k);
}

static void test_elf_bad_segments(void **state)
{
	uint8_t *k = make_elf();
	struct rv_x86_boot_info info;

	(void)state;
	put_phdr(k, 2, 1, 0x4000, 0x1200000, 0x1001, 0x5000); /* past EOF */
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL,
		   "past the end of the 20480-byte file");
	put_phdr(k, 2, 1, UINT64_MAX, 0x1200000, 2, 0x5000); /* offset overflow */
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL, "past the end");
	put_phdr(k, 2, 1, 0x4000, 0x1200000, 0x1000, 0xfff);
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL,
		   "p_filesz 0x1000 > p_memsz 0xfff");
	put_phdr(k, 2, 1, 0x4000, RAM_SIZE - 0x1000, 0x1000, 0x1001); /* bss leaves RAM */
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -ENOSPC, "not in guest RAM");
	put_phdr(k, 2, 1, 0x4000, UINT64_MAX - 0xfff, 0x1000, 0x1000);
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -ENOSPC, "not in guest RAM");
	put_phdr(k, 2, 1, 0x4000, UINT64_MAX - 0xfff, 0x1000, 0x2000);
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -ENOSPC, "wraps past the top");
	put_phdr(k, 2, 1, 0x4000, 0x8000, 0x1000, 0x1000); /* over boot_params */
	expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -EINVAL, "below 1 MiB");
	put_phdr(k, 2, 1, 0x4000, RAM_SIZE - 0x1000, 0x1000, 0x1000);
	assert_int_equal(load(k, ELF_SIZE, "", NULL, 0, &info), 0);
	free(k);
}

/*
 * Guest RAM only (issue: an ELF segment into a read-only --passthrough slot
 * crashed ringvmm with SIGSEGV, into a writable one it overwrote the
 * device's memory). A slot at 128 MiB, read-only in the host too: every
 * segment, or part of one, that reaches it is refused, the slot untouched.
 */
static void test_elf_into_passthrough(void **state)
{
	const uint64_t pt_gpa = 128 << 20, pt_size = 2 << 20;
	struct rv_mem_region pt = {
		.gpa = pt_gpa, .size = pt_size, .device = true, .name = "pt0", .path = "/dev/mem"
	};
	uint8_t *k = make_elf(), *slot;
	struct rv_x86_boot_info info;

	(void)state;
	slot = mmap(NULL, pt_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(slot != MAP_FAILED);
	pt.host = slot;
	for (int ro = 1; ro >= 0; ro--) {
		pt.readonly = ro;
		mem.nr = 1;
		assert_int_equal(rv_mem_add(&mem, &pt, 4096), 0);
		/* A writable slot is writable in the host: it must stay zero. */
		if (!ro)
			assert_int_equal(mprotect(slot, pt_size, PROT_READ | PROT_WRITE), 0);
		/* Wholly inside (the bss zeroing used to be the SIGSEGV). */
		put_phdr(k, 2, 1, 0x4000, pt_gpa, 0x1000, 0x5000);
		expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -ENOSPC,
			   "PT_LOAD 2 [0x8000000, +0x5000) is not in guest RAM");
		expect_err(-ENOSPC, -ENOSPC, "passthrough slot pt0 /dev/mem");
		/* Its last page, and its bss only, running into the slot. */
		put_phdr(k, 2, 1, 0x4000, pt_gpa + pt_size - 0x1000, 0x1000, 0x5000);
		expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -ENOSPC, "not in guest RAM");
		put_phdr(k, 2, 1, 0x4000, pt_gpa - 0x1000, 0x1000, 0x2000);
		expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -ENOSPC, "not in guest RAM");
		/* In the hole between RAM and the slot. */
		put_phdr(k, 2, 1, 0x4000, RAM_SIZE, 0x1000, 0x1000);
		expect_err(load(k, ELF_SIZE, "", NULL, 0, &info), -ENOSPC,
			   "no one RAM region holds all of it");
		for (uint64_t i = 0; i < pt_size; i++)
			assert_int_equal(slot[i], 0);
	}
	/* The same image, its segment back in RAM, still loads. */
	put_phdr(k, 2, 1, 0x4000, 0x1200000, 0x1000, 0x5000);
	assert_int_equal(load(k, ELF_SIZE, "", NULL, 0, &info), 0);
	munmap(slot, pt_size);
	free(k);
}

static void test_elf_truncated(void **state)
{
	uint8_t *k = make_elf();
	struct rv_x86_boot_info info;

	(void)state;
	for (size_t len = 0; len <= ELF_SIZE; len++) {
		int ret = load(k, len, "", NULL, 0, &info);

		/* The last PT_LOAD's file bytes end exactly at ELF_SIZE. */
		assert_int_equal(ret, len == ELF_SIZE ? 0 : -EINVAL);
		assert_true(ret == 0 || rv_err_msg()[0]);
	}
	free(k);
}

static void test_fuzz_elf(void **state)
{
	(void)state;
	fuzz(make_elf, ELF_SIZE, 0, 64 + 3 * 56, 3000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_elf_valid, test_setup),
		cmocka_unit_test_setup(test_elf_bad_headers, test_setup),
		cmocka_unit_test_setup(test_elf_bad_segments, test_setup),
		cmocka_unit_test_setup(test_elf_into_passthrough, test_setup),
		cmocka_unit_test_setup(test_elf_truncated, test_setup),
		cmocka_unit_test_setup(test_fuzz_elf, test_setup),
	};

	return cmocka_run_group_tests_name("x86_elf", tests, group_setup, group_teardown);
}
