// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the guest memory map (vmm/mem/translate.c). rv_mem_add() rejects empty,
 * wrapping, misaligned and overlapping regions and a seventeenth region;
 * rv_mem_gpa_to_hva() translates only ranges that lie wholly inside one
 * region (edges, len 0, gpa + len overflowing, ranges spanning two adjacent
 * regions); rv_mem_read/write fail with -EFAULT and touch nothing when the
 * range is not translatable, and rv_mem_write does so for any range in a
 * read-only region; device memory does not count as RAM. The regions are malloc'ed buffers, so ASan
 * catches any access a wrong translation lets through.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/mem/translate.h"
#include "vmm/util.h"

#define PAGE 4096ULL

static struct rv_mem_region region(uint64_t gpa, uint64_t size, uint8_t *host)
{
	return (struct rv_mem_region){
		.gpa = gpa,
		.size = size,
		.host = host,
		.backend = "anon",
		.name = "t",
	};
}

static void test_add_rejects_empty_and_wrapping(void **state)
{
	struct rv_mem mem = { 0 };
	struct rv_mem_region r;

	r = region(0, 0, NULL);
	assert_int_equal(rv_mem_add(&mem, &r, 0), -EINVAL);
	r = region(UINT64_MAX, 2, NULL);
	assert_int_equal(rv_mem_add(&mem, &r, 0), -EINVAL);
	r = region(UINT64_MAX - PAGE + 1, 2 * PAGE, NULL);
	assert_int_equal(rv_mem_add(&mem, &r, PAGE), -EINVAL);
	r = region(PAGE, UINT64_MAX, NULL);
	assert_int_equal(rv_mem_add(&mem, &r, 0), -EINVAL);
	assert_int_equal(mem.nr, 0);

	/* Ending exactly at 2^64 does not wrap. */
	r = region(UINT64_MAX - PAGE + 1, PAGE, (uint8_t *)0x10000);
	assert_int_equal(rv_mem_add(&mem, &r, PAGE), 0);
	assert_int_equal(mem.nr, 1);
	/* ...and all of it translates, up to its last byte. */
	assert_ptr_equal(rv_mem_gpa_to_hva(&mem, UINT64_MAX - PAGE + 1, PAGE), (uint8_t *)0x10000);
	assert_ptr_equal(rv_mem_gpa_to_hva(&mem, UINT64_MAX, 1), (uint8_t *)0x10000 + PAGE - 1);
	assert_null(rv_mem_gpa_to_hva(&mem, UINT64_MAX, 2));
}

static void test_add_alignment(void **state)
{
	struct rv_mem mem = { 0 };
	struct rv_mem_region r;

	r = region(0x1000 + 1, PAGE, NULL);
	assert_int_equal(rv_mem_add(&mem, &r, PAGE), -EINVAL);
	r = region(0x1000, PAGE + 512, NULL);
	assert_int_equal(rv_mem_add(&mem, &r, PAGE), -EINVAL);
	r = region(0x200000, 0x100000, NULL);
	assert_int_equal(rv_mem_add(&mem, &r, 0x200000), -EINVAL); /* size */
	assert_int_equal(mem.nr, 0);

	/* align 0: anything goes. */
	r = region(0x1001, 3, NULL);
	assert_int_equal(rv_mem_add(&mem, &r, 0), 0);
	r = region(0x200000, 0x200000, NULL);
	assert_int_equal(rv_mem_add(&mem, &r, 0x200000), 0);
	assert_int_equal(mem.nr, 2);
	assert_int_equal(mem.regions[1].gpa, 0x200000);
	assert_string_equal(mem.regions[1].backend, "anon");
}

static void test_add_overlap(void **state)
{
	struct rv_mem mem = { 0 };
	struct rv_mem_region r;

	r = region(0x10000, 0x10000, NULL);
	assert_int_equal(rv_mem_add(&mem, &r, PAGE), 0);

	r = region(0x10000, 0x10000, NULL);
	assert_int_equal(rv_mem_add(&mem, &r, PAGE), -EEXIST);
	r = region(0x0, 0x11000, NULL);
	assert_int_equal(rv_mem_add(&mem, &r, PAGE), -EEXIST);
	r = region(0x1f000, 0x2000, NULL);
	assert_int_equal(rv_mem_add(&mem, &r, PAGE), -EEXIST);
	r = region(0x14000, 0x1000, NULL);
	assert_int_equal(rv_mem_add(&mem, &r, PAGE), -EEXIST);
	r = region(0x0, 0x100000, NULL);
	assert_int_equal(rv_mem_add(&mem, &r, PAGE), -EEXIST);
	assert_int_equal(mem.nr, 1);

	/* Adjacent on both sides. */
	r = region(0x0, 0x10000, NULL);
	assert_int_equal(rv_mem_add(&mem, &r, PAGE), 0);
	r = region(0x20000, 0x10000, NULL);
	assert_int_equal(rv_mem_add(&mem, &r, PAGE), 0);
	assert_int_equal(mem.nr, 3);

	/* A region at the top of the space against one below it. */
	r = region(UINT64_MAX - PAGE + 1, PAGE, NULL);
	assert_int_equal(rv_mem_add(&mem, &r, PAGE), 0);
	r = region(UINT64_MAX - 2 * PAGE + 1, 2 * PAGE, NULL);
	assert_int_equal(rv_mem_add(&mem, &r, PAGE), -EEXIST);
}

static void test_add_enospc(void **state)
{
	struct rv_mem mem = { 0 };
	struct rv_mem_region r;

	for (unsigned int i = 0; i < RV_MEM_MAX_REGIONS; i++) {
		r = region(i * PAGE, PAGE, NULL);
		assert_int_equal(rv_mem_add(&mem, &r, PAGE), 0);
	}
	r = region(RV_MEM_MAX_REGIONS * PAGE, PAGE, NULL);
	assert_int_equal(rv_mem_add(&mem, &r, PAGE), -ENOSPC);
	/* An overlap is still reported as such when full. */
	r = region(0, PAGE, NULL);
	assert_int_equal(rv_mem_add(&mem, &r, PAGE), -EEXIST);
	assert_int_equal(mem.nr, RV_MEM_MAX_REGIONS);
}

/* Two adjacent 64 KiB regions at 1 MiB and 1 MiB + 64 KiB, and one at 16 MiB. */
struct fixture {
	struct rv_mem mem;
	uint8_t *a, *b, *c;
};

#define A_GPA 0x100000ULL
#define B_GPA 0x110000ULL
#define C_GPA 0x1000000ULL
#define RSIZE 0x10000ULL

static int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct rv_mem_region r;

	if (!f)
		return -1;
	f->a = malloc(RSIZE);
	f->b = malloc(RSIZE);
	f->c = malloc(RSIZE);
	if (!f->a || !f->b || !f->c)
		return -1;
	memset(f->a, 0xaa, RSIZE);
	memset(f->b, 0xbb, RSIZE);
	memset(f->c, 0xcc, RSIZE);
	/* Registered out of address order on purpose. */
	r = region(B_GPA, RSIZE, f->b);
	if (rv_mem_add(&f->mem, &r, PAGE))
		return -1;
	r = region(C_GPA, RSIZE, f->c);
	r.readonly = true;
	if (rv_mem_add(&f->mem, &r, PAGE))
		return -1;
	r = region(A_GPA, RSIZE, f->a);
	if (rv_mem_add(&f->mem, &r, PAGE))
		return -1;
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	free(f->a);
	free(f->b);
	free(f->c);
	free(f);
	return 0;
}

static void test_gpa_to_hva_edges(void **state)
{
	struct fixture *f = *state;
	const struct rv_mem *mem = &f->mem;

	assert_ptr_equal(rv_mem_gpa_to_hva(mem, A_GPA, 1), f->a);
	assert_ptr_equal(rv_mem_gpa_to_hva(mem, A_GPA, RSIZE), f->a);
	assert_ptr_equal(rv_mem_gpa_to_hva(mem, A_GPA + 0x123, 8), f->a + 0x123);
	assert_ptr_equal(rv_mem_gpa_to_hva(mem, A_GPA + RSIZE - 1, 1), f->a + RSIZE - 1);
	assert_ptr_equal(rv_mem_gpa_to_hva(mem, B_GPA, RSIZE), f->b);
	assert_ptr_equal(rv_mem_gpa_to_hva(mem, B_GPA + RSIZE - 4, 4), f->b + RSIZE - 4);
	assert_ptr_equal(rv_mem_gpa_to_hva(mem, C_GPA + 0x10, 0x10), f->c + 0x10);

	/* One byte too many, one byte before, one byte after. */
	assert_null(rv_mem_gpa_to_hva(mem, A_GPA, 2 * RSIZE + 1));
	assert_null(rv_mem_gpa_to_hva(mem, B_GPA + RSIZE - 4, 5));
	assert_null(rv_mem_gpa_to_hva(mem, A_GPA - 1, 1));
	assert_null(rv_mem_gpa_to_hva(mem, A_GPA - 1, 2));
	assert_null(rv_mem_gpa_to_hva(mem, B_GPA + RSIZE, 1));
	assert_null(rv_mem_gpa_to_hva(mem, C_GPA + RSIZE - 1, 2));
	assert_null(rv_mem_gpa_to_hva(mem, C_GPA - 8, 16));
	assert_null(rv_mem_gpa_to_hva(mem, 0, 1));
	assert_null(rv_mem_gpa_to_hva(mem, C_GPA + RSIZE, 1));
}

static void test_gpa_to_hva_spanning_adjacent(void **state)
{
	struct fixture *f = *state;
	const struct rv_mem *mem = &f->mem;

	/* Contiguous in the guest, not on the host: never one pointer. */
	assert_null(rv_mem_gpa_to_hva(mem, B_GPA - 1, 2));
	assert_null(rv_mem_gpa_to_hva(mem, B_GPA - 4, 8));
	assert_null(rv_mem_gpa_to_hva(mem, A_GPA, 2 * RSIZE));
	assert_null(rv_mem_gpa_to_hva(mem, A_GPA + RSIZE - 1, RSIZE));
	/* Each side alone is fine. */
	assert_ptr_equal(rv_mem_gpa_to_hva(mem, B_GPA - 4, 4), f->a + RSIZE - 4);
	assert_ptr_equal(rv_mem_gpa_to_hva(mem, B_GPA, 4), f->b);
}

static void test_gpa_to_hva_len0(void **state)
{
	struct fixture *f = *state;
	const struct rv_mem *mem = &f->mem;

	assert_ptr_equal(rv_mem_gpa_to_hva(mem, A_GPA, 0), f->a);
	assert_ptr_equal(rv_mem_gpa_to_hva(mem, A_GPA + 0x800, 0), f->a + 0x800);
	assert_ptr_equal(rv_mem_gpa_to_hva(mem, C_GPA + RSIZE - 1, 0), f->c + RSIZE - 1);
	/* The empty range at the end of a lone region still lies inside it. */
	assert_ptr_equal(rv_mem_gpa_to_hva(mem, C_GPA + RSIZE, 0), f->c + RSIZE);
	assert_null(rv_mem_gpa_to_hva(mem, C_GPA + RSIZE + 1, 0));
	assert_null(rv_mem_gpa_to_hva(mem, 0, 0));
	assert_null(rv_mem_gpa_to_hva(mem, UINT64_MAX, 0));
}

static void test_gpa_to_hva_overflow(void **state)
{
	struct fixture *f = *state;
	const struct rv_mem *mem = &f->mem;

	/*
	 * gpa + len wraps to just below gpa: a check on the end alone would
	 * take this for a range inside the region.
	 */
	assert_null(rv_mem_gpa_to_hva(mem, A_GPA + 0x1000, UINT64_MAX));
	assert_null(rv_mem_gpa_to_hva(mem, A_GPA + 0x1000, UINT64_MAX - 0x800));
	assert_null(rv_mem_gpa_to_hva(mem, A_GPA, (uint64_t)0 - A_GPA));
	assert_null(rv_mem_gpa_to_hva(mem, A_GPA, (uint64_t)0 - A_GPA + 0x10));
	assert_null(rv_mem_gpa_to_hva(mem, UINT64_MAX, 1));
	assert_null(rv_mem_gpa_to_hva(mem, UINT64_MAX, UINT64_MAX));
	assert_null(rv_mem_gpa_to_hva(mem, UINT64_MAX - 7, 16));
	assert_null(rv_mem_gpa_to_hva(mem, B_GPA, UINT64_MAX));
	assert_null(rv_mem_gpa_to_hva(mem, C_GPA + RSIZE - 1, UINT64_MAX));
}

static void test_read_write(void **state)
{
	struct fixture *f = *state;
	const struct rv_mem *mem = &f->mem;
	uint8_t buf[32], pattern[32];

	for (unsigned int i = 0; i < sizeof(pattern); i++)
		pattern[i] = i;
	assert_int_equal(rv_mem_write(mem, B_GPA + 0x100, pattern, sizeof(pattern)), 0);
	assert_memory_equal(f->b + 0x100, pattern, sizeof(pattern));
	memset(buf, 0, sizeof(buf));
	assert_int_equal(rv_mem_read(mem, B_GPA + 0x100, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, pattern, sizeof(buf));

	/* Up to the last byte works, one past fails and copies nothing. */
	assert_int_equal(rv_mem_write(mem, A_GPA + RSIZE - 32, pattern, 32), 0);
	assert_memory_equal(f->a + RSIZE - 32, pattern, 32);
	memset(buf, 0x11, sizeof(buf));
	assert_int_equal(rv_mem_write(mem, C_GPA + RSIZE - 31, pattern, 32), -EFAULT);
	assert_int_equal(f->c[RSIZE - 31], 0xcc);
	assert_int_equal(f->c[RSIZE - 1], 0xcc);
	assert_int_equal(rv_mem_read(mem, C_GPA + RSIZE - 31, buf, 32), -EFAULT);
	assert_int_equal(buf[0], 0x11);

	/* Across the A/B seam, outside everything, and wrapping. */
	memset(f->a + RSIZE - 16, 0xaa, 16);
	assert_int_equal(rv_mem_write(mem, B_GPA - 16, pattern, 32), -EFAULT);
	assert_int_equal(f->a[RSIZE - 16], 0xaa);
	assert_int_equal(f->b[0], 0xbb);
	assert_int_equal(rv_mem_read(mem, B_GPA - 16, buf, 32), -EFAULT);
	assert_int_equal(rv_mem_read(mem, 0x1000, buf, 1), -EFAULT);
	assert_int_equal(rv_mem_write(mem, UINT64_MAX - 3, pattern, 8), -EFAULT);
	assert_int_equal(rv_mem_read(mem, A_GPA + 8, buf, UINT64_MAX), -EFAULT);

	/* Zero bytes inside a region: nothing to do, nothing wrong. */
	assert_int_equal(rv_mem_write(mem, A_GPA, pattern, 0), 0);
	assert_int_equal(rv_mem_read(mem, A_GPA, buf, 0), 0);
}

static void test_ram_size(void **state)
{
	struct fixture *f = *state;

	/* C is read-only (a ROM), not RAM. */
	assert_int_equal(rv_mem_ram_size(&f->mem), 2 * RSIZE);
}

/*
 * A read-only region (ROM, a --passthrough ro slot whose host mapping is
 * PROT_READ) is never written, even with an address inside it: reads only.
 */
static void test_write_readonly(void **state)
{
	struct fixture *f = *state;
	const struct rv_mem *mem = &f->mem;
	uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	assert_int_equal(rv_mem_write(mem, C_GPA, buf, 8), -EFAULT);
	assert_int_equal(rv_mem_write(mem, C_GPA + RSIZE - 1, buf, 1), -EFAULT);
	assert_int_equal(f->c[0], 0xcc);
	assert_int_equal(f->c[RSIZE - 1], 0xcc);
	assert_int_equal(rv_mem_read(mem, C_GPA + 8, buf, 8), 0);
	assert_int_equal(buf[0], 0xcc);
	/* The host address is still there for those who only read. */
	assert_ptr_equal(rv_mem_gpa_to_hva(mem, C_GPA, 8), f->c);
}

static void test_find(void **state)
{
	struct fixture *f = *state;
	const struct rv_mem *mem = &f->mem;
	const struct rv_mem_region *r;

	r = rv_mem_find(mem, A_GPA + 0x10, 0x10);
	assert_non_null(r);
	assert_ptr_equal(r->host, f->a);
	r = rv_mem_find(mem, C_GPA, RSIZE);
	assert_non_null(r);
	assert_true(r->readonly);
	assert_null(rv_mem_find(mem, B_GPA - 1, 2));
	assert_null(rv_mem_find(mem, C_GPA + 1, UINT64_MAX));
}

static void test_ram_size_device(void **state)
{
	struct fixture *f = *state;
	struct rv_mem_region r = region(0xe0000000, 0x1000000, NULL);

	/* Device memory (a writable --passthrough slot) is not RAM either. */
	r.device = true;
	assert_int_equal(rv_mem_add(&f->mem, &r, PAGE), 0);
	assert_int_equal(rv_mem_ram_size(&f->mem), 2 * RSIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_rejects_empty_and_wrapping),
		cmocka_unit_test(test_add_alignment),
		cmocka_unit_test(test_add_overlap),
		cmocka_unit_test(test_add_enospc),
		cmocka_unit_test_setup_teardown(test_gpa_to_hva_edges, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_gpa_to_hva_spanning_adjacent, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_gpa_to_hva_len0, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_gpa_to_hva_overflow, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_read_write, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_ram_size, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_write_readonly, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_find, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_ram_size_device, fixture_setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests_name("mem", tests, NULL, NULL);
}
