// SPDX-License-Identifier: GPL-2.0
/*
 * `ringvmm bench coalesce`: the checks and the report (an aligned table,
 * JSON or CSV). The figures come from stats.c; what each one means
 * is in docs/benchmarks.md.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "arch/arch.h"
#include "bench.h"
#include "vmm/device.h"

/* Problems listed before "... and N more". */
#define RV_BENCH_MAX_PROBLEMS 20

static const char rv_bench_off_latency[] =
	"no deferred writes: every write is handled at its own exit";

/* The machine, for the record. */
struct rv_bench_host {
	char kernel[96];
	char cpu[96];
	const char *kvm; /* the KVM module loaded */
	long cpus;
};

static void rv_bench_host(struct rv_bench_host *h)
{
	static const char *const kvms[] = { "kvm_pvm", "kvm_intel", "kvm_amd" };
	struct utsname u;
	char line[256], impl[32] = "", part[32] = "";
	FILE *f;

	memset(h, 0, sizeof(*h));
	snprintf(h->kernel, sizeof(h->kernel), "%s", uname(&u) ? "?" : u.release);
	snprintf(h->cpu, sizeof(h->cpu), "?");
	f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ':');

		if (!v)
			continue;
		v += strspn(v + 1, " ") + 1;
		v[strcspn(v, "\n")] = '\0';
		/* x86 says "model name"; arm64 only "CPU implementer" and "CPU part". */
		if (!strncmp(line, "model name", 10) || !strncmp(line, "Model", 5)) {
			snprintf(h->cpu, sizeof(h->cpu), "%s", v);
			break;
		}
		if (!strncmp(line, "CPU implementer", 15) && !impl[0])
			snprintf(impl, sizeof(impl), "%s", v);
		if (!strncmp(line, "CPU part", 8) && !part[0])
			snprintf(part, sizeof(part), "%s", v);
	}
	if (f)
		fclose(f);
	if (!strcmp(h->cpu, "?") && impl[0])
		snprintf(h->cpu, sizeof(h->cpu), "CPU implementer %s part %s", impl,
			 part[0] ? part : "?");
	h->kvm = "kvm";
	for (unsigned int i = 0; i < sizeof(kvms) / sizeof(kvms[0]); i++) {
		snprintf(line, sizeof(line), "/sys/module/%s", kvms[i]);
		if (!access(line, F_OK)) {
			h->kvm = kvms[i];
			break;
		}
	}
	h->cpus = sysconf(_SC_NPROCESSORS_ONLN);
}

static const char *rv_bench_status_name(int status)
{
	switch (status) {
	case RV_EXIT_POWEROFF:
		return "powered off";
	case RV_EXIT_RESET:
		return "reset";
	case RV_EXIT_GUEST_DIED:
		return "the guest died";
	case RV_EXIT_SIGNAL:
		return "stopped";
	default:
		return "a VMM error";
	}
}

static void rv_bench_problem(FILE *err, unsigned int *n, const struct rv_bench_run *r,
			     unsigned int i, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void rv_bench_problem(FILE *err, unsigned int *n, const struct rv_bench_run *r,
			     unsigned int i, const char *fmt, ...)
{
	va_list ap;

	if ((*n)++ >= RV_BENCH_MAX_PROBLEMS)
		return;
	fprintf(err, "bench: run %u (%s, repeat %u): ", i + 1, rv_bench_mode_name(r->mode),
		r->repeat + 1);
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
	fputc('\n', err);
}

/* Every write once and in order, on every device of every run. */
static bool rv_bench_check(const struct rv_bench *b, FILE *err)
{
	const struct rv_bench_opts *o = b->o;
	unsigned int n = 0;

	for (unsigned int i = 0; i < b->nr_runs; i++) {
		const struct rv_bench_run *r = &b->runs[i];

		if (r->timed_out)
			rv_bench_problem(err, &n, r, i, "stopped by the watchdog: the guest hung");
		else if (r->status != RV_EXIT_POWEROFF)
			rv_bench_problem(err, &n, r, i, "%s", rv_bench_status_name(r->status));
		if (r->marks != 2ULL * o->cpus)
			rv_bench_problem(err, &n, r, i, "%" PRIu64 " time marks, want two per vCPU",
					 r->marks);
		for (unsigned int d = 0; d < o->devices; d++) {
			const struct rv_bench_dev_run *x = &r->dev[d];
			const struct {
				const char *name;
				uint64_t v;
			} bad[] = {
				{ "lost", x->lost },
				{ "reordered", x->reordered },
				{ "invalid", x->invalid },
				{ "reads that missed earlier writes", x->read_mismatch },
			};

			if (x->writes != o->writes * o->cpus || !x->streams_ok)
				rv_bench_problem(err, &n, r, i,
						 "sink%u: %" PRIu64 " writes of %" PRIu64 "%s", d,
						 x->writes, o->writes * o->cpus,
						 x->streams_ok ? "" : ", a stream incomplete");
			for (unsigned int k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
				if (bad[k].v)
					rv_bench_problem(err, &n, r, i, "sink%u: %s: %" PRIu64, d,
							 bad[k].name, bad[k].v);
		}
	}
	if (n > RV_BENCH_MAX_PROBLEMS)
		fprintf(err, "bench: ... and %u more problems\n", n - RV_BENCH_MAX_PROBLEMS);
	return n == 0;
}

static const char *rv_bench_space_name(const struct rv_bench_opts *o, int d)
{
	if (d < 0)
		return o->space == RV_BENCH_SPACE_MIXED ? "mixed" :
		       o->space == RV_BENCH_SPACE_PIO	? "pio" :
							  "mmio";
	return rv_bench_dev_is_pio(o, d) ? "pio" : "mmio";
}

/* "8" when every device has the same value, else "8,0,0,0". */
static const char *rv_bench_list(const struct rv_bench_opts *o, const uint64_t *v, char *buf,
				 size_t len)
{
	bool same = true;
	size_t at = 0;

	for (unsigned int d = 1; d < o->devices; d++)
		same &= v[d] == v[0];
	for (unsigned int d = 0; d < (same ? 1 : o->devices) && at < len; d++)
		at += snprintf(buf + at, len - at, "%s%" PRIu64, d ? "," : "", v[d]);
	return buf;
}

/* The configuration in words, for the table's header. */
static void rv_bench_describe(const struct rv_bench *b, const struct rv_bench_host *h, FILE *out)
{
	const struct rv_bench_opts *o = b->o;
	bool doorbell = false;
	char list[RV_BENCH_MAX_DEVICES * 21];

	for (unsigned int m = 0; m < o->nr_modes; m++)
		doorbell |= o->modes[m] == RV_BENCH_DOORBELL;
	fprintf(out, "ringvmm bench coalesce on %s: %s, %ld CPUs, Linux %s, %s\n", rv_arch_name,
		h->cpu, h->cpus, h->kernel, h->kvm);
	fprintf(out,
		"  %u %s device%s, %u vCPU%s, %" PRIu64
		" writes per device and vCPU, burst %" PRIu64 ", ",
		o->devices, rv_bench_space_name(o, -1), o->devices > 1 ? "s" : "", o->cpus,
		o->cpus > 1 ? "s" : "", o->writes, o->burst);
	if (rv_bench_has_reads(o))
		fprintf(out, "a read every %s writes to a device\n",
			rv_bench_list(o, o->read_every, list, sizeof(list)));
	else
		fprintf(out, "no reads\n");
	if (doorbell)
		fprintf(out, "  doorbell every %" PRIu64 " writes (mode doorbell), ",
			o->doorbell_every);
	else
		fprintf(out, "  ");
	fprintf(out, "device rings of %u entries, drain timer %" PRIu64 " us, %u run%s per mode\n",
		o->ring_entries, o->flush_us, o->repeat, o->repeat > 1 ? "s" : "");
	for (unsigned int d = 0; d < o->devices; d++) {
		if (!o->work_ns[d])
			continue;
		fprintf(out, "  devices busy for %s ns per write they handle%s\n",
			rv_bench_list(o, o->work_ns, list, sizeof(list)),
			o->isolation ? " (and every mode again without: --isolation)" : "");
		break;
	}
	fprintf(out, "  hot loop at %s", rv_bench_level(b));
	/* Say why not unprivileged, where the arch could have been. */
	if (!b->user_mode && b->user_level)
		fprintf(out, o->cpl0 ? " (--cpl0)" : " (KVM refused %s)", b->user_level);
	fprintf(out, "; modes interleaved run by run; medians, spread = half the range\n");
	if (o->space != RV_BENCH_SPACE_MMIO && !b->pio_coalescing)
		fprintf(out, "  KVM has no KVM_CAP_COALESCED_PIO: port writes always exit\n");
}

static void rv_bench_table_row(const struct rv_bench *b, const struct rv_bench_row *w, FILE *out)
{
	const struct rv_bench_summary *m = w->m;
	char dev[24], speedup[16]; /* "sink" + any int + "/p" fits in 24 */

	if (w->device < 0)
		snprintf(dev, sizeof(dev), "all");
	else
		snprintf(dev, sizeof(dev), "sink%d%s", w->device,
			 b->o->space == RV_BENCH_SPACE_MIXED ?
				 (rv_bench_dev_is_pio(b->o, w->device) ? "/p" : "/m") :
				 "");
	snprintf(speedup, sizeof(speedup), w->speedup < 0 ? "-" : "%.2fx", w->speedup);
	fprintf(out, "%-11s %-7s %10.0f %9.0f %6.1f%% %8s %8.0f %8.0f %7.0f %9.0f",
		rv_bench_mode_name(w->mode), dev, m[RV_BENCH_WRITES_PER_S].median,
		m[RV_BENCH_NS_PER_WRITE].median, rv_bench_spread_pct(&m[RV_BENCH_NS_PER_WRITE]),
		speedup, m[RV_BENCH_EXITS].median, m[RV_BENCH_EXITED].median,
		m[RV_BENCH_DRAINS].median, m[RV_BENCH_FALLBACKS].median);
	if (w->mode == RV_BENCH_OFF)
		fprintf(out, " %8s %8s %8s", "-", "-", "-");
	else
		fprintf(out, " %8.1f %8.1f %8.1f", m[RV_BENCH_LAT_P50].median,
			m[RV_BENCH_LAT_P99].median, m[RV_BENCH_LAT_MAX].median);
	fprintf(out, " %8.1f\n", m[RV_BENCH_VMM_CPU].median);
}

/*
 * What an access (an exit: a read, a MARK) waited for coalescing before
 * its device saw it: the drain and the flushes the mode prescribes. With
 * per-device rings it is the accessed device's own earlier writes only.
 */
static void rv_bench_access_table(const struct rv_bench *b, FILE *out)
{
	const struct rv_bench_opts *o = b->o;
	struct rv_bench_row w;

	fprintf(out,
		"\naccess cost: an exit's wait for coalescing before its device sees it (us)%s\n",
		o->isolation ? ", with the device work and without (alone)" : "");
	fprintf(out, "%-11s %-7s %10s %10s %10s %10s %10s", "mode", "device", "read every",
		"access p50", "access p99", "ring high", "work ns");
	if (o->isolation)
		fprintf(out, " %10s %10s", "p50 alone", "p99 alone");
	fputc('\n', out);
	for (unsigned int m = 0; m < o->nr_modes; m++) {
		if (o->modes[m] == RV_BENCH_OFF)
			continue;
		for (unsigned int d = 0; d < o->devices; d++) {
			rv_bench_row(b, o->modes[m], d, &w);
			fprintf(out, "%-11s sink%-3u %10" PRIu64 " %10.1f %10.1f %10.0f %10" PRIu64,
				rv_bench_mode_name(w.mode), d, o->read_every[d],
				w.m[RV_BENCH_ACC_P50].median, w.m[RV_BENCH_ACC_P99].median,
				w.m[RV_BENCH_HIGH_WATER].median, o->work_ns[d]);
			if (o->isolation) {
				rv_bench_row_variant(b, o->modes[m], true, d, &w);
				fprintf(out, " %10.1f %10.1f", w.m[RV_BENCH_ACC_P50].median,
					w.m[RV_BENCH_ACC_P99].median);
			}
			fputc('\n', out);
		}
	}
}

/*
 * Isolation: the devices without work of their own ("light"), their
 * latencies merged, in runs where the others work (--device-work-ns) and in
 * the same runs without any device work; the change is the price a light
 * device pays for a heavy neighbour.
 */
static void rv_bench_isolation_table(const struct rv_bench *b, FILE *out)
{
	const struct rv_bench_opts *o = b->o;

	fprintf(out,
		"\nisolation: the light devices' write-to-handling latency (us), without and with"
		" the heavy neighbour\n");
	fprintf(out, "%-11s %9s %9s %9s %9s %9s %9s %8s\n", "mode", "p50 alone", "p50 heavy",
		"p99 alone", "p99 heavy", "max alone", "max heavy", "p99 +%");
	for (unsigned int m = 0; m < o->nr_modes; m++) {
		struct rv_bench_row alone, heavy;
		double a99, h99;

		if (o->modes[m] == RV_BENCH_OFF)
			continue;
		rv_bench_row_variant(b, o->modes[m], true, -1, &alone);
		rv_bench_row_variant(b, o->modes[m], false, -1, &heavy);
		a99 = alone.m[RV_BENCH_LIGHT_P99].median;
		h99 = heavy.m[RV_BENCH_LIGHT_P99].median;
		fprintf(out, "%-11s %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f %7.0f%%\n",
			rv_bench_mode_name(o->modes[m]), alone.m[RV_BENCH_LIGHT_P50].median,
			heavy.m[RV_BENCH_LIGHT_P50].median, a99, h99,
			alone.m[RV_BENCH_LIGHT_MAX].median, heavy.m[RV_BENCH_LIGHT_MAX].median,
			a99 > 0 ? (h99 - a99) / a99 * 100 : 0);
	}
}

static void rv_bench_table(const struct rv_bench *b, const struct rv_bench_host *h, FILE *out)
{
	const struct rv_bench_opts *o = b->o;
	struct rv_bench_row w;

	rv_bench_describe(b, h, out);
	fprintf(out, "\n%-11s %-7s %10s %9s %7s %8s %8s %8s %7s %9s %8s %8s %8s %8s\n", "mode",
		"device", "writes/s", "ns/write", "spread", "speed-up", "exits", "exited", "drains",
		"ring-full", "p50 us", "p99 us", "max us", "VMM ms");
	for (unsigned int m = 0; m < o->nr_modes; m++)
		for (unsigned int d = 0; d < o->devices; d++) {
			rv_bench_row(b, o->modes[m], d, &w);
			rv_bench_table_row(b, &w, out);
		}
	if (o->devices > 1) {
		fprintf(out, "\nall devices together (latency from every device's samples):\n");
		for (unsigned int m = 0; m < o->nr_modes; m++) {
			rv_bench_row(b, o->modes[m], -1, &w);
			rv_bench_table_row(b, &w, out);
		}
	}
	fprintf(out,
		"\nexits: ordinary exits to the device (writes that exited, reads, marks);"
		" exited: writes KVM did not\ncoalesce; ring-full: drains stopped to handle a full"
		" device ring first; latency: write\nto handling, an upper bound (off: none,"
		" every write is handled at its exit); VMM ms: event loop\nthread CPU plus vCPU"
		" time in the exit handler\n");
	if (rv_bench_has_reads(o))
		rv_bench_access_table(b, out);
	if (o->isolation)
		rv_bench_isolation_table(b, out);
}

static void rv_bench_json_summary(const char *name, const struct rv_bench_summary *s, FILE *out)
{
	fprintf(out, ", \"%s\": %.3f, \"%s_min\": %.3f, \"%s_max\": %.3f", name, s->median, name,
		s->min, name, s->max);
}

static void rv_bench_json_row(const struct rv_bench *b, const struct rv_bench_row *w, FILE *out)
{
	const struct rv_bench_summary *m = w->m;
	bool off = w->mode == RV_BENCH_OFF;

	fprintf(out, "{\"mode\": \"%s\", ", rv_bench_mode_name(w->mode));
	if (w->device < 0)
		fprintf(out, "\"device\": \"all\", ");
	else
		fprintf(out, "\"device\": \"sink%d\", ", w->device);
	fprintf(out,
		"\"space\": \"%s\", \"repeats\": %u, \"writes\": %" PRIu64
		", \"writes_expected\": %" PRIu64 ", \"lost\": %" PRIu64 ", \"reordered\": %" PRIu64
		", \"read_mismatch\": %" PRIu64 ", \"invalid\": %" PRIu64 ", \"complete\": %s",
		rv_bench_space_name(b->o, w->device), w->runs, w->writes, w->writes_expected,
		w->lost, w->reordered, w->read_mismatch, w->invalid,
		w->streams_ok ? "true" : "false");
	rv_bench_json_summary("ns_per_write", &m[RV_BENCH_NS_PER_WRITE], out);
	fprintf(out, ", \"writes_per_s\": %.0f", m[RV_BENCH_WRITES_PER_S].median);
	if (w->speedup < 0)
		fprintf(out, ", \"speedup_vs_off\": null");
	else
		fprintf(out, ", \"speedup_vs_off\": %.3f", w->speedup);
	fprintf(out,
		", \"exits\": %.0f, \"exited_writes\": %.0f, \"coalesced_writes\": %.0f"
		", \"drains\": %.0f, \"ring_full_fallbacks\": %.0f, \"doorbells\": %.0f"
		", \"ring_high_water\": %.0f",
		m[RV_BENCH_EXITS].median, m[RV_BENCH_EXITED].median, m[RV_BENCH_COALESCED].median,
		m[RV_BENCH_DRAINS].median, m[RV_BENCH_FALLBACKS].median,
		m[RV_BENCH_DOORBELLS].median, m[RV_BENCH_HIGH_WATER].median);
	fprintf(out, ", \"latency_us\": {\"p50\": %.3f, \"p99\": %.3f, \"max\": %.3f}",
		m[RV_BENCH_LAT_P50].median, m[RV_BENCH_LAT_P99].median, m[RV_BENCH_LAT_MAX].median);
	fprintf(out, ", \"access_us\": {\"p50\": %.3f, \"p99\": %.3f}", m[RV_BENCH_ACC_P50].median,
		m[RV_BENCH_ACC_P99].median);
	if (off)
		fprintf(out, ", \"latency_note\": \"%s\"", rv_bench_off_latency);
	rv_bench_json_summary("vmm_cpu_ms", &m[RV_BENCH_VMM_CPU], out);
	fprintf(out, ", \"process_cpu_ms\": %.3f}", m[RV_BENCH_PROCESS_CPU].median);
}

static void rv_bench_json(const struct rv_bench *b, const struct rv_bench_host *h, bool ok,
			  FILE *out)
{
	const struct rv_bench_opts *o = b->o;
	struct rv_bench_row w;
	const char *sep = "";
	char list[RV_BENCH_MAX_DEVICES * 21];

	fprintf(out,
		"{\"benchmark\": \"coalesce\", \"arch\": \"%s\", \"host\": {\"cpu\": \"%s\""
		", \"cpus\": %ld, \"kernel\": \"%s\", \"kvm\": \"%s\"}",
		rv_arch_name, h->cpu, h->cpus, h->kernel, h->kvm);
	fprintf(out,
		", \"config\": {\"devices\": %u, \"space\": \"%s\", \"writes\": %" PRIu64
		", \"burst\": %" PRIu64 ", \"read_every\": \"%s\""
		", \"doorbell_every\": %" PRIu64
		", \"cpus\": %u, \"ring_entries\": %u, \"flush_us\": %" PRIu64,
		o->devices, rv_bench_space_name(o, -1), o->writes, o->burst,
		rv_bench_list(o, o->read_every, list, sizeof(list)), o->doorbell_every, o->cpus,
		o->ring_entries, o->flush_us);
	fprintf(out,
		", \"device_work_ns\": \"%s\", \"isolation\": %s, \"repeat\": %u, \"modes\": [",
		rv_bench_list(o, o->work_ns, list, sizeof(list)), o->isolation ? "true" : "false",
		o->repeat);
	for (unsigned int m = 0; m < o->nr_modes; m++)
		fprintf(out, "%s\"%s\"", m ? ", " : "", rv_bench_mode_name(o->modes[m]));
	fprintf(out,
		"]}, \"guest_level\": \"%s\", \"pio_coalescing\": %s, \"runs_done\": %u"
		", \"order_and_completeness\": \"%s\", \"ok\": %s, \"runs\": [",
		rv_bench_level(b), b->pio_coalescing ? "true" : "false", b->nr_runs,
		ok ? "OK" : "FAILED", ok ? "true" : "false");
	for (unsigned int m = 0; m < o->nr_modes; m++)
		for (unsigned int d = 0; d < o->devices; d++) {
			rv_bench_row(b, o->modes[m], d, &w);
			fputs(sep, out);
			rv_bench_json_row(b, &w, out);
			sep = ", ";
		}
	fprintf(out, "], \"modes\": [");
	for (unsigned int m = 0; m < o->nr_modes; m++) {
		rv_bench_row(b, o->modes[m], -1, &w);
		fputs(m ? ", " : "", out);
		rv_bench_json_row(b, &w, out);
	}
	fprintf(out, "]}\n");
}

static void rv_bench_csv(const struct rv_bench *b, FILE *out)
{
	const struct rv_bench_opts *o = b->o;
	struct rv_bench_row w;

	fprintf(out,
		"mode,device,space,repeats,writes,writes_expected,lost,reordered,read_mismatch,"
		"invalid,complete,ns_per_write,ns_per_write_min,ns_per_write_max,writes_per_s,"
		"speedup_vs_off,exits,exited_writes,coalesced_writes,drains,ring_full_fallbacks,"
		"doorbells,ring_high_water,latency_p50_us,latency_p99_us,latency_max_us,"
		"vmm_cpu_ms,process_cpu_ms\n");
	for (unsigned int m = 0; m < o->nr_modes; m++)
		for (unsigned int d = 0; d < o->devices; d++) {
			const struct rv_bench_summary *s = w.m;

			rv_bench_row(b, o->modes[m], d, &w);
			fprintf(out,
				"%s,sink%u,%s,%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
				",%" PRIu64 ",%" PRIu64 ",%s,%.3f,%.3f,%.3f,%.0f,",
				rv_bench_mode_name(w.mode), d, rv_bench_space_name(o, d), w.runs,
				w.writes, w.writes_expected, w.lost, w.reordered, w.read_mismatch,
				w.invalid, w.streams_ok ? "true" : "false",
				s[RV_BENCH_NS_PER_WRITE].median, s[RV_BENCH_NS_PER_WRITE].min,
				s[RV_BENCH_NS_PER_WRITE].max, s[RV_BENCH_WRITES_PER_S].median);
			if (w.speedup >= 0)
				fprintf(out, "%.3f", w.speedup);
			fprintf(out,
				",%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.3f,%.3f,%.3f,%.3f,%.3f\n",
				s[RV_BENCH_EXITS].median, s[RV_BENCH_EXITED].median,
				s[RV_BENCH_COALESCED].median, s[RV_BENCH_DRAINS].median,
				s[RV_BENCH_FALLBACKS].median, s[RV_BENCH_DOORBELLS].median,
				s[RV_BENCH_HIGH_WATER].median, s[RV_BENCH_LAT_P50].median,
				s[RV_BENCH_LAT_P99].median, s[RV_BENCH_LAT_MAX].median,
				s[RV_BENCH_VMM_CPU].median, s[RV_BENCH_PROCESS_CPU].median);
		}
}

bool rv_bench_report(const struct rv_bench *b, FILE *out, FILE *err)
{
	const struct rv_bench_opts *o = b->o;
	struct rv_bench_host h;
	unsigned int devices = o->devices;
	bool ok;

	rv_bench_host(&h);
	ok = rv_bench_check(b, err);
	switch (o->format) {
	case RV_BENCH_JSON:
		rv_bench_json(b, &h, ok, out);
		break;
	case RV_BENCH_CSV:
		rv_bench_csv(b, out);
		break;
	case RV_BENCH_TABLE:
		rv_bench_table(b, &h, out);
		break;
	}
	/* The verdict goes with the table; beside JSON or CSV, on @err. */
	fprintf(o->format == RV_BENCH_TABLE ? out : err,
		"%sorder and completeness: %s (%u runs x %u device%s: %s)\n",
		o->format == RV_BENCH_TABLE ? "\n" : "", ok ? "OK" : "FAILED", b->nr_runs, devices,
		devices > 1 ? "s" : "",
		ok ? "every write arrived once and in order" : "see the problems above");
	return ok;
}
