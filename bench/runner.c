// SPDX-License-Identifier: GPL-2.0
/*
 * `ringvmm bench coalesce`: the runs. Each (repeat, mode) is one fresh VM
 * running the arch's benchmark guest against N bench-sinks; modes are
 * interleaved A B C D A B C D ... so that a noisy machine affects them
 * alike. What the guest does is in bench/guest.h.
 *
 * Timing: the guest writes MARK on device 0 (an ordinary exit, whose
 * handler notes the host's clock) before its first write and again after
 * it has read back every device's count, which flushes each device: the
 * phase between the first and the last mark holds every write *and* its
 * handling, and none of the VM's set-up or teardown.
 *
 * VMM CPU time is what the VMM itself spends: the event loop's thread
 * (its CPU clock: it drains on timers, wake-ups and doorbells) plus the
 * time vCPU threads spend in the exit handler. The process's CPU time
 * (getrusage) is reported too, but it includes the guest's own execution
 * and KVM's, which run on the vCPU threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "arch/arch.h"
#include "devices/pseudo/bench-sink.h"
#include "bench.h"
#include "vmm/coalesce/mode.h"
#include "vmm/kvm.h"
#include "vmm/util.h"
#include "vmm/vm.h"

/* Guest RAM: the guest's code, stacks and parameters fit in 1 MiB. */
#define RV_BENCH_MEM (32ULL << 20)
/* Distance between two sinks: their register ranges (bench-sink.h). */
#define RV_BENCH_MMIO_STRIDE 0x1000
#define RV_BENCH_PIO_STRIDE 0x400
/*
 * A run that takes longer than this is stuck: 10 s plus 1 ms per write,
 * 40 times the slowest exit measured (the nested hosts, docs/platform.md).
 */
#define RV_BENCH_WATCHDOG_BASE_NS 10000000000ULL
#define RV_BENCH_WATCHDOG_PER_WRITE_NS 1000000ULL

bool rv_bench_dev_is_pio(const struct rv_bench_opts *o, unsigned int d)
{
	return o->space == RV_BENCH_SPACE_PIO || (o->space == RV_BENCH_SPACE_MIXED && d % 2);
}

/* What every run of one invocation shares. */
struct rv_bench_setup {
	struct rv_arch_bench_guest guest;
	struct rv_device_cfg sinks[RV_BENCH_MAX_DEVICES];
	char names[RV_BENCH_MAX_DEVICES][16];
	int null_fd; /* the guest's console goes nowhere */
	bool cpl0;   /* CPL3 entry failed once: the rest run at CPL0 */
};

static uint64_t rv_bench_cpu_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t rv_bench_rusage_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((uint64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ULL +
	       ((uint64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ULL;
}

_Static_assert(RV_BENCH_MAX_CPUS <= RV_BENCH_P_MAX_CPUS, "a CPU_DONE word for every vCPU");

/* The guest's parameters (bench/guest.h), as the words they are. */
static void rv_bench_params(const struct rv_bench_opts *o, const struct rv_bench_setup *s,
			    enum rv_bench_mode mode, uint64_t *p)
{
	memset(p, 0, RV_BENCH_PARAMS_SIZE);
	p[RV_BENCH_P_NR_DEVICES / 8] = o->devices;
	p[RV_BENCH_P_WRITES / 8] = o->writes;
	p[RV_BENCH_P_BURST / 8] = o->burst;
	/* Elsewhere a doorbell write is an ordinary exit: no doorbells there. */
	p[RV_BENCH_P_DB_RELOAD / 8] = rv_coalesce_modes[mode].doorbell ? o->doorbell_every :
									 UINT64_MAX;
	p[RV_BENCH_P_NR_CPUS / 8] = o->cpus;
	for (unsigned int d = 0; d < o->devices; d++) {
		uint64_t *e = p + (RV_BENCH_P_DEVICES + d * RV_BENCH_P_DEV_SIZE) / 8;

		e[RV_BENCH_P_DEV_BASE / 8] = s->sinks[d].base;
		e[RV_BENCH_P_DEV_KIND / 8] = rv_bench_dev_is_pio(o, d) ? RV_BENCH_DEV_PIO :
									 RV_BENCH_DEV_MMIO;
		e[RV_BENCH_P_DEV_READ / 8] = o->read_every[d];
	}
}

/* Stops a run that overstays its deadline, as a signal would. */
struct rv_bench_watchdog {
	struct rv_vm *vm;
	uint64_t deadline_ns; /* CLOCK_MONOTONIC */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	bool fired;
	pthread_t thread;
};

static void *rv_bench_watchdog_thread(void *arg)
{
	struct rv_bench_watchdog *w = arg;
	struct timespec ts = {
		.tv_sec = w->deadline_ns / 1000000000ULL,
		.tv_nsec = w->deadline_ns % 1000000000ULL,
	};

	pthread_mutex_lock(&w->lock);
	while (!w->done && !w->fired)
		if (pthread_cond_timedwait(&w->cond, &w->lock, &ts) == ETIMEDOUT)
			w->fired = true;
	pthread_mutex_unlock(&w->lock);
	if (w->fired)
		rv_vm_request_exit(w->vm, RV_EXIT_SIGNAL);
	return NULL;
}

static int rv_bench_watchdog_start(struct rv_bench_watchdog *w, struct rv_vm *vm,
				   uint64_t timeout_ns)
{
	pthread_condattr_t attr;
	int ret;

	*w = (struct rv_bench_watchdog){ .vm = vm, .deadline_ns = rv_now_ns() + timeout_ns };
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &attr);
	pthread_condattr_destroy(&attr);
	ret = -pthread_create(&w->thread, NULL, rv_bench_watchdog_thread, w);
	if (ret) {
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		return rv_err(ret, "bench: watchdog thread: %s", strerror(-ret));
	}
	return 0;
}

/* Returns whether it fired. */
static bool rv_bench_watchdog_stop(struct rv_bench_watchdog *w)
{
	pthread_mutex_lock(&w->lock);
	w->done = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	return w->fired;
}

static struct rv_device *rv_bench_find(struct rv_vm *vm, const char *name)
{
	for (struct rv_device *d = vm->env.devices; d; d = d->next)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

/* After the run, before teardown: each sink's counters and coalescing. */
static void rv_bench_collect(struct rv_vm *vm, const struct rv_bench_opts *o,
			     const struct rv_bench_setup *s, struct rv_bench_run *r)
{
	for (unsigned int d = 0; d < o->devices; d++) {
		struct rv_device *dev = rv_bench_find(vm, s->names[d]);
		struct rv_bench_dev_run *dr = &r->dev[d];
		struct rv_bench_sink_counters c;
		struct rv_coalesce_stats cs = { 0 };

		if (!dev || rv_bench_sink_counters(dev, &c))
			continue; /* all zero: the checks report it */
		/* The engine's statistics are exact now that the VM has stopped. */
		if (dev->coalesce)
			cs = dev->coalesce->stats;
		if (rv_bench_dev_is_light(o, d))
			rv_latency_merge(&r->light, &cs.latency);
		rv_latency_merge(&r->access, &cs.access);
		*dr = (struct rv_bench_dev_run){
			.writes = c.writes,
			.lost = c.lost,
			.reordered = c.reordered,
			.read_mismatch = c.read_mismatch,
			.invalid = c.invalid,
			.streams_ok = true,
			.exits = cs.ordinary_exits,
			.coalesced = cs.coalesced_writes,
			.drains = cs.drains,
			.fallbacks = cs.ring_full_fallbacks,
			.doorbells = cs.doorbells,
			.high_water = cs.ring_high_water,
			.lat_p50_ns = rv_latency_percentile(&cs.latency, 50),
			.lat_p99_ns = rv_latency_percentile(&cs.latency, 99),
			.lat_max_ns = cs.latency.max_ns,
			.lat_samples = cs.latency.count,
			.acc_p50_ns = rv_latency_percentile(&cs.access, 50),
			.acc_p99_ns = rv_latency_percentile(&cs.access, 99),
			.acc_samples = cs.access.count,
		};
		for (unsigned int k = 0; k < RV_BENCH_SINK_STREAMS; k++)
			if (c.stream_writes[k] != (k < o->cpus ? o->writes : 0))
				dr->streams_ok = false;
		rv_latency_merge(&r->latency, &cs.latency);
		if (d == 0) {
			r->marks = c.marks;
			r->phase_ns = c.last_mark_ns - c.first_mark_ns;
		}
	}
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		r->vcpu_exits += vm->vcpus[i].exits;
		r->handle_ns += vm->vcpus[i].handle_ns;
	}
}

static int rv_bench_one(struct rv_bench *b, struct rv_bench_setup *s, struct rv_bench_run *r)
{
	const struct rv_bench_opts *o = b->o;
	struct rv_vm_config cfg = {
		.mem_size = RV_BENCH_MEM,
		.nr_cpus = o->cpus,
		.console_in_fd = -1,
		.console_out_fd = s->null_fd,
		.guest_code = s->guest.code,
		.guest_code_len = s->guest.len,
		.guest_user_mode = s->guest.user_level && !o->cpl0 && !s->cpl0,
		.coalesce_mode = rv_coalesce_modes[r->mode].mode,
		.coalesce_flush_ns = o->flush_us * 1000,
		.coalesce_drain = rv_coalesce_modes[r->mode].own_drain ? RV_COALESCE_DRAIN_OWN :
									 RV_COALESCE_DRAIN_SHARED,
		.extra_devices = s->sinks,
		.nr_extra_devices = o->devices,
	};
	uint64_t params[RV_BENCH_PARAMS_SIZE / 8], cpu0, proc0, timeout;
	struct rv_bench_watchdog w;
	struct rv_vm vm;
	int ret;

	ret = rv_bench_sink_set_ring_entries(o->ring_entries);
	if (ret)
		return rv_err(ret, "bench: %u ring entries", o->ring_entries);
	rv_bench_sink_set_doorbell(rv_coalesce_modes[r->mode].doorbell);
	rv_err_clear();
	ret = rv_vm_create(&vm, &cfg);
	if (ret)
		goto out_destroy;
	/* Each device's work (none in an --isolation baseline run). */
	for (unsigned int d = 0; d < o->devices; d++)
		rv_bench_sink_set_device_work(rv_bench_find(&vm, s->names[d]),
					      r->baseline ? 0 : o->work_ns[d]);
	r->user_mode = vm.guest_user_mode;
	b->pio_coalescing = rv_kvm_cap(vm.vm_fd, KVM_CAP_COALESCED_PIO) > 0;
	rv_bench_params(o, s, r->mode, params);
	if (rv_mem_write(&vm.mem, s->guest.params_gpa, params, sizeof(params))) {
		ret = rv_err(-ENOSPC, "bench: no guest RAM for the parameters at 0x%" PRIx64,
			     s->guest.params_gpa);
		goto out_destroy;
	}
	timeout = RV_BENCH_WATCHDOG_BASE_NS +
		  RV_BENCH_WATCHDOG_PER_WRITE_NS * o->writes * o->devices * o->cpus;
	ret = rv_bench_watchdog_start(&w, &vm, timeout);
	if (ret)
		goto out_destroy;
	cpu0 = rv_bench_cpu_ns(CLOCK_THREAD_CPUTIME_ID);
	proc0 = rv_bench_rusage_ns();
	r->status = rv_vm_run(&vm);
	r->loop_cpu_ns = rv_bench_cpu_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	r->process_cpu_ns = rv_bench_rusage_ns() - proc0;
	r->timed_out = rv_bench_watchdog_stop(&w);
	rv_bench_collect(&vm, o, s, r);
	if (r->status == RV_EXIT_SIGNAL && !r->timed_out)
		ret = rv_err(-EINTR, "bench: stopped by a signal");
out_destroy:
	rv_vm_destroy(&vm);
	return ret;
}

static int rv_bench_setup(const struct rv_bench_opts *o, struct rv_bench_setup *s)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->null_fd = -1;
	ret = rv_arch_bench_guest(&s->guest);
	if (ret)
		return ret;
	for (unsigned int d = 0; d < o->devices; d++) {
		bool pio = rv_bench_dev_is_pio(o, d);

		if (pio && !s->guest.pio_base)
			return rv_err(-ENOTSUP, "bench: %s has no port I/O: use --space mmio",
				      rv_arch_name);
		snprintf(s->names[d], sizeof(s->names[d]), "sink%u", d);
		s->sinks[d] = (struct rv_device_cfg){
			.type = "bench-sink",
			.name = s->names[d],
			.space = pio ? RV_SPACE_PIO : RV_SPACE_MMIO,
			.base = pio ? s->guest.pio_base + d * RV_BENCH_PIO_STRIDE :
				      s->guest.mmio_base + d * RV_BENCH_MMIO_STRIDE,
		};
	}
	s->null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (s->null_fd < 0)
		return rv_err(-errno, "bench: /dev/null: %s", strerror(errno));
	return 0;
}

/*
 * A guest that died at CPL3 before its first MARK: a KVM that accepted the
 * CPL3 entry state but cannot run it. Once, the run is repeated at CPL0,
 * and so are all that follow.
 */
static bool rv_bench_retry_at_cpl0(struct rv_bench_setup *s, const struct rv_bench_run *r)
{
	if (!r->user_mode || r->status != RV_EXIT_GUEST_DIED || r->marks || s->cpl0)
		return false;
	rv_warn("bench: the guest died at CPL3 before its first write: running it at CPL0");
	s->cpl0 = true;
	return true;
}

int rv_bench_run_all(struct rv_bench *b)
{
	const struct rv_bench_opts *o = b->o;
	struct rv_bench_setup s;
	int ret;

	ret = rv_bench_setup(o, &s);
	if (ret)
		goto out_close;
	/* --isolation: each mode twice, with the device work and without. */
	b->nr_runs = o->repeat * o->nr_modes * (o->isolation ? 2 : 1);
	b->runs = calloc(b->nr_runs, sizeof(*b->runs));
	if (!b->runs) {
		ret = rv_err(-ENOMEM, "bench: no memory for %u runs", b->nr_runs);
		goto out_close;
	}
	b->user_mode = s.guest.user_level != NULL;
	b->user_level = s.guest.user_level;
	b->kernel_level = s.guest.kernel_level;
	for (unsigned int i = 0; i < b->nr_runs; i++) {
		struct rv_bench_run *r = &b->runs[i];

		do {
			unsigned int per_repeat = o->nr_modes * (o->isolation ? 2 : 1);

			memset(r, 0, sizeof(*r));
			r->mode = o->modes[i % o->nr_modes];
			r->baseline = (i % per_repeat) >= o->nr_modes;
			r->repeat = i / per_repeat;
			if (o->verbose)
				fprintf(stderr, "bench: run %u of %u: %s%s, repeat %u\n", i + 1,
					b->nr_runs, rv_bench_mode_name(r->mode),
					r->baseline ? " (no device work)" : "", r->repeat + 1);
			ret = rv_bench_one(b, &s, r);
		} while (!ret && rv_bench_retry_at_cpl0(&s, r));
		if (ret) {
			b->nr_runs = i;
			break;
		}
		b->user_mode &= r->user_mode;
	}
	rv_bench_sink_set_doorbell(false);
	rv_bench_sink_set_ring_entries(RV_BENCH_SINK_DEFAULT_ENTRIES);
out_close:
	if (s.null_fd >= 0)
		close(s.null_fd);
	return ret;
}

void rv_bench_free(struct rv_bench *b)
{
	free(b->runs);
	b->runs = NULL;
	b->nr_runs = 0;
}
