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
	uint64_t read_value;	  /* returned by reads at offset 0 */
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
int rv_test_run_guest(const uint8_t *start, const uint8_t *end, unsigned int nr_cpus,
		      unsigned int stop_after_ms);

/* KVM_CHECK_EXTENSION on /dev/kvm: the capability's value, 0 when absent. */
int rv_test_kvm_cap(long cap);

/* Everything a test may choose about the VM it runs. */
struct rv_test_vm {
	const uint8_t *start, *end; /* guest code, as for rv_test_run_guest() */
	unsigned int nr_cpus;
	unsigned int stop_after_ms; /* as for rv_test_run_guest() */
	/*
	 * Instead: stop the VM (as a signal would) once the 32-bit word at
	 * guest physical @stop_gpa reaches @stop_value (0: not used), or
	 * after RV_TEST_STOP_TIMEOUT_MS. Polled from another thread, so it
	 * causes no exit. @before_stop, if set, runs just before the stop.
	 */
	uint64_t stop_gpa;
	uint32_t stop_value;
	void (*before_stop)(struct rv_vm *vm, void *opaque);
	enum rv_coalesce_mode coalesce_mode; /* zero: RV_COALESCE_OFF */
	uint64_t coalesce_flush_ns;	     /* 0: the VM's default */
	/* Devices besides the recorder (at most RV_TEST_MAX_DEVICES). */
	const struct rv_device_cfg *devices;
	unsigned int nr_devices;
	/*
	 * Called after rv_vm_run() returned (vCPUs and loop stopped) and
	 * before the VM is destroyed, to read device state. Keep assertions
	 * out of it: a failed one would jump over the VM's teardown.
	 */
	void (*after_run)(struct rv_vm *vm, void *opaque);
	void *opaque; /* for before_stop and after_run */
};

#define RV_TEST_MAX_DEVICES 8
#define RV_TEST_STOP_TIMEOUT_MS 60000

/* Run the VM @t describes; returns rv_vm_run()'s result or -errno. */
int rv_test_run(const struct rv_test_vm *t);

/* The device called @name in @vm, or NULL. */
struct rv_device *rv_test_find_device(struct rv_vm *vm, const char *name);

/* Guest code, from guests_x86.S. */
#define RV_TEST_GUEST(name) extern const uint8_t name##_start[], name##_end[]
RV_TEST_GUEST(rv_guest_pio_mmio);
RV_TEST_GUEST(rv_guest_string_io);
RV_TEST_GUEST(rv_guest_smp_checkin);
RV_TEST_GUEST(rv_guest_poweroff);
RV_TEST_GUEST(rv_guest_reset);
RV_TEST_GUEST(rv_guest_triple_fault);
RV_TEST_GUEST(rv_guest_halt);
RV_TEST_GUEST(rv_guest_sink_check);
RV_TEST_GUEST(rv_guest_sink_writeonly);
RV_TEST_GUEST(rv_guest_sink_writeonly_halt);
RV_TEST_GUEST(rv_guest_sink_regs);
RV_TEST_GUEST(rv_guest_sink_doorbell);
extern const uint64_t rv_guest_sink_doorbell_rounds;

/*
 * The numbers the bench-sink guests are built with (guests_x86.S exports
 * them so the test checks against what the guest really did).
 */
struct rv_guest_sink_params {
	uint64_t base;	 /* first bench-sink */
	uint64_t stride; /* distance between two bench-sinks */
	uint64_t nr_sinks;
	uint64_t rounds;      /* values each vCPU writes to each sink */
	uint64_t check_every; /* writes between two COUNT reads (check guest) */
	uint64_t nr_cpus;     /* vCPUs vCPU 0 waits for before powering off */
	uint64_t done_gpa;    /* 32-bit count of vCPUs done writing */
};
extern const struct rv_guest_sink_params rv_guest_sink_params;

#endif
