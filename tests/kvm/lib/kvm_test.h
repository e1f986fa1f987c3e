/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tests/kvm: tiny guests run by the real VM code on /dev/kvm, in the style
 * of the kernel's KVM selftests.
 *
 * A test file holds its guest functions (RV_GUEST_CODE, lib/guest.h) next
 * to the checks that run them: rv_test_run() starts a VM whose vCPUs all
 * call the named guest function, with the recorder device (every access it
 * gets is logged) and the ucall device (what the guest reports: GUEST_SYNC,
 * GUEST_DONE, GUEST_ASSERT). After the run, the test states what it expects
 * in structs with named fields: rv_test_expect_run() for how the VM ended
 * and what the guest reported, rv_test_expect_accesses() for what the
 * recorder saw. A check that needs what this host lacks says why and skips
 * (RV_TEST_REQUIRE_CAP); a host without /dev/kvm skips the whole file
 * (exit 77).
 */
#ifndef RV_KVM_TEST_H
#define RV_KVM_TEST_H

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "vmm/device.h"
#include "vmm/util.h"
#include "vmm/vm.h"

/* Also in the guest build: the whole file is compiled there (lib/guest.h). */
#include "guest.h"

/* One access the recorder device saw, or one a test expects. */
struct rv_test_access {
	bool mmio;
	bool write;
	uint64_t offset; /* from the recorder's base in its space */
	unsigned int len;
	uint64_t value;
};

#define RV_TEST_MAX_ACCESSES 4096
#define RV_TEST_MAX_UCALLS 256

/* What the test devices saw; one per test process. */
struct rv_test_log {
	pthread_mutex_t lock;
	struct rv_test_access access[RV_TEST_MAX_ACCESSES];
	unsigned int nr_accesses;
	uint64_t read_value;	  /* recorder reads at offset 0 return this */
	unsigned int writes_at_0; /* PIO writes to offset 0: a check-in count */
	struct rv_ucall ucall[RV_TEST_MAX_UCALLS];
	unsigned int nr_ucalls;
	/* A ucall the device could not read: its address, and why. */
	uint64_t bad_ucall_gpa;
	const char *bad_ucall;
};

extern struct rv_test_log rv_test_log;

/* Exit 77 with a reason if this machine cannot run KVM tests. */
void rv_test_require_kvm(void);

/* KVM_CHECK_EXTENSION on /dev/kvm: the capability's value, 0 when absent. */
int rv_test_kvm_cap(long cap);

/* Skip the current test, saying which capability is missing and why. */
#define RV_TEST_REQUIRE_CAP(cap, why) rv_test_require_cap(cap, #cap, why)
void rv_test_require_cap(long cap, const char *name, const char *why);
/* Skip the current test with a reason. */
#define RV_TEST_SKIP(...)                     \
	do {                                  \
		printf("SKIP: " __VA_ARGS__); \
		printf("\n");                 \
		skip();                       \
	} while (0)

/* Everything a test may choose about the VM it runs. */
struct rv_test_vm {
	const char *guest; /* the RV_GUEST_CODE function every vCPU calls */
	unsigned int nr_cpus;
	/* RAM backend and passthrough slots (NULL: anonymous RAM, none). */
	const struct rv_vm_config *mem;
	/* > 0: stop the VM from another thread after that long (as a signal would). */
	unsigned int stop_after_ms;
	/*
	 * Instead: stop once the @stop_words 32-bit words of the guest
	 * variable @stop_symbol (RV_GUEST_EXPORT) add up to @stop_value, or
	 * after RV_TEST_STOP_TIMEOUT_MS. Polled from another thread, so it
	 * causes no exit. @before_stop, if set, runs just before the stop.
	 */
	const char *stop_symbol;
	unsigned int stop_words;
	uint32_t stop_value;
	void (*before_stop)(struct rv_vm *vm, void *opaque);
	enum rv_coalesce_mode coalesce_mode; /* zero: RV_COALESCE_OFF */
	uint64_t coalesce_flush_ns;	     /* 0: the VM's default */
	/* Devices besides the recorder and the ucall device. */
	const struct rv_device_cfg *devices;
	unsigned int nr_devices;
	/* After the VM is created, before it runs: seed guest RAM (0 or -errno). */
	int (*before_run)(struct rv_vm *vm, void *opaque);
	/*
	 * After rv_vm_run() returned (vCPUs and loop stopped), before the VM
	 * is destroyed: copy device state out. No assertions in here: a failed
	 * one would jump over the VM's teardown.
	 */
	void (*after_run)(struct rv_vm *vm, void *opaque);
	void *opaque; /* for the hooks */
	/* Instead of loading the guest: restore the snapshot in this directory. */
	const char *restore_dir;
};

#define RV_TEST_MAX_DEVICES 8
#define RV_TEST_STOP_TIMEOUT_MS 60000

/*
 * Run the VM @t describes: rv_vm_run()'s result, or -errno when the VM
 * could not be made (the message is in rv_test_setup_error).
 */
int rv_test_run(const struct rv_test_vm *t);
extern char rv_test_setup_error[512];

/* How a run should have ended, and what the guest should have said. */
struct rv_test_expect {
	int exit;     /* enum rv_exit_reason rv_vm_run() returns */
	bool done;    /* the guest reached GUEST_DONE() */
	int nr_syncs; /* GUEST_SYNC reports; -1: any number */
};

/*
 * Check @ret and the ucall log against @e. A guest assertion is reported
 * first, with its file, line, condition and values.
 */
void rv_test_expect_run(int ret, const struct rv_test_expect *e);

/* The @i-th GUEST_SYNC report of the last run (fails the test if absent). */
const struct rv_ucall *rv_test_sync(unsigned int i);

/* The recorder saw exactly @want, in this order. */
void rv_test_expect_accesses(const struct rv_test_access *want, unsigned int nr);

/* The last value the guest wrote to recorder MMIO @offset, or ~0. */
uint64_t rv_test_recorded_mmio(uint64_t offset);

/* The device called @name in @vm, or NULL. */
struct rv_device *rv_test_find_device(struct rv_vm *vm, const char *name);

/* The guest address of RV_GUEST_CODE/RV_GUEST_EXPORT @name (fails if none). */
uint64_t rv_test_guest_addr(const char *name);

const char *rv_test_exit_name(int reason);
#endif
