// SPDX-License-Identifier: GPL-2.0
/*
 * The vGIC. Order of operations, from arm-vgic-v3.rst / arm-vgic.rst:
 *
 *   1. KVM_CREATE_DEVICE (api.rst, KVM_CREATE_DEVICE) with KVM_DEV_TYPE_ARM_VGIC_V3, or
 *      _V2 where the host cannot emulate a GICv3 (a GICv2 host, or a GICv3
 *      host without the GICv2-compatible CPU interface: each version is
 *      only there when the hardware supports it).
 *   2. KVM_DEV_ARM_VGIC_GRP_ADDR: where the guest finds the distributor
 *      and the redistributors (v3) or CPU interface (v2). 64 KiB aligned
 *      for v3, 4 KiB for v2; the redistributor region holds two 64 KiB
 *      frames per vCPU, contiguous, in vCPU index order.
 *   3. KVM_DEV_ARM_VGIC_GRP_NR_IRQS: how many interrupt IDs, a multiple of
 *      32 from 64 to 1024, before initialisation.
 *   4. KVM_DEV_ARM_VGIC_GRP_CTRL / KVM_DEV_ARM_VGIC_CTRL_INIT "after all
 *      VCPUs have been created" (a GICv3 is not initialised lazily: a
 *      vCPU would fail KVM_RUN without it).
 */
#include "gic.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "vmm/kvm.h"
#include "vmm/util.h"
#include "layout.h"

int rv_arm64_gic_layout(unsigned int version, unsigned int nr_cpus, struct rv_arm64_gic_layout *out)
{
	memset(out, 0, sizeof(*out));
	out->version = version;
	out->dist_addr = RV_ARM64_GICD_ADDR;
	out->nr_irqs = RV_ARM64_GIC_NR_IRQS;
	switch (version) {
	case 3:
		if (nr_cpus == 0 || nr_cpus > RV_ARM64_MAX_VCPUS)
			return rv_err(-EINVAL,
				      "--cpus %u: the GICv3 redistributor space has room for %u",
				      nr_cpus, RV_ARM64_MAX_VCPUS);
		out->dist_size = RV_ARM64_GICD_V3_SIZE;
		out->cpu_addr = RV_ARM64_GICR_ADDR;
		out->cpu_size = nr_cpus * RV_ARM64_GICR_STRIDE;
		return 0;
	case 2:
		if (nr_cpus == 0 || nr_cpus > RV_ARM64_GICV2_MAX_VCPUS)
			return rv_err(
				-EINVAL,
				"--cpus %u: the host's vGIC is a GICv2, which serves at most %u CPUs",
				nr_cpus, RV_ARM64_GICV2_MAX_VCPUS);
		out->dist_size = RV_ARM64_GICD_V2_SIZE;
		out->cpu_addr = RV_ARM64_GICC_ADDR;
		out->cpu_size = RV_ARM64_GICC_SIZE;
		return 0;
	default:
		return rv_err(-EINVAL, "GIC version %u", version);
	}
}

static int rv_arm64_gic_set(int fd, uint32_t group, uint64_t attr, void *val, const char *what)
{
	struct kvm_device_attr a = {
		.group = group,
		.attr = attr,
		.addr = (uint64_t)(uintptr_t)val,
	};
	int ret = rv_kvm_ioctl(fd, KVM_SET_DEVICE_ATTR, &a);

	return ret ? rv_err_wrap(ret, "vGIC %s", what) : 0;
}

/* KVM_CREATE_DEVICE for @type: the fd, or -errno without a message. */
static int rv_arm64_gic_try(int vm_fd, uint32_t type)
{
	struct kvm_create_device cd = { .type = type };
	int ret = __rv_kvm_ioctl(vm_fd, KVM_CREATE_DEVICE, (unsigned long)&cd);

	return ret < 0 ? ret : (int)cd.fd;
}

int rv_arm64_gic_create(int vm_fd, unsigned int nr_cpus, struct rv_arm64_gic *gic)
{
	struct rv_arm64_gic_layout *l = &gic->layout;
	uint32_t nr_irqs = RV_ARM64_GIC_NR_IRQS;
	int fd, ret, v3_err;

	gic->fd = -1;
	fd = rv_arm64_gic_try(vm_fd, KVM_DEV_TYPE_ARM_VGIC_V3);
	if (fd >= 0) {
		ret = rv_arm64_gic_layout(3, nr_cpus, l);
	} else {
		v3_err = fd;
		fd = rv_arm64_gic_try(vm_fd, KVM_DEV_TYPE_ARM_VGIC_V2);
		if (fd < 0)
			return rv_err(
				fd,
				"KVM_CREATE_DEVICE: the host offers no vGIC (GICv3: %s, GICv2: %s)",
				strerror(-v3_err), strerror(-fd));
		rv_debug("no vGICv3 (%s): using a vGICv2", strerror(-v3_err));
		ret = rv_arm64_gic_layout(2, nr_cpus, l);
	}
	gic->fd = fd;
	if (ret)
		return ret;

	if (l->version == 3) {
		ret = rv_arm64_gic_set(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST,
				       &l->dist_addr, "distributor address");
		if (!ret)
			ret = rv_arm64_gic_set(fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
					       KVM_VGIC_V3_ADDR_TYPE_REDIST, &l->cpu_addr,
					       "redistributor address");
	} else {
		ret = rv_arm64_gic_set(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V2_ADDR_TYPE_DIST,
				       &l->dist_addr, "distributor address");
		if (!ret)
			ret = rv_arm64_gic_set(fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
					       KVM_VGIC_V2_ADDR_TYPE_CPU, &l->cpu_addr,
					       "CPU interface address");
	}
	if (!ret)
		ret = rv_arm64_gic_set(fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs,
				       "number of interrupts");
	return ret;
}

int rv_arm64_gic_init(struct rv_arm64_gic *gic)
{
	return rv_arm64_gic_set(gic->fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT,
				NULL, "initialisation");
}

void rv_arm64_gic_destroy(struct rv_arm64_gic *gic)
{
	if (gic->fd >= 0)
		close(gic->fd);
	gic->fd = -1;
}
