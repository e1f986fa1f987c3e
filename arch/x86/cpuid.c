// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's CPUID: what KVM supports (api.rst, KVM_GET_SUPPORTED_CPUID),
 * with the topology leaves rewritten so that every vCPU agrees with
 * the MADT: one package, @nr_cpus cores, one thread per core, APIC id = vCPU
 * index. Linux cross-checks leaf 1, leaf 0xb (Intel and AMD) and
 * 0x80000008/0x8000001e (AMD); inconsistent values make it park CPUs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/kvm.h"
#include "vmm/util.h"
#include "x86.h"

#define RV_CPUID_MAX_ENTRIES 256

static int rv_x86_cpuid_fetch(struct rv_vm *vm)
{
	struct rv_x86_vm *x86 = rv_x86_vm(vm);
	struct kvm_cpuid2 *c;
	int ret;

	if (x86->cpuid)
		return 0;
	c = calloc(1, sizeof(*c) + RV_CPUID_MAX_ENTRIES * sizeof(c->entries[0]));
	if (!c)
		return -ENOMEM;
	c->nent = RV_CPUID_MAX_ENTRIES;
	ret = rv_kvm_ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c);
	if (ret) {
		free(c);
		return ret;
	}
	x86->cpuid = c;
	return 0;
}

/* Bits needed to number @n things (0 for 1). */
static unsigned int rv_order(unsigned int n)
{
	unsigned int bits = 0;

	while ((1u << bits) < n)
		bits++;
	return bits;
}

static void rv_x86_cpuid_fix(struct kvm_cpuid_entry2 *e, unsigned int id, unsigned int nr,
			     bool intel)
{
	unsigned int core_bits = rv_order(nr);

	switch (e->function) {
	case 1:
		/* EBX[31:24] initial APIC id, [23:16] logical CPUs per package. */
		e->ebx = (e->ebx & 0xffff) | (id << 24) | ((nr & 0xff) << 16);
		if (nr > 1)
			e->edx |= 1u << 28; /* HTT: the [23:16] field is valid */
		e->ecx |= 1u << 31;	    /* running under a hypervisor */
		break;
	case 4:
		/* Intel deterministic cache parameters: EAX[31:26] cores - 1. */
		if (intel && (e->eax & 0x1f))
			e->eax = (e->eax & 0x3ffffff) | ((nr - 1) << 26);
		break;
	case 0xb:
	case 0x1f:
		/* Extended topology: level 0 = SMT (1 thread), level 1 = core. */
		e->edx = id;
		if (e->index == 0) {
			e->eax = 0;
			e->ebx = 1;
			e->ecx = (1u << 8) | 0;
		} else if (e->index == 1) {
			e->eax = core_bits;
			e->ebx = nr;
			e->ecx = (2u << 8) | 1;
		} else {
			e->eax = e->ebx = 0;
			e->ecx = e->index;
		}
		break;
	case 0x80000008:
		/* AMD: ECX[15:12] APIC id bits, [7:0] cores - 1. */
		e->ecx = (e->ecx & ~0xf0ffu) | (core_bits << 12) | (nr - 1);
		break;
	case 0x8000001e:
		/* AMD: extended APIC id, core id, node 0, one thread per core. */
		e->eax = id;
		e->ebx = id & 0xff;
		e->ecx = 0;
		break;
	default:
		break;
	}
}

int rv_x86_cpuid_init(struct rv_vcpu *vcpu, unsigned int nr_cpus)
{
	struct rv_vm *vm = vcpu->vm;
	struct kvm_cpuid2 *src, *c;
	bool intel = false;
	size_t size;
	int ret;

	ret = rv_x86_cpuid_fetch(vm);
	if (ret)
		return ret;
	src = rv_x86_vm(vm)->cpuid;
	size = sizeof(*src) + src->nent * sizeof(src->entries[0]);
	c = malloc(size);
	if (!c)
		return -ENOMEM;
	memcpy(c, src, size);
	for (unsigned int i = 0; i < c->nent; i++)
		if (c->entries[i].function == 0)
			intel = c->entries[i].ebx == 0x756e6547; /* "Genu" */
	for (unsigned int i = 0; i < c->nent; i++)
		rv_x86_cpuid_fix(&c->entries[i], vcpu->id, nr_cpus, intel);
	ret = rv_kvm_ioctl(vcpu->fd, KVM_SET_CPUID2, c);
	free(c);
	return ret;
}
