// SPDX-License-Identifier: GPL-2.0
/*
 * A VM's statistics: --stats=json (one object), --stats (tables), and the
 * samples --metrics appends (vmm/metrics.c). Each device names its counters
 * once, to a sink (vmm/stats.h); these only lay them out.
 *
 * Safe while the guest runs: vCPU counters are read in one load each,
 * devices take their own locks in their stats op.
 */
#include <inttypes.h>
#include <string.h>

#include "stats.h"
#include "vm.h"
#include "vm-stats.h"

static uint64_t rv_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* "name": ..., then the device's own members, then @extra's. */
static void rv_stats_device_json(struct rv_device *d, FILE *out, const struct rv_stats_extra *extra)
{
	struct rv_stats_json j;
	struct rv_stats_sink *s = rv_stats_json_init(&j, out);

	fputc('{', out);
	rv_stats_str(s, "name", d->name);
	if (d->ops && d->ops->stats) {
		d->ops->stats(d, s);
	} else if (d->ops && d->ops->stats_json) {
		fputs(", ", out);
		d->ops->stats_json(d, out);
	}
	if (extra && extra->device)
		extra->device(extra->opaque, d, s);
	fputc('}', out);
}

/* The console's output (written, dropped, refused) and how long the stop took. */
static void rv_stats_console_emit(struct rv_vm *vm, struct rv_stats_sink *s)
{
	uint64_t bytes, dropped, refused;

	rv_console_out_stats(&vm->console, &bytes, &dropped, &refused);
	rv_stats_group(s, "console");
	rv_stats_u64(s, "out_bytes", bytes);
	rv_stats_u64(s, "out_dropped", dropped);
	rv_stats_u64(s, "out_refused", refused);
	rv_stats_end(s);
	rv_stats_group(s, "stop");
	rv_stats_f64(s, "vcpus_ms", vm->stop_vcpus_ns / 1e6);
	rv_stats_f64(s, "total_ms", vm->stop_ns / 1e6);
	rv_stats_end(s);
}

void rv_stats_vm_json(struct rv_vm *vm, FILE *out, const struct rv_stats_extra *extra)
{
	struct rv_stats_json j;

	fputs("\"devices\": [", out);
	for (struct rv_device *d = vm->env.devices; d; d = d->next) {
		if (d != vm->env.devices)
			fputs(", ", out);
		rv_stats_device_json(d, out, extra);
	}
	fputs("], \"vcpus\": [", out);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		const struct rv_vcpu *v = &vm->vcpus[i];

		fprintf(out,
			"%s{\"id\": %u, \"exits\": %" PRIu64 ", \"io_exits\": %" PRIu64
			", \"mmio_exits\": %" PRIu64 ", \"exit_handling_us\": %.3f}",
			i ? ", " : "", i, rv_load(&v->exits), rv_load(&v->io_exits),
			rv_load(&v->mmio_exits), rv_load(&v->handle_ns) / 1000.0);
	}
	fprintf(out, "], \"unhandled_pio\": %" PRIu64 ", \"unhandled_mmio\": %" PRIu64,
		rv_load(&vm->pio.unhandled), rv_load(&vm->mmio.unhandled));
	if (vm->console_ready) {
		rv_stats_json_init(&j, out);
		j.first[0] = false;
		rv_stats_console_emit(vm, &j.sink);
	}
	if (vm->coalesce) {
		rv_stats_json_init(&j, out);
		j.first[0] = false;
		rv_coalesce_engine_emit(vm->coalesce, &j.sink);
	}
}

void rv_stats_print_json(struct rv_vm *vm, FILE *out)
{
	fputc('{', out);
	rv_stats_vm_json(vm, out, NULL);
	fputs("}\n", out);
}

void rv_vm_print_stats(struct rv_vm *vm, FILE *out, bool json)
{
	if (json)
		rv_stats_print_json(vm, out);
	else
		rv_stats_print_table(vm, out);
}

/* ---- the table: one row per counter, groups flattened to "a.b" ---- */

struct rv_stats_table {
	struct rv_stats_sink sink;
	FILE *out;
	const char *name; /* the device's name, printed on its first row */
	char prefix[64];
};

static void rv_table_cell(struct rv_stats_table *t, const char *key, const char *value)
{
	char k[96];

	snprintf(k, sizeof(k), "%s%s", t->prefix, key);
	fprintf(t->out, "  %-14s %-32s %14s\n", t->name, k, value);
	t->name = "";
}

static void rv_table_u64(struct rv_stats_sink *s, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	rv_table_cell((struct rv_stats_table *)s, key, buf);
}

static void rv_table_f64(struct rv_stats_sink *s, const char *key, double v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.3f", v);
	rv_table_cell((struct rv_stats_table *)s, key, buf);
}

static void rv_table_str(struct rv_stats_sink *s, const char *key, const char *v)
{
	rv_table_cell((struct rv_stats_table *)s, key, v);
}

static void rv_table_group(struct rv_stats_sink *s, const char *key)
{
	struct rv_stats_table *t = (struct rv_stats_table *)s;
	size_t n = strlen(t->prefix);

	snprintf(t->prefix + n, sizeof(t->prefix) - n, "%s.", key);
}

static void rv_table_end(struct rv_stats_sink *s)
{
	struct rv_stats_table *t = (struct rv_stats_table *)s;
	char *dot;

	/* Drop the last "key." of the prefix. */
	t->prefix[strlen(t->prefix) ? strlen(t->prefix) - 1 : 0] = '\0';
	dot = strrchr(t->prefix, '.');
	if (dot)
		dot[1] = '\0';
	else
		t->prefix[0] = '\0';
}

static void rv_table_init(struct rv_stats_table *t, FILE *out, const char *name)
{
	*t = (struct rv_stats_table){
		.sink = { rv_table_u64, rv_table_f64, rv_table_str, rv_table_group, rv_table_end },
		.out = out,
		.name = name,
	};
}

void rv_stats_print_table(struct rv_vm *vm, FILE *out)
{
	struct rv_stats_table t;

	fprintf(out, "  %-6s %12s %12s %12s %14s\n", "vCPU", "exits", "pio exits", "mmio exits",
		"handling ms");
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		const struct rv_vcpu *v = &vm->vcpus[i];

		fprintf(out, "  %-6u %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %14.3f\n", i,
			rv_load(&v->exits), rv_load(&v->io_exits), rv_load(&v->mmio_exits),
			rv_load(&v->handle_ns) / 1e6);
	}
	fprintf(out,
		"  unhandled accesses (no device there): %" PRIu64 " pio, %" PRIu64 " mmio\n\n",
		rv_load(&vm->pio.unhandled), rv_load(&vm->mmio.unhandled));
	fprintf(out, "  %-14s %-32s %14s\n", "device", "counter", "value");
	for (struct rv_device *d = vm->env.devices; d; d = d->next) {
		rv_table_init(&t, out, d->name);
		if (d->ops && d->ops->stats) {
			d->ops->stats(d, &t.sink);
		} else if (d->ops && d->ops->stats_json) {
			fprintf(out, "  %-14s ", d->name);
			d->ops->stats_json(d, out);
			fputc('\n', out);
		}
	}
	if (vm->console_ready) {
		rv_table_init(&t, out, "(console)");
		rv_stats_console_emit(vm, &t.sink);
	}
	if (vm->coalesce) {
		rv_table_init(&t, out, "(coalescing)");
		rv_coalesce_engine_emit(vm->coalesce, &t.sink);
	}
}
