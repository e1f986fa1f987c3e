// SPDX-License-Identifier: GPL-2.0
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "../arch/arch.h"
#include "kvm.h"
#include "util.h"
#include "vcpu.h"

/* api.rst 4.1: the only stable API version there has ever been. */
#define RV_KVM_API_VERSION 12
/*
 * Guest RAM is mapped 2 MiB-aligned so the host can back it with huge pages
 * (transparent huge pages, MADV_HUGEPAGE): measured in PLATFORM.md, it cuts
 * a nested Linux boot by about a third.
 */
#define RV_RAM_ALIGN (2 * RV_MiB)

static int rv_vm_set_irq(void *opaque, unsigned int gsi, int level)
{
	struct rv_vm *vm = opaque;
	struct kvm_irq_level irq = { .irq = gsi, .level = level };

	/* api.rst 4.25 KVM_IRQ_LINE: with an in-kernel irqchip, any thread. */
	return rv_kvm_ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq);
}

/* Ctrl-A x on the console: the user's way out, like a signal. */
static void rv_vm_console_quit(void *opaque)
{
	rv_vm_request_exit(opaque, RV_EXIT_SIGNAL);
}

static void rv_vm_device_exit(void *opaque, int reason)
{
	rv_vm_request_exit(opaque, reason);
}

void rv_vm_request_exit(struct rv_vm *vm, int reason)
{
	int none = RV_EXIT_NONE;

	/* The first reason wins: a poweroff is not turned into "signal". */
	__atomic_compare_exchange_n(&vm->exit_reason, &none, reason, false,
				    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	if (vm->loop_ready)
		rv_loop_stop(&vm->loop);
}

static int rv_vm_setup_ram(struct rv_vm *vm)
{
	struct rv_mem_region layout[RV_MEM_MAX_REGIONS];
	uint64_t total = 0;
	uint8_t *base, *p;
	int nr, ret;

	nr = rv_arch_ram_layout(vm->cfg->mem_size, layout, RV_ARRAY_SIZE(layout));
	if (nr < 0)
		return nr;
	for (int i = 0; i < nr; i++)
		total += layout[i].size;

	/*
	 * One reservation for all of RAM, over-allocated by the alignment and
	 * trimmed, so every region starts 2 MiB-aligned in the host too.
	 * MAP_NORESERVE: the guest touches what it uses, no more.
	 */
	base = mmap(NULL, total + RV_RAM_ALIGN, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return rv_err(-errno, "cannot map %" PRIu64 " MiB of guest RAM: %s",
			      total >> 20, strerror(errno));
	p = (uint8_t *)RV_ALIGN_UP((uintptr_t)base, RV_RAM_ALIGN);
	if (p > base)
		munmap(base, p - base);
	munmap(p + total, (base + total + RV_RAM_ALIGN) - (p + total));
	madvise(p, total, MADV_HUGEPAGE);

	for (int i = 0; i < nr; i++) {
		struct rv_mem_region r = layout[i];
		struct kvm_userspace_memory_region kr;

		r.host = p;
		r.slot = vm->mem.nr;
		r.backend = "anon";
		p += r.size;
		ret = rv_mem_add(&vm->mem, &r, 4096);
		if (ret)
			return rv_err(ret, "guest RAM region %s at 0x%" PRIx64 ": %s",
				      r.name, r.gpa, strerror(-ret));
		kr = (struct kvm_userspace_memory_region){
			.slot = r.slot,
			.guest_phys_addr = r.gpa,
			.memory_size = r.size,
			.userspace_addr = (uintptr_t)r.host,
		};
		ret = rv_kvm_ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &kr);
		if (ret)
			return rv_err_wrap(ret, "memslot %u (%s)", r.slot, r.name);
	}
	return 0;
}

static void rv_vm_on_signal(void *opaque, int res)
{
	struct rv_vm *vm = opaque;
	struct signalfd_siginfo si;

	if (res < 0)
		return;
	if (read(vm->signal_fd, &si, sizeof(si)) == sizeof(si))
		rv_debug("signal %u: stopping the VM", si.ssi_signo);
	rv_vm_request_exit(vm, RV_EXIT_SIGNAL);
}

static int rv_vm_setup_signals(struct rv_vm *vm)
{
	sigset_t set;

	/*
	 * Block the stop signals in every thread (vCPU threads inherit the
	 * mask) and read them from a signalfd in the event loop: no handler
	 * runs at an arbitrary point of a vCPU's exit handling.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	vm->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (vm->signal_fd < 0)
		return rv_err(-errno, "signalfd: %s", strerror(errno));
	return rv_loop_add_fd(&vm->loop, &vm->signal_watch, vm->signal_fd, POLLIN,
			      rv_vm_on_signal, vm, "signals");
}

static int rv_vm_open(struct rv_vm *vm)
{
	int ret;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return rv_err(-errno, "/dev/kvm: %s%s", strerror(errno),
			      errno == ENOENT ? " (is the kvm module loaded?)" :
			      errno == EACCES ? " (no permission: are you in the kvm group?)" : "");
	ret = rv_kvm_ioctl_val(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (ret < 0)
		return ret;
	if (ret != RV_KVM_API_VERSION)
		return rv_err(-ENOTSUP, "KVM API version %d, ringvmm needs %d", ret,
			      RV_KVM_API_VERSION);
	/* api.rst 4.2: type 0 is the default VM type on every arch we support. */
	vm->vm_fd = rv_kvm_ioctl_val(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return vm->vm_fd;
	ret = rv_kvm_ioctl_val(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (ret < 0)
		return ret;
	vm->run_size = ret;
	return 0;
}

static int rv_vm_create_devices(struct rv_vm *vm)
{
	const struct rv_device_cfg *cfgs;
	unsigned int nr;
	int ret;

	vm->env = (struct rv_device_env){
		.pio = &vm->pio,
		.mmio = &vm->mmio,
		.loop = &vm->loop,
		.console = vm->console_ready ? &vm->console : NULL,
		.set_irq = rv_vm_set_irq,
		.irq_opaque = vm,
		.request_exit = rv_vm_device_exit,
		.exit_opaque = vm,
	};
	cfgs = rv_arch_platform_devices(&nr);
	for (unsigned int i = 0; i < nr; i++) {
		ret = rv_device_create(&vm->env, &cfgs[i]);
		if (ret)
			return ret;
	}
	for (unsigned int i = 0; i < vm->cfg->nr_extra_devices; i++) {
		ret = rv_device_create(&vm->env, &vm->cfg->extra_devices[i]);
		if (ret)
			return ret;
	}
	return 0;
}

int rv_vm_create(struct rv_vm *vm, const struct rv_vm_config *cfg)
{
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->cfg = cfg;
	vm->kvm_fd = vm->vm_fd = vm->signal_fd = -1;
	rv_bus_init(&vm->pio, "pio");
	rv_bus_init(&vm->mmio, "mmio");

	ret = rv_vm_open(vm);
	if (ret)
		return ret;
	ret = rv_arch_vm_init(vm);
	if (ret)
		return ret;
	ret = rv_vm_setup_ram(vm);
	if (ret)
		return ret;
	ret = rv_loop_init(&vm->loop, 64);
	if (ret)
		return ret;
	vm->loop_ready = true;
	ret = rv_vm_setup_signals(vm);
	if (ret)
		return ret;
	ret = rv_console_init(&vm->console, &vm->loop, cfg->console_in_fd,
			      cfg->console_out_fd);
	if (ret)
		return ret;
	vm->console_ready = true;
	vm->console.on_quit = rv_vm_console_quit;
	vm->console.quit_opaque = vm;
	ret = rv_vm_create_devices(vm);
	if (ret)
		return ret;
	ret = rv_arch_load(vm);
	if (ret)
		return ret;
	return rv_vcpus_create(vm);
}

int rv_vm_run(struct rv_vm *vm)
{
	int ret;

	ret = rv_vcpus_start(vm);
	if (!ret)
		ret = rv_loop_run(&vm->loop);
	/* Whatever stopped the loop, the vCPUs must see a reason to stop. */
	rv_vm_request_exit(vm, ret ? RV_EXIT_ERROR : RV_EXIT_SIGNAL);
	rv_vcpus_stop(vm);
	if (ret)
		return ret;
	return __atomic_load_n(&vm->exit_reason, __ATOMIC_ACQUIRE);
}

void rv_vm_destroy(struct rv_vm *vm)
{
	rv_vcpus_destroy(vm);
	rv_device_destroy_all(&vm->env);
	if (vm->console_ready)
		rv_console_destroy(&vm->console);
	if (vm->signal_fd >= 0)
		close(vm->signal_fd);
	if (vm->loop_ready)
		rv_loop_destroy(&vm->loop);
	vm->loop_ready = false;
	/* RAM is one mapping starting at the first region's host address. */
	if (vm->mem.nr) {
		uint64_t total = 0;

		for (unsigned int i = 0; i < vm->mem.nr; i++)
			total += vm->mem.regions[i].size;
		munmap(vm->mem.regions[0].host, total);
	}
	rv_bus_destroy(&vm->pio);
	rv_bus_destroy(&vm->mmio);
	rv_arch_vm_destroy(vm);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
}

void rv_vm_print_stats(struct rv_vm *vm, FILE *out, bool json)
{
	bool first = true;

	if (json) {
		fprintf(out, "{\"devices\": [");
		for (struct rv_device *d = vm->env.devices; d; d = d->next) {
			fprintf(out, "%s{\"name\": \"%s\"", first ? "" : ", ", d->name);
			if (d->ops && d->ops->stats_json) {
				fputs(", ", out);
				d->ops->stats_json(d, out);
			}
			fputc('}', out);
			first = false;
		}
		fprintf(out, "], \"vcpus\": [");
		for (unsigned int i = 0; i < vm->nr_vcpus; i++)
			fprintf(out, "%s{\"id\": %u, \"exits\": %" PRIu64
				", \"io_exits\": %" PRIu64 ", \"mmio_exits\": %" PRIu64 "}",
				i ? ", " : "", i, vm->vcpus[i].exits,
				vm->vcpus[i].io_exits, vm->vcpus[i].mmio_exits);
		fprintf(out, "], \"unhandled_pio\": %" PRIu64
			", \"unhandled_mmio\": %" PRIu64 "}\n",
			vm->pio.unhandled, vm->mmio.unhandled);
		return;
	}
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		fprintf(out, "vcpu%u: %" PRIu64 " exits (%" PRIu64 " pio, %" PRIu64 " mmio)\n",
			i, vm->vcpus[i].exits, vm->vcpus[i].io_exits,
			vm->vcpus[i].mmio_exits);
	for (struct rv_device *d = vm->env.devices; d; d = d->next) {
		fprintf(out, "%s: ", d->name);
		if (d->ops && d->ops->stats_json)
			d->ops->stats_json(d, out);
		fputc('\n', out);
	}
}
