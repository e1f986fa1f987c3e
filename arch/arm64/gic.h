/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel interrupt controller: a vGICv3 when the host can emulate
 * one, else a vGICv2 (Documentation/virt/kvm/devices/arm-vgic-v3.rst and
 * arm-vgic.rst), created with KVM_CREATE_DEVICE (api.rst, KVM_CREATE_DEVICE).
 */
#ifndef RV_ARM64_GIC_H
#define RV_ARM64_GIC_H

#include "fdt.h"

struct rv_arm64_gic {
	int fd; /* the vGIC device fd, -1 before creation */
	struct rv_arm64_gic_layout layout;
};

/*
 * Pure: the frames of a GICv@version serving @nr_cpus vCPUs, at the
 * addresses of layout.h. -EINVAL (with a message) for a version other than
 * 2 or 3, or more vCPUs than that GIC can have.
 */
int rv_arm64_gic_layout(unsigned int version, unsigned int nr_cpus,
			struct rv_arm64_gic_layout *out);

/*
 * Create the vGIC (v3, falling back to v2), tell it where its frames are
 * and how many interrupts it has. Before any vCPU runs.
 */
int rv_arm64_gic_create(int vm_fd, unsigned int nr_cpus, struct rv_arm64_gic *gic);

/* After every vCPU exists: KVM_DEV_ARM_VGIC_CTRL_INIT. */
int rv_arm64_gic_init(struct rv_arm64_gic *gic);

void rv_arm64_gic_destroy(struct rv_arm64_gic *gic);

/* The vGICv3's state in a snapshot's VM section (gic-state.c). */
struct rv_vm;
struct rv_snap_buf;
struct rv_snap_section;
int rv_arm64_gic_save(struct rv_vm *vm, struct rv_snap_buf *b);
int rv_arm64_gic_load(struct rv_vm *vm, const struct rv_snap_section *sec);

#endif
