/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exit handler. rv_exit_handle() is a pure function of the run page and
 * the buses: it decides what an exit means and performs the I/O, and is
 * unit-tested with made-up run pages (tests/unit/test_exit.c). The
 * vCPU thread around it (vcpu.c) only runs KVM_RUN.
 */
#ifndef RV_EXIT_H
#define RV_EXIT_H

#include <stddef.h>
#include <stdint.h>

struct kvm_run;
struct rv_bus;
struct rv_coalesce;

struct rv_exit_ctx {
	struct rv_bus *pio;
	struct rv_bus *mmio;
	size_t run_size; /* bounds for data_offset in KVM_EXIT_IO */
	/*
	 * Coalescing (vmm/coalesce/coalesce.h), NULL: none. Before a PIO or MMIO exit
	 * is dispatched, the accessed device's deferred writes are handled.
	 */
	struct rv_coalesce *coalesce;
};

enum rv_exit_action {
	RV_EXIT_ACTION_CONTINUE,
	RV_EXIT_ACTION_POWEROFF,
	RV_EXIT_ACTION_RESET,
	RV_EXIT_ACTION_DIED,	    /* triple fault, internal error, failed entry */
	RV_EXIT_ACTION_INTERRUPTED, /* KVM_EXIT_INTR / EINTR: check for stop */
};

enum rv_exit_action rv_exit_handle(struct kvm_run *run, const struct rv_exit_ctx *ctx);
/* One line describing why a vCPU died, from its run page. */
void rv_exit_describe(const struct kvm_run *run, char *buf, size_t len);

#endif
