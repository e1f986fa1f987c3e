/* SPDX-License-Identifier: GPL-2.0 */
/* A VM's statistics, laid out (vm-stats.c): --stats=json, --stats, --metrics. */
#ifndef RV_VM_STATS_H
#define RV_VM_STATS_H

#include <stdio.h>

struct rv_vm;
struct rv_device;
struct rv_stats_sink;

/* What a caller adds to each device's object (--metrics: interval figures). */
struct rv_stats_extra {
	void (*device)(void *opaque, struct rv_device *d, struct rv_stats_sink *s);
	void *opaque;
};

/* The members of the VM's JSON object: devices, vcpus, unhandled, coalescing. */
void rv_stats_vm_json(struct rv_vm *vm, FILE *out, const struct rv_stats_extra *extra);
/* --stats=json: that object on one line. */
void rv_stats_print_json(struct rv_vm *vm, FILE *out);
/* --stats: a table per vCPU, the unhandled accesses, a table per device counter. */
void rv_stats_print_table(struct rv_vm *vm, FILE *out);

#endif
