/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tests/kvm: tiny guests run by the real VM code on /dev/kvm.
 *
 * A test picks guest code (from guests_x86.S), optionally adds the recording
 * test device, runs the VM to its end and checks what the device saw and why
 * the VM stopped. Tests exit 77 (skip) and say why when /dev/kvm is missing.
 */
#ifndef RV_KVM_TEST_H
#define RV_KVM_TEST_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmm/device.h"
#include "vmm/vm.h"

/* Where the recorder device sits (guests_x86.S uses the same numbers). */
#define RV_TEST_PIO_BASE 0x500
#define RV_TEST_PIO_LEN 0x10
#define RV_TEST_MMIO_BASE 0xd0000000ULL
#define RV_TEST_MMIO_LEN 0x1000

struct rv_test_access {
	bool is_mmio;
	bool is_write;
	uint64_t offset;
	unsigned int len;
	uint64_t value;
};

#define RV_TEST_MAX_ACCESSES 4096

/* What the recorder device saw; one per test process. */
struct rv_test_recorder {
	pthread_mutex_t lock;
	struct rv_test_access log[RV_TEST_MAX_ACCESSES];
	unsigned int nr;
	uint64_t read_value; /* returned by reads at offset 0 */
	unsigned int writes_at_0; /* PIO writes to offset 0 (check-in counter) */
};

extern struct rv_test_recorder rv_test_rec;

/* Exit 77 with a reason if this machine cannot run KVM tests. */
void rv_test_require_kvm(void);

/*
 * Run @code (64-bit, entered at CPL0 by every vCPU with RDI = vCPU index)
 * on @nr_cpus vCPUs with the recorder device. @stop_after_ms > 0: ask the VM
 * to stop from another thread after that long (tests of the stop path).
 * Returns rv_vm_run()'s result.
 */
int rv_test_run_guest(const uint8_t *start, const uint8_t *end,
		      unsigned int nr_cpus, unsigned int stop_after_ms);

/* Guest code, from guests_x86.S. */
#define RV_TEST_GUEST(name) \
	extern const uint8_t name##_start[], name##_end[]
RV_TEST_GUEST(rv_guest_pio_mmio);
RV_TEST_GUEST(rv_guest_string_io);
RV_TEST_GUEST(rv_guest_smp_checkin);
RV_TEST_GUEST(rv_guest_poweroff);
RV_TEST_GUEST(rv_guest_reset);
RV_TEST_GUEST(rv_guest_triple_fault);
RV_TEST_GUEST(rv_guest_halt);

#endif
