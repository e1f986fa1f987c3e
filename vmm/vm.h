/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A virtual machine: the KVM fds, guest memory, the two buses, the devices,
 * the event loop and the vCPUs.
 *
 * Life cycle: rv_vm_create() builds everything (nothing runs yet);
 * rv_vm_run() starts the vCPU threads, runs the event loop on the calling
 * thread until the guest powers off, resets, dies, or a signal arrives, then
 * stops and joins the vCPUs; rv_vm_destroy() releases everything, and is
 * called after every rv_vm_create(), failed or not (vmm/err.h).
 */
#ifndef RV_VM_H
#define RV_VM_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "pci.h"
#include "vmm/coalesce/coalesce.h"
#include "console.h"
#include "device.h"
#include "loop.h"
#include "vmm/mem/translate.h"
#include "vmm/mem/plan.h"

struct kvm_run;
struct rv_update_fds;

struct rv_vm_config {
	const char *kernel; /* NULL: the built-in guest */
	const char *initrd;
	const char *cmdline;
	const char *dump_dtb; /* --dump-dtb: write the device tree here (arm64) */
	uint64_t mem_size;
	/* Memslot backends (vmm/mem/backend.h): RAM's, and passthrough slots. */
	enum rv_mem_backend_type mem_backend;
	struct rv_mem_passthrough passthrough[RV_MEM_MAX_PASSTHROUGH];
	unsigned int nr_passthrough;
	unsigned int nr_cpus;
	int console_in_fd; /* -1: no console input */
	int console_out_fd;
	/*
	 * --console-out's own fds, a file or a pty's master and slave (below
	 * 3: none): a live update hands them over (console-host.c).
	 */
	int console_host_fds[2];
	/* --console NAME: the device type that gets the console; NULL: the UART. */
	const struct rv_device_type *console_type;
	/* Raw guest code instead of a kernel (tests/kvm, benchmarks). */
	const uint8_t *guest_code;
	size_t guest_code_len;
	/*
	 * Enter the raw guest code unprivileged (x86: CPL3 with IOPL 3, so it
	 * may use port I/O; pages user-accessible), where KVM allows it: some
	 * KVMs emulate privileged guest code (docs/benchmarks.md). The arch
	 * says in rv_vm.guest_user_mode whether it did.
	 */
	bool guest_user_mode;
	/* Coalesced MMIO (vmm/coalesce/coalesce.h): mode and the drain timer period. */
	enum rv_coalesce_mode coalesce_mode;
	uint64_t coalesce_flush_ns;
	/*
	 * Enter the sandbox (vmm/sandbox.h) before the guest runs: guest RAM
	 * out of core dumps, and unless @no_seccomp, no_new_privs, no
	 * capabilities and the seccomp filters. The CLI sets it; tests and
	 * benchmarks that build a config leave it off.
	 */
	bool sandbox;
	bool no_seccomp; /* --no-seccomp */
	/* Who drains devices' rings between accesses (per-device mode). */
	enum rv_coalesce_drain coalesce_drain;
	/* --reg-pages off: devices' register reads always exit (rv_device_env.reg_pages). */
	bool reg_pages_off;
	/*
	 * --virtio-transport pci: the devices that take a slot (--disk,
	 * --net, ...) sit on the platform's PCI bus instead (vmm/pci.h).
	 */
	bool pci_slots;
	/* Devices besides the platform's (tests, `ringvmm bench`, ...). */
	const struct rv_device_cfg *extra_devices;
	unsigned int nr_extra_devices;
	/*
	 * --restore DIR: no kernel is loaded; the guest's memory and state
	 * come from the snapshot in DIR (vmm/snapshot/snapshot.h).
	 */
	const char *restore_dir;
	/* --api PATH: serve the control socket there (vmm/api/server.h). */
	const char *api_path;
	/*
	 * A live update (vmm/snapshot/update.h): the command line, which the
	 * new binary gets again, and in the new process the fds the old one
	 * handed over (NULL otherwise): no kernel is loaded, the state and
	 * RAM come from them.
	 */
	char *const *argv;
	const struct rv_update_fds *update;
	const char *version; /* this binary's, for the update's reply */
	/* A keeper's VMM child: RV_KEEPER_FD is its socket (vmm/snapshot/keeper.h). */
	bool keeper;
	/* Values of the run options devices bring (rv_device_option), in order. */
	struct rv_device_arg device_args[RV_DEVICE_MAX_ARGS];
	unsigned int nr_device_args;
};

struct rv_vcpu {
	struct rv_vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
	bool in_exit; /* in the exit handler, where it may hold a device's lock */
	uint64_t exits;
	uint64_t io_exits, mmio_exits;
	/* Time this thread spent handling exits: the VMM's work on it. */
	uint64_t handle_ns;
};

struct rv_vm {
	const struct rv_vm_config *cfg;
	int kvm_fd;
	int vm_fd;
	size_t run_size; /* KVM_GET_VCPU_MMAP_SIZE */

	struct rv_mem mem;
	struct rv_bus pio;
	struct rv_bus mmio;
	struct rv_pci pci; /* env.pci when cfg->pci_slots */
	struct rv_loop loop;
	bool loop_ready;
	int signal_fd; /* SIGINT, SIGTERM, SIGHUP, read by the loop */
	struct rv_loop_watch signal_watch;
	struct rv_console console;
	bool console_ready;
	/* Coalesced MMIO/PIO; env.coalesce too. Created even in mode off. */
	struct rv_coalesce *coalesce;
	struct rv_device_env env;
	/*
	 * Every device of the machine, placed: the arch's platform devices,
	 * then cfg->extra_devices with their slots filled in. What the
	 * firmware tables (ACPI, device tree) describe.
	 */
	struct rv_device_cfg *dev_cfgs;
	unsigned int nr_dev_cfgs;
	/* Of the devices options asked for, and of the --console device (last). */
	char dev_names[RV_DEVICE_MAX_ARGS + 1][32];

	struct rv_vcpu *vcpus;
	unsigned int nr_vcpus;

	/* First reason recorded wins; read by rv_vm_run() after the loop stops. */
	int exit_reason; /* enum rv_exit_reason */
	bool dump_done;

	/* The seccomp filters are on: each vCPU thread enters its own. */
	bool sandboxed;
	/*
	 * A vCPU thread did not stop within RV_VCPU_STOP_MS of being asked
	 * (rv_vcpus_stop): the process exits without tearing the VM down.
	 * vcpu_stuck_in_exit: one of them is in the exit handler, where it
	 * may hold any device's lock, so nothing that takes one may run
	 * either (no final flush, no statistics). One that is only slow to
	 * leave KVM_RUN (a very loaded host) holds none: the flushes run.
	 */
	bool vcpu_stuck, vcpu_stuck_in_exit;
	/* How long the stop took: the vCPUs, and all (flushes included). */
	uint64_t stop_vcpus_ns, stop_ns;

	/*
	 * Pause (rv_vcpus_pause): the loop thread sets pause_req and kicks;
	 * each vCPU completes its last exit and parks, counted in nr_parked,
	 * until pause_req is cleared or the VM stops. All under pause_lock;
	 * pause_cond wakes both sides.
	 */
	pthread_mutex_t pause_lock;
	pthread_cond_t pause_cond;
	bool pause_req;
	unsigned int nr_parked;
	bool paused; /* every vCPU parked, rings drained */
	/* The control socket (run --api), NULL without one (vmm/api/). */
	struct rv_api_server *api;
	/* This binary, opened before the sandbox, for `update` (-1: no --api). */
	int exe_fd;
	/* Under a keeper: the memfd an update saves the state into, made before the sandbox. */
	int update_state_fd;
	/* This process is an update's new one, and it took the guest over. */
	bool update_took_over;

	/* The raw guest code really runs unprivileged (cfg.guest_user_mode). */
	bool guest_user_mode;

	void *arch; /* arch-private state */
};

int rv_vm_create(struct rv_vm *vm, const struct rv_vm_config *cfg);
/* Returns the reason the VM stopped (enum rv_exit_reason) or -errno. */
int rv_vm_run(struct rv_vm *vm);
void rv_vm_destroy(struct rv_vm *vm);

/* Any thread, async-signal-safe: record @reason and wake everything up. */
void rv_vm_request_exit(struct rv_vm *vm, int reason);

/* Print statistics for every device as one JSON object (or text). */
void rv_vm_print_stats(struct rv_vm *vm, FILE *out, bool json);

#endif
