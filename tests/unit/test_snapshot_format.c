// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the snapshot state file (vmm/snapshot/format.c). A file
 * written with sections and records reads back the same; every truncation
 * of it and every single flipped byte is refused with one message (a CRC,
 * a length or the magic catches each); a file of another format version or
 * another arch (with a valid CRC) is refused naming the version or arch;
 * records that overrun their section are refused; an empty file and
 * garbage are refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/snapshot/format.h"
#include "vmm/util.h"

static struct rv_snap_buf sample(void)
{
	struct rv_snap_buf b;
	uint64_t regs[4] = { 1, 2, 3, 0xdeadbeef };

	rv_snap_buf_init(&b, RV_SNAP_ARCH_X86_64, 256 << 20, 2, 4096);
	rv_snap_sec_begin(&b, RV_SNAP_SEC_VM, 0, 1);
	rv_snap_rec(&b, 7, "clock", 5);
	rv_snap_sec_end(&b);
	for (uint32_t i = 0; i < 2; i++) {
		regs[0] = i;
		rv_snap_sec_begin(&b, RV_SNAP_SEC_VCPU, i, 1);
		rv_snap_rec(&b, 1, regs, sizeof(regs));
		rv_snap_rec(&b, 2, "abc", 3);
		rv_snap_sec_end(&b);
	}
	rv_snap_sec_begin(&b, RV_SNAP_SEC_DEVICE, 0, 3);
	rv_snap_sec_end(&b); /* an empty payload */
	assert_int_equal(rv_snap_buf_finish(&b), 0);
	return b;
}

static void expect_refused(const uint8_t *buf, size_t len, uint32_t arch, const char *why)
{
	struct rv_snap s;

	rv_err_clear();
	assert_int_equal(rv_snap_parse(buf, len, arch, "state", &s), -EINVAL);
	assert_null(s.secs);
	if (!strstr(rv_err_msg(), "state: ") || (why && !strstr(rv_err_msg(), why)))
		fail_msg("len %zu: \"%s\", expected \"%s\"", len, rv_err_msg(), why);
	rv_err_clear();
}

static void test_roundtrip(void **state)
{
	struct rv_snap_buf b = sample();
	const struct rv_snap_section *sec;
	struct rv_snap s;
	uint64_t regs[4];
	const void *p;
	uint32_t n;

	(void)state;
	assert_int_equal(rv_snap_parse(b.data, b.len, RV_SNAP_ARCH_X86_64, "state", &s), 0);
	assert_int_equal(s.nr, 4);
	assert_int_equal(s.hdr.mem_size, 256 << 20);
	assert_int_equal(s.hdr.nr_vcpus, 2);
	assert_int_equal(s.hdr.page_size, 4096);
	sec = rv_snap_find(&s, RV_SNAP_SEC_VCPU, 1);
	assert_non_null(sec);
	assert_int_equal(sec->version, 1);
	assert_int_equal(rv_snap_rec_get(sec, 1, regs, sizeof(regs)), 0);
	assert_int_equal(regs[0], 1);
	assert_int_equal(regs[3], 0xdeadbeef);
	assert_int_equal(rv_snap_rec_find(sec, 2, &p, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(p, "abc", 3);
	assert_int_equal(rv_snap_rec_find(sec, 99, &p, &n), -ENOENT);
	/* A record of the wrong size is an error, not a short copy. */
	assert_int_equal(rv_snap_rec_get(sec, 2, regs, 8), -EINVAL);
	assert_non_null(strstr(rv_err_msg(), "of 3 bytes, expected 8"));
	rv_err_clear();
	assert_int_equal(rv_snap_rec_get(sec, 5, regs, 8), -EINVAL);
	rv_err_clear();
	sec = rv_snap_find(&s, RV_SNAP_SEC_DEVICE, 0);
	assert_non_null(sec);
	assert_int_equal(sec->len, 0);
	assert_int_equal(sec->version, 3);
	assert_null(rv_snap_find(&s, RV_SNAP_SEC_VCPU, 2));
	rv_snap_free(&s);
	rv_snap_buf_free(&b);
}

static void test_truncated(void **state)
{
	struct rv_snap_buf b = sample();

	(void)state;
	for (size_t len = 0; len < b.len; len++)
		expect_refused(b.data, len, RV_SNAP_ARCH_X86_64,
			       len < sizeof(struct rv_snap_header) ? "truncated" : NULL);
	expect_refused(b.data, b.len - 1, RV_SNAP_ARCH_X86_64, "truncated: ");
	rv_snap_buf_free(&b);
}

static void test_corrupted(void **state)
{
	struct rv_snap_buf b = sample();
	uint8_t *copy = malloc(b.len);

	(void)state;
	for (size_t i = 0; i < b.len; i++) {
		for (unsigned int bit = 0; bit < 8; bit += 3) {
			memcpy(copy, b.data, b.len);
			copy[i] ^= 1u << bit;
			expect_refused(copy, b.len, RV_SNAP_ARCH_X86_64, NULL);
		}
	}
	/* The payload's CRC is what catches a flipped payload byte. */
	memcpy(copy, b.data, b.len);
	copy[sizeof(struct rv_snap_header) + sizeof(struct rv_snap_sec_hdr) + 9] ^= 1;
	expect_refused(copy, b.len, RV_SNAP_ARCH_X86_64, "corrupted (CRC mismatch)");
	free(copy);
	rv_snap_buf_free(&b);
}

/* Rewrite a header field and its CRC: only the field's meaning is wrong. */
static void resign(uint8_t *buf)
{
	struct rv_snap_header h;

	memcpy(&h, buf, sizeof(h));
	h.crc = 0;
	h.crc = rv_snap_crc32(&h, sizeof(h));
	memcpy(buf, &h, sizeof(h));
}

static void test_version_arch(void **state)
{
	struct rv_snap_buf b = sample();
	struct rv_snap_header *h = (struct rv_snap_header *)b.data;
	struct rv_snap s;

	(void)state;
	/* Read on an arm64 host. */
	expect_refused(b.data, b.len, RV_SNAP_ARCH_ARM64, "an x86_64 guest, this is arm64");
	h->version = RV_SNAP_VERSION + 1;
	resign(b.data);
	expect_refused(b.data, b.len, RV_SNAP_ARCH_X86_64,
		       "format version 2, this ringvmm reads 1");
	h->version = RV_SNAP_VERSION;
	h->arch = 77;
	resign(b.data);
	expect_refused(b.data, b.len, RV_SNAP_ARCH_X86_64, "an unknown guest");
	h->arch = RV_SNAP_ARCH_X86_64;
	h->nr_sections = 100000;
	resign(b.data);
	expect_refused(b.data, b.len, RV_SNAP_ARCH_X86_64, "sections, at most");
	h->nr_sections = 5;
	resign(b.data);
	expect_refused(b.data, b.len, RV_SNAP_ARCH_X86_64, "truncated in section 4");
	h->nr_sections = 4;
	resign(b.data);
	assert_int_equal(rv_snap_parse(b.data, b.len, RV_SNAP_ARCH_X86_64, "state", &s), 0);
	rv_snap_free(&s);
	memcpy(h->magic, "RVMSNAQ\n", 8);
	expect_refused(b.data, b.len, RV_SNAP_ARCH_X86_64, "bad magic");
	expect_refused((const uint8_t *)"", 0, RV_SNAP_ARCH_X86_64, "truncated");
	rv_snap_buf_free(&b);
}

/* A section whose CRC is right but whose records lie about their length. */
static void test_record_overrun(void **state)
{
	struct rv_snap_buf b;
	struct rv_snap_rec_hdr bad = { .tag = 1, .len = 1000 };
	const struct rv_snap_section *sec;
	struct rv_snap s;
	const void *p;
	uint32_t n;

	(void)state;
	rv_snap_buf_init(&b, RV_SNAP_ARCH_X86_64, 1 << 20, 1, 4096);
	rv_snap_sec_begin(&b, RV_SNAP_SEC_VCPU, 0, 1);
	rv_snap_rec(&b, 2, "ok", 2);
	rv_snap_rec(&b, 3, NULL, 0);
	/* Appended raw: a record header that claims more than there is. */
	rv_snap_rec(&b, 0, NULL, 0);
	memcpy(b.data + b.len - sizeof(bad), &bad, sizeof(bad));
	rv_snap_sec_end(&b);
	assert_int_equal(rv_snap_buf_finish(&b), 0);
	assert_int_equal(rv_snap_parse(b.data, b.len, RV_SNAP_ARCH_X86_64, "state", &s), 0);
	sec = rv_snap_find(&s, RV_SNAP_SEC_VCPU, 0);
	assert_int_equal(rv_snap_rec_find(sec, 2, &p, &n), 0);
	assert_int_equal(rv_snap_rec_find(sec, 3, &p, &n), 0);
	assert_int_equal(n, 0);
	rv_err_clear();
	assert_int_equal(rv_snap_rec_find(sec, 4, &p, &n), -EINVAL);
	assert_non_null(strstr(rv_err_msg(), "overruns"));
	rv_err_clear();
	rv_snap_free(&s);
	rv_snap_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),      cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupted),      cmocka_unit_test(test_version_arch),
		cmocka_unit_test(test_record_overrun),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
