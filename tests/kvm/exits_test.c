// SPDX-License-Identifier: GPL-2.0
/*
 * PIO and MMIO exits reach the right device, at the right offset, with the
 * right size and data, in program order; reads return what the device says
 * (the guest checks what it read, the recorder what it was sent).
 */
#include "lib/kvm_test.h"

#define READ_VALUE 0xfeedface12345678ULL

/* Each size of MMIO, and reads whose values are echoed back. */
static void mmio_each_size(void)
{
	uint64_t v;

	mmio_write8(RV_TEST_REC_MMIO + 0x10, 0x88);
	mmio_write16(RV_TEST_REC_MMIO + 0x20, 0x99aa);
	mmio_write32(RV_TEST_REC_MMIO + 0x40, 0xbbccddee);
	mmio_write64(RV_TEST_REC_MMIO + 0x80, 0x0123456789abcdefULL);
#ifdef RV_TEST_REC_PIO
	/* A 4-byte PIO read returns the low half of the programmed value. */
	v = inl(RV_TEST_REC_PIO);
	GUEST_ASSERT_EQ(v, (uint32_t)READ_VALUE);
	mmio_write32(RV_TEST_REC_MMIO + 0x100, (uint32_t)v);
#endif
	v = mmio_read64(RV_TEST_REC_MMIO);
	GUEST_ASSERT_EQ(v, READ_VALUE);
	mmio_write64(RV_TEST_REC_MMIO + 0x108, v);
}

RV_GUEST_CODE(guest_pio_and_mmio)
{
#ifdef RV_TEST_REC_PIO
	outb(RV_TEST_REC_PIO, 0x11);
	outw(RV_TEST_REC_PIO + 2, 0x2233);
	outl(RV_TEST_REC_PIO + 4, 0x44556677);
#endif
	mmio_each_size();
	GUEST_DONE();
}

static void test_pio_and_mmio_reach_the_device(void **state)
{
	static const struct rv_test_access want[] = {
#ifdef RV_TEST_REC_PIO
		{ .mmio = false, .write = true, .offset = 0, .len = 1, .value = 0x11 },
		{ .mmio = false, .write = true, .offset = 2, .len = 2, .value = 0x2233 },
		{ .mmio = false, .write = true, .offset = 4, .len = 4, .value = 0x44556677 },
#endif
		{ .mmio = true, .write = true, .offset = 0x10, .len = 1, .value = 0x88 },
		{ .mmio = true, .write = true, .offset = 0x20, .len = 2, .value = 0x99aa },
		{ .mmio = true, .write = true, .offset = 0x40, .len = 4, .value = 0xbbccddee },
		{ .mmio = true,
		  .write = true,
		  .offset = 0x80,
		  .len = 8,
		  .value = 0x0123456789abcdefULL },
#ifdef RV_TEST_REC_PIO
		/* The 4-byte PIO read got the low half... */
		{ .mmio = false, .write = false, .offset = 0, .len = 4, .value = 0x12345678 },
		/* ...which the guest saw: it wrote it back. */
		{ .mmio = true, .write = true, .offset = 0x100, .len = 4, .value = 0x12345678 },
#endif
		{ .mmio = true, .write = false, .offset = 0, .len = 8, .value = READ_VALUE },
		{ .mmio = true, .write = true, .offset = 0x108, .len = 8, .value = READ_VALUE },
	};
	const struct rv_test_vm vm = { .guest = "guest_pio_and_mmio" };
	int ret;

	rv_test_log.read_value = READ_VALUE;
	ret = rv_test_run(&vm);
	rv_test_expect_run(ret, &(struct rv_test_expect){
					.exit = RV_EXIT_POWEROFF,
					.done = true,
					.nr_syncs = 0,
				});
	rv_test_expect_accesses(want, RV_ARRAY_SIZE(want));
}

#ifdef RV_TEST_REC_PIO
static const char string_io_msg[] = "ringvmm!";

/* rep outsb: string I/O arrives as one exit with count > 1. */
RV_GUEST_CODE(guest_string_io)
{
	outsb(RV_TEST_REC_PIO + 12, string_io_msg, sizeof(string_io_msg) - 1);
	GUEST_DONE();
}
#endif

static void test_string_io_is_split_into_items(void **state)
{
#ifdef RV_TEST_REC_PIO
	struct rv_test_access want[sizeof(string_io_msg) - 1];
	const struct rv_test_vm vm = { .guest = "guest_string_io" };
	int ret;

	for (unsigned int i = 0; i < RV_ARRAY_SIZE(want); i++)
		want[i] = (struct rv_test_access){
			.mmio = false,
			.write = true,
			.offset = 12,
			.len = 1,
			.value = (uint8_t)string_io_msg[i],
		};
	ret = rv_test_run(&vm);
	rv_test_expect_run(ret, &(struct rv_test_expect){ .exit = RV_EXIT_POWEROFF, .done = true });
	rv_test_expect_accesses(want, RV_ARRAY_SIZE(want));
#else
	RV_TEST_SKIP("string I/O is port I/O, which this architecture does not have");
#endif
}

/* The ucall itself: reports arrive in order, an assertion stops the VM. */
RV_GUEST_CODE(guest_ucall)
{
	GUEST_SYNC_ARGS(1, cpu, 0x1122334455667788ULL, ~0ULL);
	GUEST_SYNC(2);
	GUEST_ASSERT_EQ(cpu + 40, 42); /* vCPU 0: fails, on purpose */
	GUEST_DONE();
}

static void test_ucall_reports_and_asserts(void **state)
{
	const struct rv_test_vm vm = { .guest = "guest_ucall" };
	const struct rv_ucall *s0, *s1, *a;
	int ret;

	ret = rv_test_run(&vm);
	/* The assertion asked the VM to stop: no DONE, and a VMM-side stop. */
	assert_int_equal(ret, RV_EXIT_ERROR);
	assert_int_equal(rv_test_log.nr_ucalls, 3);
	s0 = rv_test_sync(0);
	s1 = rv_test_sync(1);
	assert_int_equal(s0->nr_args, 4);
	assert_int_equal(s0->args[0], 1);
	assert_int_equal(s0->args[1], 0);
	assert_int_equal(s0->args[2], 0x1122334455667788ULL);
	assert_int_equal(s0->args[3], ~0ULL);
	assert_int_equal(s1->args[0], 2);
	a = &rv_test_log.ucall[2];
	assert_int_equal(a->cmd, RV_UCALL_ASSERT);
	assert_string_equal(a->file, "exits_test.c");
	assert_string_equal(a->expr, "cpu + 40 == 42");
	assert_int_equal(a->args[0], 40);
	assert_int_equal(a->args[1], 42);
	assert_true(a->line > 0);
}

/*
 * The ucall device reads what the guest points it at, so it checks it: the
 * whole struct in guest RAM, a known command, no more arguments than the
 * struct holds. Each bad ucall is reported and stops the VM.
 */
#define RAM_END (RV_TEST_RAM_ADDR + (64ULL << 20)) /* rv_test_run()'s 64 MiB */

RV_GUEST_CODE(guest_ucall_outside_ram)
{
	rv_guest_ucall_exit((struct rv_ucall *)(uintptr_t)(RAM_END + 0x1000));
	GUEST_DONE(); /* never */
}

RV_GUEST_CODE(guest_ucall_straddles_ram_end)
{
	rv_guest_ucall_exit((struct rv_ucall *)(uintptr_t)(RAM_END - 8));
	GUEST_DONE();
}

RV_GUEST_CODE(guest_ucall_bad_command)
{
	struct rv_ucall uc = { .cmd = RV_UCALL_NR };

	rv_guest_ucall_exit(&uc);
	GUEST_DONE();
}

RV_GUEST_CODE(guest_ucall_too_many_args)
{
	struct rv_ucall uc = { .cmd = RV_UCALL_SYNC, .nr_args = RV_UCALL_MAX_ARGS + 1 };

	rv_guest_ucall_exit(&uc);
	GUEST_DONE();
}

static void expect_bad_ucall(const char *guest, const char *why)
{
	const struct rv_test_vm vm = { .guest = guest };

	assert_int_equal(rv_test_run(&vm), RV_EXIT_ERROR);
	assert_non_null(rv_test_log.bad_ucall);
	assert_string_equal(rv_test_log.bad_ucall, why);
	assert_int_equal(rv_test_log.nr_ucalls, 0); /* nothing logged, no DONE */
}

static void test_bad_ucalls_stop_the_vm(void **state)
{
	expect_bad_ucall("guest_ucall_outside_ram", "the struct is not all in guest RAM");
	expect_bad_ucall("guest_ucall_straddles_ram_end", "the struct is not all in guest RAM");
	expect_bad_ucall("guest_ucall_bad_command", "unknown command");
	expect_bad_ucall("guest_ucall_too_many_args", "too many arguments");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pio_and_mmio_reach_the_device),
		cmocka_unit_test(test_string_io_is_split_into_items),
		cmocka_unit_test(test_ucall_reports_and_asserts),
		cmocka_unit_test(test_bad_ucalls_stop_the_vm),
	};

	rv_test_require_kvm();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
