/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arm64 snapshot's records as plain data (arch/arm64/snapshot.c,
 * gic-state.c use them; docs/snapshot.md describes them). Nothing here
 * calls KVM, so tests/unit checks the encoding and the checks on any host.
 */
#ifndef RV_ARM64_SNAP_REC_H
#define RV_ARM64_SNAP_REC_H

#include <stddef.h>
#include <stdint.h>

/* Record tags; a tag's meaning never changes (new state gets a new tag). */
enum {
	/* The VM section. */
	RV_ARM64_REC_VCPU_INIT = 1, /* struct kvm_vcpu_init of the vCPUs, less POWER_OFF */
	RV_ARM64_REC_MPIDR = 2,	    /* u64 MPIDR_EL1 of each vCPU */
	RV_ARM64_REC_GIC_SHAPE = 3, /* u32 nr_irqs, u32 nr_cpus */
	RV_ARM64_REC_GIC_REGS = 4,  /* struct rv_arm64_gic_reg[], in restore order */
	/* A vCPU's section. */
	RV_ARM64_REC_REGS = 1,	   /* the register record below */
	RV_ARM64_REC_MP_STATE = 2, /* struct kvm_mp_state */
};

/*
 * A vCPU's registers: entries of the register's id (api.rst,
 * KVM_SET_ONE_REG: the id encodes the size) followed by its value, padded
 * to 8 bytes, in the order KVM_GET_REG_LIST listed them.
 */
#define RV_ARM64_REG_MAX_SIZE 256 /* KVM_REG_SIZE_U2048, SVE's Z registers */
/* The most registers accepted from KVM_GET_REG_LIST or a file (KVM: ~500). */
#define RV_ARM64_MAX_REGS 4096

/* The size in bytes of register @id, or 0: not an arm64 id, or too large. */
unsigned int rv_arm64_reg_size(uint64_t id);
/* A readable name: "S3_3_C14_C3_2" (a system register), "core 0x..." ... */
void rv_arm64_reg_name(uint64_t id, char *buf, size_t len);
/*
 * The entry at *@off of the register record @p (@len bytes): 1 with *@id,
 * *@val and *@off moved past it; 0 at the end; -EINVAL with a message.
 */
int rv_arm64_regs_next(const uint8_t *p, uint32_t len, uint32_t *off, uint64_t *id,
		       const uint8_t **val);

/* The vGICv3 groups of arm-vgic-v3.rst (gic-state.c asserts they are KVM's). */
enum {
	RV_VGIC_GRP_DIST = 1,
	RV_VGIC_GRP_REDIST = 5,
	RV_VGIC_GRP_SYSREGS = 6, /* 64-bit; the others are 32-bit */
	RV_VGIC_GRP_LEVEL = 7,
};
/* A set/clear pair: ~val goes to the clear register (attr + 0x80) first. */
#define RV_VGIC_SETCLR 1u

/* One vGIC register of the record: where it is, and its value. */
struct rv_arm64_gic_reg {
	uint32_t group;
	uint32_t flags;
	uint64_t attr;
	uint64_t val;
};

/* What decides which registers a vGICv3 has. */
struct rv_arm64_gic_shape {
	uint32_t nr_irqs; /* KVM_DEV_ARM_VGIC_GRP_NR_IRQS */
	uint32_t nr_cpus;
	const uint64_t *mpidr;	/* each vCPU's MPIDR_EL1 */
	const uint32_t *nr_apr; /* each CPU interface's ICC_AP{0,1}R<n>: 1, 2 or 4 */
};

/* The mpidr field of a vGIC attribute (arm-vgic-v3.rst: Aff3..Aff0 in 63:32). */
uint64_t rv_arm64_gic_mpidr_attr(uint64_t mpidr);
/* How many ICC_AP{0,1}R<n> a CPU interface has, from ICC_CTLR_EL1.PRIbits. */
uint32_t rv_arm64_gic_nr_apr(uint64_t icc_ctlr);
/*
 * The registers saved for @s, in restore order, into @out (values 0); with
 * @out NULL only counted. Returns how many.
 */
unsigned int rv_arm64_gic_regs(const struct rv_arm64_gic_shape *s, struct rv_arm64_gic_reg *out);
/*
 * A saved record (@data, @len bytes) must hold exactly the registers of
 * @want (@n of them), in that order: 0, or -EINVAL with a message.
 */
int rv_arm64_gic_check(const void *data, uint32_t len, const struct rv_arm64_gic_reg *want,
		       unsigned int n);

#endif
