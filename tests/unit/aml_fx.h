/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small AML decoder for the ACPI tests (test_acpi.c, test_aml.c): it
 * reads what the DSDT may hold, Scope, Device and Name with Integer,
 * String, Package and Buffer data, independently of arch/x86/aml.c. It
 * records every Name with its absolute path and fails the test on anything
 * else or on a PkgLength that does not end exactly at the end of its
 * object. Include after <cmocka.h>.
 */
#ifndef RV_TEST_AML_FX_H
#define RV_TEST_AML_FX_H

#include <stddef.h>
#include <stdint.h>

#define AML_PATH_MAX 48

struct aml_obj {
	char path[AML_PATH_MAX];
	char kind; /* 'i'nteger, 's'tring, 'p'ackage, 'b'uffer */
	uint64_t ival;
	const uint8_t *data; /* string, buffer bytes */
	size_t len;
	unsigned int nr_elements;
	uint64_t elements[4];
};

/* The Names aml_termlist() found, and the Devices it went into. */
extern struct aml_obj objs[1024];
extern unsigned int nr_objs, nr_aml_devices;

/* A PkgLength at @p: returns what follows it, *@pkg_end where it ends. */
const uint8_t *aml_pkglen(const uint8_t *p, const uint8_t *end, const uint8_t **pkg_end);
/* A NameString at @p, made absolute from @scope into @path. */
const uint8_t *aml_name(const uint8_t *p, const uint8_t *end, const char *scope, char *path);
/* A DataRefObject at @p into @o; returns what follows it. */
const uint8_t *aml_data(const uint8_t *p, const uint8_t *end, struct aml_obj *o);
/* Every Name in [@p, @end), recursing into Scope and Device, into objs. */
void aml_termlist(const uint8_t *p, const uint8_t *end, const char *scope);
/* The Name at absolute @path; fails the test when there is none. */
const struct aml_obj *aml_find(const char *path);

#endif
