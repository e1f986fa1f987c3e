// SPDX-License-Identifier: GPL-2.0
/*
 * The exit handler: what a KVM_RUN exit means, and the I/O it asks for.
 * Pure in the run page and the buses, so tests/unit/test_vcpu_exit.c feeds
 * it made-up run pages; the vCPU thread (vcpu.c) only calls it.
 */
#include "exit.h"

#include <linux/kvm.h>
#include <stdio.h>

#include "bus.h"
#include "vmm/coalesce/coalesce.h"
#include "device.h"

/*
 * Flush-before-access (vmm/coalesce/coalesce.h): the device that owns the range the
 * access falls in handles its coalesced writes first, so a read, or a
 * write that exited, sees them done. The drain happens even for an access
 * no device owns: it is also how other devices' writes get going.
 */
static void rv_exit_before_access(const struct rv_exit_ctx *ctx, const struct rv_bus *bus,
				  uint64_t addr, unsigned int len)
{
	const struct rv_bus_range *r;

	if (!ctx->coalesce)
		return;
	r = rv_bus_find(bus, addr, len);
	rv_coalesce_before_exit(ctx->coalesce, r && r->owner ? r->owner->coalesce : NULL);
}

static enum rv_exit_action rv_exit_handle_io(struct kvm_run *run, const struct rv_exit_ctx *ctx)
{
	uint64_t size = run->io.size, count = run->io.count, end;
	uint8_t *data;

	/*
	 * KVM fills these, but they index our mapping of the run page: check
	 * that data_offset + size * count stays inside it (api.rst, struct
	 * kvm_run: KVM_EXIT_IO) rather than trust them.
	 */
	if ((size != 1 && size != 2 && size != 4) || count == 0 ||
	    __builtin_mul_overflow(size, count, &end) ||
	    __builtin_add_overflow(end, (uint64_t)run->io.data_offset, &end) || end > ctx->run_size)
		return RV_EXIT_ACTION_DIED;

	rv_exit_before_access(ctx, ctx->pio, run->io.port, size);
	data = (uint8_t *)run + run->io.data_offset;
	/* String I/O (rep ins/outs) arrives as @count items of @size bytes. */
	for (uint64_t i = 0; i < count; i++, data += size)
		rv_bus_access(ctx->pio, run->io.port, data, size,
			      run->io.direction == KVM_EXIT_IO_OUT);
	return RV_EXIT_ACTION_CONTINUE;
}

enum rv_exit_action rv_exit_handle(struct kvm_run *run, const struct rv_exit_ctx *ctx)
{
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return rv_exit_handle_io(run, ctx);
	case KVM_EXIT_MMIO:
		if (run->mmio.len == 0 || run->mmio.len > sizeof(run->mmio.data))
			return RV_EXIT_ACTION_DIED;
		rv_exit_before_access(ctx, ctx->mmio, run->mmio.phys_addr, run->mmio.len);
		rv_bus_access(ctx->mmio, run->mmio.phys_addr, run->mmio.data, run->mmio.len,
			      run->mmio.is_write);
		return RV_EXIT_ACTION_CONTINUE;
	case KVM_EXIT_INTR:
		return RV_EXIT_ACTION_INTERRUPTED;
	case KVM_EXIT_HLT:
		/*
		 * Only without an in-kernel irqchip: nothing can wake the
		 * vCPU, so a halted guest is done. ringvmm always creates an
		 * irqchip, where HLT is handled in the kernel.
		 */
		return RV_EXIT_ACTION_POWEROFF;
	case KVM_EXIT_SYSTEM_EVENT:
		switch (run->system_event.type) {
		case KVM_SYSTEM_EVENT_SHUTDOWN:
			return RV_EXIT_ACTION_POWEROFF;
		case KVM_SYSTEM_EVENT_RESET:
			return RV_EXIT_ACTION_RESET;
		default:
			return RV_EXIT_ACTION_DIED;
		}
	case KVM_EXIT_SHUTDOWN: /* x86 triple fault */
	case KVM_EXIT_INTERNAL_ERROR:
	case KVM_EXIT_FAIL_ENTRY:
	default:
		return RV_EXIT_ACTION_DIED;
	}
}

void rv_exit_describe(const struct kvm_run *run, char *buf, size_t len)
{
	switch (run->exit_reason) {
	case KVM_EXIT_SHUTDOWN:
		snprintf(buf, len, "triple fault (KVM_EXIT_SHUTDOWN)");
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(buf, len, "KVM internal error, suberror %u%s", run->internal.suberror,
			 run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ?
				 " (instruction emulation failed)" :
				 "");
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(buf, len, "VM entry failed, hardware reason 0x%llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		snprintf(buf, len, "system event %u%s", run->system_event.type,
			 run->system_event.type == KVM_SYSTEM_EVENT_CRASH ? " (the guest crashed)" :
									    "");
		break;
	case KVM_EXIT_IO:
		snprintf(buf, len, "malformed I/O exit (size %u count %u offset %llu)",
			 run->io.size, run->io.count, (unsigned long long)run->io.data_offset);
		break;
	case KVM_EXIT_MMIO:
		snprintf(buf, len, "malformed MMIO exit (len %u)", run->mmio.len);
		break;
	default:
		snprintf(buf, len, "unexpected exit reason %u", run->exit_reason);
		break;
	}
}
