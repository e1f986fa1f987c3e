/* SPDX-License-Identifier: GPL-2.0 */
/* State and helpers shared by the files of arch/arm64 (not seen outside it). */
#ifndef RV_ARM64_ARM64_H
#define RV_ARM64_ARM64_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

#include "boot.h"
#include "gic.h"

struct rv_vm;

struct rv_arm64_vm {
	/* The answer of api.rst, KVM_ARM_PREFERRED_TARGET; features added per vCPU. */
	struct kvm_vcpu_init vcpu_init;
	struct rv_arm64_gic gic;
	struct rv_arm64_boot_layout boot;
	uint64_t entry;	      /* PC of the vCPUs that enter */
	bool linux_boot;      /* x0 = dtb (booting.rst) rather than the vCPU index */
	bool all_vcpus_enter; /* raw guest code: every vCPU starts at entry */
	uint64_t *mpidr;      /* MPIDR_EL1 of each vCPU, read after KVM_ARM_VCPU_INIT */
};

static inline struct rv_arm64_vm *rv_arm64_vm(struct rv_vm *vm);

#include "vmm/vm.h"

static inline struct rv_arm64_vm *rv_arm64_vm(struct rv_vm *vm)
{
	return vm->arch;
}

#endif
