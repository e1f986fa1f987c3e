// SPDX-License-Identifier: GPL-2.0
/*
 * PIO and MMIO exits reach the right device, at the right offset, with the
 * right size and data, in program order; reads return what the device says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/kvm_test.h"

static void expect_access(unsigned int i, bool mmio, bool write, uint64_t off, unsigned int len,
			  uint64_t value)
{
	const struct rv_test_access *a = &rv_test_rec.log[i];

	assert_true(i < rv_test_rec.nr);
	assert_int_equal(a->is_mmio, mmio);
	assert_int_equal(a->is_write, write);
	assert_int_equal(a->offset, off);
	assert_int_equal(a->len, len);
	assert_int_equal(a->value, value);
}

static void test_pio_and_mmio_reach_the_device(void **state)
{
	int ret;

	rv_test_rec.read_value = 0xfeedface12345678ULL;
	ret = rv_test_run_guest(rv_guest_pio_mmio_start, rv_guest_pio_mmio_end, 1, 0);
	assert_int_equal(ret, RV_EXIT_POWEROFF);

	assert_int_equal(rv_test_rec.nr, 11);
	expect_access(0, false, true, 0, 1, 0x11);
	expect_access(1, false, true, 2, 2, 0x2233);
	expect_access(2, false, true, 4, 4, 0x44556677);
	expect_access(3, true, true, 0x10, 1, 0x88);
	expect_access(4, true, true, 0x20, 2, 0x99aa);
	expect_access(5, true, true, 0x40, 4, 0xbbccddee);
	expect_access(6, true, true, 0x80, 8, 0x0123456789abcdefULL);
	/* The 4-byte PIO read returned the low half of the programmed value... */
	expect_access(7, false, false, 0, 4, 0x12345678);
	/* ...which the guest saw: it wrote it back. */
	expect_access(8, true, true, 0x100, 4, 0x12345678);
	expect_access(9, true, false, 0, 8, 0xfeedface12345678ULL);
	expect_access(10, true, true, 0x108, 8, 0xfeedface12345678ULL);
}

static void test_string_io_is_split_into_items(void **state)
{
	static const char msg[] = "ringvmm!";
	int ret;

	ret = rv_test_run_guest(rv_guest_string_io_start, rv_guest_string_io_end, 1, 0);
	assert_int_equal(ret, RV_EXIT_POWEROFF);
	assert_int_equal(rv_test_rec.nr, 8);
	for (unsigned int i = 0; i < 8; i++)
		expect_access(i, false, true, 12, 1, (uint8_t)msg[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pio_and_mmio_reach_the_device),
		cmocka_unit_test(test_string_io_is_split_into_items),
	};

	rv_test_require_kvm();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
