// SPDX-License-Identifier: GPL-2.0
/*
 * Description: per-device coalescing with threads and the event loop (run
 * it under TSan too: meson setup -Db_sanitize=thread). One producer and one
 * consumer thread pass millions of entries through a device ring, in order,
 * none lost. The event loop is woken for devices left with entries and its
 * timer drains when nothing exits. Two vCPU threads write to a kernel ring
 * that fills up (so some writes exit), read their device now and then, and
 * race a flusher thread that also reads statistics snapshots: every write
 * is handled once, in order, before any later read of the same device.
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
#include <unistd.h>

#include <cmocka.h>

#include "vmm/util.h"

#include "coalesce_fx.h"

#define SPSC_ENTRIES ((1u << 22) / SLOW)

static void *spsc_producer(void *arg)
{
	struct rv_coalesce_ring *r = arg;

	for (uint64_t i = 0; i < SPSC_ENTRIES;) {
		struct rv_coalesce_entry e = { .addr = i, .data = ~i, .len = 8 };

		if (rv_coalesce_ring_push(r, &e))
			i++;
		else
			sched_yield();
	}
	return NULL;
}

static void test_ring_threads(void **state)
{
	static struct rv_coalesce_entry mem[256];
	struct rv_coalesce_ring r;
	struct rv_coalesce_entry e;
	uint64_t next = 0, bad = 0;
	pthread_t t;

	assert_int_equal(rv_coalesce_ring_init(&r, mem, 256), 0);
	r.head = r.tail = UINT32_MAX - 1000; /* and cross the wrap */
	assert_int_equal(pthread_create(&t, NULL, spsc_producer, &r), 0);
	while (next < SPSC_ENTRIES) {
		if (!rv_coalesce_ring_pop(&r, &e)) {
			sched_yield();
			continue;
		}
		bad += e.addr != next || e.data != ~next || e.len != 8;
		next++;
	}
	pthread_join(t, NULL);
	assert_int_equal(bad, 0);
	assert_false(rv_coalesce_ring_pop(&r, &e));
}

/* ---- the event loop: woken for other devices, and the timer ---- */

struct waiter {
	struct fx *f;
	struct tdev *d;
	unsigned int want;
	uint64_t deadline;
	struct rv_loop_watch tick;
};

/* Under the device's lock: a drain context may be handling meanwhile. */
static unsigned int nr_of(struct tdev *d)
{
	unsigned int n;

	pthread_mutex_lock(&d->lock);
	n = d->nr;
	pthread_mutex_unlock(&d->lock);
	return n;
}

static void on_tick(void *opaque, int res)
{
	struct waiter *w = opaque;

	if (nr_of(w->d) >= w->want || rv_now_ns() > w->deadline)
		rv_loop_stop(&w->f->loop);
}

static void run_loop_until(struct waiter *w, struct tdev *d, unsigned int want)
{
	w->d = d;
	w->want = want;
	w->deadline = rv_now_ns() + 5000000000ULL;
	w->f->loop.stopping = false;
	assert_int_equal(rv_loop_run(&w->f->loop), 0);
	assert_int_equal(nr_of(d), want);
}

static void test_loop(void **state)
{
	struct fx *f = fx_new(RV_COALESCE_PER_DEVICE, 16, true);
	struct waiter w = { .f = f };

	assert_int_equal(rv_loop_add_timer(&f->loop, &w.tick, 200000, on_tick, &w, "tick"), 0);
	/* Only the accessed device has entries: nobody to wake. */
	assert_true(kernel_write(f, true, A_PORT, 'a', 1));
	assert_int_equal(exit_pio(f->run, &f->ctx, A_PORT + 5, false, 0), RV_EXIT_ACTION_CONTINUE);
	assert_false(f->c->wake_sent);
	/* B's write is left to the loop, woken by the exit on A. */
	assert_true(kernel_write(f, false, B_BASE, 0xb, 8));
	assert_int_equal(exit_pio(f->run, &f->ctx, A_PORT + 5, false, 0), RV_EXIT_ACTION_CONTINUE);
	assert_true(f->c->wake_sent);
	run_loop_until(&w, &f->b, 1);
	expect_rec(&f->b, 0, true, true, B_BASE, 0xb);
	assert_int_equal(f->c->wakeups, 1);
	assert_false(f->c->wake_sent);
	/* No exit at all: the drain timer (1 ms here) handles it. */
	assert_true(kernel_write(f, false, B_BASE + 8, 0xc, 8));
	run_loop_until(&w, &f->b, 2);
	expect_rec(&f->b, 1, true, true, B_BASE + 8, 0xc);
	assert_true(f->c->timer_flushes >= 1);
	rv_loop_remove(&w.tick);
	fx_free(f);
}

/* ---- vCPU threads, a kernel that can fill up, and a flusher ---- */

#define CONC_WRITES (200000 / SLOW)

struct vcpu_thread {
	struct fx *f;
	struct tdev *d;
	pthread_mutex_t *kernel_lock; /* KVM's ring_lock */
	struct kvm_run *run;
	struct rv_exit_ctx ctx;
	uint64_t bad_exits, ring_full_exits;
};

static void *vcpu_thread(void *arg)
{
	struct vcpu_thread *t = arg;
	bool pio = t->d == &t->f->a;

	for (uint64_t seq = 1; seq <= CONC_WRITES; seq++) {
		bool queued;

		pthread_mutex_lock(t->kernel_lock);
		queued = kernel_write(t->f, pio, t->d->base, seq, pio ? 1 : 8);
		pthread_mutex_unlock(t->kernel_lock);
		/* The write is done before this vCPU goes on: tell the device. */
		__atomic_store_n(&t->d->written, seq, __ATOMIC_RELAXED);
		if (!queued) {
			/* KVM's ring is full: the write exits instead. */
			t->ring_full_exits++;
			if (pio)
				t->bad_exits += exit_pio(t->run, &t->ctx, A_PORT, true, seq) != 0;
			else
				t->bad_exits += exit_mmio(t->run, &t->ctx, B_BASE, true, 8, seq) !=
						0;
		}
		if (seq % 7)
			continue;
		/* A read: it must see every write above handled. */
		if (pio)
			t->bad_exits += exit_pio(t->run, &t->ctx, A_PORT + 5, false, 0) != 0;
		else
			t->bad_exits += exit_mmio(t->run, &t->ctx, B_BASE + 0x800, false, 8, 0) !=
					0;
	}
	return NULL;
}

static bool flusher_stop;
static uint64_t snapshot_errors;

/* The drain timer's work, as often as it can, and statistics read meanwhile. */
static void *flusher_thread(void *arg)
{
	struct fx *f = arg;
	struct rv_coalesce_stats *s = malloc(sizeof(*s));
	uint64_t prev = 0;

	while (!__atomic_load_n(&flusher_stop, __ATOMIC_ACQUIRE)) {
		rv_coalesce_flush_all(f->c);
		rv_coalesce_stats_snapshot(&f->b.cdev, s);
		/* Consistent: counters only grow, samples never outrun entries. */
		if (s->coalesced_writes < prev || s->latency.count > s->coalesced_writes)
			snapshot_errors++;
		prev = s->coalesced_writes;
		sched_yield();
	}
	free(s);
	return NULL;
}

static void concurrent(enum rv_coalesce_mode mode, enum rv_coalesce_drain drain)
{
	struct fx *f = fx_new_drain(mode, 8, false, drain, drain);
	pthread_mutex_t kernel_lock = PTHREAD_MUTEX_INITIALIZER;
	struct vcpu_thread t[2] = {
		{ .f = f, .d = &f->a, .kernel_lock = &kernel_lock },
		{ .f = f, .d = &f->b, .kernel_lock = &kernel_lock },
	};
	pthread_t th[3];

	f->a.checking = f->b.checking = true;
	f->a.mask = 0xff; /* A's zone is one byte wide */
	f->b.mask = UINT64_MAX;
	flusher_stop = false;
	snapshot_errors = 0;
	for (int i = 0; i < 2; i++) {
		t[i].run = calloc(1, RUN_SIZE);
		assert_non_null(t[i].run);
		t[i].ctx = f->ctx;
		assert_int_equal(pthread_create(&th[i], NULL, vcpu_thread, &t[i]), 0);
	}
	assert_int_equal(pthread_create(&th[2], NULL, flusher_thread, f), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	__atomic_store_n(&flusher_stop, true, __ATOMIC_RELEASE);
	pthread_join(th[2], NULL);
	rv_coalesce_flush_all(f->c);

	for (int i = 0; i < 2; i++) {
		struct tdev *d = t[i].d;
		const struct rv_coalesce_stats *s = &d->cdev.stats;

		assert_int_equal(t[i].bad_exits, 0);
		assert_int_equal(d->handled, CONC_WRITES);
		assert_int_equal(d->bad_order, 0);
		assert_int_equal(d->stale_reads, 0);
		assert_int_equal(s->coalesced_writes + t[i].ring_full_exits, CONC_WRITES);
		assert_true(s->coalesced_writes > 0);
		assert_int_equal(s->latency.count, s->coalesced_writes);
		free(t[i].run);
	}
	assert_int_equal(f->c->unrouted, 0);
	assert_int_equal(snapshot_errors, 0);
	fx_free(f);
}

static void test_concurrent_per_device(void **state)
{
	concurrent(RV_COALESCE_PER_DEVICE, RV_COALESCE_DRAIN_SHARED);
}

/* The same with each device drained by a thread of its own as well. */
static void test_concurrent_own_drain(void **state)
{
	concurrent(RV_COALESCE_PER_DEVICE, RV_COALESCE_DRAIN_OWN);
}

static void test_concurrent_vm_ring(void **state)
{
	concurrent(RV_COALESCE_VM_RING, RV_COALESCE_DRAIN_SHARED);
}

/* ---- drain contexts: isolation, and no idle work ---- */

static bool wait_flag(bool *flag, unsigned int ms)
{
	uint64_t until = rv_now_ns() + ms * 1000000ULL;

	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE) && rv_now_ns() < until)
		usleep(100);
	return __atomic_load_n(flag, __ATOMIC_ACQUIRE);
}

/*
 * B has a context of its own and its handler is stuck (a device stuck in
 * its I/O). The guest keeps writing to B, more than B's ring holds, and
 * to A; an access to A still completes at once, with A's writes handled:
 * it waits for A's earlier writes, never for B's. Before drain contexts,
 * B's full ring made the drain handle B's entries under the engine lock,
 * and the access to A hung behind B's stuck handler.
 */
static void test_stuck_neighbour(void **state)
{
	struct fx *f = fx_new_drain(RV_COALESCE_PER_DEVICE, 16, false, RV_COALESCE_DRAIN_SHARED,
				    RV_COALESCE_DRAIN_OWN);
	uint64_t t0;

	assert_non_null(f->b.cdev.ctx);
	assert_null(f->a.cdev.ctx);
	__atomic_store_n(&f->b.stall, true, __ATOMIC_RELEASE);
	assert_true(kernel_write(f, false, B_BASE, 1, 8));
	/* An access to A drains and hands B's entry to B's own thread, which sticks. */
	assert_int_equal(exit_pio(f->run, &f->ctx, A_PORT + 5, false, 0), RV_EXIT_ACTION_CONTINUE);
	assert_true(wait_flag(&f->b.stalled, 5000));
	for (uint64_t i = 2; i <= 40; i++)
		assert_true(kernel_write(f, false, B_BASE, i, 8));
	assert_true(kernel_write(f, true, A_PORT, 'a', 1));
	t0 = rv_now_ns();
	assert_int_equal(exit_pio(f->run, &f->ctx, A_PORT + 5, false, 0), RV_EXIT_ACTION_CONTINUE);
	assert_true(rv_now_ns() - t0 < 100000000ULL);
	assert_int_equal(nr_of(&f->a), 3);
	expect_rec(&f->a, 1, true, true, A_PORT, 'a');
	assert_true(f->b.cdev.stats.spilled > 0);
	assert_int_equal(f->b.cdev.stats.ring_full_fallbacks, 0);
	/* B comes back: its 40 writes, once and in order, by its own thread. */
	__atomic_store_n(&f->b.stall, false, __ATOMIC_RELEASE);
	rv_coalesce_flush_all(f->c);
	assert_int_equal(nr_of(&f->b), 40);
	for (unsigned int i = 0; i < 40; i++)
		expect_rec(&f->b, i, true, true, B_BASE, i + 1);
	fx_free(f);
}

/*
 * A device given a context by the policy (--coalesce-drain per-device)
 * whose handling proved cheap is handled by the loop's tick itself: no
 * thread wake-up for a few microseconds of work. Its first batch, not yet
 * measured, goes to its own thread.
 */
static void test_cheap_context_inline(void **state)
{
	struct fx *f;
	struct waiter w;
	uint64_t wakeups;

	fx_policy = RV_COALESCE_DRAIN_OWN;
	f = fx_new_drain(RV_COALESCE_PER_DEVICE, 16, true, RV_COALESCE_DRAIN_SHARED,
			 RV_COALESCE_DRAIN_DEFAULT);
	fx_policy = RV_COALESCE_DRAIN_SHARED;
	w = (struct waiter){ .f = f };
	assert_non_null(f->b.cdev.ctx);
	assert_int_equal(rv_loop_add_timer(&f->loop, &w.tick, 200000, on_tick, &w, "tick"), 0);
	assert_true(kernel_write(f, false, B_BASE, 1, 8));
	assert_int_equal(exit_pio(f->run, &f->ctx, A_PORT + 5, false, 0), RV_EXIT_ACTION_CONTINUE);
	for (int i = 0; i < 5000 && nr_of(&f->b) < 1; i++)
		usleep(1000);
	assert_int_equal(nr_of(&f->b), 1);
	wakeups = __atomic_load_n(&f->b.cdev.stats.ctx_wakeups, __ATOMIC_RELAXED);
	assert_true(wakeups >= 1);
	assert_true(__atomic_load_n(&f->b.cdev.handle_ns_avg, __ATOMIC_RELAXED) > 0);
	/*
	 * Cheap (set, not left to this machine's speed: under TSan the
	 * handler alone takes microseconds): the drain timer's tick handles
	 * the next one.
	 */
	__atomic_store_n(&f->b.cdev.handle_ns_avg, 100, __ATOMIC_RELAXED);
	assert_true(kernel_write(f, false, B_BASE + 8, 2, 8));
	run_loop_until(&w, &f->b, 2);
	expect_rec(&f->b, 1, true, true, B_BASE + 8, 2);
	assert_int_equal(__atomic_load_n(&f->b.cdev.stats.ctx_wakeups, __ATOMIC_RELAXED), wakeups);
	rv_loop_remove(&w.tick);
	fx_free(f);
}

/* Run the loop for @ms (nothing to wait for). */
static void run_loop_for(struct waiter *w, unsigned int ms)
{
	w->d = &w->f->b;
	w->want = UINT32_MAX;
	w->deadline = rv_now_ns() + ms * 1000000ULL;
	w->f->loop.stopping = false;
	assert_int_equal(rv_loop_run(&w->f->loop), 0);
}

/*
 * No idle work: with nothing written and no exit, the drain timer stops
 * after one quiet tick and the loop sleeps (no timer completions); an exit
 * starts it again, and a write made without any exit after that is still
 * drained by it. The test's own tick is 20 ms, the drain timer's 1 ms.
 */
static void test_idle_timer(void **state)
{
	struct fx *f = fx_new(RV_COALESCE_PER_DEVICE, 16, true);
	struct waiter w = { .f = f };
	uint64_t flushes;

	assert_int_equal(rv_loop_add_timer(&f->loop, &w.tick, 20000000, on_tick, &w, "tick"), 0);
	run_loop_for(&w, 50);
	assert_false(__atomic_load_n(&f->c->tick_armed, __ATOMIC_ACQUIRE));
	flushes = f->c->timer_flushes;
	assert_true(flushes >= 1 && flushes <= 3);
	run_loop_for(&w, 100);
	assert_int_equal(f->c->timer_flushes, flushes); /* idle: not one tick */
	/* An exit: the timer runs again, and drains B's write made after it. */
	assert_int_equal(exit_pio(f->run, &f->ctx, A_PORT + 5, false, 0), RV_EXIT_ACTION_CONTINUE);
	assert_true(__atomic_load_n(&f->c->tick_armed, __ATOMIC_ACQUIRE));
	assert_true(kernel_write(f, false, B_BASE, 0xb, 8));
	run_loop_until(&w, &f->b, 1);
	expect_rec(&f->b, 0, true, true, B_BASE, 0xb);
	assert_true(f->c->timer_flushes > flushes);
	run_loop_for(&w, 50);
	assert_false(__atomic_load_n(&f->c->tick_armed, __ATOMIC_ACQUIRE));
	rv_loop_remove(&w.tick);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_threads),
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_concurrent_per_device),
		cmocka_unit_test(test_concurrent_vm_ring),
		cmocka_unit_test(test_concurrent_own_drain),
		cmocka_unit_test(test_stuck_neighbour),
		cmocka_unit_test(test_idle_timer),
		cmocka_unit_test(test_cheap_context_inline),
	};

	return cmocka_run_group_tests_name("coalesce_threads", tests, NULL, NULL);
}
