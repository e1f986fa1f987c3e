// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the arm64 snapshot's records (arch/arm64/snap-rec.c), on
 * any host. A register record (ids whose size field says how wide each
 * value is) reads back entry by entry through a state file written for
 * arm64, which an x86_64 reader refuses; every truncation of the record,
 * a non-arm64 id and an oversized register are refused with one message.
 * The vGICv3 register list is in restore order (GICD_IIDR, GICD_CTLR,
 * redistributors, SPIs, CPU interfaces with ICC_SRE_EL1 first; within a
 * set, configuration before line level before enable/pending/active),
 * grows by the same amount per vCPU and by 6 for 7 priority bits, and
 * names each redistributor by its MPIDR's affinity; a saved vGIC record of
 * the wrong size, count, register or width is refused.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/arm64/snap-rec.h"
#include "vmm/snapshot/format.h"
#include "vmm/util.h"

#define REG(size, low) (KVM_REG_ARM64 | (size) | (0x0013ULL << 16) | (low))

static void expect_err(int ret, const char *why)
{
	assert_int_equal(ret, -EINVAL);
	if (!strstr(rv_err_msg(), why))
		fail_msg("\"%s\", expected \"%s\"", rv_err_msg(), why);
	rv_err_clear();
}

static void test_reg_size(void **state)
{
	char name[40];

	assert_int_equal(rv_arm64_reg_size(REG(KVM_REG_SIZE_U32, 0)), 4);
	assert_int_equal(rv_arm64_reg_size(REG(KVM_REG_SIZE_U64, 0)), 8);
	assert_int_equal(rv_arm64_reg_size(REG(KVM_REG_SIZE_U128, 0)), 16);
	assert_int_equal(rv_arm64_reg_size(REG(KVM_REG_SIZE_U2048, 0)), 256);
	/* A size field past U2048, and an x86 id. */
	assert_int_equal(rv_arm64_reg_size(REG(9ULL << KVM_REG_SIZE_SHIFT, 0)), 0);
	assert_int_equal(rv_arm64_reg_size(KVM_REG_X86 | KVM_REG_SIZE_U64), 0);
	/* CNTV_CVAL_EL0's encoding, which KVM calls KVM_REG_ARM_TIMER_CNT. */
	rv_arm64_reg_name(REG(KVM_REG_SIZE_U64, (3 << 14) | (3 << 11) | (14 << 7) | (3 << 3) | 2),
			  name, sizeof(name));
	assert_string_equal(name, "S3_3_C14_C3_2");
}

/* A record of a 64-bit, a 32-bit (padded) and a 128-bit register. */
static size_t sample_regs(uint8_t *p)
{
	uint64_t ids[3] = { REG(KVM_REG_SIZE_U64, 1), REG(KVM_REG_SIZE_U32, 2),
			    REG(KVM_REG_SIZE_U128, 3) };
	size_t off = 0;

	for (int i = 0; i < 3; i++) {
		unsigned int size = rv_arm64_reg_size(ids[i]);

		memcpy(p + off, &ids[i], 8);
		memset(p + off + 8, 0, RV_ALIGN_UP(size, 8));
		memset(p + off + 8, 0x10 + i, size);
		off += 8 + RV_ALIGN_UP(size, 8);
	}
	return off;
}

static void test_regs_roundtrip(void **state)
{
	uint8_t rec[128];
	size_t len = sample_regs(rec);
	struct rv_snap_buf b;
	struct rv_snap s;
	const struct rv_snap_section *sec;
	const uint8_t *p, *val;
	uint32_t n, off = 0;
	uint64_t id;
	int i = 0;

	assert_int_equal(len, 16 + 16 + 24);
	rv_snap_buf_init(&b, RV_SNAP_ARCH_ARM64, 1 << 20, 1, 4096);
	rv_snap_sec_begin(&b, RV_SNAP_SEC_VCPU, 0, 1);
	rv_snap_rec(&b, RV_ARM64_REC_REGS, rec, (uint32_t)len);
	rv_snap_sec_end(&b);
	assert_int_equal(rv_snap_buf_finish(&b), 0);
	/* The arch is checked by the reader: an x86_64 ringvmm refuses it. */
	expect_err(rv_snap_parse(b.data, b.len, RV_SNAP_ARCH_X86_64, "state", &s),
		   "a snapshot of an arm64 guest, this is x86_64");
	assert_int_equal(rv_snap_parse(b.data, b.len, RV_SNAP_ARCH_ARM64, "state", &s), 0);
	sec = rv_snap_find(&s, RV_SNAP_SEC_VCPU, 0);
	assert_non_null(sec);
	assert_int_equal(rv_snap_rec_find(sec, RV_ARM64_REC_REGS, (const void **)&p, &n), 0);
	assert_int_equal(n, len);
	while (rv_arm64_regs_next(p, n, &off, &id, &val) == 1) {
		assert_int_equal(id & 0xff, i + 1);
		for (unsigned int k = 0; k < rv_arm64_reg_size(id); k++)
			assert_int_equal(val[k], 0x10 + i);
		i++;
	}
	assert_int_equal(i, 3);
	assert_int_equal(off, n);
	rv_snap_free(&s);
	rv_snap_buf_free(&b);
}

static void test_regs_bad(void **state)
{
	uint8_t rec[128];
	size_t len = sample_regs(rec);
	const uint8_t *val;
	uint64_t id;

	/* Every truncation short of an entry boundary is refused. */
	for (uint32_t cut = 0; cut < len; cut++) {
		uint32_t off = 0;
		int ret;

		while ((ret = rv_arm64_regs_next(rec, cut, &off, &id, &val)) == 1)
			;
		if (cut == 0 || cut == 16 || cut == 32) {
			assert_int_equal(ret, 0);
			continue;
		}
		assert_int_equal(ret, -EINVAL);
		if (!strstr(rv_err_msg(), "truncated") && !strstr(rv_err_msg(), "overruns"))
			fail_msg("cut %u: \"%s\"", cut, rv_err_msg());
		rv_err_clear();
	}
	/* An x86 id, then an arm64 id whose size is past U2048. */
	uint32_t off = 0;

	id = KVM_REG_X86 | KVM_REG_SIZE_U64;
	memcpy(rec, &id, 8);
	expect_err(rv_arm64_regs_next(rec, (uint32_t)len, &off, &id, &val), "not an arm64 one");
	id = REG(KVM_REG_SIZE_U2048, 0);
	memcpy(rec, &id, 8);
	expect_err(rv_arm64_regs_next(rec, (uint32_t)len, &off, &id, &val), "overruns");
	assert_int_equal(off, 0);
}

static const uint64_t mpidr[2] = { 0x80000000, 0x80000001 };

static unsigned int count(uint32_t nr_irqs, uint32_t nr_cpus, uint32_t apr)
{
	uint32_t nr_apr[2] = { apr, apr };
	struct rv_arm64_gic_shape s = { nr_irqs, nr_cpus, mpidr, nr_apr };

	return rv_arm64_gic_regs(&s, NULL);
}

static void test_gic_list(void **state)
{
	uint32_t nr_apr[2] = { 1, 4 };
	struct rv_arm64_gic_shape s = { 128, 2, mpidr, nr_apr };
	unsigned int n = rv_arm64_gic_regs(&s, NULL), sre = 0, seen_level = 0;
	struct rv_arm64_gic_reg *r = calloc(n, sizeof(*r));
	int last_pend = -1, first_cfg_spi = -1;

	assert_non_null(r);
	assert_int_equal(rv_arm64_gic_regs(&s, r), n);
	/* Per vCPU the same number; 7 priority bits add AP0R1-3 and AP1R1-3. */
	assert_int_equal(count(128, 2, 1) - count(128, 1, 1), count(128, 1, 1) - count(128, 0, 1));
	assert_int_equal(count(128, 1, 4) - count(128, 1, 1), 6);
	/*
	 * 32 more interrupts: a word each of the five one-bit arrays (group,
	 * modifier, enable, pending, active), 8 of priorities, 2 of
	 * configuration, 64 of 64-bit routes, and a line-level word.
	 */
	assert_int_equal(count(160, 1, 1) - count(128, 1, 1), 5 + 8 + 2 + 64 + 1);
	assert_int_equal(n, count(128, 2, 1) + 6);
	/* GICD_IIDR, then GICD_CTLR. */
	assert_int_equal(r[0].group, RV_VGIC_GRP_DIST);
	assert_int_equal(r[0].attr, 0x8);
	assert_int_equal(r[1].attr, 0x0);
	for (unsigned int i = 0; i < n; i++) {
		uint32_t off = (uint32_t)r[i].attr;

		if (r[i].group == RV_VGIC_GRP_SYSREGS &&
		    off == ((3 << 14) | (12 << 7) | (12 << 3) | 5)) {
			/* ICC_SRE_EL1 opens each CPU interface. */
			assert_int_equal(r[i - 1].group == RV_VGIC_GRP_SYSREGS ? 1 : 0,
					 sre ? 1 : 0);
			assert_int_equal(r[i].attr >> 32, mpidr[sre] & 0xffffff);
			sre++;
		}
		if (r[i].group == RV_VGIC_GRP_LEVEL) {
			assert_int_equal(off % 32, 0);
			seen_level++;
		}
		if (r[i].group == RV_VGIC_GRP_DIST && off >= 0x200 && off < 0x280)
			last_pend = (int)i;
		if (r[i].group == RV_VGIC_GRP_DIST && off >= 0x400 && first_cfg_spi < 0)
			first_cfg_spi = (int)i;
		/* Only enable and active are set/clear pairs. */
		if (r[i].flags & RV_VGIC_SETCLR)
			assert_true((off & 0xff00) == 0x100 || (off & 0xff00) == 0x300);
		/* SGIs and PPIs are not the distributor's (affinity routing). */
		if (r[i].group == RV_VGIC_GRP_DIST && off == 0x6000 + 31 * 8)
			fail_msg("IROUTER of a PPI");
	}
	assert_int_equal(sre, 2);
	/* Two PPI level words, three of SPIs. */
	assert_int_equal(seen_level, 2 + 3);
	assert_true(first_cfg_spi >= 0 && first_cfg_spi < last_pend);
	free(r);
}

static void test_gic_check(void **state)
{
	uint32_t nr_apr[1] = { 2 };
	struct rv_arm64_gic_shape s = { 64, 1, mpidr, nr_apr };
	unsigned int n = rv_arm64_gic_regs(&s, NULL);
	struct rv_arm64_gic_reg *want = calloc(n, sizeof(*want)), *rec = calloc(n, sizeof(*rec));

	assert_non_null(want);
	assert_non_null(rec);
	rv_arm64_gic_regs(&s, want);
	memcpy(rec, want, n * sizeof(*rec));
	rec[3].val = 0xffffffff;
	rec[n - 1].val = 0x123456789ULL; /* a CPU interface register: 64-bit */
	assert_int_equal(rv_arm64_gic_check(rec, n * sizeof(*rec), want, n), 0);
	expect_err(rv_arm64_gic_check(rec, n * sizeof(*rec) - 1, want, n), "not whole registers");
	expect_err(rv_arm64_gic_check(rec, (n - 1) * sizeof(*rec), want, n - 1 + 1),
		   "saved, this VM's vGIC has");
	rec[5].attr ^= 1ULL << 32; /* another redistributor */
	expect_err(rv_arm64_gic_check(rec, n * sizeof(*rec), want, n), "vGIC register 5 is group");
	rec[5].attr ^= 1ULL << 32;
	rec[3].val = 0x100000000ULL;
	expect_err(rv_arm64_gic_check(rec, n * sizeof(*rec), want, n), "wider than 32 bits");
	free(rec);
	free(want);
}

static void test_gic_helpers(void **state)
{
	/* Aff3 0x12 (bits 39:32), Aff2 0x34, Aff1 0x56, Aff0 0x78. */
	assert_int_equal(rv_arm64_gic_mpidr_attr(0x1200345678ULL), 0x12345678ULL << 32);
	/* PRIbits is the number of priority bits less one. */
	assert_int_equal(rv_arm64_gic_nr_apr(4 << 8), 1);
	assert_int_equal(rv_arm64_gic_nr_apr(5 << 8), 2);
	assert_int_equal(rv_arm64_gic_nr_apr(6 << 8), 4);
	assert_int_equal(rv_arm64_gic_nr_apr(0), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reg_size),  cmocka_unit_test(test_regs_roundtrip),
		cmocka_unit_test(test_regs_bad),  cmocka_unit_test(test_gic_list),
		cmocka_unit_test(test_gic_check), cmocka_unit_test(test_gic_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
