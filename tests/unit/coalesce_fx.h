/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture of the coalescing tests (test_coalesce.c,
 * test_coalesce_threads.c): a fake KVM, two logging devices on real buses
 * with the real engine, an INJECTED kernel ring (a page filled the way KVM
 * fills it), and made-up exits through the real rv_exit_handle().
 *
 *   A: ports A_PORT..+7 on the PIO bus; zone: A_PORT alone (a UART's THR)
 *   B: B_BASE..+0xfff on the MMIO bus; zone: the first B_ZONE_LEN bytes
 */
#ifndef RV_TEST_COALESCE_FX_H
#define RV_TEST_COALESCE_FX_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmm/bus.h"
#include "vmm/coalesce/engine.h"
#include "vmm/device.h"
#include "vmm/loop.h"
#include "vmm/vcpu.h"

#if defined(__SANITIZE_THREAD__)
#define SLOW 4 /* TSan: fewer iterations, the same coverage */
#else
#define SLOW 1
#endif

/* What the fake KVM was asked. */
#define MAX_ZONES 32
struct fake_kvm {
	int mmio_cap, pio_cap; /* KVM_CAP_COALESCED_MMIO / _PIO values */
	unsigned int nr_reg, nr_unreg;
	struct kvm_coalesced_mmio_zone reg[MAX_ZONES], unreg[MAX_ZONES];
};
extern struct fake_kvm kvm;

#define PAGE 4096
#define RUN_SIZE (3 * PAGE)
#define PIO_OFFSET PAGE
#define A_PORT 0x3f8
#define B_BASE 0xd0000000ULL
#define B_ZONE_LEN 0x100
#define LOG_MAX 256

struct rec {
	unsigned int seq; /* the order of handling, across devices */
	bool write, coalesced;
	uint64_t addr, data;
};

struct tdev {
	struct rv_device dev;
	struct rv_coalesce_device cdev;
	struct rv_coalesce_ring ring;
	struct rv_coalesce_entry mem[128];
	uint64_t base;
	pthread_mutex_t lock; /* the device's own lock: after the flush lock */
	struct rec log[LOG_MAX];
	unsigned int nr;
	/* handle_end() calls: how many, and nr at each (the batches). */
	unsigned int ends, end_at[LOG_MAX];
	/* A test sets stall to hold the handler; stalled: it is held. */
	bool stall, stalled;
	/* Single-threaded tests: entries handled with the engine lock held. */
	unsigned int under_engine_lock;
	/* Threaded tests: check the order instead of logging. */
	bool checking;
	uint64_t mask, handled, written, bad_order, stale_reads;
};

struct fx {
	struct kvm_coalesced_mmio_ring *kring; /* the injected kernel ring */
	uint32_t kcap;
	struct rv_bus pio, mmio;
	struct rv_loop loop;
	bool with_loop;
	struct rv_coalesce *c;
	struct tdev a, b;
	struct kvm_run *run;
	struct rv_exit_ctx ctx;
};

/* A's device ring holds @a_ring entries (a power of two up to 128). */
struct fx *fx_new(enum rv_coalesce_mode mode, uint32_t a_ring, bool with_loop);
/* The engine's drain policy for the next fx_new_drain() (default: shared). */
extern enum rv_coalesce_drain fx_policy;
/* The same, with each device's choice of drain context. */
struct fx *fx_new_drain(enum rv_coalesce_mode mode, uint32_t a_ring, bool with_loop,
			enum rv_coalesce_drain a_drain, enum rv_coalesce_drain b_drain);
void fx_free(struct fx *f);

/* What KVM's coalesced_mmio_write() does; false when it would exit instead. */
bool kernel_write(struct fx *f, bool pio, uint64_t addr, uint64_t data, uint32_t len);

enum rv_exit_action exit_pio(struct kvm_run *run, const struct rv_exit_ctx *ctx, uint16_t port,
			     bool write, uint8_t v);
enum rv_exit_action exit_mmio(struct kvm_run *run, const struct rv_exit_ctx *ctx, uint64_t addr,
			      bool write, uint32_t len, uint64_t v);

/* d->log[i] is this access (fails the test otherwise). */
void expect_rec(const struct tdev *d, unsigned int i, bool write, bool coalesced, uint64_t addr,
		uint64_t data);

#endif
