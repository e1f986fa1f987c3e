// SPDX-License-Identifier: GPL-2.0
/*
 * Description: per-device coalescing (vmm/coalesce/engine.c, vm-ring.c)
 * without KVM, single-threaded. The device ring: full, empty, and its
 * free-running indices across the 2^32 wrap. The engine, over an INJECTED
 * kernel ring (a page filled the way KVM fills it: the slot at `last`,
 * then `last` with release, one slot always free; coalesce_fx.c): zone
 * validation and overlap (-EEXIST), what KVM is asked to register (pio set
 * for port zones; nothing in mode off), routing by address with the whole
 * entry inside a zone, flush-before-access through the real exit handler
 * (rv_exit_handle) in each mode, the ring-full fallback and the
 * kernel-ring-full exit keeping order, corrupted indices, and latency
 * accounting. Threads and the event loop: test_coalesce_threads.c.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "vmm/util.h"

#include "coalesce_fx.h"

/* ---- the device ring ---- */

static void test_ring_basic(void **state)
{
	struct rv_coalesce_entry mem[8], e;
	struct rv_coalesce_ring r;

	assert_int_equal(rv_coalesce_ring_init(&r, mem, 0), -EINVAL);
	assert_int_equal(rv_coalesce_ring_init(&r, mem, 6), -EINVAL);
	assert_int_equal(rv_coalesce_ring_init(&r, mem, 0x80000001u), -EINVAL);
	assert_int_equal(rv_coalesce_ring_init(&r, NULL, 8), -EINVAL);
	assert_int_equal(rv_coalesce_ring_init(&r, mem, 1u << 31), 0);
	assert_int_equal(rv_coalesce_ring_init(&r, mem, 8), 0);

	assert_false(rv_coalesce_ring_pop(&r, &e)); /* empty */
	for (uint64_t i = 0; i < 8; i++)
		assert_true(rv_coalesce_ring_push(&r, &(struct rv_coalesce_entry){ .addr = i }));
	assert_int_equal(rv_coalesce_ring_count(&r), 8);
	assert_false(rv_coalesce_ring_push(&r, &(struct rv_coalesce_entry){ .addr = 99 }));
	for (uint64_t i = 0; i < 8; i++) {
		assert_true(rv_coalesce_ring_pop(&r, &e));
		assert_int_equal(e.addr, i);
	}
	assert_false(rv_coalesce_ring_pop(&r, &e));
	assert_int_equal(rv_coalesce_ring_count(&r), 0);
}

static void test_ring_wrap(void **state)
{
	struct rv_coalesce_entry mem[4], e;
	struct rv_coalesce_ring r;
	uint64_t in = 0, out = 0;

	assert_int_equal(rv_coalesce_ring_init(&r, mem, 4), 0);
	/* Indices just below 2^32: they wrap to 0 while entries are queued. */
	r.head = r.tail = UINT32_MAX - 5;
	for (int round = 0; round < 10; round++) {
		while (rv_coalesce_ring_push(&r, &(struct rv_coalesce_entry){ .addr = in }))
			in++;
		assert_int_equal(rv_coalesce_ring_count(&r), 4);
		for (int k = 0; k < 1 + round % 4; k++) {
			assert_true(rv_coalesce_ring_pop(&r, &e));
			assert_int_equal(e.addr, out++);
		}
	}
	while (rv_coalesce_ring_pop(&r, &e))
		assert_int_equal(e.addr, out++);
	assert_int_equal(in, out);
	assert_true(r.tail < 100); /* it did wrap */
	/* An index the producer could not have written is not trusted. */
	r.tail = r.head + 5;
	assert_false(rv_coalesce_ring_pop(&r, &e));
	assert_int_equal(rv_coalesce_ring_count(&r), 4);
}

static void test_mode_names(void **state)
{
	enum rv_coalesce_mode m = RV_COALESCE_OFF;

	assert_int_equal(rv_coalesce_mode_parse("per-device", &m), 0);
	assert_int_equal(m, RV_COALESCE_PER_DEVICE);
	assert_int_equal(rv_coalesce_mode_parse("vm-ring", &m), 0);
	assert_int_equal(m, RV_COALESCE_VM_RING);
	assert_int_equal(rv_coalesce_mode_parse("off", &m), 0);
	assert_int_equal(m, RV_COALESCE_OFF);
	assert_int_equal(rv_coalesce_mode_parse("OFF", &m), -EINVAL);
	assert_int_equal(rv_coalesce_mode_parse("", &m), -EINVAL);
	assert_int_equal(rv_coalesce_mode_parse(NULL, &m), -EINVAL);
	assert_string_equal(rv_coalesce_mode_name(RV_COALESCE_VM_RING), "vm-ring");
	assert_string_equal(rv_coalesce_mode_name(42), "?");
}

/* ---- zones and routing ---- */

static void test_zones(void **state)
{
	struct fx *f = fx_new(RV_COALESCE_PER_DEVICE, 16, false);
	struct rv_coalesce_device *b = &f->b.cdev;

	/* A's port zone and B's MMIO zone went to KVM, pio set on the port one. */
	assert_int_equal(kvm.nr_reg, 2);
	assert_int_equal(kvm.reg[0].addr, A_PORT);
	assert_int_equal(kvm.reg[0].size, 1);
	assert_int_equal(kvm.reg[0].pio, 1);
	assert_int_equal(kvm.reg[1].addr, B_BASE);
	assert_int_equal(kvm.reg[1].pio, 0);

	/* Overlap in the same space, at either end or around: -EEXIST. */
	assert_int_equal(rv_coalesce_zone_add(b, B_BASE + B_ZONE_LEN - 1, 2, false), -EEXIST);
	assert_int_equal(rv_coalesce_zone_add(b, B_BASE - 1, 2, false), -EEXIST);
	assert_int_equal(rv_coalesce_zone_add(b, B_BASE - 0x10, 0x1000, false), -EEXIST);
	assert_int_equal(rv_coalesce_zone_add(b, B_BASE + 4, 1, false), -EEXIST);
	assert_int_equal(rv_coalesce_zone_add(b, A_PORT, 1, true), -EEXIST);
	assert_non_null(strstr(rv_err_msg(), "overlaps"));
	rv_err_clear();
	/* Adjacent ones, and the same numbers in the other space, are fine. */
	assert_int_equal(rv_coalesce_zone_add(b, B_BASE + B_ZONE_LEN, 8, false), 0);
	assert_int_equal(rv_coalesce_zone_add(b, B_BASE - 8, 8, false), 0);
	assert_int_equal(rv_coalesce_zone_add(b, A_PORT, 1, false), 0);
	assert_int_equal(rv_coalesce_zone_add(b, A_PORT + 1, 1, true), 0);
	/* Empty, wrapping, ports past 0xffff, larger than KVM's __u32 size. */
	assert_int_equal(rv_coalesce_zone_add(b, 0x1000, 0, false), -EINVAL);
	assert_int_equal(rv_coalesce_zone_add(b, UINT64_MAX - 3, 8, false), -EINVAL);
	assert_int_equal(rv_coalesce_zone_add(b, 0xfffe, 4, true), -EINVAL);
	assert_int_equal(rv_coalesce_zone_add(b, 0, 1ULL << 32, false), -EINVAL);
	rv_err_clear();
	assert_int_equal(f->b.cdev.stats.zones, 5);
	assert_int_equal(kvm.nr_reg, 6);
	fx_free(f);
	/* Every zone KVM was given was taken back. */
	assert_int_equal(kvm.nr_unreg, 6);
	for (unsigned int i = 0; i < kvm.nr_unreg; i++)
		assert_int_not_equal(kvm.unreg[i].size, 0);
}

/* Teardown with the VM's fd closed: KVM drops the zones, nothing is unregistered. */
static void test_zones_vm_closed(void **state)
{
	struct fx *f = fx_new(RV_COALESCE_PER_DEVICE, 16, false);

	assert_int_equal(kvm.nr_reg, 2);
	rv_coalesce_vm_closed(f->c);
	fx_free(f);
	assert_int_equal(kvm.nr_unreg, 0);
}

static void test_create_without_caps(void **state)
{
	struct rv_coalesce *c;
	struct rv_coalesce_probe p;

	memset(&kvm, 0, sizeof(kvm));
	rv_err_clear();
	assert_int_equal(rv_coalesce_create(&c, RV_COALESCE_PER_DEVICE, -1, NULL, PAGE, NULL, 0),
			 -ENOTSUP);
	assert_null(c);
	assert_non_null(strstr(rv_err_msg(), "KVM_CAP_COALESCED_MMIO"));
	rv_err_clear();
	/* Mode off needs nothing from KVM. */
	assert_int_equal(rv_coalesce_create(&c, RV_COALESCE_OFF, -1, NULL, PAGE, NULL, 0), 0);
	assert_string_equal(rv_coalesce_engine_name(c), "none");
	assert_int_equal(rv_coalesce_attach_ring(c, NULL, 0), 0);
	rv_coalesce_destroy(c);
	rv_coalesce_probe(-1, PAGE, &p);
	assert_string_equal(p.engine, "none");

	/* 4 KiB pages: (4096 - 8) / 24 = 170 slots, one kept free. */
	kvm.mmio_cap = 2;
	rv_coalesce_probe(-1, PAGE, &p);
	assert_string_equal(p.engine, "vm-ring-router");
	assert_int_equal(p.ring_page_offset, 2);
	assert_int_equal(p.ring_entries, 169);
	assert_false(p.pio);
	rv_coalesce_probe(-1, 65536, &p);
	assert_int_equal(p.ring_entries, (65536 - 8) / 24 - 1);

	/* The ring page must lie inside the vCPU mapping. */
	assert_int_equal(rv_coalesce_create(&c, RV_COALESCE_VM_RING, -1, NULL, PAGE, NULL, 0), 0);
	assert_int_equal(rv_coalesce_attach_ring(c, &p, 2 * PAGE), -EINVAL);
	rv_err_clear();
	rv_coalesce_destroy(c);
}

static void test_routing(void **state)
{
	struct fx *f = fx_new(RV_COALESCE_PER_DEVICE, 16, false);

	assert_true(kernel_write(f, true, A_PORT, 'x', 1));
	assert_true(kernel_write(f, false, B_BASE + 0x10, 0x11223344, 4));
	assert_true(kernel_write(f, false, B_BASE + B_ZONE_LEN - 8, 0x0102030405060708ULL, 8));
	/* None of these is wholly inside a zone of its space: dropped, counted. */
	assert_true(kernel_write(f, false, A_PORT, 'm', 1));	/* MMIO, not the port */
	assert_true(kernel_write(f, true, A_PORT + 1, 'y', 1)); /* A's range, not zone */
	assert_true(kernel_write(f, false, B_BASE + B_ZONE_LEN - 1, 0xffff, 2));
	assert_true(kernel_write(f, false, B_BASE, 0, 0));
	assert_true(kernel_write(f, false, B_BASE, 0, 9));
	rv_coalesce_flush_all(f->c);

	assert_int_equal(f->a.nr, 1);
	expect_rec(&f->a, 0, true, true, A_PORT, 'x');
	assert_int_equal(f->b.nr, 2);
	expect_rec(&f->b, 0, true, true, B_BASE + 0x10, 0x11223344);
	expect_rec(&f->b, 1, true, true, B_BASE + B_ZONE_LEN - 8, 0x0102030405060708ULL);
	assert_int_equal(f->c->unrouted, 5);
	assert_int_equal(f->c->kernel_entries, 8);
	assert_int_equal(f->kring->first, f->kring->last);
	fx_free(f);
}

/* ---- ordering: flush-before-access, per mode ---- */

/* A gets 'x', B gets 0x11, A gets 'y'; then the guest reads A's LSR. */
static struct fx *ordering_setup(enum rv_coalesce_mode mode)
{
	struct fx *f = fx_new(mode, 16, false);

	assert_true(kernel_write(f, true, A_PORT, 'x', 1));
	assert_true(kernel_write(f, false, B_BASE, 0x11, 4));
	assert_true(kernel_write(f, true, A_PORT, 'y', 1));
	assert_int_equal(exit_pio(f->run, &f->ctx, A_PORT + 5, false, 0), RV_EXIT_ACTION_CONTINUE);
	return f;
}

static void test_order_per_device(void **state)
{
	struct fx *f = ordering_setup(RV_COALESCE_PER_DEVICE);

	/* A's writes, then the read that exited; B is not touched... */
	assert_int_equal(f->a.nr, 3);
	expect_rec(&f->a, 0, true, true, A_PORT, 'x');
	expect_rec(&f->a, 1, true, true, A_PORT, 'y');
	expect_rec(&f->a, 2, false, false, A_PORT + 5, 0);
	assert_int_equal(f->b.nr, 0);
	assert_int_equal(rv_coalesce_ring_count(&f->b.ring), 1);
	assert_true(f->b.cdev.pending);
	/* ...until it is accessed itself. */
	assert_int_equal(exit_mmio(f->run, &f->ctx, B_BASE + 0x800, false, 4, 0),
			 RV_EXIT_ACTION_CONTINUE);
	assert_int_equal(f->b.nr, 2);
	expect_rec(&f->b, 0, true, true, B_BASE, 0x11);
	expect_rec(&f->b, 1, false, false, B_BASE + 0x800, 0);
	assert_int_equal(f->a.cdev.stats.ordinary_exits, 1);
	assert_int_equal(f->b.cdev.stats.ordinary_exits, 1);
	assert_int_equal(f->a.cdev.stats.coalesced_writes, 2);
	assert_int_equal(f->a.cdev.stats.drains, 1);
	assert_int_equal(f->a.cdev.stats.ring_high_water, 2);
	assert_int_equal(f->a.cdev.stats.latency.count, 2);
	/* One drain, one batch: handle_end() after both writes. */
	assert_int_equal(f->a.ends, 1);
	assert_int_equal(f->a.end_at[0], 2);
	fx_free(f);
}

static void test_order_vm_ring(void **state)
{
	struct fx *f = ordering_setup(RV_COALESCE_VM_RING);

	/* Every device was flushed before A's read was handled. */
	assert_int_equal(f->a.nr, 3);
	assert_int_equal(f->b.nr, 1);
	expect_rec(&f->b, 0, true, true, B_BASE, 0x11);
	expect_rec(&f->a, 2, false, false, A_PORT + 5, 0);
	assert_true(f->b.log[0].seq < f->a.log[2].seq);
	assert_int_equal(rv_coalesce_ring_count(&f->b.ring), 0);
	assert_int_equal(f->b.cdev.stats.ordinary_exits, 0);
	fx_free(f);
}

static void test_order_off(void **state)
{
	struct fx *f = fx_new(RV_COALESCE_OFF, 16, false);

	/* Zones are recorded for the statistics, KVM is given none. */
	assert_int_equal(kvm.nr_reg, 0);
	assert_int_equal(f->a.cdev.stats.zones, 1);
	assert_string_equal(rv_coalesce_engine_name(f->c), "none");
	/* So every write exits, and is counted as the device's exit. */
	assert_int_equal(exit_pio(f->run, &f->ctx, A_PORT, true, 'z'), RV_EXIT_ACTION_CONTINUE);
	assert_int_equal(exit_pio(f->run, &f->ctx, A_PORT + 5, false, 0), RV_EXIT_ACTION_CONTINUE);
	expect_rec(&f->a, 0, true, false, A_PORT, 'z');
	assert_int_equal(f->a.cdev.stats.ordinary_exits, 2);
	assert_int_equal(f->a.cdev.stats.coalesced_writes, 0);
	/* Nothing drains the kernel's ring in this mode. */
	assert_true(kernel_write(f, true, A_PORT, 'q', 1));
	rv_coalesce_flush_all(f->c);
	assert_int_equal(f->kring->first, 0);
	assert_int_equal(f->a.nr, 2);
	fx_free(f);
	assert_int_equal(kvm.nr_unreg, 0);
}

/* A 4-entry device ring, ten writes across the kernel ring's wrap. */
static void test_ring_full_fallback(void **state)
{
	struct fx *f = fx_new(RV_COALESCE_PER_DEVICE, 4, false);

	f->kring->first = f->kring->last = f->kcap - 3;
	for (uint64_t i = 0; i < 10; i++)
		assert_true(kernel_write(f, true, A_PORT, '0' + i, 1));
	assert_int_equal(exit_pio(f->run, &f->ctx, A_PORT + 5, false, 0), RV_EXIT_ACTION_CONTINUE);
	assert_int_equal(f->a.nr, 11);
	for (uint64_t i = 0; i < 10; i++)
		expect_rec(&f->a, i, true, true, A_PORT, '0' + i);
	expect_rec(&f->a, 10, false, false, A_PORT + 5, 0);
	/*
	 * 0-3 queued, 4 finds no room: the drain stops, 0-3 are handled
	 * (without the engine lock), the drain goes on; 4-7 queued, 8 the
	 * same; 8-9 handled before the read.
	 */
	assert_int_equal(f->a.cdev.stats.coalesced_writes, 10);
	assert_int_equal(f->a.cdev.stats.ring_full_fallbacks, 2);
	assert_int_equal(f->a.cdev.stats.ring_high_water, 4);
	assert_int_equal(f->a.cdev.stats.latency.count, 10);
	assert_int_equal(f->kring->first, 7);
	/* Each batch ends before the next is handled: 0-3 | 4-7 | 8-9. */
	assert_int_equal(f->a.ends, 3);
	assert_int_equal(f->a.end_at[0], 4);
	assert_int_equal(f->a.end_at[1], 8);
	assert_int_equal(f->a.end_at[2], 10);
	/* No handler ran under the engine lock (issue: one stuck device blocked every exit). */
	assert_int_equal(f->a.under_engine_lock, 0);
	fx_free(f);
}

/* A drain of 100 entries: batches of RV_COALESCE_BATCH (64), in order. */
static void test_handle_end_batches(void **state)
{
	struct fx *f = fx_new(RV_COALESCE_PER_DEVICE, 128, false);

	for (uint64_t i = 0; i < 100; i++)
		assert_true(kernel_write(f, true, A_PORT, i, 1));
	rv_coalesce_flush_all(f->c);
	assert_int_equal(f->a.nr, 100);
	for (uint64_t i = 0; i < 100; i++)
		expect_rec(&f->a, i, true, true, A_PORT, i);
	assert_int_equal(f->a.ends, 2);
	assert_int_equal(f->a.end_at[0], 64);
	assert_int_equal(f->a.end_at[1], 100);
	assert_int_equal(f->a.cdev.stats.drains, 1);
	assert_int_equal(f->a.cdev.stats.latency.count, 100);
	/* Nothing handled, no batch: B had no writes. */
	assert_int_equal(f->b.ends, 0);
	fx_free(f);
}

/* KVM's ring is full: the next write to a zone exits, after the others. */
static void test_kernel_ring_full_exit(void **state)
{
	struct fx *f = fx_new(RV_COALESCE_PER_DEVICE, 64, false);
	uint32_t n = 0;

	while (kernel_write(f, true, A_PORT, n & 0xff, 1))
		n++;
	assert_int_equal(n, f->kcap - 1);
	assert_int_equal(exit_pio(f->run, &f->ctx, A_PORT, true, n & 0xff),
			 RV_EXIT_ACTION_CONTINUE);
	/* 64 fit the device ring at a time, the rest fell back: all in order. */
	assert_int_equal(f->a.nr, n + 1);
	for (unsigned int i = 0; i < n; i++)
		expect_rec(&f->a, i, true, true, A_PORT, i & 0xff);
	expect_rec(&f->a, n, true, false, A_PORT, n & 0xff);
	assert_int_equal(f->a.cdev.stats.coalesced_writes, n);
	assert_true(f->a.cdev.stats.ring_full_fallbacks > 0);
	assert_int_equal(f->a.cdev.stats.latency.count, n);
	assert_int_equal(f->a.under_engine_lock, 0);
	assert_int_equal(f->a.cdev.stats.ordinary_exits, 1);
	fx_free(f);
}

static void test_corrupt_indices(void **state)
{
	struct fx *f = fx_new(RV_COALESCE_VM_RING, 16, false);

	assert_true(kernel_write(f, true, A_PORT, 'a', 1));
	f->kring->first = f->kcap + 5;
	rv_coalesce_flush_all(f->c);
	rv_coalesce_flush_all(f->c);
	/* Nothing read, nothing reset. */
	assert_int_equal(f->a.nr, 0);
	assert_int_equal(f->kring->first, f->kcap + 5);
	assert_int_equal(f->kring->last, 1);
	assert_int_equal(f->c->corrupt, 2);
	f->kring->first = 0;
	f->kring->last = UINT32_MAX;
	assert_int_equal(exit_pio(f->run, &f->ctx, A_PORT + 5, false, 0), RV_EXIT_ACTION_CONTINUE);
	assert_int_equal(f->a.nr, 1); /* the read itself */
	assert_int_equal(f->c->corrupt, 3);
	/* Back in range: drained as usual. */
	f->kring->last = 1;
	rv_coalesce_flush_all(f->c);
	assert_int_equal(f->a.nr, 2);
	expect_rec(&f->a, 1, true, true, A_PORT, 'a');
	fx_free(f);
}

/* ---- latency ---- */

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void test_latency(void **state)
{
	struct fx *f = fx_new(RV_COALESCE_PER_DEVICE, 16, false);
	struct rv_latency *l = &f->a.cdev.stats.latency;
	char *json = NULL;
	size_t len;
	FILE *mem;

	/*
	 * The gap is wide so that only a stall of 100 ms between two
	 * consecutive calls (not a slow machine) could blur the two bounds.
	 */
	rv_coalesce_flush_all(f->c); /* a drain that finds nothing, at t0 */
	sleep_ms(100);
	/* Written now, but only known to be after t0: the bound counts 100 ms. */
	assert_true(kernel_write(f, true, A_PORT, 'a', 1));
	rv_coalesce_flush_all(f->c);
	assert_int_equal(l->count, 1);
	assert_true(l->max_ns >= 100000000);
	/* Written right after a drain: its bound is short. */
	assert_true(kernel_write(f, true, A_PORT, 'b', 1));
	rv_coalesce_flush_all(f->c);
	assert_int_equal(l->count, 2);
	assert_true(rv_latency_percentile(l, 50) < 100000000);
	assert_true(rv_latency_percentile(l, 100) >= 100000000);

	mem = open_memstream(&json, &len);
	assert_non_null(mem);
	rv_coalesce_stats_json(&f->a.cdev, mem);
	fputs(" | ", mem);
	rv_coalesce_engine_json(f->c, mem);
	fclose(mem);
	for (const char *const *k =
		     (const char *const[]){
			     "\"zones\": 1", "\"ring_entries\": 16", "\"coalesced_writes\": 2",
			     "\"ordinary_exits\": 0", "\"drains\": 2", "\"ring_high_water\": 1",
			     "\"ring_full_fallbacks\": 0", "\"latency_us\": {\"p50\": ",
			     "\"p99\": ", "\"max\": ", "\"coalesce_mode\": \"per-device\"",
			     "\"coalesce_engine\": \"vm-ring-router\"",
			     "\"kernel_ring_entries\": 169", NULL };
	     *k; k++)
		if (!strstr(json, *k))
			fail_msg("no %s in %s", *k, json);
	free(json);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_basic),
		cmocka_unit_test(test_ring_wrap),
		cmocka_unit_test(test_mode_names),
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_zones_vm_closed),
		cmocka_unit_test(test_create_without_caps),
		cmocka_unit_test(test_routing),
		cmocka_unit_test(test_order_per_device),
		cmocka_unit_test(test_order_vm_ring),
		cmocka_unit_test(test_order_off),
		cmocka_unit_test(test_ring_full_fallback),
		cmocka_unit_test(test_handle_end_batches),
		cmocka_unit_test(test_kernel_ring_full_exit),
		cmocka_unit_test(test_corrupt_indices),
		cmocka_unit_test(test_latency),
	};

	return cmocka_run_group_tests_name("coalesce", tests, NULL, NULL);
}
