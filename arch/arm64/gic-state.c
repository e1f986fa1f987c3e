// SPDX-License-Identifier: GPL-2.0
/*
 * The vGICv3's state in a snapshot: every register of the distributor, the
 * redistributors and the CPU interfaces, and the interrupt lines' levels,
 * through the device attributes of arm-vgic-v3.rst
 * (KVM_DEV_ARM_VGIC_GRP_DIST_REGS, _REDIST_REGS, _CPU_SYSREGS, _LEVEL_INFO).
 * Which registers, and in which order they are restored: snap-rec.c,
 * rv_arm64_gic_regs(). The vGIC is initialised (KVM_DEV_ARM_VGIC_CTRL_INIT,
 * rv_arch_vcpus_ready) before any of it is written: KVM refuses register
 * access to an uninitialised vGIC.
 *
 * Not saved: LPIs and the ITS (ringvmm creates no ITS, so there are no
 * pending tables for KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES to write), and
 * GICR_PROPBASER/PENDBASER/CTLR, which only matter with LPIs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/kvm.h"
#include "vmm/snapshot/format.h"
#include "vmm/util.h"
#include "arm64.h"
#include "snap-rec.h"

_Static_assert(RV_VGIC_GRP_DIST == KVM_DEV_ARM_VGIC_GRP_DIST_REGS &&
		       RV_VGIC_GRP_REDIST == KVM_DEV_ARM_VGIC_GRP_REDIST_REGS &&
		       RV_VGIC_GRP_SYSREGS == KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS &&
		       RV_VGIC_GRP_LEVEL == KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO,
	       "snap-rec.h's vGIC groups are KVM's");

#define RV_ICC_CTLR_EL1 ((3 << 14) | (0 << 11) | (12 << 7) | (12 << 3) | 4)

struct rv_gic_shape_rec {
	uint32_t nr_irqs, nr_cpus;
};

/*
 * One register through KVM_{GET,SET}_DEVICE_ATTR: the CPU interface's are
 * 64-bit, the others 32-bit (arm-vgic-v3.rst).
 */
static int rv_gic_access(int fd, bool set, uint32_t group, uint64_t attr, uint64_t *val)
{
	uint32_t v32 = (uint32_t)*val;
	struct kvm_device_attr a = {
		.group = group,
		.attr = attr,
		.addr = group == RV_VGIC_GRP_SYSREGS ? (uint64_t)(uintptr_t)val :
						       (uint64_t)(uintptr_t)&v32,
	};
	int ret = __rv_kvm_ioctl(fd, set ? KVM_SET_DEVICE_ATTR : KVM_GET_DEVICE_ATTR,
				 (unsigned long)&a);

	if (ret)
		return rv_err(ret, "vGIC: %s(group %u, attr 0x%" PRIx64 "): %s",
			      set ? "KVM_SET_DEVICE_ATTR" : "KVM_GET_DEVICE_ATTR", group, attr,
			      strerror(-ret));
	if (!set && group != RV_VGIC_GRP_SYSREGS)
		*val = v32;
	return 0;
}

/*
 * What decides the register list of this VM's vGIC, read from KVM: the
 * number of interrupts and each CPU interface's priority bits. @nr_apr has
 * room for every vCPU.
 */
static int rv_gic_shape(struct rv_vm *vm, struct rv_arm64_gic_shape *s, uint32_t *nr_apr)
{
	struct rv_arm64_vm *a = rv_arm64_vm(vm);
	uint32_t nr_irqs = 0;
	struct kvm_device_attr attr = {
		.group = KVM_DEV_ARM_VGIC_GRP_NR_IRQS,
		.addr = (uint64_t)(uintptr_t)&nr_irqs,
	};
	int ret;

	if (a->gic.layout.version != 3)
		return rv_err(-ENOTSUP, "snapshots need a vGICv3; this host's KVM offers a GICv2");
	ret = rv_kvm_ioctl(a->gic.fd, KVM_GET_DEVICE_ATTR, &attr);
	if (ret)
		return rv_err_wrap(ret, "vGIC number of interrupts");
	/* The kernel's answer, bounded as arm-vgic-v3.rst bounds it. */
	if (nr_irqs < 64 || nr_irqs > 1024 || nr_irqs % 32)
		return rv_err(-EIO, "vGIC: KVM reports %u interrupts", nr_irqs);
	for (unsigned int c = 0; c < vm->nr_vcpus; c++) {
		uint64_t ctlr = 0;

		ret = rv_gic_access(a->gic.fd, false, RV_VGIC_GRP_SYSREGS,
				    rv_arm64_gic_mpidr_attr(a->mpidr[c]) | RV_ICC_CTLR_EL1, &ctlr);
		if (ret)
			return ret;
		nr_apr[c] = rv_arm64_gic_nr_apr(ctlr);
	}
	*s = (struct rv_arm64_gic_shape){
		.nr_irqs = nr_irqs,
		.nr_cpus = vm->nr_vcpus,
		.mpidr = a->mpidr,
		.nr_apr = nr_apr,
	};
	return 0;
}

/* This VM's register list in *@regs (to free), its length in *@n. */
static int rv_gic_list(struct rv_vm *vm, struct rv_arm64_gic_shape *s,
		       struct rv_arm64_gic_reg **regs, unsigned int *n)
{
	uint32_t *nr_apr = calloc(vm->nr_vcpus, sizeof(*nr_apr));
	int ret;

	*regs = NULL;
	if (!nr_apr)
		return rv_err(-ENOMEM, "out of memory for the vGIC state");
	ret = rv_gic_shape(vm, s, nr_apr);
	if (!ret) {
		*n = rv_arm64_gic_regs(s, NULL);
		*regs = calloc(*n, sizeof(**regs));
		if (!*regs)
			ret = rv_err(-ENOMEM, "out of memory for %u vGIC registers", *n);
		else
			rv_arm64_gic_regs(s, *regs);
	}
	free(nr_apr);
	s->nr_apr = NULL;
	return ret;
}

int rv_arm64_gic_save(struct rv_vm *vm, struct rv_snap_buf *b)
{
	int fd = rv_arm64_vm(vm)->gic.fd;
	struct rv_arm64_gic_shape s;
	struct rv_gic_shape_rec rec;
	struct rv_arm64_gic_reg *regs;
	unsigned int n;
	int ret;

	ret = rv_gic_list(vm, &s, &regs, &n);
	for (unsigned int i = 0; !ret && i < n; i++)
		ret = rv_gic_access(fd, false, regs[i].group, regs[i].attr, &regs[i].val);
	if (!ret) {
		rec = (struct rv_gic_shape_rec){ s.nr_irqs, s.nr_cpus };
		rv_snap_rec(b, RV_ARM64_REC_GIC_SHAPE, &rec, sizeof(rec));
		rv_snap_rec(b, RV_ARM64_REC_GIC_REGS, regs, n * sizeof(*regs));
	}
	free(regs);
	return ret;
}

int rv_arm64_gic_load(struct rv_vm *vm, const struct rv_snap_section *sec)
{
	int fd = rv_arm64_vm(vm)->gic.fd;
	struct rv_arm64_gic_shape s;
	struct rv_gic_shape_rec rec;
	struct rv_arm64_gic_reg *want;
	const void *data;
	uint32_t len;
	unsigned int n;
	int ret;

	ret = rv_snap_rec_get(sec, RV_ARM64_REC_GIC_SHAPE, &rec, sizeof(rec));
	if (ret)
		return ret;
	ret = rv_gic_list(vm, &s, &want, &n);
	if (ret)
		return ret;
	if (rec.nr_irqs != s.nr_irqs || rec.nr_cpus != s.nr_cpus) {
		ret = rv_err(-EINVAL,
			     "snapshot: a vGIC of %u interrupts and %u CPUs, here %u and %u",
			     rec.nr_irqs, rec.nr_cpus, s.nr_irqs, s.nr_cpus);
		goto out;
	}
	ret = rv_snap_rec_find(sec, RV_ARM64_REC_GIC_REGS, &data, &len);
	if (ret == -ENOENT)
		ret = rv_err(-EINVAL, "snapshot: no vGIC registers");
	if (!ret)
		ret = rv_arm64_gic_check(data, len, want, n);
	for (unsigned int i = 0; !ret && i < n; i++) {
		struct rv_arm64_gic_reg r;
		uint64_t clear;

		memcpy(&r, (const uint8_t *)data + i * sizeof(r), sizeof(r));
		if (r.flags & RV_VGIC_SETCLR) {
			/* ICENABLER/ICACTIVER: 0x80 after their set registers. */
			clear = ~r.val & 0xffffffffULL;
			ret = rv_gic_access(fd, true, r.group, r.attr + 0x80, &clear);
			if (ret)
				break;
		}
		ret = rv_gic_access(fd, true, r.group, r.attr, &r.val);
	}
out:
	free(want);
	return ret;
}
