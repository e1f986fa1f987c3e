/* SPDX-License-Identifier: GPL-2.0 */
/* State and helpers shared by the files of arch/x86 (not seen outside it). */
#ifndef RV_X86_X86_H
#define RV_X86_X86_H

#include <stdbool.h>
#include <stdint.h>

struct rv_vcpu;
struct rv_vm;
struct kvm_cpuid2;

struct rv_x86_vm {
	uint64_t entry;		  /* guest physical entry point */
	bool entry_64;		  /* long mode (else 32-bit flat protected mode) */
	uint64_t boot_params;	  /* RSI/ESI at entry, 0 for raw guest code */
	bool all_vcpus_enter;	  /* raw guest code: every vCPU starts at entry */
	bool user_mode;		  /* raw guest code entered at CPL3 (guest_user_mode) */
	struct kvm_cpuid2 *cpuid; /* KVM_GET_SUPPORTED_CPUID, fetched once */
};

static inline struct rv_x86_vm *rv_x86_vm(struct rv_vm *vm);

/* CPUID for one vCPU: supported CPUID with a consistent topology. */
int rv_x86_cpuid_init(struct rv_vcpu *vcpu, unsigned int nr_cpus);
/*
 * Build the boot GDT and identity page tables in guest memory; @user: the
 * pages user-accessible, for raw code entered at CPL3.
 */
int rv_x86_setup_boot_tables(struct rv_vm *vm, bool user);

#include "vmm/vm.h"

static inline struct rv_x86_vm *rv_x86_vm(struct rv_vm *vm)
{
	return vm->arch;
}

#endif
