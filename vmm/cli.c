// SPDX-License-Identifier: GPL-2.0
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "vmm/mem/plan.h"
#include "util.h"

const char rv_cli_usage[] =
	"usage: ringvmm run [options]      boot a guest (the built-in one without --kernel)\n"
	"       ringvmm caps [--json]      the KVM capabilities ringvmm uses\n"
	"       ringvmm bench coalesce [options]\n"
	"                                  measure what MMIO/PIO coalescing buys, per\n"
	"                                  device (ringvmm bench coalesce --help)\n"
	"       ringvmm --help | --version\n"
	"\n"
	"run options:\n"
	"  --kernel FILE      bzImage (boot protocol 2.06+) or ELF64 vmlinux\n"
	"  --initrd FILE      initial ramdisk\n"
	"  --cmdline STR      kernel command line (default \"" RV_CLI_DEFAULT_CMDLINE "\")\n"
	"  --dump-dtb FILE    write the guest's device tree to FILE (arm64)\n"
	"  --mem SIZE         guest RAM, with K/M/G suffix (default 256M)\n"
	"  --cpus N           vCPUs (default 1)\n"
	"  --mem-backend B    guest RAM from anon (default), memfd, hugetlb or\n"
	"                     guest_memfd\n"
	"  --passthrough path=FILE,size=N,gpa=ADDR[,offset=N][,ro]\n"
	"                     map FILE (a PCI BAR's sysfs resource<N>, /dev/mem, ...)\n"
	"                     into the guest at ADDR as a memslot of its own;\n"
	"                     ro: guest writes become MMIO exits (repeatable, up to 8)\n"
	"  --memmap           print the guest physical map (every memslot) and exit\n"
	"  --coalesce MODE    coalesced MMIO/PIO writes: per-device (default: each\n"
	"                     device handles its own, before its next access),\n"
	"                     vm-ring (all devices at every exit), off (every write exits)\n"
	"  --coalesce-flush-us N  handle coalesced writes at least every N us (default 1000)\n"
	"  --stats[=json]     per-device statistics on stderr at exit\n"
	"  --no-seccomp       run without the seccomp sandbox (debugging only; loud)\n"
	"  --verbose          say what is being set up\n"
	"\n"
	"The console is the first UART (ttyS0) on stdin/stdout; a terminal is put\n"
	"in raw mode, and Ctrl-A x quits. Exit status: 0 when the guest powers off\n"
	"or reboots (or a signal stops it), 1 when the guest dies, 2 for errors.\n";

static int rv_cli_parse_run(int argc, char *const argv[], int i, struct rv_cli *cli)
{
	struct rv_vm_config *vm = &cli->vm;
	bool cmdline_given = false;
	const char *v;
	uint64_t n;
	int ret;

	for (; i < argc; i++) {
		const char *a = argv[i];

		if (rv_opt_is(a, "--kernel")) {
			if (!(v = rv_opt_value(argc, argv, &i, "--kernel")))
				return -EINVAL;
			vm->kernel = v;
		} else if (rv_opt_is(a, "--initrd")) {
			if (!(v = rv_opt_value(argc, argv, &i, "--initrd")))
				return -EINVAL;
			vm->initrd = v;
		} else if (rv_opt_is(a, "--dump-dtb")) {
			if (!(v = rv_opt_value(argc, argv, &i, "--dump-dtb")))
				return -EINVAL;
			vm->dump_dtb = v;
		} else if (rv_opt_is(a, "--cmdline")) {
			if (!(v = rv_opt_value(argc, argv, &i, "--cmdline")))
				return -EINVAL;
			vm->cmdline = v;
			cmdline_given = true;
		} else if (rv_opt_is(a, "--mem")) {
			if (!(v = rv_opt_value(argc, argv, &i, "--mem")))
				return -EINVAL;
			ret = rv_parse_size(v, &vm->mem_size);
			if (ret)
				return rv_err(-EINVAL,
					      "--mem %s: not a size (use e.g. 512M or 2G)%s", v,
					      ret == -ERANGE ? ": too large" : "");
			if (vm->mem_size < RV_CLI_MIN_MEM)
				return rv_err(-EINVAL, "--mem %s: at least %llu MiB are needed", v,
					      RV_CLI_MIN_MEM >> 20);
			if (!RV_IS_ALIGNED(vm->mem_size, 4096))
				return rv_err(-EINVAL, "--mem %s: not a multiple of 4 KiB", v);
		} else if (rv_opt_is(a, "--cpus")) {
			if (!(v = rv_opt_value(argc, argv, &i, "--cpus")))
				return -EINVAL;
			if (rv_parse_u64(v, &n) || n == 0 || n > RV_CLI_MAX_CPUS)
				return rv_err(-EINVAL, "--cpus %s: not a number from 1 to %d", v,
					      RV_CLI_MAX_CPUS);
			vm->nr_cpus = n;
		} else if (rv_opt_is(a, "--coalesce")) {
			if (!(v = rv_opt_value(argc, argv, &i, "--coalesce")))
				return -EINVAL;
			if (rv_coalesce_mode_parse(v, &vm->coalesce_mode))
				return rv_err(-EINVAL,
					      "--coalesce %s: not one of off, vm-ring, per-device",
					      v);
		} else if (rv_opt_is(a, "--coalesce-flush-us")) {
			if (!(v = rv_opt_value(argc, argv, &i, "--coalesce-flush-us")))
				return -EINVAL;
			if (rv_parse_u64(v, &n) || n == 0 || n > RV_CLI_MAX_FLUSH_US)
				return rv_err(
					-EINVAL,
					"--coalesce-flush-us %s: not a number of microseconds from 1 to %llu",
					v, RV_CLI_MAX_FLUSH_US);
			vm->coalesce_flush_ns = n * 1000;
		} else if (rv_opt_is(a, "--mem-backend")) {
			if (!(v = rv_opt_value(argc, argv, &i, "--mem-backend")))
				return -EINVAL;
			ret = rv_memmap_parse_backend(v, &vm->mem_backend);
			if (ret)
				return ret;
		} else if (rv_opt_is(a, "--passthrough")) {
			if (!(v = rv_opt_value(argc, argv, &i, "--passthrough")))
				return -EINVAL;
			if (vm->nr_passthrough == RV_MEM_MAX_PASSTHROUGH)
				return rv_err(-EINVAL, "--passthrough: at most %d slots",
					      RV_MEM_MAX_PASSTHROUGH);
			ret = rv_memmap_parse_passthrough(v, vm->nr_passthrough,
							  &vm->passthrough[vm->nr_passthrough]);
			if (ret)
				return ret;
			vm->nr_passthrough++;
		} else if (!strcmp(a, "--no-seccomp")) {
			vm->no_seccomp = true;
		} else if (!strcmp(a, "--memmap")) {
			cli->memmap = true;
		} else if (!strcmp(a, "--stats") || !strcmp(a, "--stats=text")) {
			cli->stats = RV_STATS_TEXT;
		} else if (!strcmp(a, "--stats=json")) {
			cli->stats = RV_STATS_JSON;
		} else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
			cli->verbose = true;
		} else {
			return rv_err(-EINVAL, "run: unknown option \"%s\"", a);
		}
	}
	if (!vm->kernel && vm->initrd)
		return rv_err(-EINVAL, "--initrd needs --kernel");
	if (!vm->kernel && cmdline_given)
		return rv_err(-EINVAL, "--cmdline needs --kernel");
	if (vm->kernel && !cmdline_given)
		vm->cmdline = RV_CLI_DEFAULT_CMDLINE;
	return 0;
}

int rv_cli_parse(int argc, char *const argv[], struct rv_cli *cli)
{
	memset(cli, 0, sizeof(*cli));
	cli->vm.mem_size = RV_CLI_DEFAULT_MEM;
	cli->vm.nr_cpus = 1;
	cli->vm.console_in_fd = 0;
	cli->vm.console_out_fd = 1;
	cli->vm.coalesce_mode = RV_COALESCE_PER_DEVICE;
	cli->vm.coalesce_flush_ns = RV_COALESCE_DEFAULT_FLUSH_NS;
	/* On by default: only --no-seccomp (loud) turns the filters off. */
	cli->vm.sandbox = true;

	if (argc < 2)
		return rv_err(-EINVAL, "no command given (try ringvmm --help)");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		cli->cmd = RV_CMD_HELP;
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		cli->cmd = RV_CMD_VERSION;
		return 0;
	}
	if (!strcmp(argv[1], "caps")) {
		cli->cmd = RV_CMD_CAPS;
		for (int i = 2; i < argc; i++) {
			if (!strcmp(argv[i], "--json"))
				cli->json = true;
			else
				return rv_err(-EINVAL, "caps: unknown option \"%s\"", argv[i]);
		}
		return 0;
	}
	if (!strcmp(argv[1], "bench")) {
		cli->cmd = RV_CMD_BENCH;
		if (argc < 3)
			return rv_err(-EINVAL,
				      "bench: which benchmark? (there is one: ringvmm bench coalesce)");
		if (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))
			return rv_bench_parse(argc, argv, 2, &cli->bench);
		if (strcmp(argv[2], "coalesce"))
			return rv_err(-EINVAL,
				      "bench: unknown benchmark \"%s\" (there is one: coalesce)",
				      argv[2]);
		return rv_bench_parse(argc, argv, 3, &cli->bench);
	}
	if (!strcmp(argv[1], "run")) {
		cli->cmd = RV_CMD_RUN;
		return rv_cli_parse_run(argc, argv, 2, cli);
	}
	return rv_err(-EINVAL, "unknown command \"%s\" (try ringvmm --help)", argv[1]);
}
