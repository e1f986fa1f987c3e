// SPDX-License-Identifier: GPL-2.0
/* The coalescing tests' fixture: see coalesce_fx.h. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/arch.h"
#include "vmm/kvm.h"
#include "vmm/util.h"
#include "vmm/vm.h"

#include "coalesce_fx.h"

/* ---- a fake KVM: capabilities set by the test, zones recorded ---- */

struct fake_kvm kvm;

int rv_kvm_cap(int fd, long cap)
{
	if (cap == KVM_CAP_COALESCED_MMIO)
		return kvm.mmio_cap;
	if (cap == KVM_CAP_COALESCED_PIO)
		return kvm.pio_cap;
	return 0;
}

int __rv_kvm_ioctl(int fd, unsigned long req, unsigned long arg)
{
	if (req != KVM_UNREGISTER_COALESCED_MMIO)
		fail_msg("unexpected ioctl 0x%lx", req);
	assert_true(kvm.nr_unreg < MAX_ZONES);
	kvm.unreg[kvm.nr_unreg++] = *(struct kvm_coalesced_mmio_zone *)arg;
	return 0;
}

int rv_kvm_ioctl_named(int fd, unsigned long req, unsigned long arg, const char *name)
{
	if (req != KVM_REGISTER_COALESCED_MMIO)
		fail_msg("%s called", name);
	assert_true(kvm.nr_reg < MAX_ZONES);
	kvm.reg[kvm.nr_reg++] = *(struct kvm_coalesced_mmio_zone *)arg;
	return 0;
}

/* vmm/vcpu.c's thread code: never reached here. */
int rv_arch_vcpu_init(struct rv_vcpu *vcpu)
{
	fail_msg("rv_arch_vcpu_init called");
	return -ENOSYS;
}

void rv_arch_vcpu_dump(struct rv_vcpu *vcpu, FILE *out)
{
	fail_msg("rv_arch_vcpu_dump called");
}

void rv_vm_request_exit(struct rv_vm *vm, int reason)
{
	fail_msg("rv_vm_request_exit called");
}

/* ---- the devices: they log what they handle, in order ---- */

static unsigned int global_seq;

static void tdev_access(struct tdev *d, bool write, bool coalesced, uint64_t addr, uint64_t data)
{
	pthread_mutex_lock(&d->lock);
	if (d->checking && write) {
		/* Writes carry 1, 2, 3, ...: anything else is lost or reordered. */
		if ((data & d->mask) != ((d->handled + 1) & d->mask))
			d->bad_order++;
		d->handled++;
	} else if (d->checking) {
		/* A read: every write its vCPU made before must be handled. */
		if (d->handled != __atomic_load_n(&d->written, __ATOMIC_RELAXED))
			d->stale_reads++;
	} else if (d->nr < LOG_MAX) {
		d->log[d->nr++] =
			(struct rec){ __atomic_fetch_add(&global_seq, 1, __ATOMIC_RELAXED), write,
				      coalesced, addr, data };
	}
	pthread_mutex_unlock(&d->lock);
}

static void tdev_handle(void *opaque, const struct rv_coalesce_entry *e)
{
	struct tdev *d = opaque;

	/* A test holds the handler here, as a device stuck in its work. */
	if (__atomic_load_n(&d->stall, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&d->stalled, true, __ATOMIC_RELEASE);
		while (__atomic_load_n(&d->stall, __ATOMIC_ACQUIRE))
			usleep(100);
	}
	/* One thread: the engine lock is busy only if this thread holds it. */
	if (!d->checking && !d->cdev.ctx) {
		if (pthread_mutex_trylock(&d->cdev.engine->lock))
			d->under_engine_lock++;
		else
			pthread_mutex_unlock(&d->cdev.engine->lock);
	}
	tdev_access(d, true, true, e->addr, e->data);
}

static void tdev_end(void *opaque)
{
	struct tdev *d = opaque;

	pthread_mutex_lock(&d->lock);
	if (d->ends < LOG_MAX)
		d->end_at[d->ends++] = d->nr;
	pthread_mutex_unlock(&d->lock);
}

static void tdev_read(void *opaque, uint64_t off, void *data, unsigned int len)
{
	struct tdev *d = opaque;

	memset(data, 0, len);
	tdev_access(d, false, false, d->base + off, 0);
}

static void tdev_write(void *opaque, uint64_t off, const void *data, unsigned int len)
{
	struct tdev *d = opaque;
	uint64_t v = 0;

	memcpy(&v, data, len);
	tdev_access(d, true, false, d->base + off, v);
}

static const struct rv_bus_ops tdev_ops = {
	.access_sizes = RV_BUS_SIZE_ANY,
	.read = tdev_read,
	.write = tdev_write,
};

static void tdev_init(struct fx *f, struct tdev *d, const char *name, bool pio, uint64_t base,
		      uint64_t len, uint64_t zone_len, uint32_t ring)
{
	enum rv_coalesce_drain drain = d->cdev.drain; /* the test's choice */

	snprintf(d->dev.name, sizeof(d->dev.name), "%s", name);
	d->base = base;
	pthread_mutex_init(&d->lock, NULL);
	assert_int_equal(rv_coalesce_ring_init(&d->ring, d->mem, ring), 0);
	d->cdev = (struct rv_coalesce_device){
		.name = d->dev.name,
		.ring = &d->ring,
		.handle = tdev_handle,
		.handle_end = tdev_end,
		.opaque = d,
		.drain = drain,
	};
	assert_int_equal(rv_coalesce_device_add(f->c, &d->cdev), 0);
	assert_int_equal(rv_coalesce_zone_add(&d->cdev, base, zone_len, pio), 0);
	d->dev.coalesce = &d->cdev;
	assert_int_equal(rv_bus_register(pio ? &f->pio : &f->mmio, base, len, &tdev_ops, d,
					 &d->dev),
			 0);
}

enum rv_coalesce_drain fx_policy = RV_COALESCE_DRAIN_SHARED;

struct fx *fx_new(enum rv_coalesce_mode mode, uint32_t a_ring, bool with_loop)
{
	return fx_new_drain(mode, a_ring, with_loop, RV_COALESCE_DRAIN_SHARED,
			    RV_COALESCE_DRAIN_SHARED);
}

struct fx *fx_new_drain(enum rv_coalesce_mode mode, uint32_t a_ring, bool with_loop,
			enum rv_coalesce_drain a_drain, enum rv_coalesce_drain b_drain)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	memset(&kvm, 0, sizeof(kvm));
	kvm.mmio_cap = 2;
	kvm.pio_cap = 1;
	rv_err_clear();
	f->kring = aligned_alloc(PAGE, PAGE);
	assert_non_null(f->kring);
	memset(f->kring, 0, PAGE);
	f->kcap = (PAGE - sizeof(*f->kring)) / sizeof(struct kvm_coalesced_mmio);
	rv_bus_init(&f->pio, "pio");
	rv_bus_init(&f->mmio, "mmio");
	f->with_loop = with_loop;
	if (with_loop)
		assert_int_equal(rv_loop_init(&f->loop, 16), 0);
	assert_int_equal(rv_coalesce_create(&f->c, mode, -1, f->kring, PAGE,
					    with_loop ? &f->loop : NULL, 1000000),
			 0);
	rv_coalesce_set_drain(f->c, fx_policy);
	f->a.cdev.drain = a_drain;
	f->b.cdev.drain = b_drain;
	tdev_init(f, &f->a, "A", true, A_PORT, 8, 1, a_ring);
	tdev_init(f, &f->b, "B", false, B_BASE, 0x1000, B_ZONE_LEN, 16);
	f->run = calloc(1, RUN_SIZE);
	assert_non_null(f->run);
	f->ctx = (struct rv_exit_ctx){
		.pio = &f->pio,
		.mmio = &f->mmio,
		.run_size = RUN_SIZE,
		.coalesce = f->c,
	};
	return f;
}

void fx_free(struct fx *f)
{
	/* The engine first: it flushes into devices that must still exist. */
	rv_coalesce_destroy(f->c);
	if (f->with_loop)
		rv_loop_destroy(&f->loop);
	rv_bus_destroy(&f->pio);
	rv_bus_destroy(&f->mmio);
	pthread_mutex_destroy(&f->a.lock);
	pthread_mutex_destroy(&f->b.lock);
	free(f->run);
	free(f->kring);
	free(f);
}

/* As KVM's coalesced_mmio_write(): fill the slot at last, then publish last. */
bool kernel_write(struct fx *f, bool pio, uint64_t addr, uint64_t data, uint32_t len)
{
	struct kvm_coalesced_mmio_ring *r = f->kring;
	uint32_t last = r->last; /* only "the kernel" writes it */
	struct kvm_coalesced_mmio *k;

	if ((last + 1) % f->kcap == __atomic_load_n(&r->first, __ATOMIC_ACQUIRE))
		return false; /* one slot always stays free */
	k = &r->coalesced_mmio[last];
	k->phys_addr = addr;
	k->len = len;
	k->pio = pio;
	memcpy(k->data, &data, sizeof(k->data));
	__atomic_store_n(&r->last, (last + 1) % f->kcap, __ATOMIC_RELEASE);
	return true;
}

enum rv_exit_action exit_pio(struct kvm_run *run, const struct rv_exit_ctx *ctx, uint16_t port,
			     bool write, uint8_t v)
{
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = write ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
	run->io.port = port;
	run->io.size = 1;
	run->io.count = 1;
	run->io.data_offset = PIO_OFFSET;
	((uint8_t *)run)[PIO_OFFSET] = v;
	return rv_exit_handle(run, ctx);
}

enum rv_exit_action exit_mmio(struct kvm_run *run, const struct rv_exit_ctx *ctx, uint64_t addr,
			      bool write, uint32_t len, uint64_t v)
{
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = addr;
	run->mmio.len = len;
	run->mmio.is_write = write;
	memcpy(run->mmio.data, &v, sizeof(v));
	return rv_exit_handle(run, ctx);
}

void expect_rec(const struct tdev *d, unsigned int i, bool write, bool coalesced, uint64_t addr,
		uint64_t data)
{
	const struct rec *r = &d->log[i];

	if (i >= d->nr)
		fail_msg("%s: access %u missing (%u logged)", d->dev.name, i, d->nr);
	if (r->write != write || r->coalesced != coalesced || r->addr != addr || r->data != data)
		fail_msg("%s[%u]: %s%s 0x%llx = 0x%llx, want %s%s 0x%llx = 0x%llx", d->dev.name, i,
			 r->coalesced ? "coalesced " : "", r->write ? "write" : "read",
			 (unsigned long long)r->addr, (unsigned long long)r->data,
			 coalesced ? "coalesced " : "", write ? "write" : "read",
			 (unsigned long long)addr, (unsigned long long)data);
}
