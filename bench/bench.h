/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `ringvmm bench coalesce`: what MMIO/PIO coalescing buys, per device.
 *
 * Each (mode, repeat) is one fresh VM running the built-in benchmark guest
 * (bench/guest.h, bench/guest-<arch>.S) against N bench-sinks
 * (devices/pseudo/bench-sink.c); modes are interleaved, A B C D A B C D ..., so
 * a noisy machine affects all of them alike. Every run checks that each
 * device received every write once and in order.
 *
 *   cli.c           the options: a pure function, unit-tested
 *   runner.c        the runs
 *   report.c        medians and spreads, the checks, table / JSON / CSV
 *   plot.c          the chart, through gnuplot
 */
#ifndef RV_BENCH_H
#define RV_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "guest.h"
#include "vmm/coalesce/latency.h"

/* The shared mode table's entries (vmm/coalesce/mode.h), in its order. */
enum rv_bench_mode {
	RV_BENCH_OFF,	     /* no coalescing: every write exits */
	RV_BENCH_VM_RING,    /* the VM-wide ring, all devices flushed at every exit */
	RV_BENCH_PER_DEVICE, /* per-device rings, flush per device */
	RV_BENCH_OWN_DRAIN,  /* per-device, each device drained by a thread of its own */
	RV_BENCH_DOORBELL,   /* per-device, and the guest rings doorbells */
	RV_BENCH_NR_MODES,
};

enum rv_bench_space {
	RV_BENCH_SPACE_MMIO,
	RV_BENCH_SPACE_PIO,
	RV_BENCH_SPACE_MIXED, /* even devices MMIO, odd ones port I/O */
};

enum rv_bench_format { RV_BENCH_TABLE, RV_BENCH_JSON, RV_BENCH_CSV };

struct rv_bench_opts {
	enum rv_bench_mode modes[RV_BENCH_NR_MODES]; /* in the order given */
	unsigned int nr_modes;
	unsigned int devices;
	uint64_t writes; /* per device and vCPU */
	uint64_t burst;
	/* Per device (a single value applies to every device); 0: none. */
	uint64_t read_every[RV_BENCH_MAX_DEVICES];
	uint64_t work_ns[RV_BENCH_MAX_DEVICES]; /* a device's busy time per write */
	unsigned int nr_read_every, nr_work_ns; /* values given: 1 or devices */
	bool isolation;		 /* every mode again without device work: the isolation table */
	uint64_t doorbell_every; /* doorbell mode only */
	unsigned int cpus;
	unsigned int ring_entries; /* each device's ring */
	uint64_t flush_us;	   /* the drain timer */
	unsigned int repeat;
	enum rv_bench_space space;
	enum rv_bench_format format;
	const char *plot; /* NULL: no chart */
	bool cpl0;	  /* run the guest at CPL0 even where CPL3 is possible */
	bool verbose;
	bool help; /* --help: print rv_bench_usage, run nothing */
};

#define RV_BENCH_DEFAULT_DEVICES 4
#define RV_BENCH_DEFAULT_WRITES 20000
#define RV_BENCH_DEFAULT_BURST 1
#define RV_BENCH_DEFAULT_DOORBELL_EVERY 64
#define RV_BENCH_DEFAULT_REPEAT 3
#define RV_BENCH_DEFAULT_FLUSH_US 1000
/*
 * Limits, each for a reason: the streams a bench-sink checks (one per
 * vCPU); port-space sinks carry 32-bit sequence numbers; a repeat count
 * and a write count that keep one invocation within hours, not years.
 */
#define RV_BENCH_MAX_CPUS 64
#define RV_BENCH_MAX_WRITES 1000000000ULL
#define RV_BENCH_MAX_REPEAT 1000
#define RV_BENCH_MAX_FLUSH_US 60000000ULL
#define RV_BENCH_MAX_WORK_NS 1000000ULL

/*
 * Fill @o from argv[1..@argc) (argv[0]: "coalesce") by the option table:
 * 0, or -EINVAL with a one-line rv_err().
 */
int rv_bench_parse(int argc, char *const argv[], struct rv_bench_opts *o);
/* The mode's name in the shared table (vmm/coalesce/mode.h). */
const char *rv_bench_mode_name(enum rv_bench_mode mode);
/* `ringvmm bench coalesce --help`, from the table. */
void rv_bench_usage(FILE *out);

/* What one device showed in one run. */
struct rv_bench_dev_run {
	uint64_t writes, lost, reordered, read_mismatch, invalid;
	bool streams_ok; /* every vCPU's stream carried all of its writes */
	uint64_t exits, coalesced, drains, fallbacks, doorbells, high_water;
	uint64_t lat_p50_ns, lat_p99_ns, lat_max_ns, lat_samples;
	/* Ordinary exits' wait for coalescing (flush-before-access). */
	uint64_t acc_p50_ns, acc_p99_ns, acc_samples;
};

/* One VM: one mode, one repeat. */
struct rv_bench_run {
	enum rv_bench_mode mode;
	unsigned int repeat;
	bool baseline; /* --isolation: this run without any device work */
	int status;    /* rv_vm_run(): RV_EXIT_POWEROFF expected, or -errno */
	bool timed_out;
	bool user_mode;	   /* the guest ran at CPL3 */
	uint64_t marks;	   /* MARK writes: two per vCPU */
	uint64_t phase_ns; /* first MARK to last MARK */
	uint64_t vcpu_exits;
	uint64_t handle_ns;	   /* vCPU threads in the exit handler */
	uint64_t loop_cpu_ns;	   /* the event loop's thread */
	uint64_t process_cpu_ns;   /* the whole process, guest time included */
	struct rv_latency latency; /* every device's, merged */
	struct rv_latency light;   /* the devices without work of their own, merged */
	struct rv_latency access;  /* every device's access wait, merged */
	struct rv_bench_dev_run dev[RV_BENCH_MAX_DEVICES];
};

/* Everything one invocation measured. */
struct rv_bench {
	const struct rv_bench_opts *o;
	bool user_mode;			       /* the guest's hot loop ran at CPL3 */
	const char *user_level, *kernel_level; /* struct rv_arch_bench_guest's */
	bool pio_coalescing;		       /* KVM_CAP_COALESCED_PIO */
	struct rv_bench_run *runs;	       /* repeat-major: [r * nr_modes + m] */
	unsigned int nr_runs;
};

/* Where the guest's hot loop ran: "CPL3", "CPL0", "EL1". */
static inline const char *rv_bench_level(const struct rv_bench *b)
{
	return (b->user_mode ? b->user_level : b->kernel_level) ?: "?";
}

/*
 * Run every (repeat, mode) of @b->o, filling @b->runs (allocated here;
 * rv_bench_free() releases it). -errno when a VM could not be set up or
 * was stopped by a signal; failed checks are the report's business.
 */
int rv_bench_run_all(struct rv_bench *b);
void rv_bench_free(struct rv_bench *b);
/* Is device @d of run @r space PIO (the layout the options ask for)? */
bool rv_bench_dev_is_pio(const struct rv_bench_opts *o, unsigned int d);

/* Statistics over @n values (sorted in place): the median, min and max. */
struct rv_bench_summary {
	double median, min, max;
};
void rv_bench_summarize(double *v, unsigned int n, struct rv_bench_summary *s);
/* (max - min) / 2 relative to the median, in percent; 0 for a 0 median. */
double rv_bench_spread_pct(const struct rv_bench_summary *s);

/* What is summarised over the repeats of one mode, per device. */
enum rv_bench_metric {
	RV_BENCH_NS_PER_WRITE, /* the write phase / writes per vCPU */
	RV_BENCH_WRITES_PER_S, /* the device's writes / the write phase */
	RV_BENCH_EXITS,	       /* ordinary exits to the device */
	RV_BENCH_DRAINS,       /* flushes that handled entries */
	RV_BENCH_FALLBACKS,    /* entries handled at once: the device ring was full */
	RV_BENCH_EXITED,       /* writes KVM did not coalesce (its ring was full) */
	RV_BENCH_COALESCED,
	RV_BENCH_DOORBELLS,
	RV_BENCH_HIGH_WATER,
	RV_BENCH_LAT_P50, /* microseconds */
	RV_BENCH_LAT_P99,
	RV_BENCH_LAT_MAX,
	RV_BENCH_ACC_P50, /* microseconds: an access's wait for coalescing */
	RV_BENCH_ACC_P99,
	RV_BENCH_LIGHT_P50, /* microseconds: the light devices' latency, merged */
	RV_BENCH_LIGHT_P99,
	RV_BENCH_LIGHT_MAX,
	RV_BENCH_VMM_CPU,     /* milliseconds: loop thread + exit handlers */
	RV_BENCH_PROCESS_CPU, /* milliseconds: the whole process */
	RV_BENCH_NR_METRICS,
};

/* One mode and device (or all devices: @device < 0), over its repeats. */
struct rv_bench_row {
	enum rv_bench_mode mode;
	int device;
	unsigned int runs;
	uint64_t writes;				  /* the fewest one run delivered */
	uint64_t writes_expected;			  /* per run: writes x vCPUs */
	uint64_t lost, reordered, read_mismatch, invalid; /* over every run */
	bool streams_ok;
	struct rv_bench_summary m[RV_BENCH_NR_METRICS];
	double speedup; /* off's median cost per write / this one; < 0: no off */
};

/* Summarise mode @mode, device @device (< 0: all together) into @row. */
void rv_bench_row(const struct rv_bench *b, enum rv_bench_mode mode, int device,
		  struct rv_bench_row *row);
/* The same over the --isolation runs without device work (@baseline) or with. */
void rv_bench_row_variant(const struct rv_bench *b, enum rv_bench_mode mode, bool baseline,
			  int device, struct rv_bench_row *row);
/* Has device @d no work of its own while another has (--device-work-ns)? */
bool rv_bench_dev_is_light(const struct rv_bench_opts *o, unsigned int d);
bool rv_bench_has_reads(const struct rv_bench_opts *o);

/*
 * The report: medians and spreads over the repeats, per mode and device,
 * in @b->o->format on @out; problems on @err. Returns true when every run
 * powered off and every device received every write once and in order.
 */
bool rv_bench_report(const struct rv_bench *b, FILE *out, FILE *err);
/* The chart of cost per write and latency by mode: SVG through gnuplot. */
int rv_bench_plot(const struct rv_bench *b, const char *path);
/* Before any run: is gnuplot there? -ENOENT with a message if not. */
int rv_bench_plot_check(void);

#endif
