// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshot and restore (vmm/snapshot/) of a tiny counting guest, on either
 * arch: the arm64 kvm_suite runs only these C programs (its nested host
 * has no bash or python3 for tests/kvm/snapshot_test.sh), so this is where
 * arm64's snapshot meets a real KVM outside the Linux boot test.
 *
 * Two vCPUs each count in a register and in their word of guest memory
 * together, checking every round that the two agree (a mismatch is
 * counted in count_bad and the memory value taken). The VM is stopped
 * mid-count and saved (rv_snapshot_save); a new VM restores it
 * (--restore's path, rv_vm_create with restore_dir) and runs again. Each
 * vCPU must go on from the count it had, its register agreeing with its
 * memory (registers, PC and RAM came through), and neither may have
 * started its function again (count_starts stays 1).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/kvm_test.h"
#include "vmm/mem/translate.h"
#include "vmm/snapshot/snapshot.h"

#define COUNT_CPUS 2

static volatile uint64_t count_mem[COUNT_CPUS];
static volatile uint32_t count_bad[COUNT_CPUS];
static volatile uint32_t count_starts[COUNT_CPUS];
RV_GUEST_EXPORT(count_mem);
RV_GUEST_EXPORT(count_bad);
RV_GUEST_EXPORT(count_starts);

RV_GUEST_CODE(guest_count)
{
	uint64_t n = 0;

	count_starts[cpu]++;
	count_mem[cpu] = 0;
	for (;;) {
		uint64_t m = count_mem[cpu];

		if (m != n) {
			count_bad[cpu]++;
			n = m;
		}
		n++;
		count_mem[cpu] = n;
	}
}

/* What a run saw of the guest's variables when it ended. */
struct count_seen {
	uint64_t mem[COUNT_CPUS];
	uint32_t bad[COUNT_CPUS], starts[COUNT_CPUS];
	const char *dir; /* non-NULL: save a snapshot there */
	int save_ret;
};

static void copy_out(struct rv_vm *vm, struct count_seen *s)
{
	const volatile uint64_t *mem =
		rv_mem_gpa_to_hva(&vm->mem, rv_test_guest_addr("count_mem"), sizeof(count_mem));
	const volatile uint32_t *bad =
		rv_mem_gpa_to_hva(&vm->mem, rv_test_guest_addr("count_bad"), sizeof(count_bad));
	const volatile uint32_t *starts = rv_mem_gpa_to_hva(&vm->mem,
							    rv_test_guest_addr("count_starts"),
							    sizeof(count_starts));

	for (unsigned int i = 0; mem && bad && starts && i < COUNT_CPUS; i++) {
		s->mem[i] = mem[i];
		s->bad[i] = bad[i];
		s->starts[i] = starts[i];
	}
}

/* The run stopped (every vCPU out of KVM_RUN): read, then save if asked. */
static void after_run(struct rv_vm *vm, void *opaque)
{
	struct count_seen *s = opaque;
	struct rv_snapshot_info info;
	char path[512];
	int state_fd, mem_fd;

	copy_out(vm, s);
	if (!s->dir)
		return;
	snprintf(path, sizeof(path), "%s/" RV_SNAP_STATE_FILE, s->dir);
	state_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	snprintf(path, sizeof(path), "%s/" RV_SNAP_MEMORY_FILE, s->dir);
	mem_fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	s->save_ret = state_fd < 0 || mem_fd < 0 ? -EIO :
						   rv_snapshot_save(vm, state_fd, mem_fd, &info);
	if (s->save_ret)
		fprintf(stderr, "snapshot: %s\n", rv_err_msg());
	else
		printf("snapshot: %llu bytes of state, %llu of RAM written\n",
		       (unsigned long long)info.state_bytes,
		       (unsigned long long)info.mem_bytes_written);
	if (state_fd >= 0)
		close(state_fd);
	if (mem_fd >= 0)
		close(mem_fd);
}

static void test_snapshot_restore(void **state)
{
	char dir[] = "/tmp/rv-snaprestore-XXXXXX";
	struct count_seen a = { .dir = dir }, b = { 0 };
	struct rv_test_vm t = {
		.guest = "guest_count",
		.nr_cpus = COUNT_CPUS,
		.stop_after_ms = 300,
		.after_run = after_run,
		.opaque = &a,
	};
	char path[512];
	int ret;

	assert_non_null(mkdtemp(dir));
	ret = rv_test_run(&t);
	assert_int_equal(ret, RV_EXIT_SIGNAL);
	assert_int_equal(a.save_ret, 0);
	for (unsigned int i = 0; i < COUNT_CPUS; i++) {
		printf("vCPU %u: %llu at the snapshot\n", i, (unsigned long long)a.mem[i]);
		assert_true(a.mem[i] > 0);
		assert_int_equal(a.bad[i], 0);
		assert_int_equal(a.starts[i], 1);
	}

	/* A new VM from the snapshot, no guest code loaded. */
	t.restore_dir = dir;
	t.opaque = &b;
	ret = rv_test_run(&t);
	if (ret < 0)
		fail_msg("restore: %s", rv_test_setup_error);
	assert_int_equal(ret, RV_EXIT_SIGNAL);
	for (unsigned int i = 0; i < COUNT_CPUS; i++) {
		printf("vCPU %u: %llu after the restored run, %u mismatches, %u starts\n", i,
		       (unsigned long long)b.mem[i], b.bad[i], b.starts[i]);
		/* The count went on from where it was, register and memory together. */
		assert_true(b.mem[i] > a.mem[i]);
		assert_int_equal(b.bad[i], 0);
		assert_int_equal(b.starts[i], 1);
	}
	snprintf(path, sizeof(path), "%s/" RV_SNAP_STATE_FILE, dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/" RV_SNAP_MEMORY_FILE, dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_restore),
	};

	rv_test_require_kvm();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
