/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The seam between the machine (vmm/) and an architecture (arch/<arch>/).
 * Both arch folders have vm.c, vcpu.c, boot.c, layout.h and builtin.S, but
 * the hooks are not always in the same one (arm64 keeps the memory-map
 * hooks in layout.c and boot.c, x86 in vm.c), and each has files of its
 * own for its firmware tables (x86: acpi.c, aml.c, cpuid.c; arm64: fdt.c,
 * gic.c). The build picks the folder. Nothing in vmm/ or devices/ tests the
 * architecture with #ifdef.
 */
#ifndef RV_ARCH_H
#define RV_ARCH_H

#include <stdint.h>
#include <stdio.h>

struct rv_vm;
struct rv_vcpu;
struct rv_mem_region;
struct rv_device_cfg;

/* "x86_64", "arm64": for --version, caps and messages. */
extern const char rv_arch_name[];

/* Limits the CLI checks before anything is created. */
#define RV_ARCH_MIN_MEM (16ULL << 20)
unsigned int rv_arch_max_vcpus(void);

/*
 * Right after KVM_CREATE_VM: create the in-kernel irqchip, timers and
 * whatever the arch needs before memory and vCPUs exist.
 */
int rv_arch_vm_init(struct rv_vm *vm);
/* Release what rv_arch_vm_init() and later hooks allocated (vm->arch). */
void rv_arch_vm_destroy(struct rv_vm *vm);

/*
 * Split @ram_size bytes of guest RAM into regions around the arch's holes.
 * Fills up to @max entries of @out (gpa, size, name) and returns how many,
 * or -errno.
 */
int rv_arch_ram_layout(uint64_t ram_size, struct rv_mem_region *out, unsigned int max);

/*
 * Guest physical ranges that no --passthrough memslot may cover: the
 * interrupt controllers, the device MMIO window, ranges KVM itself uses.
 * A memslot there would shadow the device (vmm/mem/plan.c checks).
 */
struct rv_mem_range;
const struct rv_mem_range *rv_arch_reserved_ranges(unsigned int *nr);

/* The devices every machine of this arch has (console UART, power, ...). */
const struct rv_device_cfg *rv_arch_platform_devices(unsigned int *nr);

/*
 * The @i-th MMIO slot for a device the user adds (--disk, --rng): a 4 KiB
 * window in the device MMIO area and its own level-triggered interrupt
 * line. -ENOSPC past the last slot.
 */
int rv_arch_mmio_slot(unsigned int i, uint64_t *base, unsigned int *irq);

/*
 * After memory and devices exist: load the kernel (or the built-in guest),
 * and build firmware tables (ACPI / device tree) that describe @vm.
 */
int rv_arch_load(struct rv_vm *vm);

/* Before a vCPU first runs: CPUID/MSRs/registers, or KVM_ARM_VCPU_INIT. */
int rv_arch_vcpu_init(struct rv_vcpu *vcpu);

/*
 * After every vCPU exists (rv_arch_vcpu_init() ran for each), before any
 * runs: what needs the whole set of vCPUs. arm64 initialises its vGIC here
 * (KVM_DEV_ARM_VGIC_CTRL_INIT must follow vCPU creation) and writes the
 * device tree, which lists each vCPU's MPIDR.
 */
int rv_arch_vcpus_ready(struct rv_vm *vm);

/*
 * The irq field of struct kvm_irq_level (api.rst, KVM_IRQ_LINE) for a device's interrupt
 * line, struct rv_device_cfg.irq: x86 passes the GSI through, arm64
 * encodes an SPI's type and GIC interrupt ID.
 */
uint32_t rv_arch_irq_line(unsigned int irq);

/* After a guest death: registers and the bytes at the instruction pointer. */
void rv_arch_vcpu_dump(struct rv_vcpu *vcpu, FILE *out);

/*
 * The guest of `ringvmm bench coalesce` (bench/guest.h): its code, the
 * guest physical address its parameters go to, and free ranges for the
 * bench-sinks it writes to: RV_BENCH_MAX_DEVICES of them, 4 KiB apart in
 * MMIO from @mmio_base, 0x400 ports apart from @pio_base (0: the arch has
 * no port space). -ENOTSUP, with a message, where the arch has none.
 * The privilege levels it can run at, for the report: @user_level where
 * the arch can run it unprivileged (rv_vm_config.guest_user_mode; NULL:
 * it cannot), else @kernel_level.
 */
struct rv_arch_bench_guest {
	const uint8_t *code;
	size_t len;
	uint64_t params_gpa;
	uint64_t mmio_base;
	uint64_t pio_base;
	const char *user_level;
	const char *kernel_level;
};
int rv_arch_bench_guest(struct rv_arch_bench_guest *g);

/* The capabilities this arch relies on, for `ringvmm caps`. */
struct rv_cap_desc {
	const char *name;
	long cap;
	const char *needed_for;
	int required; /* 1: ringvmm cannot run without it */
};
const struct rv_cap_desc *rv_arch_caps(unsigned int *nr);

#endif
