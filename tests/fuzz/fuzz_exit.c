// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the exit handler (vmm/exit.c) fed whole run pages.
 * The guest controls most of struct kvm_run after an exit (KVM copies its
 * port, address, length, count, data offset and data there), so every byte
 * of the three pages is the fuzzer's; the first byte picks the coalescing
 * mode, so exits also drain whatever the (zeroed) kernel ring holds.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_fx.h"
#include "vmm/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum rv_coalesce_mode modes[] = { RV_COALESCE_OFF, RV_COALESCE_VM_RING,
						       RV_COALESCE_PER_DEVICE };
	struct fx *f;

	if (!size)
		return 0;
	f = fx_new(modes[data[0] % RV_ARRAY_SIZE(modes)]);
	data++;
	size--;
	memcpy(f->run, data, rv_min_u64(size, FX_RUN_SIZE));
	/* Exit reasons the handler knows, most of the time. */
	if (size > FX_RUN_SIZE)
		f->run->exit_reason = data[FX_RUN_SIZE] % 32;
	rv_exit_handle(f->run, &f->ctx);
	fx_free(f);
	return 0;
}
