/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command-line parsing: a pure function from argv to a struct, so that every
 * bad input is unit-tested. Host-dependent checks (memory the host has, vCPUs
 * KVM allows) happen later, in main.
 */
#ifndef RV_CLI_H
#define RV_CLI_H

#include <stdbool.h>

#include "bench/bench.h"
#include "vm.h"

enum rv_cli_cmd {
	RV_CMD_RUN,
	RV_CMD_CAPS,
	RV_CMD_BENCH,
	RV_CMD_HELP,
	RV_CMD_VERSION,
};

enum rv_stats_mode { RV_STATS_OFF, RV_STATS_TEXT, RV_STATS_JSON };

/* Devices added by device options (--disk, --rng), in command-line order. */
#define RV_CLI_MAX_DEVICES 8

struct rv_cli {
	enum rv_cli_cmd cmd;
	struct rv_vm_config vm;
	struct rv_device_cfg devices[RV_CLI_MAX_DEVICES];
	char device_names[RV_CLI_MAX_DEVICES][32];
	enum rv_stats_mode stats;
	bool json; /* caps --json */
	bool verbose;
	bool memmap;		    /* run --memmap: print the guest physical map, do not run */
	struct rv_bench_opts bench; /* bench coalesce */
};

#define RV_CLI_DEFAULT_MEM (256ULL << 20)
#define RV_CLI_DEFAULT_CMDLINE "console=ttyS0"
/* Below this no kernel boots; the arch may ask for more (RV_ARCH_MIN_MEM). */
#define RV_CLI_MIN_MEM (16ULL << 20)
/* The largest --cpus accepted before asking KVM; KVM_CAP_MAX_VCPUS decides next. */
#define RV_CLI_MAX_CPUS 254
/*
 * --coalesce-flush-us: the drain timer's period. A minute is far past any
 * useful bound and keeps N * 1000 far from overflowing.
 */
#define RV_CLI_MAX_FLUSH_US 60000000ULL

/* 0, or -EINVAL with a one-line message in rv_err_msg(). */
int rv_cli_parse(int argc, char *const argv[], struct rv_cli *cli);

extern const char rv_cli_usage[];

#endif
