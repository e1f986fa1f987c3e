// SPDX-License-Identifier: GPL-2.0
/*
 * How a VM ends: poweroff and reset through the ACPI registers, a triple
 * fault (the guest died), several vCPUs of which some halt forever, and a
 * stop request (what SIGINT/SIGTERM do) while every vCPU is halted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/kvm_test.h"
#include "vmm/util.h"

static void test_poweroff(void **state)
{
	assert_int_equal(rv_test_run_guest(rv_guest_poweroff_start, rv_guest_poweroff_end, 1, 0),
			 RV_EXIT_POWEROFF);
}

static void test_reset(void **state)
{
	assert_int_equal(rv_test_run_guest(rv_guest_reset_start, rv_guest_reset_end, 1, 0),
			 RV_EXIT_RESET);
}

/*
 * On hardware KVM this is KVM_EXIT_SHUTDOWN; a KVM that emulates CPL0 code
 * (the PVM flavour, docs/platform.md) stops at the int3 with an emulation
 * internal error instead. Either way the guest died: exit status 1.
 */
static void test_triple_fault_is_a_death(void **state)
{
	assert_int_equal(rv_test_run_guest(rv_guest_triple_fault_start, rv_guest_triple_fault_end,
					   1, 0),
			 RV_EXIT_GUEST_DIED);
}

static void test_smp_all_vcpus_run(void **state)
{
	const unsigned int nr = 4;
	bool seen[4] = { false };
	int ret;

	rv_test_rec.read_value = nr;
	ret = rv_test_run_guest(rv_guest_smp_checkin_start, rv_guest_smp_checkin_end, nr, 0);
	/* vCPU 0 powered off while vCPUs 1-3 were halted: all were stopped. */
	assert_int_equal(ret, RV_EXIT_POWEROFF);
	assert_int_equal(rv_test_rec.writes_at_0, nr);
	for (unsigned int i = 0; i < rv_test_rec.nr; i++) {
		const struct rv_test_access *a = &rv_test_rec.log[i];

		if (a->is_write && a->offset == 0) {
			assert_true(a->value < nr);
			seen[a->value] = true;
		}
	}
	for (unsigned int i = 0; i < nr; i++)
		assert_true(seen[i]);
}

static void test_stop_request_ends_halted_vcpus(void **state)
{
	uint64_t t0 = rv_now_ns(), ms;
	int ret;

	ret = rv_test_run_guest(rv_guest_halt_start, rv_guest_halt_end, 2, 300);
	ms = (rv_now_ns() - t0) / 1000000;
	assert_int_equal(ret, RV_EXIT_SIGNAL);
	/* Both vCPUs got as far as their halt before the stop. */
	assert_int_equal(rv_test_rec.nr, 2);
	/* Generous: what matters is that it ended at all, not how fast. */
	assert_true(ms < 30000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_poweroff),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_triple_fault_is_a_death),
		cmocka_unit_test(test_smp_all_vcpus_run),
		cmocka_unit_test(test_stop_request_ends_halted_vcpus),
	};

	rv_test_require_kvm();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
