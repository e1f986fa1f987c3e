// SPDX-License-Identifier: GPL-2.0
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vmm/coalesce/mode.h"
#include "vmm/mem/plan.h"
#include "util.h"

const char rv_cli_usage[] =
	"usage: ringvmm run [options]      boot a guest (the built-in one without --kernel)\n"
	"       ringvmm caps [--json]      the KVM capabilities ringvmm uses\n"
	"       ringvmm bench coalesce [options]\n"
	"                                  measure what MMIO/PIO coalescing buys, per\n"
	"                                  device\n"
	"       ringvmm ctl SOCKET pause|resume|stats|stop|snapshot DIR|\n"
	"                          update [--binary PATH]\n"
	"                                  control a guest run with --api SOCKET\n"
	"       ringvmm --help | --version\n"
	"\n"
	"Each command's options: ringvmm run --help, ringvmm caps --help,\n"
	"ringvmm bench coalesce --help; all of it in man ringvmm.\n";

/* ---- run ---- */

static int rv_cli_set_file(void *ctx, const struct rv_opt *o, const char *opt, const char *v)
{
	struct rv_cli *cli = ctx;

	if (!*v)
		return rv_err(-EINVAL, "%s \"\": needs a file name", opt);
	if (!strcmp(o->name, "kernel"))
		cli->vm.kernel = v;
	else if (!strcmp(o->name, "initrd"))
		cli->vm.initrd = v;
	else if (!strcmp(o->name, "restore"))
		cli->vm.restore_dir = v;
	else
		cli->vm.dump_dtb = v;
	return 0;
}

static int rv_cli_set_cmdline(void *ctx, const struct rv_opt *o, const char *opt, const char *v)
{
	struct rv_cli *cli = ctx;

	if (cli->cmdline_opt)
		return rv_err(-EINVAL,
			      "%s \"%s\": %s was given too: add words with -p, or "
			      "give the whole line with --cmdline-replace",
			      opt, v, cli->cmdline_opt);
	snprintf(cli->cmdline_opt_buf, sizeof(cli->cmdline_opt_buf), "%s", opt);
	cli->cmdline_opt = cli->cmdline_opt_buf;
	if (o->data)
		cli->cmdline_replace = v;
	else
		cli->cmdline_append = v;
	return 0;
}

/*
 * -m: a number alone is MiB (as lkvm and QEMU read it), K/M/G/T are
 * binary units, and a byte count says so with a B: "4096B". @unit says,
 * for messages, how a number alone was read.
 */
static int rv_cli_mem_size(const char *v, uint64_t *bytes, const char **unit)
{
	size_t n = strlen(v);
	char num[32];
	uint64_t x;
	int ret;

	*unit = NULL;
	if (n && isdigit((unsigned char)v[n - 1])) {
		*unit = "MiB (a number alone is MiB)";
		ret = rv_parse_u64(v, &x);
		if (!ret && x > UINT64_MAX >> 20)
			ret = -ERANGE;
		*bytes = x << 20;
		return ret;
	}
	if (n > 1 && n < sizeof(num) && (v[n - 1] == 'B' || v[n - 1] == 'b') &&
	    isdigit((unsigned char)v[n - 2])) {
		*unit = "bytes";
		memcpy(num, v, n - 1);
		num[n - 1] = '\0';
		return rv_parse_u64(num, bytes);
	}
	return rv_parse_size(v, bytes);
}

static int rv_cli_set_mem(void *ctx, const struct rv_opt *o, const char *opt, const char *v)
{
	struct rv_cli *cli = ctx;
	uint64_t *mem = &cli->vm.mem_size;
	const char *unit;
	int ret;

	ret = rv_cli_mem_size(v, mem, &unit);
	if (ret)
		return rv_err(-EINVAL,
			      "%s %s: not a size (a number of MiB, or with a suffix: 512M, 2G, "
			      "4096B)%s",
			      opt, v, ret == -ERANGE ? ": too large" : "");
	if (*mem < RV_CLI_MIN_MEM && unit)
		return rv_err(-EINVAL,
			      "%s %s: %" PRIu64 " %s is too small: at least %llu MiB are needed",
			      opt, v, *unit == 'M' ? *mem >> 20 : *mem, unit, RV_CLI_MIN_MEM >> 20);
	if (*mem < RV_CLI_MIN_MEM)
		return rv_err(-EINVAL, "%s %s: too small: at least %llu MiB are needed", opt, v,
			      RV_CLI_MIN_MEM >> 20);
	if (!RV_IS_ALIGNED(*mem, 4096))
		return rv_err(-EINVAL, "%s %s: not a multiple of 4 KiB", opt, v);
	snprintf(cli->mem_arg, sizeof(cli->mem_arg), "%s %s", opt, v);
	return 0;
}

static int rv_cli_set_cpus(void *ctx, const struct rv_opt *o, const char *opt, const char *v)
{
	struct rv_cli *cli = ctx;
	uint64_t n;

	if (rv_parse_u64(v, &n) || n == 0 || n > RV_CLI_MAX_CPUS)
		return rv_err(-EINVAL, "%s %s: not a number from 1 to %d", opt, v, RV_CLI_MAX_CPUS);
	cli->vm.nr_cpus = n;
	snprintf(cli->cpus_arg, sizeof(cli->cpus_arg), "%s %s", opt, v);
	return 0;
}

static int rv_cli_set_coalesce(void *ctx, const struct rv_opt *o, const char *opt, const char *v)
{
	struct rv_cli *cli = ctx;
	const struct rv_coalesce_mode_desc *d = rv_coalesce_mode_lookup(v, false);

	if (!d)
		return rv_err(-EINVAL, "%s %s: not one of %s", opt, v,
			      rv_coalesce_mode_list(false));
	cli->vm.coalesce_mode = d->mode;
	return 0;
}

static int rv_cli_set_drain(void *ctx, const struct rv_opt *o, const char *opt, const char *v)
{
	struct rv_cli *cli = ctx;

	if (rv_coalesce_drain_parse(v, &cli->vm.coalesce_drain))
		return rv_err(-EINVAL, "%s %s: not one of shared, per-device", opt, v);
	return 0;
}

static int rv_cli_set_flush(void *ctx, const struct rv_opt *o, const char *opt, const char *v)
{
	struct rv_cli *cli = ctx;
	uint64_t n;

	if (rv_parse_u64(v, &n) || n == 0 || n > RV_CLI_MAX_FLUSH_US)
		return rv_err(-EINVAL, "%s %s: not a number of microseconds from 1 to %llu", opt, v,
			      RV_CLI_MAX_FLUSH_US);
	cli->vm.coalesce_flush_ns = n * 1000;
	return 0;
}

static int rv_cli_set_backend(void *ctx, const struct rv_opt *o, const char *opt, const char *v)
{
	struct rv_cli *cli = ctx;

	return rv_memmap_parse_backend(v, &cli->vm.mem_backend);
}

static int rv_cli_set_passthrough(void *ctx, const struct rv_opt *o, const char *opt, const char *v)
{
	struct rv_vm_config *vm = &((struct rv_cli *)ctx)->vm;
	int ret;

	if (vm->nr_passthrough == RV_MEM_MAX_PASSTHROUGH)
		return rv_err(-EINVAL, "%s %s: at most %d slots", opt, v, RV_MEM_MAX_PASSTHROUGH);
	ret = rv_memmap_parse_passthrough(v, vm->nr_passthrough,
					  &vm->passthrough[vm->nr_passthrough]);
	if (ret)
		return ret;
	vm->nr_passthrough++;
	return 0;
}

static int rv_cli_set_stats(void *ctx, const struct rv_opt *o, const char *opt, const char *v)
{
	struct rv_cli *cli = ctx;

	if (!v || !strcmp(v, "text"))
		cli->stats = RV_STATS_TEXT;
	else if (!strcmp(v, "json"))
		cli->stats = RV_STATS_JSON;
	else
		return rv_err(-EINVAL, "%s=%s: not one of text, json", opt, v);
	return 0;
}

static int rv_cli_set_log_level(void *ctx, const struct rv_opt *o, const char *opt, const char *v)
{
	struct rv_cli *cli = ctx;

	if (rv_log_level_parse(v, &cli->log_level))
		return rv_err(-EINVAL, "%s %s: not one of error, warn, info, debug", opt, v);
	cli->log_level_given = true;
	return 0;
}

/* FILE[,interval=MS]: the last ",interval=" ends the file name. */
static int rv_cli_set_metrics(void *ctx, const struct rv_opt *o, const char *opt, const char *v)
{
	struct rv_cli *cli = ctx;
	const char *iv = NULL, *p = v;
	size_t len;
	uint64_t ms = RV_CLI_METRICS_DEFAULT_MS;

	while ((p = strstr(p, ",interval="))) {
		iv = p;
		p++;
	}
	len = iv ? (size_t)(iv - v) : strlen(v);
	if (!len)
		return rv_err(-EINVAL, "%s %s: needs a file name", opt, v);
	if (len >= sizeof(cli->metrics_path))
		return rv_err(-EINVAL, "%s %.40s...: the file name is too long", opt, v);
	if (iv && (rv_parse_u64(iv + strlen(",interval="), &ms) || ms < RV_CLI_METRICS_MIN_MS ||
		   ms > RV_CLI_METRICS_MAX_MS))
		return rv_err(-EINVAL, "%s %s: interval= is not a number of ms from %d to %d", opt,
			      v, RV_CLI_METRICS_MIN_MS, RV_CLI_METRICS_MAX_MS);
	memcpy(cli->metrics_path, v, len);
	cli->metrics_path[len] = '\0';
	cli->metrics_interval_ms = ms;
	return 0;
}

/* --console NAME: serial (the platform's UART) or a console device type. */
static int rv_cli_set_console(void *ctx, const struct rv_opt *o, const char *opt, const char *v)
{
	struct rv_cli *cli = ctx;
	const struct rv_device_type *t = NULL;
	char names[128] = "serial";

	cli->vm.console_type = NULL;
	if (!strcmp(v, "serial"))
		return 0;
	while ((t = rv_device_type_next(t))) {
		if (!t->console_name)
			continue;
		if (!strcmp(t->console_name, v)) {
			cli->vm.console_type = t;
			return 0;
		}
		snprintf(names + strlen(names), sizeof(names) - strlen(names), ", %s",
			 t->console_name);
	}
	return rv_err(-EINVAL, "%s %s: not one of %s", opt, v, names);
}

/* --console-out FILE|pty|stdio: opened in main (vmm/console.h, rv_console_open_host). */
static int rv_cli_set_console_out(void *ctx, const struct rv_opt *o, const char *opt, const char *v)
{
	struct rv_cli *cli = ctx;

	if (!*v)
		return rv_err(-EINVAL, "%s \"\": needs a file name, pty or stdio", opt);
	cli->console_out = v;
	return 0;
}

/* The hidden option a live update's old process writes (vmm/snapshot/update-fds.h). */
static int rv_cli_set_update_fds(void *ctx, const struct rv_opt *o, const char *opt, const char *v)
{
	struct rv_cli *cli = ctx;
	int ret = rv_update_fds_parse(v, &cli->update_fds);

	if (!ret) {
		cli->vm.update = &cli->update_fds;
		cli->vm.keeper = cli->update_fds.keeper >= 0;
	}
	return ret;
}

static int rv_cli_set_api(void *ctx, const struct rv_opt *o, const char *opt, const char *v)
{
	struct rv_cli *cli = ctx;

	/* sizeof(struct sockaddr_un.sun_path), terminator included. */
	if (!*v || strlen(v) >= 108)
		return rv_err(-EINVAL, "%s \"%s\": needs a socket path of 1 to 107 bytes", opt, v);
	cli->vm.api_path = v;
	return 0;
}

/* A value of a device's own option (struct rv_device_option). */
static int rv_cli_set_device(void *ctx, const struct rv_opt *o, const char *opt, const char *v)
{
	struct rv_vm_config *vm = &((struct rv_cli *)ctx)->vm;
	const struct rv_device_type *t = o->data;
	int ret;

	if (vm->nr_device_args == RV_DEVICE_MAX_ARGS)
		return rv_err(-EINVAL, "%s %s: at most %d device options in all", opt, v ? v : "",
			      RV_DEVICE_MAX_ARGS);
	if (t->cli_option->check) {
		ret = t->cli_option->check(v);
		if (ret)
			return rv_err_wrap(ret, "%s %s", opt, v ? v : "");
	}
	vm->device_args[vm->nr_device_args++] = (struct rv_device_arg){ .type = t, .value = v };
	return 0;
}

static int rv_cli_set_reg_pages(void *ctx, const struct rv_opt *o, const char *opt, const char *v)
{
	struct rv_cli *cli = ctx;

	if (strcmp(v, "on") && strcmp(v, "off"))
		return rv_err(-EINVAL, "%s %s: not one of on, off", opt, v);
	cli->vm.reg_pages_off = !strcmp(v, "off");
	return 0;
}

static int rv_cli_set_transport(void *ctx, const struct rv_opt *o, const char *opt, const char *v)
{
	struct rv_cli *cli = ctx;

	if (strcmp(v, "mmio") && strcmp(v, "pci"))
		return rv_err(-EINVAL, "%s %s: not one of mmio, pci", opt, v);
	cli->vm.pci_slots = !strcmp(v, "pci");
	return 0;
}

static const struct rv_opt rv_cli_run_opts[] = {
	{ "kernel", 'k', NULL, "FILE", 0, rv_cli_set_file, NULL,
	  "bzImage (boot protocol 2.06+) or ELF64 vmlinux;\n"
	  "arm64: Image" },
	{ "initrd", 'i', NULL, "FILE", 0, rv_cli_set_file, NULL, "initial ramdisk" },
	{ "cmdline", 'p', "params", "STR", 0, rv_cli_set_cmdline, NULL,
	  "words added to the kernel command line, after\n"
	  "\"" RV_CLI_DEFAULT_CMDLINE "\" (the console ringvmm provides)" },
	{ "cmdline-replace", 0, NULL, "STR", 0, rv_cli_set_cmdline, "replace",
	  "the whole kernel command line, instead of the\n"
	  "default and -p" },
	{ "console", 0, NULL, "serial|virtio", 0, rv_cli_set_console, NULL,
	  "the guest's console: the first UART (serial, the\n"
	  "default, console=ttyS0) or virtio-console (virtio:\n"
	  "the default command line says console=hvc0)" },
	{ "console-out", 0, NULL, "FILE|pty|stdio", 0, rv_cli_set_console_out, NULL,
	  "the console's host side: stdin/stdout (stdio, the\n"
	  "default), output to FILE (input stays stdin), or a\n"
	  "new pty for both, its name printed on stderr" },
	{ "mem", 'm', NULL, "SIZE", 0, rv_cli_set_mem, NULL,
	  "guest RAM: MiB, or with a K, M, G or T suffix;\n"
	  "bytes with a B suffix (default 256M)" },
	{ "cpus", 'c', NULL, "N", 0, rv_cli_set_cpus, NULL, "vCPUs (default 1)" },
	{ "mem-backend", 0, NULL, "B", 0, rv_cli_set_backend, NULL,
	  "guest RAM from anon (default), memfd, hugetlb or\n"
	  "guest_memfd" },
	{ "passthrough", 0, NULL, "path=FILE,size=N,gpa=ADDR[,offset=N][,ro]", RV_OPT_REPEAT,
	  rv_cli_set_passthrough, NULL,
	  "map FILE (a PCI BAR's sysfs resource<N>, /dev/mem)\n"
	  "into the guest at ADDR as a memslot of its own; ro:\n"
	  "guest writes become MMIO exits (repeatable, up to 8)" },
	{ "memmap", 0, NULL, NULL, 0, rv_opt_set_flag, RV_OPT_FLAG(struct rv_cli, memmap),
	  "print the guest physical map (every memslot), exit" },
	{ "dump-dtb", 0, NULL, "FILE", 0, rv_cli_set_file, NULL,
	  "write the guest's device tree to FILE (arm64)" },
	{ "coalesce", 0, NULL, "MODE", 0, rv_cli_set_coalesce, NULL,
	  "coalesced MMIO/PIO writes: per-device (default: each\n"
	  "device handles its own, before its next access),\n"
	  "vm-ring (all devices at every exit), off (every\n"
	  "write exits)" },
	{ "coalesce-flush-us", 0, NULL, "N", 0, rv_cli_set_flush, NULL,
	  "handle coalesced writes at least every N us\n"
	  "(default 1000)" },
	{ "coalesce-drain", 0, NULL, "D", 0, rv_cli_set_drain, NULL,
	  "shared (default: the event loop handles devices'\n"
	  "writes between accesses) or per-device (a thread\n"
	  "per device: a slow one never delays another's)" },
	{ "virtio-transport", 0, NULL, "mmio|pci", 0, rv_cli_set_transport, NULL,
	  "mmio (default): each device a virtio-mmio window\n"
	  "and an interrupt line; pci (x86): each a PCI\n"
	  "function, notified by port I/O, interrupting by\n"
	  "MSI-X" },
	{ "reg-pages", 0, NULL, "on|off", 0, rv_cli_set_reg_pages, NULL,
	  "on (default, where KVM has KVM_CAP_READONLY_MEM):\n"
	  "the guest reads device registers from read-only\n"
	  "memslots, without an exit; off: every read exits" },
	{ "stats", 0, NULL, "json", RV_OPT_OPTIONAL, rv_cli_set_stats, NULL,
	  "statistics at exit on stderr: a table per device\n"
	  "and vCPU, or one JSON object" },
	{ "metrics", 0, NULL, "FILE[,interval=MS]", 0, rv_cli_set_metrics, NULL,
	  "append one JSON object of counters to FILE every MS\n"
	  "ms (default 1000) while the guest runs" },
	{ "restore", 0, NULL, "DIR", 0, rv_cli_set_file, NULL,
	  "continue the guest saved in DIR (ringvmm ctl SOCKET\n"
	  "snapshot DIR) instead of booting: give the same\n"
	  "--mem, --cpus and devices, no kernel (x86_64)" },
	{ "api", 0, NULL, "SOCKET", 0, rv_cli_set_api, NULL,
	  "serve the control socket (ringvmm ctl) at SOCKET,\n"
	  "created mode 0600" },
	/* Not in --help: only a live update writes it (docs/live-update.md). */
	{ "update-fds", 0, NULL, "SPEC", 0, rv_cli_set_update_fds, NULL, NULL },
	{ "log-level", 0, NULL, "L", 0, rv_cli_set_log_level, NULL,
	  "messages shown: error, warn (default), info, debug" },
	{ "no-seccomp", 0, NULL, NULL, 0, rv_opt_set_flag,
	  RV_OPT_FLAG(struct rv_cli, vm.no_seccomp),
	  "run without the seccomp sandbox (debugging only;\n"
	  "says so on every run)" },
	{ "verbose", 'v', NULL, NULL, 0, rv_opt_set_flag, RV_OPT_FLAG(struct rv_cli, verbose),
	  "say what is being set up (--log-level debug), the\n"
	  "final kernel command line included" },
	{ "help", 'h', NULL, NULL, 0, rv_opt_set_flag, RV_OPT_FLAG(struct rv_cli, help),
	  "this help" },
};

static const char rv_cli_run_head[] =
	"usage: ringvmm run [options]\n"
	"\n"
	"Boot a Linux kernel, or without --kernel the built-in guest. The console is\n"
	"the first UART (ttyS0; --console virtio: hvc0) on stdin/stdout (--console-out);\n"
	"a terminal is put in raw mode, and Ctrl-A x quits. Exit status: 0 when the\n"
	"guest powers off or reboots (or a signal stops it), 1 when the guest dies,\n"
	"2 for errors.\n"
	"\n";

/* Devices' options: from the registry, once (constructors ran before main). */
static struct rv_opt rv_cli_dev_opts[RV_OPT_MAX];
static unsigned int rv_cli_nr_dev_opts;
static bool rv_cli_dev_opts_done;

static struct rv_opt_cmd rv_cli_run_cmd = {
	.name = "run",
	.usage = rv_cli_run_head,
	.opts = rv_cli_run_opts,
	.nr_opts = RV_ARRAY_SIZE(rv_cli_run_opts),
	.extra = rv_cli_dev_opts,
};

static int rv_cli_collect_device_options(void)
{
	const struct rv_device_type *t = NULL;

	if (rv_cli_dev_opts_done)
		return 0;
	while ((t = rv_device_type_next(t))) {
		const struct rv_device_option *d = t->cli_option;

		if (!d)
			continue;
		if (rv_opt_find(&rv_cli_run_cmd, d->name))
			return rv_err(-EINVAL, "device %s: option --%s is taken", t->name, d->name);
		if (d->short_name && rv_opt_find_short(&rv_cli_run_cmd, d->short_name))
			return rv_err(-EINVAL, "device %s: option -%c is taken", t->name,
				      d->short_name);
		if (RV_ARRAY_SIZE(rv_cli_run_opts) + rv_cli_nr_dev_opts == RV_OPT_MAX)
			return rv_err(-E2BIG, "run: more than %d options", RV_OPT_MAX);
		rv_cli_dev_opts[rv_cli_nr_dev_opts++] = (struct rv_opt){
			.name = d->name,
			.short_name = d->short_name,
			.metavar = d->metavar,
			.flags = d->repeat ? RV_OPT_REPEAT : 0,
			.set = rv_cli_set_device,
			.data = t,
			.help = d->help,
		};
		rv_cli_run_cmd.nr_extra = rv_cli_nr_dev_opts;
	}
	rv_cli_dev_opts_done = true;
	return 0;
}

const struct rv_opt *rv_cli_run_option(const char *name)
{
	if (rv_cli_collect_device_options())
		return NULL;
	return rv_opt_find(&rv_cli_run_cmd, name);
}

void rv_cli_run_usage(FILE *out)
{
	rv_cli_collect_device_options();
	rv_opt_usage(&rv_cli_run_cmd, out);
}

/* The command line the kernel gets: the default and -p's words, or --cmdline-replace's. */
static int rv_cli_build_cmdline(struct rv_cli *cli)
{
	int n;

	if (!cli->vm.kernel)
		return 0;
	if (cli->cmdline_replace)
		n = snprintf(cli->cmdline, sizeof(cli->cmdline), "%s", cli->cmdline_replace);
	else
		n = snprintf(cli->cmdline, sizeof(cli->cmdline), "%s%s%s",
			     cli->vm.console_type ? cli->vm.console_type->console_cmdline :
						    RV_CLI_DEFAULT_CMDLINE,
			     cli->cmdline_append && *cli->cmdline_append ? " " : "",
			     cli->cmdline_append ? cli->cmdline_append : "");
	if (n >= (int)sizeof(cli->cmdline))
		return rv_err(-EINVAL,
			      "%s: the kernel command line would be %d bytes, more than %d",
			      cli->cmdline_opt, n, RV_CLI_CMDLINE_MAX - 1);
	cli->vm.cmdline = cli->cmdline;
	return 0;
}

static int rv_cli_parse_run(int argc, char *const argv[], struct rv_cli *cli)
{
	struct rv_vm_config *vm = &cli->vm;
	int ret;

	ret = rv_cli_collect_device_options();
	if (!ret)
		ret = rv_opt_parse(&rv_cli_run_cmd, argc, argv, cli);
	if (ret || cli->help)
		return ret;
	if (!vm->kernel && vm->initrd)
		return rv_err(-EINVAL, "--initrd %s needs --kernel", vm->initrd);
	if (!vm->kernel && cli->cmdline_opt)
		return rv_err(-EINVAL,
			      "%s %s needs --kernel (the built-in guest has no command line)",
			      cli->cmdline_opt,
			      cli->cmdline_replace ? cli->cmdline_replace : cli->cmdline_append);
	if (cli->verbose && cli->log_level_given)
		return rv_err(-EINVAL, "--verbose and --log-level exclude each other (--verbose is "
				       "--log-level debug)");
	if (cli->verbose)
		cli->log_level = RV_LOG_DEBUG;
	return rv_cli_build_cmdline(cli);
}

/* ---- caps ---- */

static const struct rv_opt rv_cli_caps_opts[] = {
	{ "json", 0, NULL, NULL, 0, rv_opt_set_flag, RV_OPT_FLAG(struct rv_cli, json),
	  "one JSON object instead of the table" },
	{ "help", 'h', NULL, NULL, 0, rv_opt_set_flag, RV_OPT_FLAG(struct rv_cli, help),
	  "this help" },
};

static const struct rv_opt_cmd rv_cli_caps_cmd = {
	.name = "caps",
	.usage = "usage: ringvmm caps [--json]\n"
		 "\n"
		 "The KVM capabilities ringvmm uses, and what this host's KVM says of each.\n"
		 "\n",
	.opts = rv_cli_caps_opts,
	.nr_opts = RV_ARRAY_SIZE(rv_cli_caps_opts),
};

void rv_cli_caps_usage(FILE *out)
{
	rv_opt_usage(&rv_cli_caps_cmd, out);
}

/* ---- the command ---- */

static void rv_cli_defaults(struct rv_cli *cli)
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
	cli->log_level = RV_LOG_WARN;
	cli->metrics_interval_ms = RV_CLI_METRICS_DEFAULT_MS;
	snprintf(cli->mem_arg, sizeof(cli->mem_arg), "--mem (default %llu MiB)",
		 RV_CLI_DEFAULT_MEM >> 20);
	snprintf(cli->cpus_arg, sizeof(cli->cpus_arg), "--cpus 1");
}

int rv_cli_parse(int argc, char *const argv[], struct rv_cli *cli)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	rv_cli_defaults(cli);
	cli->vm.argv = argv;
	if (!cmd)
		return rv_err(-EINVAL, "no command given (try ringvmm --help)");
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		cli->cmd = RV_CMD_HELP;
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		cli->cmd = RV_CMD_VERSION;
		return 0;
	}
	if (!strcmp(cmd, "caps")) {
		cli->cmd = RV_CMD_CAPS;
		return rv_opt_parse(&rv_cli_caps_cmd, argc - 1, argv + 1, cli);
	}
	if (!strcmp(cmd, "bench")) {
		cli->cmd = RV_CMD_BENCH;
		if (argc < 3)
			return rv_err(-EINVAL,
				      "bench: which benchmark? (there is one: ringvmm bench coalesce)");
		if (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))
			return rv_bench_parse(argc - 1, argv + 1, &cli->bench);
		if (strcmp(argv[2], "coalesce"))
			return rv_err(-EINVAL,
				      "bench: unknown benchmark \"%s\" (there is one: coalesce)",
				      argv[2]);
		return rv_bench_parse(argc - 2, argv + 2, &cli->bench);
	}
	if (!strcmp(cmd, "ctl")) {
		cli->cmd = RV_CMD_CTL;
		/* snapshot takes its directory, update an optional --binary PATH. */
		if (argc == 6 && !strcmp(argv[3], "update") && !strcmp(argv[4], "--binary") &&
		    *argv[5]) {
			cli->ctl_arg = argv[5];
		} else if (argc < 4 || argc != (strcmp(argv[3], "snapshot") ? 4 : 5)) {
			return rv_err(-EINVAL, "ctl: usage: ringvmm ctl SOCKET COMMAND "
					       "(snapshot DIR, update [--binary PATH])");
		} else {
			cli->ctl_arg = argc == 5 ? argv[4] : NULL;
		}
		cli->ctl_path = argv[2];
		cli->ctl_cmd = argv[3];
		return 0;
	}
	if (!strcmp(cmd, "run")) {
		cli->cmd = RV_CMD_RUN;
		return rv_cli_parse_run(argc - 1, argv + 1, cli);
	}
	return rv_err(-EINVAL, "unknown command \"%s\" (try ringvmm --help)", cmd);
}
