// SPDX-License-Identifier: GPL-2.0
/*
 * How a VM ends: poweroff and reset through the platform's registers (x86:
 * the ACPI sleep control and reset registers; arm64: PSCI SYSTEM_OFF and
 * SYSTEM_RESET), a guest that dies, several vCPUs of which some halt
 * forever, and a stop request (what SIGINT/SIGTERM do) while every vCPU is
 * halted.
 */
#include "lib/kvm_test.h"

RV_GUEST_CODE(guest_poweroff)
{
	GUEST_DONE(); /* reports, then powers off */
}

static void test_poweroff(void **state)
{
	const struct rv_test_vm vm = { .guest = "guest_poweroff" };

	rv_test_expect_run(rv_test_run(&vm),
			   &(struct rv_test_expect){ .exit = RV_EXIT_POWEROFF, .done = true });
}

RV_GUEST_CODE(guest_reset)
{
	GUEST_SYNC(1);
	rv_guest_reset();
}

static void test_reset(void **state)
{
	const struct rv_test_vm vm = { .guest = "guest_reset" };

	rv_test_expect_run(rv_test_run(&vm),
			   &(struct rv_test_expect){ .exit = RV_EXIT_RESET, .nr_syncs = 1 });
}

/*
 * x86: an empty IDT turns a breakpoint into a triple fault. On hardware KVM
 * that is KVM_EXIT_SHUTDOWN; a KVM that emulates CPL0 code (PVM) stops at
 * the int3 with an emulation internal error instead. Either way the guest
 * died: RV_EXIT_GUEST_DIED, exit status 1.
 *
 * arm64: a load pair from MMIO, which gives KVM no syndrome to decode
 * (ESR_EL2.ISV = 0) and which it cannot hand to userspace unless asked to
 * (api.rst, KVM_CAP_ARM_NISV_TO_USER): KVM_RUN fails with ENOSYS, which the
 * VMM reports as its own error, RV_EXIT_ERROR. There is no triple fault: a
 * guest's unhandled exception just loops in its vectors.
 */
RV_GUEST_CODE(guest_die)
{
	GUEST_SYNC(1);
#if defined(__x86_64__)
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idt = { 0, 0 };

	__asm__ volatile("lidt %0; int3" : : "m"(idt) : "memory");
#elif defined(__aarch64__)
	uint64_t a, b;

	__asm__ volatile("ldp %0, %1, [%2]" : "=r"(a), "=r"(b) : "r"(RV_TEST_REC_MMIO) : "memory");
#endif
	GUEST_SYNC(2); /* never */
	rv_guest_halt();
}

static void test_guest_death(void **state)
{
	const struct rv_test_vm vm = { .guest = "guest_die" };
#if defined(__x86_64__)
	const int want = RV_EXIT_GUEST_DIED;
#else
	const int want = RV_EXIT_ERROR;
#endif

	/* The guest got as far as the fault, and no further. */
	rv_test_expect_run(rv_test_run(&vm),
			   &(struct rv_test_expect){ .exit = want, .nr_syncs = 1 });
	assert_int_equal(rv_test_sync(0)->args[0], 1);
}

/*
 * Every vCPU checks in with its index; vCPU 0 waits until all have, then
 * powers off; the others halt with interrupts off, so only the VMM's stop
 * path can end them.
 */
static volatile uint32_t checked_in[RV_TEST_MAX_CPUS];

RV_GUEST_CODE(guest_smp_checkin)
{
	uint32_t n;

	GUEST_SYNC_ARGS(1, cpu, 0, 0);
	if (cpu) {
		rv_guest_store_release(&checked_in[cpu], 1);
		rv_guest_halt();
	}
	/* The host says how many vCPUs to wait for. */
	n = (uint32_t)mmio_read64(RV_TEST_REC_MMIO);
	GUEST_ASSERT(n >= 1 && n <= RV_TEST_MAX_CPUS);
	for (;;) {
		uint32_t seen = 1;

		for (uint32_t i = 1; i < n; i++)
			seen += rv_guest_load_acquire(&checked_in[i]);
		if (seen == n)
			break;
		cpu_relax();
	}
	GUEST_DONE();
}

static void test_smp_all_vcpus_run(void **state)
{
	const struct rv_test_vm vm = { .guest = "guest_smp_checkin", .nr_cpus = 4 };
	bool seen[4] = { false };
	int ret;

	rv_test_log.read_value = vm.nr_cpus;
	ret = rv_test_run(&vm);
	/* vCPU 0 powered off while vCPUs 1-3 were halted: all were stopped. */
	rv_test_expect_run(ret, &(struct rv_test_expect){
					.exit = RV_EXIT_POWEROFF,
					.done = true,
					.nr_syncs = vm.nr_cpus,
				});
	for (unsigned int i = 0; i < vm.nr_cpus; i++) {
		uint64_t cpu = rv_test_sync(i)->args[1];

		assert_in_range(cpu, 0, vm.nr_cpus - 1);
		assert_false(seen[cpu]);
		seen[cpu] = true;
	}
}

/* Halt forever with interrupts off: only a stop request ends this VM. */
RV_GUEST_CODE(guest_halt)
{
	GUEST_SYNC_ARGS(1, cpu, 0, 0); /* "I am about to halt" */
	rv_guest_halt();
}

static void test_stop_request_ends_halted_vcpus(void **state)
{
	const struct rv_test_vm vm = { .guest = "guest_halt", .nr_cpus = 2, .stop_after_ms = 300 };
	uint64_t t0 = rv_now_ns(), ms;
	int ret;

	ret = rv_test_run(&vm);
	ms = (rv_now_ns() - t0) / 1000000;
	/* Both vCPUs got as far as their halt before the stop. */
	rv_test_expect_run(ret, &(struct rv_test_expect){ .exit = RV_EXIT_SIGNAL, .nr_syncs = 2 });
	/* Generous: what matters is that it ended at all, not how fast. */
	assert_true(ms < 30000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_poweroff),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_guest_death),
		cmocka_unit_test(test_smp_all_vcpus_run),
		cmocka_unit_test(test_stop_request_ends_halted_vcpus),
	};

	rv_test_require_kvm();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
