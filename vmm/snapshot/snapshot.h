/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Snapshot and restore of a whole VM (docs/snapshot.md): the state file
 * (format.h) with the arch's VM and vCPU state (arch/arch.h) and each
 * device's, and guest RAM as a sparse file.
 */
#ifndef RV_SNAPSHOT_H
#define RV_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

struct rv_vm;

/* File names inside a snapshot directory. */
#define RV_SNAP_STATE_FILE "state"
#define RV_SNAP_MEMORY_FILE "memory"

struct rv_snapshot_info {
	uint64_t state_bytes;
	uint64_t mem_bytes;	    /* guest RAM */
	uint64_t mem_bytes_written; /* of it, in pages that hold data */
	uint64_t ns;
};

/*
 * With every vCPU paused (rv_vcpus_pause): write the state to @state_fd
 * and guest RAM to @mem_fd, both empty files (@mem_fd -1: RAM is not
 * written, a live update leaves it in its memfds). -ENOTSUP naming the
 * device when one cannot save its state; nothing is written then.
 */
int rv_snapshot_save(struct rv_vm *vm, int state_fd, int mem_fd, struct rv_snapshot_info *info);

/*
 * Before any vCPU runs, into a VM created like the one saved (same RAM,
 * vCPUs and devices) without a kernel: check @dir's state file whole, map
 * its memory file privately over guest RAM (pages come in on first
 * touch), and load the VM's, vCPUs' and devices' state. 0, or -errno with
 * one message; the VM must not run then.
 */
int rv_snapshot_restore(struct rv_vm *vm, const char *dir);

/* Put guest RAM's contents in place (after the checks, before the state loads). */
typedef int (*rv_snapshot_map_fn)(struct rv_vm *vm, void *opaque);

/*
 * The body of a restore, from the state in @buf (@len bytes, named @what in
 * messages): check it whole against @vm, then @map_ram, then load the VM's,
 * vCPUs' and devices' state. --restore and a live update's new process
 * (update.h) share it.
 */
int rv_snapshot_load(struct rv_vm *vm, const uint8_t *buf, size_t len, const char *what,
		     rv_snapshot_map_fn map_ram, void *opaque);

#endif
