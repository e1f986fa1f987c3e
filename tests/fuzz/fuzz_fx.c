// SPDX-License-Identifier: GPL-2.0
/* The fuzz targets' fixture: see fuzz_fx.h. */
#include "fuzz_fx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "vmm/kvm.h"
#include "vmm/util.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

void fx_check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz: invariant broken: %s\n", what);
		abort();
	}
}

int rv_kvm_cap(int fd, long cap)
{
	if (cap == KVM_CAP_COALESCED_MMIO)
		return 2;
	return cap == KVM_CAP_COALESCED_PIO;
}

int __rv_kvm_ioctl(int fd, unsigned long req, unsigned long arg)
{
	fx_check(req == KVM_UNREGISTER_COALESCED_MMIO, "only zone removal reaches KVM");
	return 0;
}

int rv_kvm_ioctl_named(int fd, unsigned long req, unsigned long arg, const char *name)
{
	fx_check(req == KVM_REGISTER_COALESCED_MMIO, "only zone registration reaches KVM");
	return 0;
}

/* vcpu.c's thread code is linked through exit.c's neighbours: never run. */
int rv_arch_vcpu_init(struct rv_vcpu *vcpu)
{
	abort();
}

void rv_arch_vcpu_dump(struct rv_vcpu *vcpu, FILE *out)
{
	abort();
}

void rv_vm_request_exit(struct rv_vm *vm, int reason)
{
	abort();
}

static void fx_handle(void *opaque, const struct rv_coalesce_entry *e)
{
	struct fx_dev *d = opaque;

	/* Routing: an entry reaches only the device whose zone holds it. */
	fx_check(e->addr >= d->base && e->addr - d->base < d->len, "entry routed to its device");
	d->handled++;
}

static void fx_access(void *opaque, uint64_t off, void *data, unsigned int len)
{
	struct fx_dev *d = opaque;

	fx_check(off < d->len && len <= d->len - off, "bus access inside the range");
	memset(data, 0xa5, len);
}

static void fx_write(void *opaque, uint64_t off, const void *data, unsigned int len)
{
	struct fx_dev *d = opaque;

	fx_check(off < d->len && len <= d->len - off, "bus access inside the range");
}

static const struct rv_bus_ops fx_ops = {
	.access_sizes = RV_BUS_SIZE_ANY,
	.read = fx_access,
	.write = fx_write,
};

static void fx_dev_init(struct fx *f, struct fx_dev *d, const char *name, bool pio, uint64_t base,
			uint64_t len, uint64_t zone)
{
	snprintf(d->dev.name, sizeof(d->dev.name), "%s", name);
	d->base = base;
	d->len = len;
	if (rv_coalesce_ring_init(&d->ring, d->mem, RV_ARRAY_SIZE(d->mem)))
		abort();
	d->cdev = (struct rv_coalesce_device){
		.name = d->dev.name,
		.ring = &d->ring,
		.handle = fx_handle,
		.opaque = d,
	};
	if (rv_coalesce_device_add(f->c, &d->cdev) ||
	    rv_coalesce_zone_add(&d->cdev, base, zone, pio))
		abort();
	d->dev.coalesce = &d->cdev;
	if (rv_bus_register(pio ? &f->pio : &f->mmio, base, len, &fx_ops, d, &d->dev))
		abort();
}

struct fx *fx_new(enum rv_coalesce_mode mode)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		abort();
	f->kring = aligned_alloc(FX_PAGE, FX_PAGE);
	f->run = aligned_alloc(FX_PAGE, FX_RUN_SIZE);
	if (!f->kring || !f->run)
		abort();
	memset(f->kring, 0, FX_PAGE);
	memset(f->run, 0, FX_RUN_SIZE);
	rv_bus_init(&f->pio, "pio");
	rv_bus_init(&f->mmio, "mmio");
	if (rv_coalesce_create(&f->c, mode, -1, f->kring, FX_PAGE, NULL, 1000000))
		abort();
	fx_dev_init(f, &f->a, "A", true, FX_PIO_PORT, 8, 1);
	fx_dev_init(f, &f->b, "B", false, FX_MMIO_BASE, 0x1000, 0x100);
	f->ctx = (struct rv_exit_ctx){
		.pio = &f->pio,
		.mmio = &f->mmio,
		.run_size = FX_RUN_SIZE,
		.coalesce = f->c,
	};
	return f;
}

void fx_free(struct fx *f)
{
	rv_coalesce_destroy(f->c);
	rv_bus_destroy(&f->pio);
	rv_bus_destroy(&f->mmio);
	free(f->run);
	free(f->kring);
	free(f);
}
