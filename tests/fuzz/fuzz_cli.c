// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the command line (vmm/cli.c, bench/cli.c) and the
 * --passthrough spec parser (vmm/mem/plan.c), the bytes a local user
 * controls. The input, split at NUL bytes, is argv after "ringvmm"; the
 * whole input as one string is also a passthrough spec. A parse either
 * succeeds or fails with a one-line message; it never crashes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/cli.h"
#include "vmm/mem/plan.h"
#include "vmm/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FX_MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[FX_MAX_ARGS + 2];
	struct rv_mem_passthrough pt;
	struct rv_cli *cli = malloc(sizeof(*cli));
	int argc = 1;

	if (!buf || !cli)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	rv_err_clear();
	memset(&pt, 0, sizeof(pt));
	if (rv_memmap_parse_passthrough(buf, 0, &pt) && !rv_err_msg()[0])
		abort(); /* a failure always says why */
	argv[0] = "ringvmm";
	for (char *p = buf; p < buf + size && argc <= FX_MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	rv_err_clear();
	if (rv_cli_parse(argc, argv, cli) && !rv_err_msg()[0])
		abort(); /* a failure always says why */
	free(cli);
	free(buf);
	return 0;
}
