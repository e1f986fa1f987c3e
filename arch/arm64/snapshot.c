// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 snapshots (arch/arch.h, rv_arch_snap_*): what KVM holds for a VM
 * (the vGICv3, gic-state.c) and for each vCPU (every register
 * KVM_GET_REG_LIST names, and the MP state), as records of the state file
 * (snap-rec.h, vmm/snapshot/format.h), and back. docs/snapshot.md explains
 * the order; the comments say why.
 *
 * There is no VM-wide clock to save: the guest's virtual counter is
 * CNTVCT = host counter - offset, and writing KVM_REG_ARM_TIMER_CNT sets
 * the offset (api.rst, KVM_SET_ONE_REG, "ARM64 ... timer registers"), so
 * the restored guest's counter continues from the value it had when it
 * was saved: it never goes backwards and does not see the time the
 * snapshot spent on disk.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/kvm.h"
#include "vmm/snapshot/format.h"
#include "vmm/util.h"
#include "arch/arch.h"
#include "arm64.h"
#include "snap-rec.h"

const uint32_t rv_arch_snap_id = RV_SNAP_ARCH_ARM64;

/* The features every vCPU was created with (rv_arch_vcpu_init). */
static struct kvm_vcpu_init rv_arm64_snap_init(struct rv_vm *vm)
{
	struct kvm_vcpu_init init = rv_arm64_vm(vm)->vcpu_init;

	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	return init;
}

/* api.rst, KVM_GET_REG_LIST: what this vCPU has, in *@out (to free). */
static int rv_arm64_reg_list(struct rv_vcpu *vcpu, struct kvm_reg_list **out)
{
	struct kvm_reg_list probe = { .n = 0 }, *list;
	int ret;

	*out = NULL;
	ret = __rv_kvm_ioctl(vcpu->fd, KVM_GET_REG_LIST, (unsigned long)&probe);
	if (ret != -E2BIG)
		return rv_err(ret ? ret : -EIO, "KVM_GET_REG_LIST: %s", strerror(ret ? -ret : EIO));
	/* The kernel controls the count: bounded before it sizes anything. */
	if (!probe.n || probe.n > RV_ARM64_MAX_REGS)
		return rv_err(-EIO, "KVM_GET_REG_LIST: %llu registers",
			      (unsigned long long)probe.n);
	list = calloc(1, sizeof(*list) + probe.n * sizeof(list->reg[0]));
	if (!list)
		return rv_err(-ENOMEM, "out of memory for %llu registers",
			      (unsigned long long)probe.n);
	list->n = probe.n;
	ret = rv_kvm_ioctl(vcpu->fd, KVM_GET_REG_LIST, list);
	if (ret) {
		free(list);
		return ret;
	}
	*out = list;
	return 0;
}

static int rv_arm64_one_reg(struct rv_vcpu *vcpu, bool set, uint64_t id, void *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)val };

	return __rv_kvm_ioctl(vcpu->fd, set ? KVM_SET_ONE_REG : KVM_GET_ONE_REG, (unsigned long)&r);
}

/*
 * Every register KVM lists, the firmware pseudo-registers (KVM_REG_ARM_FW:
 * the PSCI version, the SMCCC workaround levels, the hypercall bitmaps) and
 * the timers among them, each as wide as its id says.
 */
static int rv_arm64_save_regs(struct rv_vcpu *vcpu, struct rv_snap_buf *b)
{
	struct kvm_reg_list *list;
	uint8_t *rec = NULL;
	size_t len = 0;
	char name[40];
	int ret;

	ret = rv_arm64_reg_list(vcpu, &list);
	if (ret)
		return ret;
	for (uint64_t i = 0; i < list->n; i++) {
		unsigned int size = rv_arm64_reg_size(list->reg[i]);

		if (!size) {
			ret = rv_err(-EIO, "KVM_GET_REG_LIST: register id 0x%016" PRIx64,
				     (uint64_t)list->reg[i]);
			goto out;
		}
		len += 8 + RV_ALIGN_UP(size, 8);
	}
	rec = calloc(1, len ? len : 1);
	if (!rec) {
		ret = rv_err(-ENOMEM, "out of memory for %zu bytes of registers", len);
		goto out;
	}
	len = 0;
	for (uint64_t i = 0; i < list->n; i++) {
		uint64_t id = list->reg[i];

		memcpy(rec + len, &id, sizeof(id));
		ret = rv_arm64_one_reg(vcpu, false, id, rec + len + 8);
		if (ret) {
			rv_arm64_reg_name(id, name, sizeof(name));
			ret = rv_err(ret, "KVM_GET_ONE_REG(%s): %s", name, strerror(-ret));
			goto out;
		}
		len += 8 + RV_ALIGN_UP(rv_arm64_reg_size(id), 8);
	}
	rv_snap_rec(b, RV_ARM64_REC_REGS, rec, (uint32_t)len);
out:
	free(rec);
	free(list);
	return ret;
}

/* MP state first: a vCPU powered off by PSCI is KVM_MP_STATE_STOPPED. */
int rv_arch_snap_save_vcpu(struct rv_vcpu *vcpu, struct rv_snap_buf *b)
{
	struct kvm_mp_state mp;
	int ret;

	ret = rv_kvm_ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp);
	if (ret)
		return ret;
	rv_snap_rec(b, RV_ARM64_REC_MP_STATE, &mp, sizeof(mp));
	return rv_arm64_save_regs(vcpu, b);
}

int rv_arch_snap_save_vm(struct rv_vm *vm, struct rv_snap_buf *b)
{
	struct kvm_vcpu_init init = rv_arm64_snap_init(vm);

	rv_snap_rec(b, RV_ARM64_REC_VCPU_INIT, &init, sizeof(init));
	rv_snap_rec(b, RV_ARM64_REC_MPIDR, rv_arm64_vm(vm)->mpidr,
		    vm->nr_vcpus * sizeof(rv_arm64_vm(vm)->mpidr[0]));
	return rv_arm64_gic_save(vm, b);
}

/*
 * One saved register into the vCPU. Registers that already hold the saved
 * value are not written: that is how the invariant ones (MIDR_EL1, the
 * cache geometry, the ID registers of kernels that do not let them be
 * set) come through on the host that saved them. A register that differs
 * and that KVM will not take fails the restore, naming it: the guest
 * would otherwise run on another CPU than the one it saw.
 */
static int rv_arm64_load_reg(struct rv_vcpu *vcpu, uint64_t id, const uint8_t *val)
{
	uint8_t now[RV_ARM64_REG_MAX_SIZE];
	unsigned int size = rv_arm64_reg_size(id);
	char name[40];
	uint64_t was = 0, is = 0;
	int ret;

	ret = rv_arm64_one_reg(vcpu, false, id, now);
	rv_arm64_reg_name(id, name, sizeof(name));
	if (ret)
		return rv_err(ret, "register %s: this KVM does not have it (KVM_GET_ONE_REG: %s)",
			      name, strerror(-ret));
	if (!memcmp(now, val, size))
		return 0;
	ret = rv_arm64_one_reg(vcpu, true, id, (void *)val);
	if (!ret)
		return 0;
	memcpy(&was, val, rv_min_u64(size, 8));
	memcpy(&is, now, rv_min_u64(size, 8));
	return rv_err(ret,
		      "register %s: KVM_SET_ONE_REG: %s (saved 0x%" PRIx64 ", here 0x%" PRIx64
		      ": a register KVM keeps fixed must match)",
		      name, strerror(-ret), was, is);
}

/*
 * The timers' order: the counters first (writing KVM_REG_ARM_TIMER_CNT sets
 * the counter offset that the compare values are relative to), then every
 * other register in KVM's order, the compare values (CVAL) among them,
 * and the timers' control registers last, so that a timer is enabled
 * only once its compare value and the counter are the saved ones.
 */
static unsigned int rv_arm64_reg_pass(uint64_t id)
{
	if (id == KVM_REG_ARM_TIMER_CNT || id == KVM_REG_ARM_PTIMER_CNT)
		return 0;
	if (id == KVM_REG_ARM_TIMER_CTL || id == KVM_REG_ARM_PTIMER_CTL)
		return 2;
	return 1;
}

static int rv_arm64_load_regs(struct rv_vcpu *vcpu, const struct rv_snap_section *sec)
{
	const uint8_t *p, *val;
	uint32_t len, off = 0;
	uint64_t id;
	int ret;

	ret = rv_snap_rec_find(sec, RV_ARM64_REC_REGS, (const void **)&p, &len);
	if (ret == -ENOENT)
		return rv_err(-EINVAL, "no registers in the snapshot");
	if (ret)
		return ret;
	/* The whole record is checked before a register is written. */
	while ((ret = rv_arm64_regs_next(p, len, &off, &id, &val)) > 0)
		;
	if (ret)
		return ret;
	for (unsigned int pass = 0; pass < 3; pass++) {
		off = 0;
		while ((ret = rv_arm64_regs_next(p, len, &off, &id, &val)) > 0) {
			if (rv_arm64_reg_pass(id) != pass)
				continue;
			ret = rv_arm64_load_reg(vcpu, id, val);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* The registers, then the MP state (a powered-off vCPU stays off). */
int rv_arch_snap_load_vcpu(struct rv_vcpu *vcpu, const struct rv_snap_section *sec)
{
	struct kvm_mp_state mp;
	int ret;

	ret = rv_arm64_load_regs(vcpu, sec);
	if (!ret)
		ret = rv_snap_rec_get(sec, RV_ARM64_REC_MP_STATE, &mp, sizeof(mp));
	if (!ret)
		ret = rv_kvm_ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp);
	return ret ? rv_err_wrap(ret, "vCPU %u", vcpu->id) : 0;
}

/*
 * The VM was built like the saved one (same --cpus, --mem, devices), its
 * vCPUs initialised (KVM_ARM_VCPU_INIT) and its vGIC created and
 * initialised: the CPU model and the vCPUs' MPIDRs (which address the
 * redistributors) must be the saved ones, then the vGIC is loaded. The
 * vCPUs' registers follow (rv_arch_snap_load_vcpu); nothing has run.
 */
int rv_arch_snap_load_vm(struct rv_vm *vm, const struct rv_snap_section *sec)
{
	struct rv_arm64_vm *a = rv_arm64_vm(vm);
	struct kvm_vcpu_init saved, here = rv_arm64_snap_init(vm);
	const void *mpidr;
	uint32_t len;
	int ret;

	ret = rv_snap_rec_get(sec, RV_ARM64_REC_VCPU_INIT, &saved, sizeof(saved));
	if (ret)
		return ret;
	if (memcmp(&saved, &here, sizeof(saved)))
		return rv_err(-EINVAL,
			      "snapshot: vCPUs of KVM target %u, features 0x%x; this host's are "
			      "target %u, features 0x%x",
			      saved.target, saved.features[0], here.target, here.features[0]);
	ret = rv_snap_rec_find(sec, RV_ARM64_REC_MPIDR, &mpidr, &len);
	if (ret == -ENOENT)
		return rv_err(-EINVAL, "snapshot: no vCPU MPIDRs");
	if (ret)
		return ret;
	if (len != vm->nr_vcpus * sizeof(a->mpidr[0]) || memcmp(mpidr, a->mpidr, len))
		return rv_err(-EINVAL, "snapshot: the vCPUs' MPIDR_EL1 differ from this VM's");
	return rv_arm64_gic_load(vm, sec);
}
