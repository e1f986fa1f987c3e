// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 snapshots (arch/arch.h, rv_arch_snap_*): not written yet. Saving
 * needs every register KVM_GET_REG_LIST names (KVM_GET_ONE_REG), the vGIC's
 * distributor, redistributors and CPU interfaces (KVM_DEV_ARM_VGIC_GRP_*)
 * and the timers; until then a snapshot is refused with a clear message.
 */
#include <errno.h>

#include "vmm/snapshot/format.h"
#include "vmm/util.h"
#include "arch/arch.h"

const uint32_t rv_arch_snap_id = RV_SNAP_ARCH_ARM64;

static int rv_arm64_snap_unsupported(void)
{
	return rv_err(-ENOTSUP, "snapshots are not implemented on arm64 yet");
}

int rv_arch_snap_save_vm(struct rv_vm *vm, struct rv_snap_buf *b)
{
	return rv_arm64_snap_unsupported();
}

int rv_arch_snap_save_vcpu(struct rv_vcpu *vcpu, struct rv_snap_buf *b)
{
	return rv_arm64_snap_unsupported();
}

int rv_arch_snap_load_vm(struct rv_vm *vm, const struct rv_snap_section *sec)
{
	return rv_arm64_snap_unsupported();
}

int rv_arch_snap_load_vcpu(struct rv_vcpu *vcpu, const struct rv_snap_section *sec)
{
	return rv_arm64_snap_unsupported();
}
