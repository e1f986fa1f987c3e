// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: one control socket request line (vmm/api/proto.c),
 * which whoever connects to --api's socket writes. Whatever the bytes, the
 * parser must accept a known command or refuse with a reason, and a reply
 * built from the reason must be one line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/api/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size ? size : 1), err[160], *reply;
	struct rv_api_req req;

	if (!line)
		return 0;
	memcpy(line, data, size);
	if (rv_api_parse(line, size, &req, err, sizeof(err))) {
		reply = rv_api_reply(err, NULL);
		/* One line: the newline at the end only. */
		if (reply && strchr(reply, '\n') != reply + strlen(reply) - 1)
			abort();
		free(reply);
	} else if (!rv_api_cmd_name(req.cmd)) {
		abort();
	}
	free(line);
	return 0;
}
