// SPDX-License-Identifier: GPL-2.0
/*
 * ringvmm: the command line. The only place that turns an error into a
 * message and an exit status:
 *   0  the guest powered off or reset, or a signal stopped it
 *   1  the guest died (triple fault, internal error), or the VMM failed
 *      while the guest ran
 *   2  usage or configuration error: nothing ran
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/arch.h"
#include "vmm/api/ctl.h"
#include "vmm/snapshot/keeper.h"
#include "vmm/snapshot/update-fds.h"
#include "vmm/snapshot/update.h"
#include "bench/bench.h"
#include "caps.h"
#include "cli.h"
#include "console.h"
#include "kvm.h"
#include "metrics.h"
#include "vm-stats.h"
#include "util.h"
#include "version.h"
#include "vm.h"

enum { RV_STATUS_OK = 0, RV_STATUS_GUEST_DIED = 1, RV_STATUS_CONFIG = 2 };

static int rv_fail(const char *what, int err)
{
	const char *msg = rv_err_msg();

	if (*msg)
		fprintf(stderr, "ringvmm: %s\n", msg);
	else
		fprintf(stderr, "ringvmm: %s: %s\n", what, strerror(-err));
	return RV_STATUS_CONFIG;
}

/* Checks that need the host: its memory and KVM's vCPU limit. */
static int rv_check_host_limits(const struct rv_cli *cli)
{
	const struct rv_vm_config *cfg = &cli->vm;
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	uint64_t host = pages > 0 && psize > 0 ? (uint64_t)pages * psize : 0;

	if (host && cfg->mem_size > host)
		return rv_err(-EINVAL,
			      "%s: %" PRIu64 " MiB is more than the host's %" PRIu64 " MiB",
			      cli->mem_arg, cfg->mem_size >> 20, host >> 20);
	if (cfg->nr_cpus > rv_platform.max_vcpus)
		return rv_err(-EINVAL, "%s: %s supports at most %u", cli->cpus_arg,
			      rv_platform.name, rv_platform.max_vcpus);
	return 0;
}

static int rv_max_vcpus(const struct rv_vm *vm)
{
	int max = rv_kvm_cap(vm->vm_fd, KVM_CAP_MAX_VCPUS);

	/* api.rst, KVM_CREATE_VCPU: without KVM_CAP_MAX_VCPUS, KVM_CAP_NR_VCPUS is the limit. */
	return max ? max : rv_kvm_cap(vm->vm_fd, KVM_CAP_NR_VCPUS);
}

/* run, once the console's host side is open. */
static int rv_cmd_run_vm(struct rv_cli *cli)
{
	struct rv_metrics metrics;
	struct rv_vm vm;
	int ret, status;

	ret = rv_vm_create(&vm, &cli->vm);
	if (!ret && vm.vm_fd >= 0 && (int)cli->vm.nr_cpus > rv_max_vcpus(&vm) &&
	    rv_max_vcpus(&vm) > 0)
		ret = rv_err(-EINVAL, "%s: KVM allows at most %d", cli->cpus_arg,
			     rv_max_vcpus(&vm));
	if (ret) {
		/*
		 * A live update's new binary that cannot take over goes back to
		 * the old one with the same fds, before anything is torn down
		 * (the guest's RAM fds are in @vm). Back here only if it cannot.
		 */
		if (cli->vm.update)
			rv_update_fall_back(cli->vm.argv);
		status = rv_fail("setting up the VM", ret);
		rv_vm_destroy(&vm);
		return status;
	}
	if (cli->memmap) {
		/* Set up and checked exactly as for a run; nothing runs. */
		rv_console_restore_all();
		rv_memmap_print(&vm.mem, stdout);
		rv_vm_destroy(&vm);
		return RV_STATUS_OK;
	}
	ret = rv_metrics_start(&metrics, &vm, cli->metrics_path, cli->metrics_interval_ms);
	if (ret) {
		status = rv_fail("--metrics", ret);
		rv_vm_destroy(&vm);
		return status;
	}

	ret = rv_vm_run(&vm);
	/* The last figures, whatever stopped the guest. */
	rv_metrics_stop(&metrics);
	if (ret < 0) {
		fprintf(stderr, "ringvmm: %s\n", *rv_err_msg() ? rv_err_msg() : strerror(-ret));
		status = RV_STATUS_GUEST_DIED;
	} else {
		switch (ret) {
		case RV_EXIT_POWEROFF:
		case RV_EXIT_RESET:
			status = RV_STATUS_OK;
			break;
		case RV_EXIT_SIGNAL:
			rv_debug("stopped by a signal");
			status = RV_STATUS_OK;
			break;
		default:
			status = RV_STATUS_GUEST_DIED;
			break;
		}
	}
	/* Put the terminal back before anything else is printed. */
	rv_console_restore_all();
	/* A vCPU that would not stop may hold a device's lock: no stats. */
	if (cli->stats == RV_STATS_JSON && !vm.vcpu_stuck_in_exit)
		rv_vm_print_stats(&vm, stderr, true);
	else if (cli->stats == RV_STATS_TEXT && !vm.vcpu_stuck_in_exit)
		rv_stats_print_table(&vm, stderr);
	rv_vm_destroy(&vm);
	return status;
}

/* A control socket, RAM in memfds, and not an update's new process already. */
static bool rv_cmd_run_updatable(const struct rv_cli *cli)
{
	const struct rv_vm_config *cfg = &cli->vm;

	return cfg->api_path && !cfg->update && !cli->memmap && cfg->argv &&
	       (cfg->mem_backend == RV_MEM_BACKEND_MEMFD ||
		cfg->mem_backend == RV_MEM_BACKEND_HUGETLB);
}

static int rv_cmd_run(struct rv_cli *cli)
{
	struct rv_console_host con;
	int ret, status;

	if (cli->help) {
		rv_cli_run_usage(stdout);
		return RV_STATUS_OK;
	}
	ret = rv_check_host_limits(cli);
	if (!ret && cli->vm.restore_dir && (cli->vm.kernel || cli->vm.initrd))
		ret = rv_err(-EINVAL,
			     "--restore %s: takes no --kernel or --initrd (the guest "
			     "is in the snapshot)",
			     cli->vm.restore_dir);
	if (ret && cli->vm.update)
		rv_update_fall_back(cli->vm.argv);
	if (ret)
		return rv_fail("run", ret);
	if (cli->vm.cmdline)
		rv_info("kernel command line: %s", cli->vm.cmdline);
	/*
	 * A guest that `ctl update` could take to a new binary runs in a child
	 * of this process, the keeper, which execs that binary: seccomp filters
	 * survive execve(2) (vmm/snapshot/keeper.h). Nothing is set up yet.
	 */
	if (rv_cmd_run_updatable(cli)) {
		ret = rv_keeper_run(cli->vm.argv);
		if (ret)
			rv_warn("%s: no live update for this guest", rv_err_msg());
		cli->vm.keeper = !ret;
	}
	ret = rv_console_open_host(&con, cli->console_out,
				   cli->vm.update ? cli->vm.update->console : NULL,
				   cli->vm.update ? cli->vm.update->nr_console : 0);
	if (ret && cli->vm.update)
		rv_update_fall_back(cli->vm.argv);
	if (ret)
		return rv_fail("run", ret);
	if (con.pty_name[0])
		fprintf(stderr, "ringvmm: console on %s\n", con.pty_name);
	cli->vm.console_in_fd = con.in_fd;
	cli->vm.console_out_fd = con.out_fd;
	cli->vm.console_host_fds[0] = con.fd;
	cli->vm.console_host_fds[1] = con.slave_fd;
	status = rv_cmd_run_vm(cli);
	rv_console_close_host(&con);
	return status;
}

/*
 * ringvmm bench coalesce: 0 when every run delivered every write once and
 * in order, 1 when one did not (or a run failed, or the chart could not be
 * drawn), 2 when nothing could run.
 */
static int rv_cmd_bench(struct rv_cli *cli)
{
	struct rv_bench b = { .o = &cli->bench };
	int ret, status;

	if (cli->bench.help) {
		rv_bench_usage(stdout);
		return RV_STATUS_OK;
	}
	if (cli->bench.plot && rv_bench_plot_check())
		return rv_fail("bench", -ENOENT);
	ret = rv_bench_run_all(&b);
	if (ret && !b.nr_runs) {
		status = rv_fail("bench", ret);
		rv_bench_free(&b);
		return status;
	}
	/* Interrupted: report what ran, and fail. */
	if (ret)
		fprintf(stderr, "ringvmm: %s: reporting the %u runs done\n",
			*rv_err_msg() ? rv_err_msg() : strerror(-ret), b.nr_runs);
	status = rv_bench_report(&b, stdout, stderr) && !ret ? RV_STATUS_OK : RV_STATUS_GUEST_DIED;
	fflush(stdout);
	if (cli->bench.plot) {
		rv_err_clear();
		ret = rv_bench_plot(&b, cli->bench.plot);
		if (ret) {
			fprintf(stderr, "ringvmm: %s\n", rv_err_msg());
			status = RV_STATUS_GUEST_DIED;
		}
	}
	rv_bench_free(&b);
	return status;
}

/*
 * A crash must not leave the user's terminal in raw mode: put it back, then
 * die of the same signal with the default action (and a core, if enabled).
 */
static void rv_fatal_signal(int sig)
{
	rv_console_restore_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void rv_install_fatal_handlers(void)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };

	for (unsigned int i = 0; i < RV_ARRAY_SIZE(fatal); i++)
		signal(fatal[i], rv_fatal_signal);
}

int main(int argc, char **argv)
{
	struct rv_cli cli;
	int ret;

	/*
	 * One heap for every thread: a vCPU or drain thread's first malloc()
	 * would otherwise reserve a 64 MiB arena of its own and touch its
	 * first pages, memory besides guest RAM that kvmtool does not spend.
	 * ringvmm's threads allocate at setup, not per exit: no contention.
	 */
	mallopt(M_ARENA_MAX, 1);
	/* A closed terminal or pipe must be an EPIPE, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	atexit(rv_console_restore_all);
	rv_install_fatal_handlers();

	ret = rv_cli_parse(argc, argv, &cli);
	if (ret) {
		/* A new binary that does not take this command line goes back too. */
		rv_update_fall_back(argv);
		fprintf(stderr, "ringvmm: %s\n", rv_err_msg());
		return RV_STATUS_CONFIG;
	}
	rv_log_level = cli.log_level;
	cli.vm.version = RV_GIT_VERSION;
	switch (cli.cmd) {
	case RV_CMD_HELP:
		fputs(rv_cli_usage, stdout);
		return 0;
	case RV_CMD_VERSION:
		printf("ringvmm %s (%s), built against KVM API version %d\n", RV_GIT_VERSION,
		       rv_platform.name, KVM_API_VERSION);
		return 0;
	case RV_CMD_CAPS:
		if (cli.help) {
			rv_cli_caps_usage(stdout);
			return 0;
		}
		ret = rv_caps_print(stdout, cli.json);
		return ret ? rv_fail("caps", ret) : 0;
	case RV_CMD_RUN:
		return rv_cmd_run(&cli);
	case RV_CMD_BENCH:
		return rv_cmd_bench(&cli);
	case RV_CMD_CTL:
		/* 0: done, 1: the VMM refused (its reply says why), 2: no reply. */
		ret = rv_api_ctl(cli.ctl_path, cli.ctl_cmd, cli.ctl_arg, stdout);
		return ret < 0 ? rv_fail("ctl", ret) : ret;
	}
	return RV_STATUS_CONFIG;
}
