// SPDX-License-Identifier: GPL-2.0
/*
 * A small AML encoder (see aml.h). Section numbers are those of ACPI 6.4:
 * chapter 20 "ACPI Machine Language (AML) Specification" for the byte
 * grammar, 6.4 "Resource Data Types for ACPI" for _CRS descriptors.
 */
#include "aml.h"

#include <errno.h>
#include <string.h>

/* 20.3 AML Byte Stream Byte Values */
#define AML_ZERO_OP 0x00
#define AML_ONE_OP 0x01
#define AML_NAME_OP 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_QWORD_PREFIX 0x0e
#define AML_SCOPE_OP 0x10
#define AML_BUFFER_OP 0x11
#define AML_PACKAGE_OP 0x12
#define AML_DUAL_NAME_PREFIX 0x2e
#define AML_MULTI_NAME_PREFIX 0x2f
#define AML_EXT_OP_PREFIX 0x5b
#define AML_DEVICE_OP 0x82 /* after AML_EXT_OP_PREFIX */
#define AML_ROOT_CHAR '\\'
#define AML_PARENT_PREFIX_CHAR '^'

/* Deeper paths than this are not needed by any table ringvmm builds. */
#define AML_MAX_SEGS 8

/* 6.4.2 Small and 6.4.3 Large Resource Data Type tags */
#define AML_RT_IRQ_NOFLAGS 0x22	   /* 6.4.2.1: IRQ, 2-byte form */
#define AML_RT_IO 0x47		   /* 6.4.2.5: I/O Port, 7 bytes */
#define AML_RT_END_TAG 0x79	   /* 6.4.2.9: End Tag, 1 byte */
#define AML_RT_MEMORY32_FIXED 0x86 /* 6.4.3.4 */
#define AML_RT_DWORD_ADDRESS 0x87  /* 6.4.3.5.2 */
#define AML_RT_WORD_ADDRESS 0x88   /* 6.4.3.5.3 */
#define AML_RT_EXT_INTERRUPT 0x89  /* 6.4.3.6 */

void rv_aml_init(struct rv_aml *aml, void *buf, size_t size)
{
	aml->buf = buf;
	aml->size = size;
	aml->len = 0;
	aml->err = 0;
}

static void rv_aml_fail(struct rv_aml *aml, int err)
{
	if (!aml->err)
		aml->err = err;
}

static void rv_aml_bytes(struct rv_aml *aml, const void *bytes, size_t n)
{
	if (aml->err)
		return;
	if (n > aml->size - aml->len) {
		rv_aml_fail(aml, -ENOSPC);
		return;
	}
	memcpy(aml->buf + aml->len, bytes, n);
	aml->len += n;
}

static void rv_aml_byte(struct rv_aml *aml, uint8_t b)
{
	rv_aml_bytes(aml, &b, 1);
}

/* Multi-byte values in AML and resource descriptors are little endian. */
static void rv_aml_le(struct rv_aml *aml, uint64_t v, unsigned int n)
{
	uint8_t b[8];
	unsigned int i;

	for (i = 0; i < n; i++)
		b[i] = v >> (8 * i);
	rv_aml_bytes(aml, b, n);
}

/* Insert @n bytes at offset @at (a mark), shifting what follows it up. */
static void rv_aml_insert(struct rv_aml *aml, size_t at, const uint8_t *bytes, size_t n)
{
	if (aml->err)
		return;
	if (n > aml->size - aml->len) {
		rv_aml_fail(aml, -ENOSPC);
		return;
	}
	memmove(aml->buf + at + n, aml->buf + at, aml->len - at);
	memcpy(aml->buf + at, bytes, n);
	aml->len += n;
}

/*
 * 20.2.4 Package Length Encoding: the length counts itself. Up to 63 it is
 * one byte; otherwise bits 7-6 of the lead byte say how many bytes follow
 * (1-3), its bits 3-0 hold the low nibble and each following byte the next
 * 8 bits, so 4 bytes reach 2^28 - 1. Returns the encoding's size, 0 if
 * @body is too long for any.
 */
static size_t rv_aml_pkg_length(size_t body, uint8_t out[4])
{
	size_t n, i, total;

	if (body + 1 <= 0x3f) {
		out[0] = body + 1;
		return 1;
	}
	for (n = 2; n <= 4; n++) {
		total = body + n;
		if (total >= 1ULL << (4 + 8 * (n - 1)))
			continue;
		out[0] = (n - 1) << 6 | (total & 0xf);
		for (i = 1; i < n; i++)
			out[i] = total >> (4 + 8 * (i - 1));
		return n;
	}
	return 0;
}

/* 20.2.3 Data Objects Encoding: ComputationalData integers. */
static size_t rv_aml_encode_integer(uint64_t v, uint8_t out[9])
{
	unsigned int n, i;

	if (v == 0 || v == 1) {
		out[0] = v ? AML_ONE_OP : AML_ZERO_OP;
		return 1;
	}
	if (v <= UINT8_MAX) {
		out[0] = AML_BYTE_PREFIX;
		n = 1;
	} else if (v <= UINT16_MAX) {
		out[0] = AML_WORD_PREFIX;
		n = 2;
	} else if (v <= UINT32_MAX) {
		out[0] = AML_DWORD_PREFIX;
		n = 4;
	} else {
		out[0] = AML_QWORD_PREFIX;
		n = 8;
	}
	for (i = 0; i < n; i++)
		out[1 + i] = v >> (8 * i);
	return 1 + n;
}

void rv_aml_integer(struct rv_aml *aml, uint64_t value)
{
	uint8_t b[9];

	rv_aml_bytes(aml, b, rv_aml_encode_integer(value, b));
}

/* 20.2.2 Name Objects Encoding: LeadNameChar is A-Z or '_', then digits too. */
static bool rv_aml_name_char(char c, bool lead)
{
	return (c >= 'A' && c <= 'Z') || c == '_' || (!lead && c >= '0' && c <= '9');
}

/*
 * 20.2.2 NameString := <RootChar NamePath> | <PrefixPath NamePath>, where
 * NamePath is one NameSeg, a DualNamePath, a MultiNamePath or NullName.
 * Segments shorter than 4 characters are padded with '_' as ASL does.
 */
void rv_aml_name_string(struct rv_aml *aml, const char *path)
{
	uint8_t out[AML_MAX_SEGS + 2 + 4 * AML_MAX_SEGS];
	uint8_t segs[AML_MAX_SEGS][4];
	size_t n = 0, nr = 0, len, i;
	const char *p = path;

	if (*p == AML_ROOT_CHAR) {
		out[n++] = *p++;
	} else {
		while (*p == AML_PARENT_PREFIX_CHAR && n < AML_MAX_SEGS)
			out[n++] = *p++;
	}
	while (*p) {
		len = strcspn(p, ".");
		if (len == 0 || len > 4 || nr == AML_MAX_SEGS) {
			rv_aml_fail(aml, -EINVAL);
			return;
		}
		for (i = 0; i < 4; i++) {
			segs[nr][i] = i < len ? p[i] : '_';
			if (!rv_aml_name_char(segs[nr][i], i == 0)) {
				rv_aml_fail(aml, -EINVAL);
				return;
			}
		}
		nr++;
		p += len;
		if (*p == '.' && !*++p) {
			rv_aml_fail(aml, -EINVAL);
			return;
		}
	}
	if (nr == 0) {
		out[n++] = AML_ZERO_OP; /* NullName */
	} else if (nr == 2) {
		out[n++] = AML_DUAL_NAME_PREFIX;
	} else if (nr > 2) {
		out[n++] = AML_MULTI_NAME_PREFIX;
		out[n++] = nr;
	}
	for (i = 0; i < nr; i++, n += 4)
		memcpy(out + n, segs[i], 4);
	rv_aml_bytes(aml, out, n);
}

/* 20.2.3 String := StringPrefix AsciiCharList NullChar (0x01-0x7f each). */
void rv_aml_string(struct rv_aml *aml, const char *s)
{
	const char *c;

	for (c = s; *c; c++)
		if ((unsigned char)*c > 0x7f) {
			rv_aml_fail(aml, -EINVAL);
			return;
		}
	rv_aml_byte(aml, AML_STRING_PREFIX);
	rv_aml_bytes(aml, s, strlen(s) + 1);
}

static int rv_aml_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * 6.1.5 _HID, 19.6.35 EISAID: three uppercase letters, 5 bits each (A = 1),
 * packed into a 16-bit big-endian vendor code, then four hex digits as a
 * big-endian product number; the 4 bytes in that order form the integer.
 * Always a DWordConst, as ASL compilers emit it, so disassemblers show it
 * as EisaId again.
 */
void rv_aml_eisaid(struct rv_aml *aml, const char *id)
{
	uint8_t b[5] = { AML_DWORD_PREFIX };
	uint16_t vendor = 0;
	int i, d[4];

	if (strlen(id) != 7) {
		rv_aml_fail(aml, -EINVAL);
		return;
	}
	for (i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z') {
			rv_aml_fail(aml, -EINVAL);
			return;
		}
		vendor = vendor << 5 | (id[i] - 'A' + 1);
	}
	for (i = 0; i < 4; i++) {
		d[i] = rv_aml_hex_digit(id[3 + i]);
		if (d[i] < 0) {
			rv_aml_fail(aml, -EINVAL);
			return;
		}
	}
	b[1] = vendor >> 8;
	b[2] = vendor & 0xff;
	b[3] = d[0] << 4 | d[1];
	b[4] = d[2] << 4 | d[3];
	rv_aml_bytes(aml, b, sizeof(b));
}

/* 20.2.5.1 DefName := NameOp NameString DataRefObject */
void rv_aml_name(struct rv_aml *aml, const char *path)
{
	rv_aml_byte(aml, AML_NAME_OP);
	rv_aml_name_string(aml, path);
}

/* 20.2.5.1 DefScope := ScopeOp PkgLength NameString TermList */
size_t rv_aml_scope_begin(struct rv_aml *aml, const char *path)
{
	size_t mark;

	rv_aml_byte(aml, AML_SCOPE_OP);
	mark = aml->len;
	rv_aml_name_string(aml, path);
	return mark;
}

/* 20.2.5.2 DefDevice := DeviceOp PkgLength NameString TermList */
size_t rv_aml_device_begin(struct rv_aml *aml, const char *path)
{
	size_t mark;

	rv_aml_byte(aml, AML_EXT_OP_PREFIX);
	rv_aml_byte(aml, AML_DEVICE_OP);
	mark = aml->len;
	rv_aml_name_string(aml, path);
	return mark;
}

/* 20.2.5.4 DefPackage := PackageOp PkgLength NumElements PackageElementList */
size_t rv_aml_package_begin(struct rv_aml *aml, uint8_t nr_elements)
{
	size_t mark;

	rv_aml_byte(aml, AML_PACKAGE_OP);
	mark = aml->len;
	rv_aml_byte(aml, nr_elements);
	return mark;
}

void rv_aml_end(struct rv_aml *aml, size_t mark)
{
	uint8_t pkg[4];
	size_t n;

	if (aml->err)
		return;
	n = rv_aml_pkg_length(aml->len - mark, pkg);
	if (!n) {
		rv_aml_fail(aml, -ENOSPC);
		return;
	}
	rv_aml_insert(aml, mark, pkg, n);
}

/* 20.2.5.4 DefBuffer := BufferOp PkgLength BufferSize ByteList */
size_t rv_aml_rt_begin(struct rv_aml *aml)
{
	rv_aml_byte(aml, AML_BUFFER_OP);
	return aml->len;
}

/*
 * 6.4.2.9 End Tag: a checksum byte of 0 means "treat the template as
 * correctly summed", so nothing has to add up the descriptors.
 */
void rv_aml_rt_end(struct rv_aml *aml, size_t mark)
{
	uint8_t head[4 + 9];
	size_t body, nsize, npkg;

	rv_aml_byte(aml, AML_RT_END_TAG);
	rv_aml_byte(aml, 0);
	if (aml->err)
		return;
	body = aml->len - mark;
	/* BufferSize comes first in the body, PkgLength counts it too. */
	nsize = rv_aml_encode_integer(body, head + 4);
	npkg = rv_aml_pkg_length(nsize + body, head);
	if (!npkg) {
		rv_aml_fail(aml, -ENOSPC);
		return;
	}
	memmove(head + npkg, head + 4, nsize);
	rv_aml_insert(aml, mark, head, npkg + nsize);
}

/* 6.4.2.5 I/O Port Descriptor; information bit 0: decodes 16 address bits. */
void rv_aml_rt_io(struct rv_aml *aml, uint16_t min, uint16_t max, uint8_t align, uint8_t len)
{
	rv_aml_byte(aml, AML_RT_IO);
	rv_aml_byte(aml, 0x01);
	rv_aml_le(aml, min, 2);
	rv_aml_le(aml, max, 2);
	rv_aml_byte(aml, align);
	rv_aml_byte(aml, len);
}

/*
 * 6.4.2.1 IRQ Descriptor, the 2-byte form without the information byte:
 * a mask of ISA IRQs 0-15, implicitly edge-triggered and active high.
 */
void rv_aml_rt_irq_noflags(struct rv_aml *aml, unsigned int irq)
{
	if (irq > 15) {
		rv_aml_fail(aml, -EINVAL);
		return;
	}
	rv_aml_byte(aml, AML_RT_IRQ_NOFLAGS);
	rv_aml_le(aml, 1u << irq, 2);
}

/* 6.4.3.4 32-Bit Fixed Memory Range Descriptor: length field 9. */
void rv_aml_rt_memory32_fixed(struct rv_aml *aml, bool writable, uint32_t base, uint32_t len)
{
	rv_aml_byte(aml, AML_RT_MEMORY32_FIXED);
	rv_aml_le(aml, 9, 2);
	rv_aml_byte(aml, writable ? 0x01 : 0x00);
	rv_aml_le(aml, base, 4);
	rv_aml_le(aml, len, 4);
}

/*
 * 6.4.3.6 Extended Interrupt Descriptor with one interrupt (length field
 * 2 + 4 * 1). Flags: bit 0 consumer, bit 1 edge (0: level), bit 2 active
 * low (0: high), bit 3 shared (0: exclusive).
 */
void rv_aml_rt_interrupt(struct rv_aml *aml, bool edge, uint32_t gsi)
{
	rv_aml_byte(aml, AML_RT_EXT_INTERRUPT);
	rv_aml_le(aml, 6, 2);
	rv_aml_byte(aml, 0x01 | (edge ? 0x02 : 0x00));
	rv_aml_byte(aml, 1);
	rv_aml_le(aml, gsi, 4);
}

/*
 * 6.4.3.5.3 Word and 6.4.3.5.2 DWord Address Space Descriptors, as a
 * bridge's window: the range is produced for the devices below it
 * (general flags bit 0 clear), and its minimum and maximum are fixed
 * (bits 2 and 3). Granularity 0 and no translation.
 */
static void rv_aml_rt_window(struct rv_aml *aml, uint8_t tag, unsigned int width, uint8_t type,
			     uint8_t type_flags, uint64_t min, uint64_t len)
{
	rv_aml_byte(aml, tag);
	rv_aml_le(aml, 3 + 5 * width, 2);
	rv_aml_byte(aml, type);
	rv_aml_byte(aml, 0x0c);
	rv_aml_byte(aml, type_flags);
	rv_aml_le(aml, 0, width);
	rv_aml_le(aml, min, width);
	rv_aml_le(aml, min + len - 1, width);
	rv_aml_le(aml, 0, width);
	rv_aml_le(aml, len, width);
}

void rv_aml_rt_word_bus_number(struct rv_aml *aml, uint16_t min, uint16_t max)
{
	rv_aml_rt_window(aml, AML_RT_WORD_ADDRESS, 2, 2, 0, min, (uint64_t)max - min + 1);
}

void rv_aml_rt_word_io(struct rv_aml *aml, uint16_t min, uint32_t len)
{
	if (!len || min + (uint64_t)len > 0x10000) {
		rv_aml_fail(aml, -EINVAL);
		return;
	}
	/* Type-specific flags 3: the window decodes ISA and non-ISA ranges. */
	rv_aml_rt_window(aml, AML_RT_WORD_ADDRESS, 2, 1, 0x03, min, len);
}

void rv_aml_rt_dword_memory(struct rv_aml *aml, uint32_t min, uint32_t len)
{
	if (!len || min + (uint64_t)len > 0x100000000ULL) {
		rv_aml_fail(aml, -EINVAL);
		return;
	}
	/* Type-specific flags 1: read-write, non-cacheable. */
	rv_aml_rt_window(aml, AML_RT_DWORD_ADDRESS, 4, 0, 0x01, min, len);
}
