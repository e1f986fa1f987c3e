// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the keeper's check of an UPDATE message
 * (vmm/snapshot/keeper-msg.c), which an unsandboxed process runs on bytes
 * from a VMM child that may be compromised. The first byte is how many
 * fds came with the message, the rest the message (any length). Whatever
 * the bytes, the check must refuse them or accept a spec that names
 * exactly the fds announced, without reading past the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/snapshot/keeper.h"
#include "vmm/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rv_keeper_msg *m = calloc(1, sizeof(*m));
	struct rv_update_fds u;
	unsigned int nr;

	if (!m || !size) {
		free(m);
		return 0;
	}
	nr = data[0];
	/* The message as received: at most its size, the rest of it zero. */
	memcpy(m, data + 1, size - 1 < sizeof(*m) ? size - 1 : sizeof(*m));
	if (!rv_keeper_check_update(m, size - 1, nr, &u)) {
		int fds[RV_KEEPER_MAX_FDS];

		/* Accepted: the spec names one fd per fd sent, the binary aside. */
		if (rv_update_fds_list(&u, fds, RV_KEEPER_MAX_FDS) != (int)nr - 1 || m->bin >= nr)
			abort();
	}
	rv_err_clear();
	free(m);
	return 0;
}
