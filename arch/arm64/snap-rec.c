// SPDX-License-Identifier: GPL-2.0
/* The arm64 snapshot's records (snap-rec.h): encoding and checks, no KVM. */
#include "snap-rec.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>

#include "vmm/util.h"

/* api.rst, KVM_SET_ONE_REG, "ARM64 registers": bits 27:16 say which kind. */
#define RV_ARM64_COPROC(id) (((id) >> 16) & 0xfff)
enum {
	RV_ARM64_CORE = 0x10,
	RV_ARM64_DEMUX = 0x11,
	RV_ARM64_SYSREG = 0x13,
	RV_ARM64_FW = 0x14,
	RV_ARM64_SVE = 0x15,
	RV_ARM64_FW_BMAP = 0x16,
};

unsigned int rv_arm64_reg_size(uint64_t id)
{
	uint64_t shift = (id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT;

	if ((id & KVM_REG_ARCH_MASK) != KVM_REG_ARM64 || shift > 8)
		return 0;
	return 1u << shift;
}

void rv_arm64_reg_name(uint64_t id, char *buf, size_t len)
{
	switch (RV_ARM64_COPROC(id)) {
	case RV_ARM64_SYSREG:
		snprintf(buf, len, "S%u_%u_C%u_C%u_%u", (unsigned int)(id >> 14) & 3,
			 (unsigned int)(id >> 11) & 7, (unsigned int)(id >> 7) & 15,
			 (unsigned int)(id >> 3) & 15, (unsigned int)id & 7);
		return;
	case RV_ARM64_CORE:
		/* The offset in struct kvm_regs, in 32-bit words. */
		snprintf(buf, len, "core 0x%x", (unsigned int)id & 0xffff);
		return;
	case RV_ARM64_FW:
	case RV_ARM64_FW_BMAP:
		snprintf(buf, len, "firmware 0x%x", (unsigned int)id & 0xffff);
		return;
	case RV_ARM64_DEMUX:
		snprintf(buf, len, "demux 0x%x", (unsigned int)id & 0xffff);
		return;
	case RV_ARM64_SVE:
		snprintf(buf, len, "SVE 0x%x", (unsigned int)id & 0xffff);
		return;
	default:
		snprintf(buf, len, "0x%016" PRIx64, id);
	}
}

int rv_arm64_regs_next(const uint8_t *p, uint32_t len, uint32_t *off, uint64_t *id,
		       const uint8_t **val)
{
	char name[40];
	unsigned int size;

	if (*off == len)
		return 0;
	/* The file controls every length: checked against what is left. */
	if (*off > len || len - *off < sizeof(*id))
		return rv_err(-EINVAL, "snapshot: a truncated register record");
	memcpy(id, p + *off, sizeof(*id));
	size = rv_arm64_reg_size(*id);
	if (!size)
		return rv_err(-EINVAL, "snapshot: register id 0x%016" PRIx64 " is not an arm64 one",
			      *id);
	if (len - *off - sizeof(*id) < RV_ALIGN_UP(size, 8)) {
		rv_arm64_reg_name(*id, name, sizeof(name));
		return rv_err(-EINVAL, "snapshot: register %s (%u bytes) overruns its record", name,
			      size);
	}
	*val = p + *off + sizeof(*id);
	*off += sizeof(*id) + RV_ALIGN_UP(size, 8);
	return 1;
}

uint64_t rv_arm64_gic_mpidr_attr(uint64_t mpidr)
{
	/* MPIDR_EL1 has Aff3 in 39:32 and Aff2..Aff0 in 23:0. */
	return ((mpidr & 0xffffff) | ((mpidr >> 8) & 0xff000000)) << 32;
}

uint32_t rv_arm64_gic_nr_apr(uint64_t icc_ctlr)
{
	/* ICC_CTLR_EL1.PRIbits (10:8) is the number of priority bits less one. */
	switch (((icc_ctlr >> 8) & 7) + 1) {
	case 7:
		return 4;
	case 6:
		return 2;
	default:
		return 1;
	}
}

/* GICv3 register offsets (the GIC architecture specification, IHI 0069). */
enum {
	GICD_CTLR = 0x0000,
	GICD_IIDR = 0x0008,
	GICD_IGROUPR = 0x0080,
	GICD_ISENABLER = 0x0100,
	GICD_ISPENDR = 0x0200,
	GICD_ISACTIVER = 0x0300,
	GICD_IPRIORITYR = 0x0400,
	GICD_ICFGR = 0x0c00,
	GICD_IGRPMODR = 0x0d00,
	GICD_IROUTER = 0x6000,
	GICR_SGI = 0x10000, /* the SGI frame, 64 KiB after RD_base */
};

/* ICC system registers as the instr field: op0 15:14, op1 13:11, CRn 10:7, CRm 6:3, op2 2:0. */
#define RV_ICC(op0, op1, crn, crm, op2) \
	(((op0) << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2))
#define ICC_PMR_EL1 RV_ICC(3, 0, 4, 6, 0)
#define ICC_BPR0_EL1 RV_ICC(3, 0, 12, 8, 3)
#define ICC_AP0R_EL1(n) RV_ICC(3, 0, 12, 8, 4 + (n))
#define ICC_AP1R_EL1(n) RV_ICC(3, 0, 12, 9, (n))
#define ICC_BPR1_EL1 RV_ICC(3, 0, 12, 12, 3)
#define ICC_CTLR_EL1 RV_ICC(3, 0, 12, 12, 4)
#define ICC_SRE_EL1 RV_ICC(3, 0, 12, 12, 5)
#define ICC_IGRPEN0_EL1 RV_ICC(3, 0, 12, 12, 6)
#define ICC_IGRPEN1_EL1 RV_ICC(3, 0, 12, 12, 7)

struct rv_gic_emit {
	struct rv_arm64_gic_reg *out;
	unsigned int n;
};

static void rv_gic_add(struct rv_gic_emit *e, uint32_t group, uint64_t attr, uint32_t flags)
{
	if (e->out)
		e->out[e->n] =
			(struct rv_arm64_gic_reg){ .group = group, .flags = flags, .attr = attr };
	e->n++;
}

/* The 32-bit words of a register array from interrupt @first to @nr, @bits each. */
static void rv_gic_words(struct rv_gic_emit *e, uint32_t group, uint64_t base, uint32_t first,
			 uint32_t nr, uint32_t bits, uint32_t flags)
{
	for (uint32_t w = first * bits / 32; w < nr * bits / 32; w++)
		rv_gic_add(e, group, base + w * 4, flags);
}

/*
 * The restore order, after QEMU's kvm_arm_gicv3_put(): GICD_IIDR first
 * (arm-vgic-v3.rst: "before setting any other registers"), GICD_CTLR; each
 * redistributor's SGI/PPI state; the distributor's SPI state; each CPU
 * interface, ICC_SRE_EL1 first and ICC_CTLR_EL1 before the registers whose
 * number it gives. Within a set of interrupts: configuration (group,
 * priority, trigger, routing), then the line level, then enabled, pending
 * and active state. Pending through this interface is the latch
 * (arm-vgic-v3.rst), written as it is; enable and active are set/clear
 * pairs. SGIs and PPIs in the distributor are RAZ/WI with affinity routing
 * (always on in KVM's GICv3): the distributor's arrays start at SPI 32.
 */
unsigned int rv_arm64_gic_regs(const struct rv_arm64_gic_shape *s, struct rv_arm64_gic_reg *out)
{
	struct rv_gic_emit e = { .out = out };
	uint64_t cpu0 = s->nr_cpus ? rv_arm64_gic_mpidr_attr(s->mpidr[0]) : 0;

	rv_gic_add(&e, RV_VGIC_GRP_DIST, GICD_IIDR, 0);
	rv_gic_add(&e, RV_VGIC_GRP_DIST, GICD_CTLR, 0);
	for (uint32_t c = 0; c < s->nr_cpus; c++) {
		uint64_t m = rv_arm64_gic_mpidr_attr(s->mpidr[c]);

		rv_gic_words(&e, RV_VGIC_GRP_REDIST, m | (GICR_SGI + GICD_IGROUPR), 0, 32, 1, 0);
		rv_gic_words(&e, RV_VGIC_GRP_REDIST, m | (GICR_SGI + GICD_IGRPMODR), 0, 32, 1, 0);
		rv_gic_words(&e, RV_VGIC_GRP_REDIST, m | (GICR_SGI + GICD_IPRIORITYR), 0, 32, 8, 0);
		/* ICFGR0 (SGIs) is read-only: always edge. */
		rv_gic_words(&e, RV_VGIC_GRP_REDIST, m | (GICR_SGI + GICD_ICFGR), 16, 32, 2, 0);
		rv_gic_add(&e, RV_VGIC_GRP_LEVEL, m | 0, 0);
		rv_gic_words(&e, RV_VGIC_GRP_REDIST, m | (GICR_SGI + GICD_ISENABLER), 0, 32, 1,
			     RV_VGIC_SETCLR);
		rv_gic_words(&e, RV_VGIC_GRP_REDIST, m | (GICR_SGI + GICD_ISPENDR), 0, 32, 1, 0);
		rv_gic_words(&e, RV_VGIC_GRP_REDIST, m | (GICR_SGI + GICD_ISACTIVER), 0, 32, 1,
			     RV_VGIC_SETCLR);
	}
	rv_gic_words(&e, RV_VGIC_GRP_DIST, GICD_IGROUPR, 32, s->nr_irqs, 1, 0);
	rv_gic_words(&e, RV_VGIC_GRP_DIST, GICD_IGRPMODR, 32, s->nr_irqs, 1, 0);
	rv_gic_words(&e, RV_VGIC_GRP_DIST, GICD_IPRIORITYR, 32, s->nr_irqs, 8, 0);
	rv_gic_words(&e, RV_VGIC_GRP_DIST, GICD_ICFGR, 32, s->nr_irqs, 2, 0);
	/* 64-bit: two words each (arm-vgic-v3.rst, "lower and higher word"). */
	rv_gic_words(&e, RV_VGIC_GRP_DIST, GICD_IROUTER, 32, s->nr_irqs, 64, 0);
	/* SPIs' line levels: the same whichever mpidr asks. */
	for (uint32_t i = 32; i < s->nr_irqs; i += 32)
		rv_gic_add(&e, RV_VGIC_GRP_LEVEL, cpu0 | i, 0);
	rv_gic_words(&e, RV_VGIC_GRP_DIST, GICD_ISENABLER, 32, s->nr_irqs, 1, RV_VGIC_SETCLR);
	rv_gic_words(&e, RV_VGIC_GRP_DIST, GICD_ISPENDR, 32, s->nr_irqs, 1, 0);
	rv_gic_words(&e, RV_VGIC_GRP_DIST, GICD_ISACTIVER, 32, s->nr_irqs, 1, RV_VGIC_SETCLR);
	for (uint32_t c = 0; c < s->nr_cpus; c++) {
		static const uint32_t icc[] = { ICC_SRE_EL1,	 ICC_CTLR_EL1, ICC_IGRPEN0_EL1,
						ICC_IGRPEN1_EL1, ICC_PMR_EL1,  ICC_BPR0_EL1,
						ICC_BPR1_EL1 };
		uint64_t m = rv_arm64_gic_mpidr_attr(s->mpidr[c]);

		for (unsigned int i = 0; i < sizeof(icc) / sizeof(icc[0]); i++)
			rv_gic_add(&e, RV_VGIC_GRP_SYSREGS, m | icc[i], 0);
		for (uint32_t n = 0; n < s->nr_apr[c]; n++)
			rv_gic_add(&e, RV_VGIC_GRP_SYSREGS, m | ICC_AP0R_EL1(n), 0);
		for (uint32_t n = 0; n < s->nr_apr[c]; n++)
			rv_gic_add(&e, RV_VGIC_GRP_SYSREGS, m | ICC_AP1R_EL1(n), 0);
	}
	return e.n;
}

int rv_arm64_gic_check(const void *data, uint32_t len, const struct rv_arm64_gic_reg *want,
		       unsigned int n)
{
	const struct rv_arm64_gic_reg *r = data;

	if (len % sizeof(*r))
		return rv_err(-EINVAL, "snapshot: a vGIC record of %u bytes (not whole registers)",
			      len);
	if (len / sizeof(*r) != n)
		return rv_err(-EINVAL,
			      "snapshot: %zu vGIC registers saved, this VM's vGIC has %u "
			      "(another number of interrupts, vCPUs or priority bits)",
			      len / sizeof(*r), n);
	for (unsigned int i = 0; i < n; i++) {
		struct rv_arm64_gic_reg g;

		memcpy(&g, r + i, sizeof(g));
		if (g.group != want[i].group || g.attr != want[i].attr || g.flags != want[i].flags)
			return rv_err(-EINVAL,
				      "snapshot: vGIC register %u is group %u attr 0x%" PRIx64
				      ", this VM's is group %u attr 0x%" PRIx64,
				      i, g.group, g.attr, want[i].group, want[i].attr);
		/* 32-bit registers' values fit their width. */
		if (g.group != RV_VGIC_GRP_SYSREGS && g.val >> 32)
			return rv_err(-EINVAL,
				      "snapshot: vGIC register %u (attr 0x%" PRIx64
				      ") holds 0x%" PRIx64 ", wider than 32 bits",
				      i, g.attr, g.val);
	}
	return 0;
}
