// SPDX-License-Identifier: GPL-2.0
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "arch/arch.h"
#include "kvm.h"
#include "vmm/api/vm-api.h"
#include "vmm/snapshot/snapshot.h"
#include "vmm/snapshot/update.h"
#include "vmm/mem/backend.h"
#include "sandbox.h"
#include "util.h"
#include "vcpu.h"

/* api.rst, KVM_GET_API_VERSION: the only stable API version there has ever been. */
#define RV_KVM_API_VERSION 12

static int rv_vm_set_irq(void *opaque, unsigned int gsi, int level)
{
	struct rv_vm *vm = opaque;
	struct kvm_irq_level irq = { .irq = rv_arch_irq_line(gsi), .level = level };

	/* api.rst, KVM_IRQ_LINE: a VM ioctl to the in-kernel irqchip, so any thread. */
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
	__atomic_compare_exchange_n(&vm->exit_reason, &none, reason, false, __ATOMIC_ACQ_REL,
				    __ATOMIC_ACQUIRE);
	if (vm->loop_ready)
		rv_loop_stop(&vm->loop);
}

/*
 * Guest RAM (the arch's layout, from the configured backend) and the
 * --passthrough slots: each a memslot with its backend (vmm/mem/backend.h).
 */
static int rv_vm_setup_ram(struct rv_vm *vm)
{
	const struct rv_vm_config *cfg = vm->cfg;
	struct rv_mem_region layout[RV_MEM_MAX_REGIONS];
	struct rv_mem_setup setup = {
		.ctx = { .kvm_fd = vm->kvm_fd, .vm_fd = vm->vm_fd },
		.plan = {
			.ram_backend = cfg->mem_backend,
			.ram = layout,
			.pt = cfg->passthrough,
			.nr_pt = cfg->nr_passthrough,
		},
	};
	int nr;

	nr = rv_arch_ram_layout(cfg->mem_size, layout, RV_ARRAY_SIZE(layout));
	if (nr < 0)
		return nr;
	setup.plan.nr_ram = nr;
	setup.plan.reserved = rv_platform.reserved;
	setup.plan.nr_reserved = rv_platform.nr_reserved;
	return rv_mem_setup(&vm->mem, &setup);
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
	return rv_loop_add_fd(&vm->loop, &vm->signal_watch, vm->signal_fd, POLLIN, rv_vm_on_signal,
			      vm, "signals");
}

static int rv_vm_open(struct rv_vm *vm)
{
	int ret;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return rv_err(-errno, "/dev/kvm: %s%s", strerror(errno),
			      errno == ENOENT ? " (is the kvm module loaded?)" :
			      errno == EACCES ? " (no permission: are you in the kvm group?)" :
						"");
	ret = rv_kvm_ioctl_val(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (ret < 0)
		return ret;
	if (ret != RV_KVM_API_VERSION)
		return rv_err(-ENOTSUP, "KVM API version %d, ringvmm needs %d", ret,
			      RV_KVM_API_VERSION);
	/* api.rst, KVM_CREATE_VM: type 0 is the default VM type on every arch we support. */
	vm->vm_fd = rv_kvm_ioctl_val(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return vm->vm_fd;
	ret = rv_kvm_ioctl_val(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (ret < 0)
		return ret;
	vm->run_size = ret;
	return 0;
}

/*
 * The platform's devices, the extra ones, and one per device option value
 * (cfg->device_args: --disk, --rng), in one list. A device asked for by
 * an option takes the platform's next free MMIO slot; it is named after its
 * type and how many of that type came before ("virtio-blk0").
 */
static int rv_vm_place_devices(struct rv_vm *vm)
{
	const struct rv_vm_config *cfg = vm->cfg;
	const struct rv_device_cfg *plat = rv_platform.devices;
	const struct rv_arch_slots *slots = &rv_platform.slots;
	unsigned int np = rv_platform.nr_devices, ne = cfg->nr_extra_devices, slot = 0;

	vm->nr_dev_cfgs = np;
	vm->nr_dev_cfgs += ne + cfg->nr_device_args + !!cfg->console_type;
	vm->dev_cfgs = calloc(vm->nr_dev_cfgs ? vm->nr_dev_cfgs : 1, sizeof(*vm->dev_cfgs));
	if (!vm->dev_cfgs)
		return rv_err(-ENOMEM, "out of memory for %u device configs", vm->nr_dev_cfgs);
	memcpy(vm->dev_cfgs, plat, np * sizeof(*plat));
	if (cfg->console_type) {
		/* --console NAME: that device takes the console, the UART stays without. */
		for (unsigned int i = 0; i < np; i++)
			vm->dev_cfgs[i].console = false;
		snprintf(vm->dev_names[RV_DEVICE_MAX_ARGS], sizeof(vm->dev_names[0]), "%s0",
			 cfg->console_type->name);
		vm->dev_cfgs[vm->nr_dev_cfgs - 1] = (struct rv_device_cfg){
			.type = cfg->console_type->name,
			.name = vm->dev_names[RV_DEVICE_MAX_ARGS],
			.slot = true,
			.console = true,
		};
	}
	if (ne)
		memcpy(vm->dev_cfgs + np, cfg->extra_devices, ne * sizeof(*plat));
	for (unsigned int i = 0; i < cfg->nr_device_args; i++) {
		const struct rv_device_arg *a = &cfg->device_args[i];
		unsigned int nth = 0;

		for (unsigned int k = 0; k < i; k++)
			nth += cfg->device_args[k].type == a->type;
		snprintf(vm->dev_names[i], sizeof(vm->dev_names[i]), "%s%u", a->type->name, nth);
		vm->dev_cfgs[np + ne + i] = (struct rv_device_cfg){
			.type = a->type->name,
			.name = vm->dev_names[i],
			.slot = true,
			.args = a->value,
		};
	}
	for (unsigned int i = np; i < vm->nr_dev_cfgs; i++) {
		struct rv_device_cfg *d = &vm->dev_cfgs[i];

		if (!d->slot)
			continue;
		if (slot >= slots->nr)
			return rv_err(-ENOSPC, "device %s: no free MMIO slot (at most %u devices)",
				      d->name, slots->nr);
		if (cfg->pci_slots) {
			/* Its transport takes a PCI slot and places its BARs (vmm/pci.h). */
			d->space = RV_SPACE_PCI;
			continue;
		}
		d->base = slots->base + slot * slots->size;
		d->irq = slots->first_irq + slot;
		d->irq_edge = slots->edge;
		d->space = RV_SPACE_MMIO;
		slot++;
	}
	return 0;
}

static int rv_vm_create_devices(struct rv_vm *vm)
{
	int ret;

	vm->env = (struct rv_device_env){
		.pio = &vm->pio,
		.mmio = &vm->mmio,
		.loop = &vm->loop,
		.console = vm->console_ready ? &vm->console : NULL,
		.mem = &vm->mem,
		.vm_fd = vm->vm_fd,
		.nr_cpus = vm->cfg->nr_cpus,
		.coalesce = vm->coalesce,
		/* Where the host has KVM_CAP_READONLY_MEM: each device checks. */
		.reg_pages = !vm->cfg->reg_pages_off,
		/* RAM and passthrough memslots are 0 to mem.nr - 1 (vmm/mem/plan.c). */
		.reg_page_next = vm->mem.nr,
		.set_irq = rv_vm_set_irq,
		.irq_opaque = vm,
		.request_exit = rv_vm_device_exit,
		.exit_opaque = vm,
	};
	if (vm->cfg->pci_slots) {
		const struct rv_arch_pci *p = &rv_platform.pci;

		if (!p->cfg_port)
			return rv_err(-EINVAL, "--virtio-transport pci: %s has no PCI bus here",
				      rv_platform.name);
		ret = rv_pci_init(&vm->pci, &vm->pio, p->cfg_port, p->mmio.base, p->mmio.size,
				  (uint32_t)p->pio.base, (uint32_t)p->pio.size);
		if (ret)
			return ret;
		vm->env.pci = &vm->pci;
	}
	ret = rv_vm_place_devices(vm);
	if (!ret && vm->cfg->update)
		ret = rv_update_hand_devices(vm);
	for (unsigned int i = 0; !ret && i < vm->nr_dev_cfgs; i++)
		ret = rv_device_create(&vm->env, &vm->dev_cfgs[i]);
	if (!ret)
		ret = rv_device_adopt_check(&vm->env);
	return ret;
}

/*
 * Before the devices, which add their zones as they are created. Mode off
 * gets an engine too: it registers nothing with KVM but counts each
 * device's exits, so the modes compare on the same statistics.
 */
static int rv_vm_setup_coalescing(struct rv_vm *vm)
{
	const struct rv_vm_config *cfg = vm->cfg;
	long page_size = sysconf(_SC_PAGESIZE);
	int ret;

	ret = rv_coalesce_create(&vm->coalesce, cfg->coalesce_mode, vm->vm_fd, NULL, page_size,
				 &vm->loop, cfg->coalesce_flush_ns);
	if (ret)
		return ret;
	rv_coalesce_set_drain(vm->coalesce, cfg->coalesce_drain);
	rv_debug("coalescing: mode %s, drain %s, engine %s, drain timer every %" PRIu64
		 " us while active",
		 rv_coalesce_mode_name(cfg->coalesce_mode),
		 rv_coalesce_drain_name(cfg->coalesce_drain), rv_coalesce_engine_name(vm->coalesce),
		 (uint64_t)(cfg->coalesce_flush_ns ? cfg->coalesce_flush_ns :
						     RV_COALESCE_DEFAULT_FLUSH_NS) /
			 1000);
	return 0;
}

int rv_vm_create(struct rv_vm *vm, const struct rv_vm_config *cfg)
{
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->cfg = cfg;
	pthread_mutex_init(&vm->pause_lock, NULL);
	pthread_cond_init(&vm->pause_cond, NULL);
	vm->kvm_fd = vm->vm_fd = vm->signal_fd = vm->exe_fd = vm->update_state_fd = -1;
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
	if (cfg->api_path) {
		ret = rv_vm_api_open(vm);
		if (ret)
			return ret;
	}
	ret = rv_console_init(&vm->console, &vm->loop, cfg->console_in_fd, cfg->console_out_fd);
	if (ret)
		return ret;
	vm->console_ready = true;
	vm->console.on_quit = rv_vm_console_quit;
	vm->console.quit_opaque = vm;
	ret = rv_vm_setup_coalescing(vm);
	if (ret)
		return ret;
	ret = rv_vm_create_devices(vm);
	if (ret)
		return ret;
	/* A restored guest's memory, tables and registers come from its snapshot. */
	if (!cfg->restore_dir && !cfg->update) {
		ret = rv_arch_load(vm);
		if (ret)
			return ret;
	}
	ret = rv_vcpus_create(vm);
	if (ret)
		return ret;
	ret = rv_arch_vcpus_ready(vm);
	if (ret)
		return ret;
	/* The interrupt controller is initialised: what devices left until now. */
	rv_device_env_ready(&vm->env);
	/* The kernel's coalesced ring lives in every vCPU's mapping: use vCPU 0's. */
	ret = rv_coalesce_attach_ring(vm->coalesce, vm->vcpus[0].run, vm->run_size);
	if (!ret && cfg->update)
		return rv_update_restore(vm);
	if (ret || !cfg->restore_dir)
		return ret;
	/* Last: the state loads into the VM as built; a failure runs nothing. */
	return rv_snapshot_restore(vm, cfg->restore_dir);
}

int rv_vm_run(struct rv_vm *vm)
{
	uint64_t t0;
	int ret = 0;

	/*
	 * The sandbox before any vCPU thread exists: they inherit the base
	 * filter and stack their own before their first KVM_RUN; this
	 * thread, the event loop, stacks its own before it reads anything
	 * the guest wrote.
	 */
	if (vm->cfg->sandbox) {
		ret = rv_sandbox_prepare(&vm->mem, !vm->cfg->no_seccomp);
		vm->sandboxed = rv_sandbox_active();
	}
	if (!ret)
		ret = rv_vcpus_start(vm);
	/* A live update's new process: the guest runs again, the client hears it. */
	if (!ret && vm->cfg->update)
		rv_update_started(vm);
	if (!ret && vm->sandboxed) {
		ret = rv_sandbox_enter(RV_SANDBOX_LOOP);
		if (!ret)
			rv_sandbox_selftest(RV_SANDBOX_LOOP);
	}
	if (!ret)
		ret = rv_loop_run(&vm->loop);
	/* Whatever stopped the loop, the vCPUs must see a reason to stop. */
	rv_vm_request_exit(vm, ret ? RV_EXIT_ERROR : RV_EXIT_SIGNAL);
	t0 = rv_now_ns();
	rv_vcpus_stop(vm);
	vm->stop_vcpus_ns = rv_now_ns() - t0;
	if (vm->vcpu_stuck_in_exit)
		return ret ? ret : __atomic_load_n(&vm->exit_reason, __ATOMIC_ACQUIRE);
	/* The guest's last coalesced writes (its last bytes of output...). */
	rv_coalesce_flush_all(vm->coalesce);
	/* ...and out to stdout, in bounded time: what cannot go is counted. */
	if (vm->console_ready)
		rv_console_flush(&vm->console, RV_CONSOLE_FLUSH_MS);
	/* Devices end the host I/O they still have in flight (disks). */
	rv_device_stop_all(&vm->env);
	vm->stop_ns = rv_now_ns() - t0;
	if (ret)
		return ret;
	return __atomic_load_n(&vm->exit_reason, __ATOMIC_ACQUIRE);
}

void rv_vm_destroy(struct rv_vm *vm)
{
	/* A vCPU still runs and may hold any lock: the process exit cleans up. */
	if (vm->vcpu_stuck)
		return;
	/*
	 * The VM's fd closes first. Everything registered with the VM
	 * (memslots, coalesced zones, ioeventfds, irqfds) goes with it when
	 * its last reference, the last vCPU fd, is closed below; unregistering
	 * them one by one costs a synchronize_srcu_expedited() each
	 * (kvm_io_bus_unregister_dev(), a memslot deletion), which the empty
	 * VM's start+exit paid several times. No vCPU runs any more, so no
	 * guest access can fall into a range being torn down.
	 */
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	vm->vm_fd = vm->env.vm_fd = -1;
	rv_coalesce_vm_closed(vm->coalesce);
	/*
	 * Then: it drains the kernel ring, which is in vCPU 0's mapping, and
	 * hands what is left to devices, which must still exist.
	 */
	rv_coalesce_destroy(vm->coalesce);
	vm->coalesce = vm->env.coalesce = NULL;
	rv_vcpus_destroy(vm);
	rv_device_destroy_all(&vm->env);
	free(vm->env.handed);
	vm->env.handed = NULL;
	if (vm->console_ready)
		rv_console_destroy(&vm->console);
	if (vm->signal_fd >= 0)
		close(vm->signal_fd);
	rv_vm_api_close(vm);
	if (vm->loop_ready)
		rv_loop_destroy(&vm->loop);
	vm->loop_ready = false;
	/* The memslots went with the VM; each mapping is released by its backend. */
	rv_mem_release(&vm->mem, vm->vm_fd);
	rv_bus_destroy(&vm->pio);
	rv_bus_destroy(&vm->mmio);
	if (vm->env.pci)
		rv_pci_destroy(&vm->pci);
	rv_arch_vm_destroy(vm);
	free(vm->dev_cfgs);
	vm->dev_cfgs = NULL;
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->exe_fd >= 0)
		close(vm->exe_fd);
	if (vm->update_state_fd >= 0)
		close(vm->update_state_fd);
}
