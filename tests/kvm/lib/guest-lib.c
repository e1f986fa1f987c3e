// SPDX-License-Identifier: GPL-2.0
/*
 * What a freestanding compiler may call on its own (struct copies and
 * zeroing): the C standard library is not in a guest blob. Byte loops, so
 * that no alignment is assumed (arm64 runs these on Device memory).
 */
#include <stddef.h>

void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memset(void *d, int c, size_t n)
{
	unsigned char *dp = d;

	while (n--)
		*dp++ = (unsigned char)c;
	return d;
}
