// SPDX-License-Identifier: GPL-2.0
#include "vcpu.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../arch/arch.h"
#include "bus.h"
#include "coalesce.h"
#include "device.h"
#include "kvm.h"
#include "util.h"
#include "vm.h"

/* The signal that kicks a vCPU thread out of KVM_RUN. */
#define RV_VCPU_KICK_SIGNAL SIGUSR1
/*
 * A vCPU thread runs the exit handler and device code: shallow call chains.
 * The default 8 MiB stack would be backed by a 2 MiB huge page on hosts
 * with transparent huge pages, for nothing.
 */
#define RV_VCPU_STACK_SIZE (256 * 1024)

/*
 * Flush-before-access (vmm/coalesce.h): the device that owns the range the
 * access falls in handles its coalesced writes first, so a read, or a
 * write that exited, sees them done. The drain happens even for an access
 * no device owns: it is also how other devices' writes get going.
 */
static void rv_vcpu_before_access(const struct rv_exit_ctx *ctx, const struct rv_bus *bus,
				  uint64_t addr, unsigned int len)
{
	const struct rv_bus_range *r;

	if (!ctx->coalesce)
		return;
	r = rv_bus_find(bus, addr, len);
	rv_coalesce_before_exit(ctx->coalesce, r && r->owner ? r->owner->coalesce : NULL);
}

static enum rv_exit_action rv_vcpu_handle_io(struct kvm_run *run, const struct rv_exit_ctx *ctx)
{
	uint64_t size = run->io.size, count = run->io.count, end;
	uint8_t *data;

	/*
	 * KVM fills these, but they index our mapping of the run page: check
	 * that data_offset + size * count stays inside it (api.rst 5.
	 * "The kvm_run structure", KVM_EXIT_IO) rather than trust them.
	 */
	if ((size != 1 && size != 2 && size != 4) || count == 0 ||
	    __builtin_mul_overflow(size, count, &end) ||
	    __builtin_add_overflow(end, (uint64_t)run->io.data_offset, &end) || end > ctx->run_size)
		return RV_EXIT_ACTION_DIED;

	rv_vcpu_before_access(ctx, ctx->pio, run->io.port, size);
	data = (uint8_t *)run + run->io.data_offset;
	/* String I/O (rep ins/outs) arrives as @count items of @size bytes. */
	for (uint64_t i = 0; i < count; i++, data += size)
		rv_bus_access(ctx->pio, run->io.port, data, size,
			      run->io.direction == KVM_EXIT_IO_OUT);
	return RV_EXIT_ACTION_CONTINUE;
}

enum rv_exit_action rv_vcpu_handle_exit(struct kvm_run *run, const struct rv_exit_ctx *ctx)
{
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return rv_vcpu_handle_io(run, ctx);
	case KVM_EXIT_MMIO:
		if (run->mmio.len == 0 || run->mmio.len > sizeof(run->mmio.data))
			return RV_EXIT_ACTION_DIED;
		rv_vcpu_before_access(ctx, ctx->mmio, run->mmio.phys_addr, run->mmio.len);
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

void rv_vcpu_describe_exit(const struct kvm_run *run, char *buf, size_t len)
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

static void rv_vcpu_kick_handler(int sig)
{
	(void)sig; /* Its only job is to make KVM_RUN return -EINTR. */
}

static void rv_vcpu_report_death(struct rv_vcpu *vcpu)
{
	char why[160];

	rv_vcpu_describe_exit(vcpu->run, why, sizeof(why));
	/* Several vCPUs may die at once: one report is enough. */
	if (__atomic_exchange_n(&vcpu->vm->dump_done, true, __ATOMIC_ACQ_REL))
		return;
	fprintf(stderr, "\nringvmm: guest died on vCPU %u: %s\n", vcpu->id, why);
	rv_arch_vcpu_dump(vcpu, stderr);
}

static void *rv_vcpu_thread(void *arg)
{
	struct rv_vcpu *vcpu = arg;
	struct rv_vm *vm = vcpu->vm;
	const struct rv_exit_ctx ctx = {
		.pio = &vm->pio,
		.mmio = &vm->mmio,
		.run_size = vm->run_size,
		.coalesce = vm->coalesce,
	};
	char name[16];

	snprintf(name, sizeof(name), "vcpu%u", vcpu->id);
	pthread_setname_np(pthread_self(), name);

	while (!__atomic_load_n(&vm->exit_reason, __ATOMIC_ACQUIRE)) {
		int ret = __rv_kvm_ioctl(vcpu->fd, KVM_RUN, 0);
		enum rv_exit_action action;
		uint64_t t0;

		if (ret == -EINTR || ret == -EAGAIN)
			continue; /* kicked: the loop condition decides */
		if (ret < 0) {
			fprintf(stderr, "ringvmm: vCPU %u: KVM_RUN: %s\n", vcpu->id,
				strerror(-ret));
			rv_vm_request_exit(vm, RV_EXIT_ERROR);
			break;
		}
		vcpu->exits++;
		if (vcpu->run->exit_reason == KVM_EXIT_IO)
			vcpu->io_exits++;
		else if (vcpu->run->exit_reason == KVM_EXIT_MMIO)
			vcpu->mmio_exits++;

		t0 = rv_now_ns();
		action = rv_vcpu_handle_exit(vcpu->run, &ctx);
		vcpu->handle_ns += rv_now_ns() - t0;
		switch (action) {
		case RV_EXIT_ACTION_CONTINUE:
		case RV_EXIT_ACTION_INTERRUPTED:
			break;
		case RV_EXIT_ACTION_POWEROFF:
			rv_vm_request_exit(vm, RV_EXIT_POWEROFF);
			break;
		case RV_EXIT_ACTION_RESET:
			rv_vm_request_exit(vm, RV_EXIT_RESET);
			break;
		case RV_EXIT_ACTION_DIED:
			rv_vcpu_report_death(vcpu);
			rv_vm_request_exit(vm, RV_EXIT_GUEST_DIED);
			break;
		}
	}
	return NULL;
}

int rv_vcpus_create(struct rv_vm *vm)
{
	struct sigaction sa = { .sa_handler = rv_vcpu_kick_handler };
	int ret;

	/* No SA_RESTART: the point is to interrupt KVM_RUN. */
	sigemptyset(&sa.sa_mask);
	if (sigaction(RV_VCPU_KICK_SIGNAL, &sa, NULL) < 0)
		return rv_err(-errno, "sigaction: %s", strerror(errno));

	vm->vcpus = calloc(vm->cfg->nr_cpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return rv_err(-ENOMEM, "out of memory for %u vCPUs", vm->cfg->nr_cpus);

	for (unsigned int i = 0; i < vm->cfg->nr_cpus; i++) {
		struct rv_vcpu *vcpu = &vm->vcpus[i];

		vcpu->vm = vm;
		vcpu->id = i;
		vcpu->fd = rv_kvm_ioctl_val(vm->vm_fd, KVM_CREATE_VCPU, i);
		if (vcpu->fd < 0)
			return rv_err_wrap(vcpu->fd, "vCPU %u", i);
		vm->nr_vcpus++;
		vcpu->run =
			mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
		if (vcpu->run == MAP_FAILED) {
			vcpu->run = NULL;
			return rv_err(-errno, "vCPU %u: mmap of the run page: %s", i,
				      strerror(errno));
		}
		ret = rv_arch_vcpu_init(vcpu);
		if (ret)
			return rv_err_wrap(ret, "vCPU %u", i);
	}
	return 0;
}

int rv_vcpus_start(struct rv_vm *vm)
{
	sigset_t set, old;
	pthread_attr_t attr;
	int ret = 0;

	/*
	 * vCPU threads take the kick signal; everything else (SIGINT, SIGTERM)
	 * stays blocked in them and is read by the event loop's signalfd.
	 */
	sigemptyset(&set);
	sigaddset(&set, RV_VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, &old);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, RV_VCPU_STACK_SIZE);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		ret = -pthread_create(&vm->vcpus[i].thread, &attr, rv_vcpu_thread, &vm->vcpus[i]);
		if (ret) {
			ret = rv_err(ret, "starting vCPU %u: %s", i, strerror(-ret));
			break;
		}
		vm->vcpus[i].started = true;
	}
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

void rv_vcpus_stop(struct rv_vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct rv_vcpu *vcpu = &vm->vcpus[i];

		if (!vcpu->started)
			continue;
		/*
		 * immediate_exit closes the race with a thread that is about
		 * to enter KVM_RUN when the signal lands (api.rst,
		 * "immediate_exit"); the signal covers a thread inside it.
		 */
		__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_RELEASE);
		pthread_kill(vcpu->thread, RV_VCPU_KICK_SIGNAL);
	}
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		if (vm->vcpus[i].started)
			pthread_join(vm->vcpus[i].thread, NULL);
		vm->vcpus[i].started = false;
	}
}

void rv_vcpus_destroy(struct rv_vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		if (vm->vcpus[i].run)
			munmap(vm->vcpus[i].run, vm->run_size);
		close(vm->vcpus[i].fd);
	}
	free(vm->vcpus);
	vm->vcpus = NULL;
	vm->nr_vcpus = 0;
}
