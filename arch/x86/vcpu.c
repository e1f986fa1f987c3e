// SPDX-License-Identifier: GPL-2.0
/*
 * x86 vCPU state at entry, for the Linux 64-bit boot protocol
 * (Documentation/arch/x86/boot.rst, "64-bit Boot Protocol"): long mode,
 * paging on with an identity map covering the kernel, boot_params and the
 * command line; a GDT with __BOOT_CS (0x10) and __BOOT_DS (0x18) flat 4 GiB
 * segments; interrupts off; RSI = boot_params. The 32-bit protocol is the
 * same in flat protected mode without paging, ESI = boot_params.
 *
 * Raw guest code (tests, benchmarks) may ask to run unprivileged
 * (rv_vm_config.guest_user_mode): it is then entered at CPL3 in 64-bit
 * mode, with DPL 3 flat segments, user-accessible pages and IOPL 3 so that
 * port I/O needs no TSS bitmap. Some KVMs (the PVM of docs/platform.md) run CPL3 code
 * natively but emulate CPL0 code instruction by instruction.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "vmm/kvm.h"
#include "vmm/util.h"
#include "arch/arch.h"
#include "layout.h"
#include "x86.h"

#define RV_GDT_NULL 0
#define RV_GDT_CODE64 0x10
#define RV_GDT_DATA 0x18
#define RV_GDT_TSS 0x20
#define RV_GDT_CODE32 0x30
#define RV_GDT_USER_DATA 0x40
#define RV_GDT_USER_CODE64 0x48
#define RV_GDT_ENTRIES 10
#define RV_SEL_RPL3 0x3
/*
 * The 64-bit TSS (SDM 8.7): 0x68 bytes, the I/O map base at 0x66, then
 * one bit per port (0: allowed) and a final byte of ones.
 */
#define RV_TSS_SIZE 0x68
#define RV_TSS_IOMAP_BASE 0x66
#define RV_TSS_USER_LIMIT (RV_TSS_SIZE + 65536 / 8)

#define X86_CR0_PE (1ULL << 0)
#define X86_CR0_ET (1ULL << 4)
#define X86_CR0_PG (1ULL << 31)
#define X86_CR4_PAE (1ULL << 5)
#define X86_EFER_LME (1ULL << 8)
#define X86_EFER_LMA (1ULL << 10)
#define X86_RFLAGS_FIXED 0x2ULL /* bit 1 always reads as one */
#define X86_RFLAGS_IOPL3 (3ULL << 12)
#define X86_PTE_PRESENT 0x1ULL
#define X86_PTE_RW 0x2ULL
#define X86_PTE_USER 0x4ULL
#define X86_PTE_PS 0x80ULL

#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SYSCALL_MASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_IA32_MISC_ENABLE_FAST_STRING 1ULL

#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_MODE_EXTINT 0x7
#define APIC_MODE_NMI 0x4

/* A segment descriptor from base, limit and the access/flags nibbles. */
static uint64_t rv_gdt_entry(uint16_t flags, uint32_t base, uint32_t limit)
{
	return ((uint64_t)(base & 0xff000000) << 32) | ((uint64_t)(flags & 0xf0ff) << 40) |
	       ((uint64_t)(limit & 0x000f0000) << 32) | ((uint64_t)(base & 0x00ffffff) << 16) |
	       (limit & 0x0000ffff);
}

/*
 * Port I/O at CPL3 is allowed by IOPL 3 or, failing that, by the TSS's I/O
 * bitmap (SDM 19.5). A KVM that runs CPL3 code on the real CPU's ring 3
 * cannot give it IOPL 3 (PVM drops it at the first exit) and emulates the
 * faulting instruction instead, checking the guest's bitmap: grant every
 * port there too.
 */
static int rv_x86_setup_user_tss(struct rv_vm *vm)
{
	uint8_t *tss = rv_mem_gpa_to_hva(&vm->mem, RV_X86_USER_TSS_ADDR, RV_TSS_USER_LIMIT + 1);
	uint16_t iomap = RV_TSS_SIZE;

	if (!tss)
		return rv_err(-ENOSPC, "no RAM for the TSS at 0x%llx", RV_X86_USER_TSS_ADDR);
	memset(tss, 0, RV_TSS_USER_LIMIT);
	memcpy(tss + RV_TSS_IOMAP_BASE, &iomap, sizeof(iomap));
	tss[RV_TSS_USER_LIMIT] = 0xff;
	return 0;
}

int rv_x86_setup_boot_tables(struct rv_vm *vm, bool user)
{
	uint64_t gdt[RV_GDT_ENTRIES] = {
		[RV_GDT_CODE64 / 8] = rv_gdt_entry(0xa09b, 0, 0xfffff),
		[RV_GDT_DATA / 8] = rv_gdt_entry(0xc093, 0, 0xfffff),
		/* 64-bit TSS: VMX refuses to enter with an unusable TR. */
		[RV_GDT_TSS / 8] =
			user ? rv_gdt_entry(0x008b, RV_X86_USER_TSS_ADDR, RV_TSS_USER_LIMIT) :
			       rv_gdt_entry(0x008b, 0, RV_TSS_SIZE - 1),
		[RV_GDT_CODE32 / 8] = rv_gdt_entry(0xc09b, 0, 0xfffff),
		/* DPL 3: raw guest code that runs unprivileged. */
		[RV_GDT_USER_DATA / 8] = rv_gdt_entry(0xc0f3, 0, 0xfffff),
		[RV_GDT_USER_CODE64 / 8] = rv_gdt_entry(0xa0fb, 0, 0xfffff),
	};
	/* Every level must allow user access for a CPL3 access to pass (SDM 4.6). */
	uint64_t flags = X86_PTE_PRESENT | X86_PTE_RW | (user ? X86_PTE_USER : 0);
	uint64_t *pml4, *pdpt, *pd;

	if (rv_mem_write(&vm->mem, RV_X86_GDT_ADDR, gdt, sizeof(gdt)))
		return rv_err(-ENOSPC, "no RAM for the boot GDT");
	if (user && rv_x86_setup_user_tss(vm))
		return -ENOSPC;
	pml4 = rv_mem_gpa_to_hva(&vm->mem, RV_X86_PML4_ADDR, 4096);
	pdpt = rv_mem_gpa_to_hva(&vm->mem, RV_X86_PDPT_ADDR, 4096);
	pd = rv_mem_gpa_to_hva(&vm->mem, RV_X86_PD_ADDR, 4 * 4096);
	if (!pml4 || !pdpt || !pd)
		return rv_err(-ENOSPC, "no RAM for the boot page tables");
	/* Identity-map the first 4 GiB with 2 MiB pages (present|rw|ps). */
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = RV_X86_PDPT_ADDR | flags;
	for (int i = 0; i < 4; i++)
		pdpt[i] = (RV_X86_PD_ADDR + i * 4096) | flags;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | flags | X86_PTE_PS;
	return 0;
}

static struct kvm_segment rv_seg(uint16_t sel, uint8_t type, bool code64)
{
	uint8_t dpl = sel & RV_SEL_RPL3;

	return (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = sel,
		.type = type,
		.present = 1,
		.dpl = dpl,
		.db = !code64,
		.s = 1,
		.l = code64,
		.g = 1,
	};
}

/* @user: CPL3 (long mode only), with the DPL 3 segments. */
static int rv_x86_set_sregs(struct rv_vcpu *vcpu, bool long_mode, bool user)
{
	struct kvm_sregs s;
	int ret;

	ret = rv_kvm_ioctl(vcpu->fd, KVM_GET_SREGS, &s);
	if (ret)
		return ret;
	s.gdt.base = RV_X86_GDT_ADDR;
	s.gdt.limit = RV_GDT_ENTRIES * 8 - 1;
	s.idt.base = 0;
	s.idt.limit = 0;
	s.ds = s.es = s.fs = s.gs = s.ss = rv_seg(RV_GDT_DATA, 0x3, false);
	s.tr = (struct kvm_segment){
		.base = user ? RV_X86_USER_TSS_ADDR : 0,
		.limit = user ? RV_TSS_USER_LIMIT : RV_TSS_SIZE - 1,
		.selector = RV_GDT_TSS,
		.type = 0xb,
		.present = 1,
	};
	s.ldt = (struct kvm_segment){ .type = 0x2, .present = 1, .unusable = 1 };
	if (long_mode) {
		s.cs = rv_seg(RV_GDT_CODE64, 0xb, true);
		if (user) {
			/* CPL = CS.RPL = SS.DPL = 3 (SDM 5.5; SVM takes it from SS). */
			s.cs = rv_seg(RV_GDT_USER_CODE64 | RV_SEL_RPL3, 0xb, true);
			s.ds = s.es = s.fs = s.gs = s.ss =
				rv_seg(RV_GDT_USER_DATA | RV_SEL_RPL3, 0x3, false);
		}
		s.cr3 = RV_X86_PML4_ADDR;
		s.cr4 = X86_CR4_PAE;
		s.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG;
		s.efer = X86_EFER_LME | X86_EFER_LMA;
	} else {
		s.cs = rv_seg(RV_GDT_CODE32, 0xb, false);
		s.cr0 = X86_CR0_PE | X86_CR0_ET;
		s.cr4 = 0;
		s.efer = 0;
	}
	return rv_kvm_ioctl(vcpu->fd, KVM_SET_SREGS, &s);
}

static int rv_x86_set_msrs(struct rv_vcpu *vcpu)
{
	static const uint32_t zeroed[] = {
		MSR_IA32_SYSENTER_CS,
		MSR_IA32_SYSENTER_ESP,
		MSR_IA32_SYSENTER_EIP,
		MSR_STAR,
		MSR_LSTAR,
		MSR_CSTAR,
		MSR_SYSCALL_MASK,
		MSR_KERNEL_GS_BASE,
	};
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[RV_ARRAY_SIZE(zeroed) + 1];
	} m = { 0 };
	unsigned int n = 0;
	int ret;

	for (unsigned int i = 0; i < RV_ARRAY_SIZE(zeroed); i++)
		m.e[n++].index = zeroed[i];
	/* Linux expects fast string operations enabled, as firmware leaves them. */
	m.e[n].index = MSR_IA32_MISC_ENABLE;
	m.e[n++].data = MSR_IA32_MISC_ENABLE_FAST_STRING;
	m.hdr.nmsrs = n;
	/* api.rst, KVM_SET_MSRS: returns the number of MSRs set, stopping at the first bad one. */
	ret = rv_kvm_ioctl(vcpu->fd, KVM_SET_MSRS, &m.hdr);
	if (ret < 0)
		return ret;
	if ((unsigned int)ret != n)
		rv_debug("vCPU %u: KVM_SET_MSRS stopped at MSR 0x%x", vcpu->id, m.e[ret].index);
	return 0;
}

static int rv_x86_set_lapic(struct rv_vcpu *vcpu)
{
	struct kvm_lapic_state l;
	uint32_t *lvt0, *lvt1;
	int ret;

	ret = rv_kvm_ioctl(vcpu->fd, KVM_GET_LAPIC, &l);
	if (ret)
		return ret;
	/*
	 * As a PC BIOS leaves it: LINT0 takes the PIC's ExtINT, LINT1 is NMI,
	 * so legacy PIC interrupts reach the BSP before Linux sets up the IOAPIC.
	 */
	lvt0 = (uint32_t *)&l.regs[APIC_LVT0];
	lvt1 = (uint32_t *)&l.regs[APIC_LVT1];
	*lvt0 = (*lvt0 & ~0x700u & ~0x10000u) | (APIC_MODE_EXTINT << 8);
	*lvt1 = (*lvt1 & ~0x700u & ~0x10000u) | (APIC_MODE_NMI << 8);
	return rv_kvm_ioctl(vcpu->fd, KVM_SET_LAPIC, &l);
}

/*
 * The entry segments, unprivileged if asked for. A KVM that refuses CPL3
 * entry state in KVM_SET_SREGS gets the same code at CPL0 (it runs there
 * too, only slower where CPL0 is emulated): every vCPU then, as the
 * first one decides, and vm->guest_user_mode says so.
 */
static int rv_x86_set_user_sregs(struct rv_vcpu *vcpu, struct rv_x86_vm *x86)
{
	int ret;

	if (!x86->user_mode)
		return rv_x86_set_sregs(vcpu, x86->entry_64, false);
	ret = rv_x86_set_sregs(vcpu, x86->entry_64, true);
	if (ret != -EINVAL || vcpu->id != 0)
		return ret;
	rv_debug("KVM refused CPL3 entry state: raw guest code runs at CPL0");
	rv_err_clear();
	x86->user_mode = false;
	vcpu->vm->guest_user_mode = false;
	return rv_x86_set_sregs(vcpu, x86->entry_64, false);
}

int rv_arch_vcpu_init(struct rv_vcpu *vcpu)
{
	struct rv_x86_vm *x86 = rv_x86_vm(vcpu->vm);
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
	struct kvm_regs regs = { .rflags = X86_RFLAGS_FIXED };
	bool enters = vcpu->id == 0 || x86->all_vcpus_enter;
	int ret;

	/* CPUID first: newer KVM checks CR4 against it in KVM_SET_SREGS. */
	ret = rv_x86_cpuid_init(vcpu, vcpu->vm->cfg->nr_cpus);
	if (ret)
		return ret;
	ret = rv_x86_set_msrs(vcpu);
	if (ret)
		return ret;
	ret = rv_kvm_ioctl(vcpu->fd, KVM_SET_FPU, &fpu);
	if (ret)
		return ret;
	ret = rv_x86_set_lapic(vcpu);
	if (ret)
		return ret;
	/*
	 * Application processors of a Linux guest stay in wait-for-SIPI (the
	 * in-kernel LAPIC's reset state) until the BSP starts them; raw test
	 * code starts every vCPU at the entry with its index in RDI and a
	 * stack of its own.
	 */
	if (!enters)
		return 0;
	ret = rv_x86_set_user_sregs(vcpu, x86);
	if (ret)
		return ret;
	if (x86->user_mode)
		regs.rflags |= X86_RFLAGS_IOPL3;
	regs.rip = x86->entry;
	regs.rsi = x86->boot_params;
	regs.rdi = vcpu->id;
	if (x86->all_vcpus_enter) {
		struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };

		regs.rsp = RV_X86_BUILTIN_ADDR - vcpu->id * 0x1000;
		ret = rv_kvm_ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp);
		if (ret)
			return ret;
	}
	return rv_kvm_ioctl(vcpu->fd, KVM_SET_REGS, &regs);
}

void rv_arch_vcpu_dump(struct rv_vcpu *vcpu, FILE *out)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	struct kvm_translation tr = { 0 };
	const uint8_t *code;

	if (__rv_kvm_ioctl(vcpu->fd, KVM_GET_REGS, (unsigned long)&r) < 0 ||
	    __rv_kvm_ioctl(vcpu->fd, KVM_GET_SREGS, (unsigned long)&s) < 0) {
		fprintf(out, "ringvmm: (registers unavailable)\n");
		return;
	}
	fprintf(out,
		"ringvmm: RIP %016llx RSP %016llx RFLAGS %08llx\n"
		"ringvmm: RAX %016llx RBX %016llx RCX %016llx RDX %016llx\n"
		"ringvmm: RSI %016llx RDI %016llx RBP %016llx\n"
		"ringvmm: CR0 %08llx CR2 %016llx CR3 %016llx CR4 %08llx EFER %llx\n"
		"ringvmm: CS %04x (base %llx, l=%u db=%u dpl=%u)\n",
		r.rip, r.rsp, r.rflags, r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, s.cr0,
		s.cr2, s.cr3, s.cr4, s.efer, s.cs.selector, s.cs.base, s.cs.l, s.cs.db, s.cs.dpl);
	/* api.rst, KVM_TRANSLATE: the guest's own page tables decide. */
	tr.linear_address = s.cs.base + r.rip;
	if (__rv_kvm_ioctl(vcpu->fd, KVM_TRANSLATE, (unsigned long)&tr) < 0 || !tr.valid)
		tr.physical_address = (s.cr0 & X86_CR0_PG) ? UINT64_MAX : tr.linear_address;
	code = rv_mem_gpa_to_hva(&vcpu->vm->mem, tr.physical_address, 16);
	fprintf(out, "ringvmm: code at %llx:", tr.physical_address);
	if (!code)
		fprintf(out, " (not in guest RAM)");
	for (int i = 0; code && i < 16; i++)
		fprintf(out, " %02x", code[i]);
	fputc('\n', out);
}
