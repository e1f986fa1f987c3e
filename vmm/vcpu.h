/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vCPU threads: create, run KVM_RUN and hand each exit to the exit handler
 * (exit.h), kick and join.
 */
#ifndef RV_VCPU_H
#define RV_VCPU_H

#include <stddef.h>
#include <stdint.h>

#include "exit.h"

struct rv_vm;
int rv_vcpus_create(struct rv_vm *vm);
int rv_vcpus_start(struct rv_vm *vm);
/*
 * Kick every vCPU out of KVM_RUN and join the threads, waiting at most
 * RV_VCPU_STOP_MS in all: a thread that has not stopped by then is left
 * running and vm->vcpu_stuck says so (a stop must end ringvmm in bounded
 * time, whatever the guest does).
 */
#define RV_VCPU_STOP_MS 1000
void rv_vcpus_stop(struct rv_vm *vm);
void rv_vcpus_destroy(struct rv_vm *vm);

/*
 * Loop thread: bring every vCPU out of KVM_RUN to a clean point (its last
 * MMIO/PIO exit completed) and park it; then drain the coalesced rings.
 * Waits at most RV_VCPU_STOP_MS: -ETIMEDOUT (and everything resumed) when a
 * vCPU would not park. 0 when already paused.
 */
int rv_vcpus_pause(struct rv_vm *vm);
/* Let parked vCPUs run again; nothing when not paused. */
void rv_vcpus_resume(struct rv_vm *vm);

#endif
