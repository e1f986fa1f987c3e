/* SPDX-License-Identifier: GPL-2.0 */
/* State and helpers shared by the files of arch/x86 (not seen outside it). */
#ifndef RV_X86_X86_H
#define RV_X86_X86_H

#include <stdbool.h>
#include <stdint.h>

struct rv_vcpu;
struct rv_vm;
struct kvm_cpuid2;

/*
 * How the vCPUs enter the guest (vcpu.c). The Linux modes follow boot.rst;
 * the raw modes run code of our own (the built-in guest, tests, `ringvmm
 * bench`) in 64-bit mode with the first 4 GiB identity-mapped.
 * RV_X86_ENTRY_RAW_CPL3 is for KVMs that run CPL3 code natively but emulate
 * CPL0 code (PVM): DPL 3 segments, user pages, IOPL 3 and a TSS whose I/O
 * bitmap grants every port.
 */
enum rv_x86_entry {
	RV_X86_ENTRY_LINUX_64BIT, /* "64-bit Boot Protocol": RSI = boot_params */
	RV_X86_ENTRY_LINUX_32BIT, /* "32-bit Boot Protocol": flat, no paging */
	RV_X86_ENTRY_RAW_CPL0,
	RV_X86_ENTRY_RAW_CPL3,
};

struct rv_x86_vm {
	enum rv_x86_entry mode;
	uint64_t entry;		  /* guest physical entry point */
	uint64_t boot_params;	  /* RSI/ESI at entry, 0 for raw guest code */
	bool all_vcpus_enter;	  /* raw test code: every vCPU starts at entry */
	struct kvm_cpuid2 *cpuid; /* KVM_GET_SUPPORTED_CPUID, fetched once */
};

static inline struct rv_x86_vm *rv_x86_vm(struct rv_vm *vm);

/* CPUID for one vCPU: supported CPUID with a consistent topology. */
int rv_x86_cpuid_init(struct rv_vcpu *vcpu, unsigned int nr_cpus);
/*
 * Build the boot GDT and identity page tables in guest memory for entry
 * @mode (RV_X86_ENTRY_RAW_CPL3: user pages and the user TSS too).
 */
int rv_x86_setup_boot_tables(struct rv_vm *vm, enum rv_x86_entry mode);

#include "vmm/vm.h"

static inline struct rv_x86_vm *rv_x86_vm(struct rv_vm *vm)
{
	return vm->arch;
}

#endif
