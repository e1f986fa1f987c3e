// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a snapshot state file (vmm/snapshot/format.c), read by
 * `run --restore` from a directory anybody may have written. The input is
 * the file; every section the reader accepts is then walked for records as
 * the restore does (by tag, and with exact sizes). Whatever the bytes, the
 * reader must refuse or index them without reading past the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/snapshot/format.h"
#include "vmm/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly @size bytes: ASan sees any read past the file. */
	uint8_t *buf = malloc(size ? size : 1);
	struct rv_snap s;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (!rv_snap_parse(buf, size, RV_SNAP_ARCH_X86_64, "fuzz", &s)) {
		for (unsigned int i = 0; i < s.nr; i++) {
			uint8_t rec[64];
			const void *p;
			uint32_t len;

			for (uint32_t tag = 0; tag < 30; tag++) {
				if (!rv_snap_rec_find(&s.secs[i], tag, &p, &len) && len)
					rec[0] = ((const uint8_t *)p)[len - 1];
				rv_snap_rec_get(&s.secs[i], tag, rec, sizeof(rec));
				rv_err_clear();
			}
		}
		rv_snap_free(&s);
	}
	rv_err_clear();
	free(buf);
	return 0;
}
