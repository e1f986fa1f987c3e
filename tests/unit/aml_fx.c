// SPDX-License-Identifier: GPL-2.0
/* The ACPI tests' AML decoder: see aml_fx.h. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/util.h"
#include "aml_fx.h"

struct aml_obj objs[1024];
unsigned int nr_objs, nr_aml_devices;

const uint8_t *aml_pkglen(const uint8_t *p, const uint8_t *end, const uint8_t **pkg_end)
{
	unsigned int n, i;
	size_t len;

	assert_true(p < end);
	n = p[0] >> 6;
	len = n ? p[0] & 0xf : p[0] & 0x3f;
	assert_true(n == 0 || !(p[0] & 0x30));
	assert_true(p + 1 + n <= end);
	for (i = 0; i < n; i++)
		len |= (size_t)p[1 + i] << (4 + 8 * i);
	assert_true(len <= (size_t)(end - p));
	*pkg_end = p + len;
	return p + 1 + n;
}

const uint8_t *aml_name(const uint8_t *p, const uint8_t *end, const char *scope, char *path)
{
	unsigned int nr = 1, i;

	if (*p == '\\') {
		strcpy(path, "\\");
		p++;
	} else {
		strcpy(path, scope);
	}
	if (*p == 0x2e) {
		nr = 2;
		p++;
	} else if (*p == 0x2f) {
		nr = p[1];
		p += 2;
	}
	assert_true(p + 4 * nr <= end);
	for (i = 0; i < nr; i++, p += 4) {
		assert_true(strlen(path) + 6 <= AML_PATH_MAX);
		if (path[strlen(path) - 1] != '\\')
			strcat(path, ".");
		strncat(path, (const char *)p, 4);
	}
	return p;
}

const uint8_t *aml_data(const uint8_t *p, const uint8_t *end, struct aml_obj *o)
{
	/* ZeroOp, OneOp, then Byte, Word, DWord and QWord prefixes. */
	static const unsigned int width[] = { [0x0a] = 1, [0x0b] = 2, [0x0c] = 4, [0x0e] = 8 };
	const uint8_t *pend, *q;
	unsigned int i;

	assert_true(p < end);
	if (*p <= 0x01 || (*p <= 0x0e && *p != 0x0d && width[*p])) {
		assert_true(p + 1 + width[*p] <= end);
		o->kind = 'i';
		o->ival = *p <= 0x01 ? *p : 0;
		for (i = 0; i < width[*p]; i++)
			o->ival |= (uint64_t)p[1 + i] << (8 * i);
		return p + 1 + width[*p];
	}
	if (*p == 0x0d) {
		o->kind = 's';
		o->data = p + 1;
		o->len = strnlen((const char *)p + 1, end - p - 1);
		assert_true(p + 1 + o->len < end);
		return p + 2 + o->len;
	}
	if (*p == 0x12) {
		q = aml_pkglen(p + 1, end, &pend);
		o->kind = 'p';
		o->nr_elements = *q++;
		for (i = 0; q < pend; i++) {
			struct aml_obj e;

			q = aml_data(q, pend, &e);
			assert_int_equal(e.kind, 'i');
			if (i < 4)
				o->elements[i] = e.ival;
		}
		assert_int_equal(i, o->nr_elements);
		assert_ptr_equal(q, pend);
		return pend;
	}
	if (*p == 0x11) {
		struct aml_obj size;

		q = aml_pkglen(p + 1, end, &pend);
		q = aml_data(q, pend, &size);
		assert_int_equal(size.kind, 'i');
		o->kind = 'b';
		o->data = q;
		o->len = pend - q;
		assert_int_equal(size.ival, o->len);
		return pend;
	}
	fail_msg("unexpected AML data byte 0x%02x", *p);
	return NULL;
}

void aml_termlist(const uint8_t *p, const uint8_t *end, const char *scope)
{
	char path[AML_PATH_MAX];

	while (p < end) {
		if (*p == 0x08) {
			struct aml_obj *o = &objs[nr_objs++];

			assert_true(nr_objs <= RV_ARRAY_SIZE(objs));
			memset(o, 0, sizeof(*o));
			p = aml_name(p + 1, end, scope, o->path);
			p = aml_data(p, end, o);
		} else if (*p == 0x10 || (*p == 0x5b && p[1] == 0x82)) {
			const uint8_t *pend;

			if (*p == 0x5b)
				nr_aml_devices++;
			p = aml_pkglen(p + (*p == 0x10 ? 1 : 2), end, &pend);
			p = aml_name(p, pend, scope, path);
			aml_termlist(p, pend, path);
			p = pend;
		} else {
			fail_msg("unexpected AML opcode 0x%02x", *p);
		}
	}
}

const struct aml_obj *aml_find(const char *path)
{
	unsigned int i;

	for (i = 0; i < nr_objs; i++)
		if (!strcmp(objs[i].path, path))
			return &objs[i];
	fail_msg("no %s in the DSDT", path);
	return NULL;
}
