// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 vCPU state at entry.
 *
 * api.rst, KVM_ARM_VCPU_INIT: it resets a vCPU to the architectural reset
 * state of the target KVM_ARM_PREFERRED_TARGET named, with the features we
 * ask for: KVM_ARM_VCPU_PSCI_0_2 (the guest powers CPUs and the system on
 * and off through PSCI 0.2 calls that KVM answers), and on secondary vCPUs
 * KVM_ARM_VCPU_POWER_OFF: they wait, powered off, until the boot CPU calls
 * PSCI CPU_ON for them, which is what the device tree's enable-method
 * "psci" tells Linux to do.
 *
 * Documentation/arch/arm64/booting.rst, "Call the kernel image", asks of
 * the boot CPU: MMU and D-cache off (the reset state), all of DAIF masked,
 * EL1h (or EL2, not available to a KVM guest here), x0 = the dtb's physical
 * address, x1-x3 = 0. KVM's reset state is EL1h with DAIF masked and every
 * general-purpose register zero; PSTATE is written anyway so the entry
 * state is visible here rather than implied.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "vmm/kvm.h"
#include "vmm/util.h"
#include "arch/arch.h"
#include "arm64.h"
#include "layout.h"

/* api.rst, KVM_SET_ONE_REG: arm64 core register ids. */
#define RV_CORE_REG(name) \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(name))
#define RV_REG_PC RV_CORE_REG(regs.pc)
#define RV_REG_PSTATE RV_CORE_REG(regs.pstate)
#define RV_REG_SP_EL1 RV_CORE_REG(sp_el1)
#define RV_REG_X(n) RV_CORE_REG(regs.regs[n])

/* System registers, as ARM64_SYS_REG(op0, op1, CRn, CRm, op2). */
#define RV_REG_MPIDR_EL1 ARM64_SYS_REG(3, 0, 0, 0, 5)
#define RV_REG_SCTLR_EL1 ARM64_SYS_REG(3, 0, 1, 0, 0)
#define RV_REG_ESR_EL1 ARM64_SYS_REG(3, 0, 5, 2, 0)
#define RV_REG_FAR_EL1 ARM64_SYS_REG(3, 0, 6, 0, 0)
#define RV_REG_VBAR_EL1 ARM64_SYS_REG(3, 0, 12, 0, 0)

#define PSR_MODE_EL1H 0x5
#define PSR_DAIF (0xfULL << 6) /* D, A, I, F masked */
#define SCTLR_M 1ULL	       /* stage 1 MMU on */

static int rv_arm64_set_reg(struct rv_vcpu *vcpu, uint64_t id, uint64_t val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)&val };

	return rv_kvm_ioctl(vcpu->fd, KVM_SET_ONE_REG, &reg);
}

/* Raw: 0 or -errno, no message (the dump path reads what it can). */
static int __rv_arm64_get_reg(struct rv_vcpu *vcpu, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)val };

	return __rv_kvm_ioctl(vcpu->fd, KVM_GET_ONE_REG, (unsigned long)&reg);
}

int rv_arch_vcpu_init(struct rv_vcpu *vcpu)
{
	struct rv_arm64_vm *a = rv_arm64_vm(vcpu->vm);
	struct kvm_vcpu_init init = a->vcpu_init;
	bool enters = vcpu->id == 0 || a->all_vcpus_enter;
	uint64_t x0;
	int ret;

	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (!enters)
		init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	ret = rv_kvm_ioctl(vcpu->fd, KVM_ARM_VCPU_INIT, &init);
	if (ret)
		return ret;
	/*
	 * The device tree names each CPU by its MPIDR affinity, and PSCI
	 * CPU_ON targets it: read what KVM assigned rather than assume it.
	 */
	ret = __rv_arm64_get_reg(vcpu, RV_REG_MPIDR_EL1, &a->mpidr[vcpu->id]);
	if (ret)
		return rv_err(ret, "KVM_GET_ONE_REG(MPIDR_EL1): %s", strerror(-ret));
	if (!enters)
		return 0;

	ret = rv_arm64_set_reg(vcpu, RV_REG_PSTATE, PSR_DAIF | PSR_MODE_EL1H);
	if (!ret)
		ret = rv_arm64_set_reg(vcpu, RV_REG_PC, a->entry);
	if (ret)
		return ret;
	if (a->linux_boot) {
		x0 = a->boot.dtb_addr;
	} else {
		/*
		 * Raw guest code: x0 = vCPU index, a 4 KiB stack of its own
		 * below the code, x1 = the dtb (for code that wants it).
		 */
		x0 = vcpu->id;
		ret = rv_arm64_set_reg(vcpu, RV_REG_SP_EL1,
				       a->boot.kernel_addr - vcpu->id * RV_ARM64_STACK_SIZE);
		if (!ret)
			ret = rv_arm64_set_reg(vcpu, RV_REG_X(1), a->boot.dtb_addr);
		if (ret)
			return ret;
	}
	return rv_arm64_set_reg(vcpu, RV_REG_X(0), x0);
}

void rv_arch_vcpu_dump(struct rv_vcpu *vcpu, FILE *out)
{
	uint64_t pc, pstate, sp, x[31], sctlr = 0, esr = 0, far = 0, vbar = 0;
	const uint8_t *code = NULL;
	unsigned int i;

	if (__rv_arm64_get_reg(vcpu, RV_REG_PC, &pc) < 0 ||
	    __rv_arm64_get_reg(vcpu, RV_REG_PSTATE, &pstate) < 0 ||
	    __rv_arm64_get_reg(vcpu, RV_REG_SP_EL1, &sp) < 0) {
		fprintf(out, "ringvmm: (registers unavailable)\n");
		return;
	}
	for (i = 0; i < 31; i++)
		if (__rv_arm64_get_reg(vcpu, RV_REG_X(i), &x[i]) < 0)
			x[i] = 0;
	__rv_arm64_get_reg(vcpu, RV_REG_SCTLR_EL1, &sctlr);
	__rv_arm64_get_reg(vcpu, RV_REG_ESR_EL1, &esr);
	__rv_arm64_get_reg(vcpu, RV_REG_FAR_EL1, &far);
	__rv_arm64_get_reg(vcpu, RV_REG_VBAR_EL1, &vbar);
	fprintf(out,
		"ringvmm: PC %016" PRIx64 " PSTATE %08" PRIx64 " SP_EL1 %016" PRIx64
		" LR %016" PRIx64 "\n",
		pc, pstate, sp, x[30]);
	for (i = 0; i < 8; i += 4)
		fprintf(out,
			"ringvmm: X%-2u %016" PRIx64 " %016" PRIx64 " %016" PRIx64 " %016" PRIx64
			"\n",
			i, x[i], x[i + 1], x[i + 2], x[i + 3]);
	fprintf(out,
		"ringvmm: SCTLR_EL1 %08" PRIx64 " ESR_EL1 %08" PRIx64 " FAR_EL1 %016" PRIx64
		" VBAR_EL1 %016" PRIx64 "\n",
		sctlr, esr, far, vbar);
	/*
	 * With the MMU off the PC is a physical address; with it on, KVM has
	 * no KVM_TRANSLATE on arm64, so the code bytes are not shown.
	 */
	if (!(sctlr & SCTLR_M))
		code = rv_mem_gpa_to_hva(&vcpu->vm->mem, pc, 16);
	fprintf(out, "ringvmm: code at %" PRIx64 ":", pc);
	if (!code)
		fprintf(out,
			(sctlr & SCTLR_M) ? " (virtual address, MMU on)" : " (not in guest RAM)");
	for (i = 0; code && i < 16; i++)
		fprintf(out, " %02x", code[i]);
	fputc('\n', out);
}
