// SPDX-License-Identifier: GPL-2.0
/*
 * Coalesced MMIO, per device: loss-freedom and ordering.
 *
 * Two vCPUs write sequence-numbered values to three bench-sinks, round-robin
 * (guests_x86.S, rv_guest_sink_check), each to its own stream, with device
 * rings of a few entries so that the device rings overflow into ring-full
 * fallbacks. Every sink must see every write exactly once and in order, and
 * a non-coalesced read of a sink (COUNT) must observe all of the reader's
 * earlier writes to that sink. Run in each mode: off, vm-ring, per-device.
 *
 * Then the same writes with no reads at all and a long flush interval
 * (rv_guest_sink_writeonly): the kernel ring fills and exits, and whatever
 * sits in a ring when the guest powers off must still be handled by the time
 * rv_vm_run() returns, which is when `ringvmm --stats` prints. The poweroff
 * is itself an exit, which drains the kernel ring; so once more with guests
 * that halt (rv_guest_sink_writeonly_halt) and a VM stopped from outside, as
 * SIGTERM does: only the VMM's teardown can handle the last writes then.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/kvm.h>

#include "devices/pseudo/bench-sink.h"
#include "lib/kvm_test.h"
#include "vmm/util.h"

#define NR_SINKS 3
/* Small on purpose: the rings must overflow. Powers of two. */
#define CHECK_RING_ENTRIES 8
#define WRITEONLY_RING_ENTRIES 4
#define CHECK_FLUSH_NS (1000 * 1000ULL)			/* 1 ms: the timer drains too */
#define WRITEONLY_FLUSH_NS (10 * 1000 * 1000 * 1000ULL) /* 10 s: it never does */

/* Where rv_guest_sink_params says the guest writes (checked in main). */
static const struct rv_device_cfg sinks[NR_SINKS] = {
	{ .type = "bench-sink", .name = "sink0", .space = RV_SPACE_MMIO, .base = 0xd0001000 },
	{ .type = "bench-sink", .name = "sink1", .space = RV_SPACE_MMIO, .base = 0xd0002000 },
	{ .type = "bench-sink", .name = "sink2", .space = RV_SPACE_MMIO, .base = 0xd0003000 },
};

struct sink_run {
	int ret;
	unsigned int found;
	struct rv_bench_sink_counters c[NR_SINKS];
	struct rv_coalesce_stats cs[NR_SINKS]; /* zero: not coalescing */
	uint64_t handled_at_stop;	       /* writes handled, all sinks, at the stop */
	uint64_t expect;		       /* writes the guest makes, all sinks */
};

/* Just before the VM is stopped from outside: what was handled so far. */
static void count_at_stop(struct rv_vm *vm, void *opaque)
{
	struct sink_run *r = opaque;
	struct rv_bench_sink_counters c;

	for (unsigned int i = 0; i < NR_SINKS; i++) {
		struct rv_device *d = rv_test_find_device(vm, sinks[i].name);

		if (d && !rv_bench_sink_counters(d, &c))
			r->handled_at_stop += c.writes;
	}
}

/* After the run, before teardown: copy the counters, print the stats. */
static void snapshot(struct rv_vm *vm, void *opaque)
{
	struct sink_run *r = opaque;

	for (unsigned int i = 0; i < NR_SINKS; i++) {
		struct rv_device *d = rv_test_find_device(vm, sinks[i].name);

		if (d && !rv_bench_sink_counters(d, &r->c[i]))
			r->found++;
		/* The engine's: complete now that the VM has stopped. */
		if (d && d->coalesce)
			r->cs[i] = d->coalesce->stats;
	}
	rv_vm_print_stats(vm, stdout, true);
}

/* @stop: the guest halts when done and the test stops the VM. */
static void run_sinks(const uint8_t *start, const uint8_t *end, enum rv_coalesce_mode mode,
		      uint64_t flush_ns, unsigned int ring_entries, bool stop, struct sink_run *r)
{
	const struct rv_guest_sink_params *p = &rv_guest_sink_params;
	struct rv_test_vm t = {
		.start = start,
		.end = end,
		.nr_cpus = p->nr_cpus,
		.coalesce_mode = mode,
		.coalesce_flush_ns = flush_ns,
		.devices = sinks,
		.nr_devices = NR_SINKS,
		.stop_gpa = stop ? p->done_gpa : 0,
		.stop_value = p->nr_cpus,
		.before_stop = count_at_stop,
		.after_run = snapshot,
		.opaque = r,
	};
	uint64_t t0;

	*r = (struct sink_run){ 0 };
	assert_int_equal(rv_bench_sink_set_ring_entries(ring_entries), 0);
	printf("mode %s, flush %llu ns, device rings of %u entries\n", rv_coalesce_mode_name(mode),
	       (unsigned long long)flush_ns, ring_entries);
	t0 = rv_now_ns();
	r->ret = rv_test_run(&t);
	printf("ran in %llu ms\n", (unsigned long long)(rv_now_ns() - t0) / 1000000);
	assert_int_equal(rv_bench_sink_set_ring_entries(RV_BENCH_SINK_DEFAULT_ENTRIES), 0);
}

/* Every sink saw every vCPU's rounds once, in order; nothing else. */
static void check_all_handled(const struct sink_run *r, int exit_reason)
{
	const struct rv_guest_sink_params *p = &rv_guest_sink_params;

	assert_int_equal(r->ret, exit_reason);
	assert_int_equal(r->found, NR_SINKS);
	for (unsigned int i = 0; i < NR_SINKS; i++) {
		const struct rv_bench_sink_counters *c = &r->c[i];
		const struct rv_coalesce_stats *cs = &r->cs[i];

		printf("%s: writes %llu lost %llu reordered %llu read_mismatch %llu "
		       "(last 0x%llx) invalid %llu | coalesced %llu ordinary_exits %llu "
		       "ring_full_fallbacks %llu high_water %llu drains %llu\n",
		       sinks[i].name, (unsigned long long)c->writes, (unsigned long long)c->lost,
		       (unsigned long long)c->reordered, (unsigned long long)c->read_mismatch,
		       (unsigned long long)c->last_error, (unsigned long long)c->invalid,
		       (unsigned long long)cs->coalesced_writes,
		       (unsigned long long)cs->ordinary_exits,
		       (unsigned long long)cs->ring_full_fallbacks,
		       (unsigned long long)cs->ring_high_water, (unsigned long long)cs->drains);
		for (unsigned int cpu = 0; cpu < p->nr_cpus; cpu++)
			assert_int_equal(c->stream_writes[cpu], p->rounds);
		assert_int_equal(c->writes, p->nr_cpus * p->rounds);
		assert_int_equal(c->lost, 0);
		assert_int_equal(c->reordered, 0);
		assert_int_equal(c->invalid, 0);
		assert_int_equal(c->read_mismatch, 0);
	}
}

static void require_coalesced_mmio(void)
{
	if (!rv_test_kvm_cap(KVM_CAP_COALESCED_MMIO)) {
		printf("SKIP: KVM has no KVM_CAP_COALESCED_MMIO: coalescing modes cannot run\n");
		skip();
	}
}

static void check_mode(enum rv_coalesce_mode mode)
{
	struct sink_run r;

	if (mode != RV_COALESCE_OFF)
		require_coalesced_mmio();
	run_sinks(rv_guest_sink_check_start, rv_guest_sink_check_end, mode, CHECK_FLUSH_NS,
		  CHECK_RING_ENTRIES, false, &r);
	check_all_handled(&r, RV_EXIT_POWEROFF);
	for (unsigned int i = 0; i < NR_SINKS; i++) {
		if (mode == RV_COALESCE_OFF) {
			assert_int_equal(r.cs[i].coalesced_writes, 0);
			continue;
		}
		assert_true(r.cs[i].coalesced_writes > 0);
		/* 8-entry rings, about 25 writes per sink between two reads. */
		assert_true(r.cs[i].ring_full_fallbacks > 0);
	}
}

static void test_off(void **state)
{
	check_mode(RV_COALESCE_OFF);
}

static void test_vm_ring(void **state)
{
	check_mode(RV_COALESCE_VM_RING);
}

static void test_per_device(void **state)
{
	check_mode(RV_COALESCE_PER_DEVICE);
}

static void check_write_only(const struct sink_run *r)
{
	for (unsigned int i = 0; i < NR_SINKS; i++) {
		assert_true(r->cs[i].coalesced_writes > 0);
		/*
		 * The guest never reads a sink, so every ordinary exit to one
		 * is a write the kernel's full ring sent back (api.rst 4.116:
		 * a write that finds no room exits as KVM_EXIT_MMIO).
		 */
		assert_true(r->cs[i].ordinary_exits > 0);
		assert_true(r->cs[i].ring_full_fallbacks > 0);
	}
}

static void check_nothing_lost_at_poweroff(enum rv_coalesce_mode mode)
{
	struct sink_run r;

	require_coalesced_mmio();
	run_sinks(rv_guest_sink_writeonly_start, rv_guest_sink_writeonly_end, mode,
		  WRITEONLY_FLUSH_NS, WRITEONLY_RING_ENTRIES, false, &r);
	check_all_handled(&r, RV_EXIT_POWEROFF);
	check_write_only(&r);
}

static void test_vm_ring_nothing_lost_at_poweroff(void **state)
{
	check_nothing_lost_at_poweroff(RV_COALESCE_VM_RING);
}

static void test_per_device_nothing_lost_at_poweroff(void **state)
{
	check_nothing_lost_at_poweroff(RV_COALESCE_PER_DEVICE);
}

static void check_nothing_lost_at_stop(enum rv_coalesce_mode mode)
{
	const struct rv_guest_sink_params *p = &rv_guest_sink_params;
	struct sink_run r;

	require_coalesced_mmio();
	run_sinks(rv_guest_sink_writeonly_halt_start, rv_guest_sink_writeonly_halt_end, mode,
		  WRITEONLY_FLUSH_NS, WRITEONLY_RING_ENTRIES, true, &r);
	/*
	 * Usually some writes were still in the kernel ring at the stop (it
	 * is drained only when full); rarely the last write was the one that
	 * found it full, and there was nothing left: not a failure.
	 */
	printf("left for the teardown: %llu of %llu writes\n",
	       (unsigned long long)(NR_SINKS * p->nr_cpus * p->rounds - r.handled_at_stop),
	       (unsigned long long)(NR_SINKS * p->nr_cpus * p->rounds));
	check_all_handled(&r, RV_EXIT_SIGNAL);
	check_write_only(&r);
}

static void test_vm_ring_nothing_lost_at_stop(void **state)
{
	check_nothing_lost_at_stop(RV_COALESCE_VM_RING);
}

static void test_per_device_nothing_lost_at_stop(void **state)
{
	check_nothing_lost_at_stop(RV_COALESCE_PER_DEVICE);
}

/* rv_guest_sink_regs: what each register does, with and without coalescing. */
static void check_registers(enum rv_coalesce_mode mode)
{
	struct rv_test_vm t = {
		.start = rv_guest_sink_regs_start,
		.end = rv_guest_sink_regs_end,
		.nr_cpus = 1,
		.coalesce_mode = mode,
		.devices = sinks,
		.nr_devices = NR_SINKS,
		.after_run = snapshot,
	};
	const struct rv_bench_sink_counters *c0, *c1;
	uint64_t count = 0, last = 0;
	struct sink_run r = { 0 };

	if (mode != RV_COALESCE_OFF)
		require_coalesced_mmio();
	assert_int_equal(rv_bench_sink_set_ring_entries(CHECK_RING_ENTRIES), 0);
	t.opaque = &r;
	r.ret = rv_test_run(&t);
	assert_int_equal(rv_bench_sink_set_ring_entries(RV_BENCH_SINK_DEFAULT_ENTRIES), 0);
	assert_int_equal(r.ret, RV_EXIT_POWEROFF);
	assert_int_equal(r.found, NR_SINKS);

	c0 = &r.c[0];
	assert_int_equal(c0->writes, 5); /* 1, 2, 3, 7, 2 */
	assert_int_equal(c0->stream_writes[5], 5);
	assert_int_equal(c0->lost, 3);	    /* 4, 5, 6 */
	assert_int_equal(c0->reordered, 1); /* the last 2 */
	/*
	 * The 4-byte write to DATA(6): with coalescing it reaches the device
	 * through the ring and is rejected there; without, the bus rejects
	 * it (the sink accepts 8-byte accesses only). The reserved part of
	 * the zone is rejected by the device either way.
	 */
	assert_int_equal(c0->invalid, mode == RV_COALESCE_OFF ? 1 : 2);
	assert_int_equal(c0->doorbells, 1);
	assert_int_equal(c0->read_mismatch, 1);
	assert_int_equal(c0->last_error, 0x1234);
	for (unsigned int i = 0; i < rv_test_rec.nr; i++) {
		const struct rv_test_access *a = &rv_test_rec.log[i];

		if (a->is_mmio && a->is_write && a->offset == 0x10)
			count = a->value;
		if (a->is_mmio && a->is_write && a->offset == 0x18)
			last = a->value;
	}
	assert_int_equal(count, 5); /* COUNT(5) saw every earlier write */
	assert_int_equal(last, 7);  /* DATA(5) reads the highest value handled */

	/* 1 and 2 were handled before the RESET, so only the last 1 counts. */
	c1 = &r.c[1];
	assert_int_equal(c1->resets, 1);
	assert_int_equal(c1->writes, 1);
	assert_int_equal(c1->stream_writes[0], 1);
	assert_int_equal(c1->lost, 0);
	assert_int_equal(c1->reordered, 0);
	assert_int_equal(r.c[2].writes, 0);
}

/*
 * Just before the stop: the doorbells' flushes run in the event loop, a
 * moment after the guest rang them; give them up to 5 s, then count.
 */
static void wait_then_count(struct rv_vm *vm, void *opaque)
{
	struct sink_run *r = opaque;
	uint64_t deadline = rv_now_ns() + 5000000000ULL;

	for (;;) {
		struct rv_bench_sink_counters c;
		uint64_t handled = 0;

		for (unsigned int i = 0; i < NR_SINKS; i++) {
			struct rv_device *d = rv_test_find_device(vm, sinks[i].name);

			if (d && !rv_bench_sink_counters(d, &c))
				handled += c.writes;
		}
		if (handled >= r->expect || rv_now_ns() > deadline) {
			r->handled_at_stop = handled;
			return;
		}
		usleep(1000);
	}
}

static void run_doorbell(bool doorbell, struct sink_run *r)
{
	struct rv_test_vm t = {
		.start = rv_guest_sink_doorbell_start,
		.end = rv_guest_sink_doorbell_end,
		.nr_cpus = 1,
		.coalesce_mode = RV_COALESCE_PER_DEVICE,
		/* Far beyond wait_then_count's 5 s: the timer must not be what flushes. */
		.coalesce_flush_ns = 60ULL * 1000000000ULL,
		.devices = sinks,
		.nr_devices = NR_SINKS,
		.stop_gpa = rv_guest_sink_params.done_gpa,
		.stop_value = 1,
		.before_stop = wait_then_count,
		.after_run = snapshot,
		.opaque = r,
	};

	*r = (struct sink_run){ .expect = NR_SINKS * rv_guest_sink_doorbell_rounds };
	rv_bench_sink_set_doorbell(doorbell);
	r->ret = rv_test_run(&t);
	rv_bench_sink_set_doorbell(false);
}

/*
 * How many writes KVM's ring takes, from empty, before one finds no room
 * and exits as an ordinary KVM_EXIT_MMIO (coalesced_mmio_write() in
 * virt/kvm/coalesced_mmio.c returns -EOPNOTSUPP, so the write goes on to
 * userspace; api.rst, KVM_REGISTER_COALESCED_MMIO, only says the ring is
 * shared). The ring has KVM_COALESCED_MMIO_MAX slots, one kept free. But
 * kernels before 6.12, Debian bookworm's 6.1 among them, stop sooner:
 * coalesced_mmio_has_room() took (first - last - 1) % KVM_COALESCED_MMIO_MAX
 * in unsigned 32 bits, which for a new VM's ring (first = 0) is 0, "full",
 * at last = (2^32 - 1) % MAX: with 4 KiB pages the 86th write exits, not
 * the 170th (fixed by "[PATCH v3 1/6] KVM: Fix coalesced_mmio_has_room()",
 * kvm list, 2024-08-20).
 */
static uint32_t kernel_ring_room(void)
{
	long page = sysconf(_SC_PAGESIZE);
	uint32_t max =
		(page - sizeof(struct kvm_coalesced_mmio_ring)) / sizeof(struct kvm_coalesced_mmio);
	uint32_t before_fix = UINT32_MAX % max;

	return before_fix < max - 1 ? before_fix : max - 1;
}

/*
 * With doorbells the guest's writes are handled although it never exits:
 * the doorbell write became an eventfd signal (no ordinary exit, the device
 * never saw it) and the loop flushed the device. Exactly none of the data
 * writes exits: main() checks that they all fit in the kernel's ring.
 */
static void test_doorbell_flushes_without_exits(void **state)
{
	struct sink_run r;

	if (!rv_test_kvm_cap(KVM_CAP_IOEVENTFD))
		skip();
	run_doorbell(true, &r);
	assert_int_equal(r.ret, RV_EXIT_SIGNAL);
	assert_int_equal(r.found, NR_SINKS);
	assert_int_equal(r.handled_at_stop, r.expect);
	for (unsigned int i = 0; i < NR_SINKS; i++) {
		printf("%s: writes %llu doorbells %llu ordinary_exits %llu\n", sinks[i].name,
		       (unsigned long long)r.c[i].writes, (unsigned long long)r.cs[i].doorbells,
		       (unsigned long long)r.cs[i].ordinary_exits);
		assert_int_equal(r.c[i].writes, rv_guest_sink_doorbell_rounds);
		assert_int_equal(r.c[i].lost, 0);
		assert_int_equal(r.c[i].reordered, 0);
		assert_int_equal(r.c[i].doorbells, 0); /* KVM took the write */
		assert_int_equal(r.cs[i].doorbells, 1);
		assert_int_equal(r.cs[i].ordinary_exits, 0);
		assert_int_equal(r.cs[i].coalesced_writes, rv_guest_sink_doorbell_rounds);
	}
}

/* The control: without doorbells the same write exits and flushes the device. */
static void test_no_doorbell_write_exits(void **state)
{
	struct sink_run r;

	run_doorbell(false, &r);
	assert_int_equal(r.ret, RV_EXIT_SIGNAL);
	assert_int_equal(r.handled_at_stop, r.expect);
	for (unsigned int i = 0; i < NR_SINKS; i++) {
		assert_int_equal(r.c[i].writes, rv_guest_sink_doorbell_rounds);
		assert_int_equal(r.c[i].doorbells, 1);
		assert_int_equal(r.cs[i].doorbells, 0);
		assert_int_equal(r.cs[i].ordinary_exits, 1);
	}
}

static void test_registers_off(void **state)
{
	check_registers(RV_COALESCE_OFF);
}

static void test_registers_vm_ring(void **state)
{
	check_registers(RV_COALESCE_VM_RING);
}

static void test_registers_per_device(void **state)
{
	check_registers(RV_COALESCE_PER_DEVICE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registers_off),
		cmocka_unit_test(test_registers_vm_ring),
		cmocka_unit_test(test_registers_per_device),
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_vm_ring),
		cmocka_unit_test(test_per_device),
		cmocka_unit_test(test_vm_ring_nothing_lost_at_poweroff),
		cmocka_unit_test(test_per_device_nothing_lost_at_poweroff),
		cmocka_unit_test(test_vm_ring_nothing_lost_at_stop),
		cmocka_unit_test(test_per_device_nothing_lost_at_stop),
		cmocka_unit_test(test_doorbell_flushes_without_exits),
		cmocka_unit_test(test_no_doorbell_write_exits),
	};
	const struct rv_guest_sink_params *p = &rv_guest_sink_params;

	rv_test_require_kvm();
	/* The guest and this table must agree on where the sinks are. */
	if (p->nr_sinks != NR_SINKS || p->nr_cpus > RV_BENCH_SINK_STREAMS) {
		printf("guest built for %llu sinks, test for %d\n", (unsigned long long)p->nr_sinks,
		       NR_SINKS);
		return 1;
	}
	/* The doorbell tests expect no data write to find the ring full. */
	if (NR_SINKS * rv_guest_sink_doorbell_rounds > kernel_ring_room()) {
		printf("doorbell guest: %llu writes, the kernel ring takes %u\n",
		       (unsigned long long)(NR_SINKS * rv_guest_sink_doorbell_rounds),
		       kernel_ring_room());
		return 1;
	}
	for (unsigned int i = 0; i < NR_SINKS; i++) {
		if (sinks[i].base != p->base + i * p->stride) {
			printf("%s at 0x%llx, the guest writes 0x%llx\n", sinks[i].name,
			       (unsigned long long)sinks[i].base,
			       (unsigned long long)(p->base + i * p->stride));
			return 1;
		}
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
