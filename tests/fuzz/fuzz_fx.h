/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the libFuzzer targets share: a fake KVM (capabilities present,
 * zone ioctls accepted), the vCPU thread's hooks (never reached), and a
 * machine of two sink devices on the real buses with the real coalescing
 * engine over an injected kernel ring page, as tests/unit/coalesce_fx.c
 * builds it but without cmocka: a fuzz finding is a crash or a sanitizer
 * report, and fx_check() aborts on a broken invariant.
 */
#ifndef RV_FUZZ_FX_H
#define RV_FUZZ_FX_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/bus.h"
#include "vmm/coalesce/engine.h"
#include "vmm/device.h"
#include "vmm/exit.h"

#define FX_PAGE 4096
#define FX_RUN_SIZE (3 * FX_PAGE)
#define FX_PIO_PORT 0x3f8
#define FX_MMIO_BASE 0xd0000000ULL

struct fx_dev {
	struct rv_device dev;
	struct rv_coalesce_device cdev;
	struct rv_coalesce_ring ring;
	struct rv_coalesce_entry mem[64];
	uint64_t base, len;
	uint64_t handled; /* entries the engine handed over */
};

struct fx {
	struct kvm_coalesced_mmio_ring *kring; /* one page, "the kernel's" */
	struct rv_bus pio, mmio;
	struct rv_coalesce *c;
	struct fx_dev a, b;
	struct kvm_run *run; /* FX_RUN_SIZE bytes */
	struct rv_exit_ctx ctx;
};

struct fx *fx_new(enum rv_coalesce_mode mode);
void fx_free(struct fx *f);
/* abort() with @what unless @ok: an invariant the code promises broke. */
void fx_check(bool ok, const char *what);

#endif
