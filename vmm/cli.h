/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command-line parsing: a pure function from argv to a struct, so that every
 * bad input is unit-tested. Host-dependent checks (memory the host has, vCPUs
 * KVM allows) happen later, in main.
 *
 * Each command has one option table (vmm/opt.h): run's and caps' here in
 * cli.c, bench coalesce's in bench/cli.c. The table drives parsing, the
 * refusal of an option given twice, and the command's --help; the man page
 * (man/ringvmm.1.scd) and bash completion (man/ringvmm.bash, which reads
 * --help) follow it, and tests/kvm/cli_test.sh checks the man page names
 * every option --help lists.
 *
 * Short options are lkvm's where it has them: -k kernel, -i initrd,
 * -p params (appended to the default command line), -m mem (MiB), -c cpus.
 * -d (--disk) and -n (--net) are lkvm's too; their devices bring them.
 *
 * Devices contribute their own run options without vmm/ naming them: a
 * struct rv_device_type with a cli_option (vmm/device.h) adds that option
 * to run's table and --help. Each value given is checked by the option's
 * check() at parse time (a bad one is a usage error naming the option) and
 * appended to rv_vm_config.device_args, in command-line order, with the
 * type that claimed it; the platform then creates an instance per value.
 * So `--disk FILE` is one device file's change (and its man page line).
 */
#ifndef RV_CLI_H
#define RV_CLI_H

#include <stdbool.h>

#include "bench/bench.h"
#include "opt.h"
#include "vmm/snapshot/update-fds.h"
#include "vm.h"

enum rv_cli_cmd {
	RV_CMD_RUN,
	RV_CMD_CAPS,
	RV_CMD_BENCH,
	RV_CMD_HELP,
	RV_CMD_VERSION,
	RV_CMD_CTL,
};

enum rv_stats_mode { RV_STATS_OFF, RV_STATS_TEXT, RV_STATS_JSON };

#define RV_CLI_DEFAULT_MEM (256ULL << 20)
/* What every kernel gets before -p's words: the console on the first UART. */
#define RV_CLI_DEFAULT_CMDLINE "console=ttyS0"
/* The longest kernel command line the CLI builds (x86 allows 2047 more). */
#define RV_CLI_CMDLINE_MAX 4096
/* Below this no kernel boots; the arch may ask for more (rv_platform.min_mem). */
#define RV_CLI_MIN_MEM (16ULL << 20)
/* The largest --cpus accepted before asking KVM; KVM_CAP_MAX_VCPUS decides next. */
#define RV_CLI_MAX_CPUS 254
/*
 * --coalesce-flush-us: the drain timer's period. A minute is far past any
 * useful bound and keeps N * 1000 far from overflowing.
 */
#define RV_CLI_MAX_FLUSH_US 60000000ULL
/* --metrics FILE,interval=MS: the default, and the bounds. */
#define RV_CLI_METRICS_DEFAULT_MS 1000
#define RV_CLI_METRICS_MIN_MS 10
#define RV_CLI_METRICS_MAX_MS 3600000

struct rv_cli {
	enum rv_cli_cmd cmd;
	bool help; /* CMD --help: print that command's usage, run nothing */
	struct rv_vm_config vm;
	enum rv_stats_mode stats;
	bool json; /* caps --json */
	bool verbose;
	int log_level;		    /* enum rv_log_level (vmm/util.h) */
	bool memmap;		    /* run --memmap: print the guest physical map, do not run */
	struct rv_bench_opts bench; /* bench coalesce */
	/* ctl SOCKET COMMAND */
	const char *ctl_path, *ctl_cmd, *ctl_arg;

	/* --console-out FILE|pty|stdio as given; NULL: stdio. */
	const char *console_out;
	/* --metrics FILE[,interval=MS]; metrics_path[0] == 0: none. */
	char metrics_path[4096];
	unsigned int metrics_interval_ms;

	/* How -m and -c were given, for main's host checks: "-m 64T". */
	char mem_arg[64], cpus_arg[64];
	/* -p / --cmdline-replace as given (for messages), and the line built. */
	const char *cmdline_opt, *cmdline_append, *cmdline_replace;
	char cmdline_opt_buf[24];
	bool log_level_given;
	char cmdline[RV_CLI_CMDLINE_MAX];
	/* run --update-fds: this process takes over a running guest. */
	struct rv_update_fds update_fds;
};

/* 0, or -EINVAL with a one-line message in rv_err_msg(). */
int rv_cli_parse(int argc, char *const argv[], struct rv_cli *cli);

/* `ringvmm --help`: the commands. */
extern const char rv_cli_usage[];
/* `ringvmm run --help` and `ringvmm caps --help`, from their tables. */
void rv_cli_run_usage(FILE *out);
void rv_cli_caps_usage(FILE *out);
/* run's options, devices' included (for tests). */
const struct rv_opt *rv_cli_run_option(const char *name);

#endif
