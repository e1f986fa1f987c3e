// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the AML encoder (arch/x86/aml.c) on its own, byte-exact
 * against ACPI 6.4 chapter 20 and read back by the tests' independent
 * decoder (aml_fx.c): the smallest integer encodings, NameStrings,
 * PkgLengths around the 1/2 and 2/3 byte limits, and its errors (bad
 * names, EISAID, IRQ numbers; sticky once failed, ENOSPC).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/aml.h"
#include "vmm/util.h"
#include "aml_fx.h"

static uint8_t out[8192];

/* Scope(_SB){"xx..x"}: a body of 4 + (n + 2) bytes. Returns 0 on error. */
static size_t aml_scope_of(size_t size, unsigned int n)
{
	char s[5000];
	struct rv_aml a;
	size_t mark;

	memset(s, 'x', n);
	s[n] = '\0';
	rv_aml_init(&a, out, size);
	mark = rv_aml_scope_begin(&a, "_SB_");
	rv_aml_string(&a, s);
	rv_aml_end(&a, mark);
	return rv_aml_err(&a) ? 0 : a.len;
}

static void test_aml_encoding(void **state)
{
	/* 20.2.3: the smallest encoding, read back by the test's decoder. */
	static const struct {
		uint64_t v;
		size_t len;
	} ints[] = {
		{ 0, 1 },	   { 1, 1 },	      { 2, 2 },
		{ 0xff, 2 },	   { 0x100, 3 },      { 0xffff, 3 },
		{ 0x10000, 5 },	   { 0xffffffff, 5 }, { 0x100000000ULL, 9 },
		{ UINT64_MAX, 9 },
	};
	static const uint8_t names[] = {
		'\\', 0x2e, '_', 'S',  'B', '_', 'C',  'O',  'M',  '0',	 '_',
		'S',  '5',  '_', 0x2f, 3,   'A', '_',  '_',  '_',  'B',	 '_',
		'_',  '_',  'C', '_',  '_', '_', 0x0c, 0x41, 0xd0, 0x0a, 0x03,
	};
	/* Body sizes around the 1/2 and 2/3 byte PkgLength limits (20.2.4). */
	static const struct {
		unsigned int n, bytes;
		uint8_t lead;
	} pkg[] = {
		{ 56, 1, 63 },
		{ 57, 2, 0x40 | (65 & 0xf) },
		{ 4087, 2, 0x4f },
		{ 4088, 3, 0x80 | (4097 & 0xf) },
	};
	const uint8_t *pend;
	struct aml_obj o;
	struct rv_aml a;
	unsigned int i;
	size_t len;

	(void)state;
	for (i = 0; i < RV_ARRAY_SIZE(ints); i++) {
		rv_aml_init(&a, out, sizeof(out));
		rv_aml_integer(&a, ints[i].v);
		assert_int_equal(a.len, ints[i].len);
		assert_ptr_equal(aml_data(out, out + a.len, &o), out + a.len);
		assert_int_equal(o.ival, ints[i].v);
	}

	rv_aml_init(&a, out, sizeof(out));
	rv_aml_name_string(&a, "\\_SB_.COM0");
	rv_aml_name_string(&a, "_S5");
	rv_aml_name_string(&a, "A.B.C");
	rv_aml_eisaid(&a, "PNP0A03");
	assert_int_equal(rv_aml_err(&a), 0);
	assert_int_equal(a.len, sizeof(names));
	assert_memory_equal(out, names, sizeof(names));

	for (i = 0; i < RV_ARRAY_SIZE(pkg); i++) {
		len = aml_scope_of(sizeof(out), pkg[i].n);
		assert_int_equal(len, 1 + pkg[i].bytes + 4 + pkg[i].n + 2);
		assert_int_equal(out[1], pkg[i].lead);
		aml_pkglen(out + 1, out + len, &pend);
		assert_ptr_equal(pend, out + len);
		/* One byte short of room: ENOSPC, never a partial object. */
		assert_int_equal(aml_scope_of(len - 1, pkg[i].n), 0);
	}
}

static void test_aml_errors(void **state)
{
	static const char *const bad[] = { "com0", "\\_SB_.TOOLONG", "A..B", "_SB_.", "1ABC" };
	struct rv_aml a;
	unsigned int i;

	(void)state;
	for (i = 0; i < RV_ARRAY_SIZE(bad); i++) {
		rv_aml_init(&a, out, sizeof(out));
		rv_aml_name_string(&a, bad[i]);
		assert_int_equal(rv_aml_err(&a), -EINVAL);
		assert_int_equal(a.len, 0);
	}
	rv_aml_init(&a, out, sizeof(out));
	rv_aml_eisaid(&a, "pnp0501");
	assert_int_equal(rv_aml_err(&a), -EINVAL);
	rv_aml_init(&a, out, sizeof(out));
	rv_aml_rt_irq_noflags(&a, 16);
	assert_int_equal(rv_aml_err(&a), -EINVAL);
	/* Sticky: nothing is emitted once an emitter failed. */
	rv_aml_init(&a, out, 2);
	rv_aml_integer(&a, 0x1234);
	rv_aml_integer(&a, 0);
	assert_int_equal(rv_aml_err(&a), -ENOSPC);
	assert_int_equal(a.len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aml_encoding),
		cmocka_unit_test(test_aml_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
