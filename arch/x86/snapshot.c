// SPDX-License-Identifier: GPL-2.0
/*
 * x86 snapshots (arch/arch.h, rv_arch_snap_*): what KVM holds for a VM and
 * for each vCPU, as records of the state file (vmm/snapshot/format.h), and
 * back. docs/snapshot.md explains the order; the comments say why.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/kvm.h"
#include "vmm/snapshot/format.h"
#include "vmm/util.h"
#include "vmm/vm.h"
#include "arch/arch.h"
#include "x86.h"

#define MSR_IA32_TSC_DEADLINE 0x6e0
/* The most MSRs KVM_GET_MSR_INDEX_LIST may list that we accept (KVM: ~100-200). */
#define RV_X86_MAX_MSRS 1024

/* Record tags; a tag's meaning never changes (new state gets a new tag). */
enum {
	RV_X86_REC_REGS = 1,
	RV_X86_REC_SREGS = 2,
	RV_X86_REC_SREGS2 = 3,
	RV_X86_REC_XSAVE = 4,
	RV_X86_REC_XCRS = 5,
	RV_X86_REC_DEBUGREGS = 6,
	RV_X86_REC_MSRS = 7, /* struct kvm_msr_entry[], TSC deadline excluded */
	RV_X86_REC_LAPIC = 8,
	RV_X86_REC_EVENTS = 9,
	RV_X86_REC_MP_STATE = 10,
	RV_X86_REC_TSC_KHZ = 11,
	RV_X86_REC_TSC_DEADLINE = 12,
	RV_X86_REC_CLOCK = 20,
	RV_X86_REC_PIC_MASTER = 21,
	RV_X86_REC_PIC_SLAVE = 22,
	RV_X86_REC_IOAPIC = 23,
	RV_X86_REC_PIT2 = 24,
};

const uint32_t rv_arch_snap_id = RV_SNAP_ARCH_X86_64;

/* The in-kernel irqchip's parts (api.rst, KVM_GET_IRQCHIP) and their records. */
static const struct {
	uint32_t chip, tag;
} rv_x86_chips[] = {
	{ KVM_IRQCHIP_PIC_MASTER, RV_X86_REC_PIC_MASTER },
	{ KVM_IRQCHIP_PIC_SLAVE, RV_X86_REC_PIC_SLAVE },
	{ KVM_IRQCHIP_IOAPIC, RV_X86_REC_IOAPIC },
};

/* The loop thread saves: the sandbox lets it make these (vmm/sandbox.c). */

/* KVM_CHECK_EXTENSION(KVM_CAP_XSAVE2) is the buffer size, at least 4096. */
static size_t rv_x86_xsave_size(struct rv_vm *vm)
{
	int n = rv_kvm_cap(vm->vm_fd, KVM_CAP_XSAVE2);

	return n > (int)sizeof(struct kvm_xsave) ? (size_t)n : sizeof(struct kvm_xsave);
}

/*
 * Every MSR KVM lists (api.rst, KVM_GET_MSR_INDEX_LIST) that KVM_GET_MSRS
 * returns for this vCPU. KVM_GET_MSRS stops at the first MSR it refuses
 * and returns how many it read: that one is dropped and the rest retried.
 */
static int rv_x86_save_msrs(struct rv_vcpu *vcpu, struct rv_snap_buf *b)
{
	struct kvm_msr_list probe = { .nmsrs = 0 }, *list;
	struct kvm_msrs *msrs;
	struct kvm_msr_entry *out, deadline = { .index = MSR_IA32_TSC_DEADLINE };
	unsigned int n, nr_out = 0, i = 0;
	bool have_deadline = false;
	int ret;

	ret = __rv_kvm_ioctl(vcpu->vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, (unsigned long)&probe);
	if (ret != -E2BIG)
		return rv_err(ret ? ret : -EIO, "KVM_GET_MSR_INDEX_LIST: %s",
			      strerror(ret ? -ret : EIO));
	/* The kernel controls the count: bounded before it sizes anything. */
	n = probe.nmsrs;
	if (!n || n > RV_X86_MAX_MSRS)
		return rv_err(-EIO, "KVM_GET_MSR_INDEX_LIST: %u MSRs", n);
	list = calloc(1, sizeof(*list) + n * sizeof(list->indices[0]));
	msrs = calloc(1, sizeof(*msrs) + n * sizeof(msrs->entries[0]));
	out = calloc(n, sizeof(*out));
	if (!list || !msrs || !out) {
		ret = rv_err(-ENOMEM, "out of memory for %u MSRs", n);
		goto out;
	}
	list->nmsrs = n;
	ret = rv_kvm_ioctl(vcpu->vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, list);
	if (ret)
		goto out;
	n = rv_min_u64(n, list->nmsrs);
	while (i < n) {
		msrs->nmsrs = n - i;
		for (unsigned int k = 0; k < n - i; k++)
			msrs->entries[k] = (struct kvm_msr_entry){ .index = list->indices[i + k] };
		ret = rv_kvm_ioctl(vcpu->fd, KVM_GET_MSRS, msrs);
		if (ret < 0)
			goto out;
		for (int k = 0; k < ret; k++) {
			/* Restored after the LAPIC (rv_arch_snap_load_vcpu). */
			if (msrs->entries[k].index == MSR_IA32_TSC_DEADLINE) {
				deadline = msrs->entries[k];
				have_deadline = true;
				continue;
			}
			out[nr_out++] = msrs->entries[k];
		}
		i += (unsigned int)ret;
		if (i < n)
			i++; /* refused by KVM_GET_MSRS: not state KVM holds here */
	}
	rv_snap_rec(b, RV_X86_REC_MSRS, out, nr_out * sizeof(*out));
	if (have_deadline)
		rv_snap_rec(b, RV_X86_REC_TSC_DEADLINE, &deadline, sizeof(deadline));
	ret = 0;
out:
	free(out);
	free(msrs);
	free(list);
	return ret;
}

/* What one vCPU's fixed-size state is read into and loaded from. */
struct rv_x86_cpu_state {
	struct kvm_mp_state mp;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_sregs2 sregs2;
	struct kvm_xcrs xcrs;
	struct kvm_debugregs dbg;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
};

/* One ioctl into a record: the macro keeps the checked form's size check. */
#define RV_X86_SAVE(fd, req, tag, obj)                                \
	({                                                            \
		int __r = rv_kvm_ioctl((fd), req, (obj));             \
		if (!__r)                                             \
			rv_snap_rec(b, (tag), (obj), sizeof(*(obj))); \
		__r;                                                  \
	})

/*
 * Saved in the order QEMU and Firecracker learnt to use: MP state first
 * (KVM_GET_MP_STATE may deliver pending INIT/SIPI, changing the rest),
 * vCPU events last (other gets may change pending events).
 */
int rv_arch_snap_save_vcpu(struct rv_vcpu *vcpu, struct rv_snap_buf *b)
{
	struct rv_vm *vm = vcpu->vm;
	struct rv_x86_cpu_state c;
	size_t xsize = rv_x86_xsave_size(vm);
	struct kvm_xsave *xsave;
	uint32_t khz;
	int ret;

	ret = RV_X86_SAVE(vcpu->fd, KVM_GET_MP_STATE, RV_X86_REC_MP_STATE, &c.mp);
	if (!ret)
		ret = RV_X86_SAVE(vcpu->fd, KVM_GET_REGS, RV_X86_REC_REGS, &c.regs);
	/* KVM_GET_SREGS2 adds the PAE PDPTRs, which KVM_GET_SREGS loses. */
	if (!ret && rv_kvm_cap(vm->kvm_fd, KVM_CAP_SREGS2))
		ret = RV_X86_SAVE(vcpu->fd, KVM_GET_SREGS2, RV_X86_REC_SREGS2, &c.sregs2);
	else if (!ret)
		ret = RV_X86_SAVE(vcpu->fd, KVM_GET_SREGS, RV_X86_REC_SREGS, &c.sregs);
	if (ret)
		return ret;
	xsave = calloc(1, xsize);
	if (!xsave)
		return rv_err(-ENOMEM, "out of memory for XSAVE");
	/* api.rst, KVM_GET_XSAVE2: the KVM_CAP_XSAVE2 size; 4096 bytes without it. */
	ret = xsize > sizeof(*xsave) ? rv_kvm_ioctl(vcpu->fd, KVM_GET_XSAVE2, xsave) :
				       rv_kvm_ioctl(vcpu->fd, KVM_GET_XSAVE, xsave);
	if (!ret)
		rv_snap_rec(b, RV_X86_REC_XSAVE, xsave, xsize);
	free(xsave);
	if (!ret && rv_kvm_cap(vm->kvm_fd, KVM_CAP_XCRS))
		ret = RV_X86_SAVE(vcpu->fd, KVM_GET_XCRS, RV_X86_REC_XCRS, &c.xcrs);
	if (!ret)
		ret = RV_X86_SAVE(vcpu->fd, KVM_GET_DEBUGREGS, RV_X86_REC_DEBUGREGS, &c.dbg);
	if (!ret)
		ret = RV_X86_SAVE(vcpu->fd, KVM_GET_LAPIC, RV_X86_REC_LAPIC, &c.lapic);
	if (!ret)
		ret = rv_x86_save_msrs(vcpu, b);
	if (ret)
		return ret;
	/* api.rst, KVM_GET_TSC_KHZ: the guest's TSC rate, to set it again. */
	ret = rv_kvm_ioctl_val(vcpu->fd, KVM_GET_TSC_KHZ, 0);
	if (ret < 0)
		return ret;
	khz = (uint32_t)ret;
	rv_snap_rec(b, RV_X86_REC_TSC_KHZ, &khz, sizeof(khz));
	return RV_X86_SAVE(vcpu->fd, KVM_GET_VCPU_EVENTS, RV_X86_REC_EVENTS, &c.events);
}

int rv_arch_snap_save_vm(struct rv_vm *vm, struct rv_snap_buf *b)
{
	struct kvm_clock_data clock = { 0 };
	struct kvm_pit_state2 pit;
	int ret;

	for (unsigned int i = 0; i < RV_ARRAY_SIZE(rv_x86_chips); i++) {
		struct kvm_irqchip chip = { .chip_id = rv_x86_chips[i].chip };

		ret = RV_X86_SAVE(vm->vm_fd, KVM_GET_IRQCHIP, rv_x86_chips[i].tag, &chip);
		if (ret)
			return ret;
	}
	ret = RV_X86_SAVE(vm->vm_fd, KVM_GET_PIT2, RV_X86_REC_PIT2, &pit);
	if (!ret)
		ret = RV_X86_SAVE(vm->vm_fd, KVM_GET_CLOCK, RV_X86_REC_CLOCK, &clock);
	return ret;
}

/* Record @tag into @obj (its exact size), then the ioctl. */
#define RV_X86_LOAD(fd, req, sec, tag, obj)                                     \
	({                                                                      \
		int __r = rv_snap_rec_get((sec), (tag), (obj), sizeof(*(obj))); \
		if (!__r)                                                       \
			__r = rv_kvm_ioctl((fd), req, (obj));                   \
		__r;                                                            \
	})

static int rv_x86_load_msrs(struct rv_vcpu *vcpu, const struct rv_snap_section *sec, uint32_t tag)
{
	struct kvm_msrs *msrs;
	const void *data;
	uint32_t len, n;
	int ret;

	ret = rv_snap_rec_find(sec, tag, &data, &len);
	if (ret == -ENOENT && tag == RV_X86_REC_TSC_DEADLINE)
		return 0;
	if (ret == -ENOENT)
		return rv_err(-EINVAL, "vCPU %u: no MSRs in the snapshot", vcpu->id);
	if (ret)
		return ret;
	/* The file gives the count: bounded like the list it came from. */
	n = len / sizeof(struct kvm_msr_entry);
	if (len % sizeof(struct kvm_msr_entry) || n > RV_X86_MAX_MSRS)
		return rv_err(-EINVAL, "vCPU %u: an MSR record of %u bytes", vcpu->id, len);
	msrs = calloc(1, sizeof(*msrs) + len);
	if (!msrs)
		return rv_err(-ENOMEM, "out of memory for %u MSRs", n);
	msrs->nmsrs = n;
	memcpy(msrs->entries, data, len);
	/* KVM_SET_MSRS returns how many it set: the first one short is named. */
	ret = rv_kvm_ioctl(vcpu->fd, KVM_SET_MSRS, msrs);
	if (ret >= 0 && (uint32_t)ret < n)
		ret = rv_err(-EINVAL, "vCPU %u: KVM refused MSR %#x (%u of %u set)", vcpu->id,
			     msrs->entries[ret].index, ret, n);
	else if (ret > 0)
		ret = 0;
	free(msrs);
	return ret;
}

static int rv_x86_load_xsave(struct rv_vcpu *vcpu, const struct rv_snap_section *sec)
{
	size_t xsize = rv_x86_xsave_size(vcpu->vm);
	struct kvm_xsave *xsave;
	const void *data;
	uint32_t len;
	int ret;

	ret = rv_snap_rec_find(sec, RV_X86_REC_XSAVE, &data, &len);
	if (ret == -ENOENT)
		return rv_err(-EINVAL, "vCPU %u: no XSAVE state in the snapshot", vcpu->id);
	if (ret)
		return ret;
	if (len < sizeof(*xsave) || len > xsize)
		return rv_err(-EINVAL, "vCPU %u: XSAVE state of %u bytes, this KVM takes %zu",
			      vcpu->id, len, xsize);
	/* api.rst, KVM_SET_XSAVE: it copies the KVM_CAP_XSAVE2 size, so the buffer has it. */
	xsave = calloc(1, xsize);
	if (!xsave)
		return rv_err(-ENOMEM, "out of memory for XSAVE");
	memcpy(xsave, data, len);
	ret = rv_kvm_ioctl(vcpu->fd, KVM_SET_XSAVE, xsave);
	free(xsave);
	return ret;
}

/*
 * The restore order (docs/snapshot.md). The vCPU exists with its CPUID set
 * (rv_arch_vcpu_init): XSAVE sizes and the CR4/EFER checks depend on it.
 * Special registers first: EFER, CR0/CR4 and the APIC base decide which
 * MSRs and which LAPIC state are valid. Then the MSRs, the TSC among them;
 * the LAPIC after them; the TSC deadline after the LAPIC (KVM ignores it
 * unless the LAPIC timer is in TSC-deadline mode); vCPU events last, so
 * that nothing after them overwrites the pending exception or interrupt.
 */
int rv_arch_snap_load_vcpu(struct rv_vcpu *vcpu, const struct rv_snap_section *sec)
{
	struct rv_vm *vm = vcpu->vm;
	struct rv_x86_cpu_state c;
	const void *p;
	uint32_t len, khz;
	int ret, now;

	ret = rv_snap_rec_get(sec, RV_X86_REC_TSC_KHZ, &khz, sizeof(khz));
	if (ret)
		return ret;
	now = rv_kvm_ioctl_val(vcpu->fd, KVM_GET_TSC_KHZ, 0);
	/* api.rst, KVM_SET_TSC_KHZ: scaled when the host rate differs. */
	if (now > 0 && (uint32_t)now != khz) {
		if (!rv_kvm_cap(vm->kvm_fd, KVM_CAP_TSC_CONTROL))
			return rv_err(-ENOTSUP,
				      "the guest's TSC ran at %u kHz, this host's at %d, and KVM "
				      "cannot scale it (KVM_CAP_TSC_CONTROL)",
				      khz, now);
		ret = rv_kvm_ioctl_val(vcpu->fd, KVM_SET_TSC_KHZ, khz);
		if (ret)
			return ret;
	}
	if (!rv_snap_rec_find(sec, RV_X86_REC_SREGS2, &p, &len))
		ret = RV_X86_LOAD(vcpu->fd, KVM_SET_SREGS2, sec, RV_X86_REC_SREGS2, &c.sregs2);
	else
		ret = RV_X86_LOAD(vcpu->fd, KVM_SET_SREGS, sec, RV_X86_REC_SREGS, &c.sregs);
	if (!ret)
		ret = RV_X86_LOAD(vcpu->fd, KVM_SET_REGS, sec, RV_X86_REC_REGS, &c.regs);
	if (!ret)
		ret = rv_x86_load_xsave(vcpu, sec);
	if (!ret && !rv_snap_rec_find(sec, RV_X86_REC_XCRS, &p, &len))
		ret = RV_X86_LOAD(vcpu->fd, KVM_SET_XCRS, sec, RV_X86_REC_XCRS, &c.xcrs);
	if (!ret)
		ret = rv_x86_load_msrs(vcpu, sec, RV_X86_REC_MSRS);
	if (!ret)
		ret = RV_X86_LOAD(vcpu->fd, KVM_SET_LAPIC, sec, RV_X86_REC_LAPIC, &c.lapic);
	if (!ret)
		ret = rv_x86_load_msrs(vcpu, sec, RV_X86_REC_TSC_DEADLINE);
	if (!ret)
		ret = RV_X86_LOAD(vcpu->fd, KVM_SET_DEBUGREGS, sec, RV_X86_REC_DEBUGREGS, &c.dbg);
	if (!ret)
		ret = RV_X86_LOAD(vcpu->fd, KVM_SET_MP_STATE, sec, RV_X86_REC_MP_STATE, &c.mp);
	if (!ret)
		ret = RV_X86_LOAD(vcpu->fd, KVM_SET_VCPU_EVENTS, sec, RV_X86_REC_EVENTS, &c.events);
	return ret ? rv_err_wrap(ret, "vCPU %u", vcpu->id) : 0;
}

/*
 * The interrupt controllers and the PIT, then the clock: api.rst,
 * KVM_SET_CLOCK sets kvmclock to the saved value, so the guest's clock
 * continues from the instant of the snapshot (it does not see the time
 * the snapshot sat on disk; without KVM_CLOCK_REALTIME nothing advances it).
 */
int rv_arch_snap_load_vm(struct rv_vm *vm, const struct rv_snap_section *sec)
{
	struct kvm_clock_data clock;
	struct kvm_pit_state2 pit;
	int ret;

	for (unsigned int i = 0; i < RV_ARRAY_SIZE(rv_x86_chips); i++) {
		struct kvm_irqchip chip;

		ret = rv_snap_rec_get(sec, rv_x86_chips[i].tag, &chip, sizeof(chip));
		if (ret)
			return ret;
		/* The file says which chip it holds: it must be the one asked for. */
		if (chip.chip_id != rv_x86_chips[i].chip)
			return rv_err(-EINVAL, "snapshot: irqchip record %u holds chip %u",
				      rv_x86_chips[i].tag, chip.chip_id);
		ret = rv_kvm_ioctl(vm->vm_fd, KVM_SET_IRQCHIP, &chip);
		if (ret)
			return ret;
	}
	ret = RV_X86_LOAD(vm->vm_fd, KVM_SET_PIT2, sec, RV_X86_REC_PIT2, &pit);
	if (ret)
		return ret;
	ret = rv_snap_rec_get(sec, RV_X86_REC_CLOCK, &clock, sizeof(clock));
	if (ret)
		return ret;
	clock.flags = 0;
	return rv_kvm_ioctl(vm->vm_fd, KVM_SET_CLOCK, &clock);
}
