/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's device tree, built with libfdt's sequential-write API from a
 * plain description (struct rv_arm64_fdt_cfg): a pure function, unit-tested
 * by reading the blob back with libfdt, and buildable on any host.
 */
#ifndef RV_ARM64_FDT_H
#define RV_ARM64_FDT_H

#include <stddef.h>
#include <stdint.h>

struct rv_device_cfg;

/* Where the vGIC's frames are (arch/arm64/gic.c decides, layout.h draws). */
struct rv_arm64_gic_layout {
	unsigned int version; /* 2 or 3 */
	uint64_t dist_addr, dist_size;
	/* GICv3: the redistributor region; GICv2: the CPU interface. */
	uint64_t cpu_addr, cpu_size;
	unsigned int nr_irqs; /* interrupt IDs implemented, private ones included */
};

struct rv_arm64_fdt_cfg {
	uint64_t ram_addr, ram_size;
	unsigned int nr_cpus;
	const uint64_t *mpidr; /* MPIDR_EL1 of each vCPU, as KVM reports it */
	struct rv_arm64_gic_layout gic;
	const char *bootargs;		  /* NULL: no bootargs property */
	uint64_t initrd_addr, initrd_end; /* equal: no initrd */
	uint64_t kaslr_seed;		  /* 0: none (the kernel then runs without KASLR) */
	/* Every device of the machine; those with a binding get a node. */
	const struct rv_device_cfg *devices;
	unsigned int nr_devices;
};

/* The phandle of the interrupt controller (the only one needed). */
#define RV_ARM64_FDT_GIC_PHANDLE 1

/*
 * Build the device tree into @buf (@size bytes). On success the blob is
 * complete and fdt_totalsize(buf) <= @size. Returns 0, -ENOSPC when it
 * does not fit, or -EINVAL for a description it cannot express.
 */
int rv_arm64_fdt_build(void *buf, size_t size, const struct rv_arm64_fdt_cfg *cfg);

#endif
