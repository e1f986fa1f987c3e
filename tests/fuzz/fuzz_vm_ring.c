// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the coalesced ring drain and routing (vmm/coalesce/
 * vm-ring.c, engine.c) fed a hostile kernel ring. The ring page is shared
 * with KVM and, through the zones, filled by the guest's writes: its first
 * and last indices and every entry (address, length, pio flag, data) are
 * the fuzzer's. The drain must clamp the indices, route each entry only to
 * the device whose zone holds all of it (fx_handle checks), drop the rest,
 * and never read or write outside the page.
 *
 * Input: byte 0 picks the mode (vm-ring or per-device); the rest is the
 * ring page, then exits are made on both devices so each path drains.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_fx.h"
#include "vmm/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fx_exit_mmio(struct fx *f, uint64_t addr)
{
	memset(f->run, 0, sizeof(*f->run));
	f->run->exit_reason = KVM_EXIT_MMIO;
	f->run->mmio.phys_addr = addr;
	f->run->mmio.len = 1;
	rv_exit_handle(f->run, &f->ctx);
}

static void fx_exit_pio(struct fx *f, uint16_t port)
{
	memset(f->run, 0, sizeof(*f->run));
	f->run->exit_reason = KVM_EXIT_IO;
	f->run->io.direction = KVM_EXIT_IO_IN;
	f->run->io.port = port;
	f->run->io.size = 1;
	f->run->io.count = 1;
	f->run->io.data_offset = FX_PAGE;
	rv_exit_handle(f->run, &f->ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fx *f;

	if (!size)
		return 0;
	f = fx_new(data[0] & 1 ? RV_COALESCE_VM_RING : RV_COALESCE_PER_DEVICE);
	memcpy(f->kring, data + 1, rv_min_u64(size - 1, FX_PAGE));
	fx_exit_mmio(f, FX_MMIO_BASE + 0x800);
	fx_exit_pio(f, FX_PIO_PORT + 5);
	/* The guest keeps writing while we drain: a second hostile page. */
	if (size > 1 + FX_PAGE)
		memcpy(f->kring, data + 1 + FX_PAGE, rv_min_u64(size - 1 - FX_PAGE, FX_PAGE));
	fx_exit_pio(f, FX_PIO_PORT + 5);
	rv_coalesce_flush_all(f->c);
	fx_free(f);
	return 0;
}
