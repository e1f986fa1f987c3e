/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The seam between the machine (vmm/) and an architecture (arch/<arch>/):
 * one const description of the platform, and eight hooks. Each arch folder
 * has the same file names: layout.c (the description, the RAM layout, the
 * interrupt lines), vm.c (VM set-up, loading), vcpu.c (entry state, dump),
 * boot.c (the Linux boot protocol). The build picks the folder; nothing in
 * vmm/ or devices/ tests the architecture with #ifdef.
 *
 * Life of a VM, in the order vmm/vm.c calls the hooks:
 *   rv_arch_vm_init, rv_arch_ram_layout, (devices from rv_platform),
 *   rv_arch_load, rv_arch_vcpu_init per vCPU, rv_arch_vcpus_ready;
 *   while running rv_arch_irq_line, after a death rv_arch_vcpu_dump;
 *   rv_arch_vm_destroy.
 */
#ifndef RV_ARCH_H
#define RV_ARCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct rv_vm;
struct rv_vcpu;
struct rv_mem_region;
struct rv_mem_range;
struct rv_device_cfg;

/* A KVM capability this arch relies on, for `ringvmm caps`. */
struct rv_cap_desc {
	const char *name;
	long cap;
	const char *needed_for;
	int required; /* 1: ringvmm cannot run without it */
};

/* A range of guest physical addresses, or of ports; size 0: none. */
struct rv_arch_window {
	uint64_t base;
	uint64_t size;
};

/* What a machine of this arch is, as data (arch/<arch>/layout.c). */
struct rv_arch_platform {
	const char *name; /* "x86_64", "arm64": --version, caps, messages */
	/* Limits the CLI checks before anything is created. */
	uint64_t min_mem;
	unsigned int max_vcpus;
	/*
	 * Guest physical ranges that no --passthrough memslot may cover: the
	 * interrupt controllers, the device MMIO window, ranges KVM itself
	 * uses. A memslot there would shadow the device (vmm/mem/plan.c).
	 */
	const struct rv_mem_range *reserved;
	unsigned int nr_reserved;
	/* The devices every machine of this arch has (console UART, power...). */
	const struct rv_device_cfg *devices;
	unsigned int nr_devices;
	/*
	 * Free address space for devices the platform does not have (tests,
	 * bench-sinks, the virtio devices to come): inside a reserved range,
	 * so no memslot covers it, and clear of every platform device. The
	 * port window has size 0 where the arch has no port space.
	 */
	struct rv_arch_window free_mmio;
	struct rv_arch_window free_pio;
	/*
	 * Slots for the devices the user adds (--disk, --rng): slot i is the
	 * @size bytes at @base + i * @size, on interrupt line @first_irq + i
	 * (a GSI on x86, an SPI on arm64), edge-triggered where @edge says
	 * so, else level-triggered. vmm/vm.c hands them out in command-line
	 * order (cfg->irq_edge); the firmware tables describe each.
	 */
	struct rv_arch_slots {
		uint64_t base;
		uint64_t size;
		unsigned int nr;
		unsigned int first_irq;
		bool edge;
	} slots;
	/*
	 * PCI bus 0 (vmm/pci.h), for the devices placed on PCI
	 * (--virtio-transport pci): its configuration ports, and the
	 * windows its BARs come from, which the firmware tables give the
	 * root bridge. cfg_port 0: this arch has none.
	 */
	struct rv_arch_pci {
		uint16_t cfg_port;
		struct rv_arch_window mmio;
		struct rv_arch_window pio;
	} pci;
	const struct rv_cap_desc *caps;
	unsigned int nr_caps;
};

extern const struct rv_arch_platform rv_platform;

/*
 * Right after KVM_CREATE_VM: create the in-kernel irqchip, timers and
 * whatever the arch needs before memory and vCPUs exist.
 */
int rv_arch_vm_init(struct rv_vm *vm);
/*
 * Release what rv_arch_vm_init() and later hooks allocated (vm->arch);
 * called once whatever rv_arch_vm_init() returned.
 */
void rv_arch_vm_destroy(struct rv_vm *vm);

/*
 * Split @ram_size bytes of guest RAM into regions around the arch's holes.
 * Fills up to @max entries of @out (gpa, size, name) and returns how many,
 * or -errno with a message.
 */
int rv_arch_ram_layout(uint64_t ram_size, struct rv_mem_region *out, unsigned int max);

/*
 * After memory and devices exist: load the kernel (or the raw guest
 * code), and build firmware tables (ACPI / device tree) that describe @vm.
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
 * The irq field of KVM_IRQ_LINE (api.rst, KVM_IRQ_LINE) for a device's
 * interrupt line, struct rv_device_cfg.irq: x86 passes the GSI through,
 * arm64 encodes an SPI's type and GIC interrupt ID.
 */
uint32_t rv_arch_irq_line(unsigned int irq);

/* After a guest death: registers and the bytes at the instruction pointer. */
void rv_arch_vcpu_dump(struct rv_vcpu *vcpu, FILE *out);

/*
 * Snapshots (vmm/snapshot/, docs/snapshot.md), arch/<arch>/snapshot.c: the
 * arch's id in the state file's header; what KVM holds for the VM (its
 * irqchips, timers, clock) and for one vCPU, saved as records with every
 * vCPU parked, and loaded back into a VM created with the same shape
 * before any vCPU runs. (The ioctls the save makes on the loop thread are
 * in the sandbox's table, vmm/sandbox-table.c.)
 */
struct rv_snap_buf;
struct rv_snap_section;
extern const uint32_t rv_arch_snap_id;
int rv_arch_snap_save_vm(struct rv_vm *vm, struct rv_snap_buf *b);
int rv_arch_snap_save_vcpu(struct rv_vcpu *vcpu, struct rv_snap_buf *b);
int rv_arch_snap_load_vm(struct rv_vm *vm, const struct rv_snap_section *sec);
int rv_arch_snap_load_vcpu(struct rv_vcpu *vcpu, const struct rv_snap_section *sec);

#endif
