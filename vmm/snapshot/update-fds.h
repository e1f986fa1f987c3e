/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The file descriptors a live update hands from the old ringvmm to the new
 * one across execve(2) (docs/live-update.md), and the hidden run option
 * that names them:
 *
 *   --update-fds state=N,(exe=N|keeper=N),ram=N[,ram=N...][,args=N][,api=N][,client=N]
 *                [,console=N[,console=N]][,dev=I:N...][,t0=NS][,fallback]
 *
 *   state    a memfd holding the VM's state (the snapshot format, RAM left
 *            out: the MEM section's regions are the ram= fds, in order)
 *   exe      the binary to go back to when this one cannot restore
 *   ram      guest RAM's memfds, one per RAM region, in guest address order
 *   args     a memfd holding the old process's command line (NUL-separated):
 *            what the fallback runs, whatever the new binary was given
 *   api      the control socket, listening
 *   client   the connection that asked for the update: the reply goes there
 *   console  the host console's own fds (--console-out FILE or pty: the
 *            file or the pty's master, then the pty's slave), in that order
 *   dev      fd N belongs to device I (its place in the VM's device list,
 *            as in the snapshot's DEVICE sections); a device's fds in the
 *            order its handover op gave them (vmm/device.h)
 *   t0       CLOCK_MONOTONIC ns when the guest was paused (paused_ms)
 *   fallback this process is the old binary taken back: do not fall back again
 *   keeper   the socket to the keeper process (vmm/snapshot/keeper.h): this
 *            process was started by it, tells it when it took over or why
 *            not, and never execs the old binary itself (exe, args and
 *            fallback are then unused: they serve an update from a ringvmm
 *            that exec'd in place, before the keeper)
 *
 * Only ringvmm writes this option, but it arrives as argv: the parser is
 * pure and trusts nothing (tests/unit/test_update_fds.c).
 */
#ifndef RV_UPDATE_FDS_H
#define RV_UPDATE_FDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RAM regions (x86: below and above the 32-bit hole; arm64: one). */
#define RV_UPDATE_MAX_RAM 4
/* The largest fd number accepted: far above RLIMIT_NOFILE's usual 1024..1M. */
#define RV_UPDATE_FD_MAX (1 << 24)
/* The host console's fds: a file, or a pty's master and slave. */
#define RV_UPDATE_MAX_CONSOLE 2
/* Devices' fds in all (a multi-queue tap has one per queue pair). */
#define RV_UPDATE_MAX_DEV_FDS 40
/* A device's place in the list, below this (far more than MMIO slots). */
#define RV_UPDATE_MAX_DEV 256
/* The option's value as ringvmm writes it, with room to spare. */
#define RV_UPDATE_SPEC_MAX 1024

/* One fd a device handed over: dev=@dev:@fd. */
struct rv_update_dev_fd {
	unsigned int dev;
	int fd;
};

struct rv_update_fds {
	int state, exe, args, api, client; /* -1: not given (exe, args, api, client) */
	int keeper;			   /* -1: not given */
	int ram[RV_UPDATE_MAX_RAM];
	unsigned int nr_ram;
	int console[RV_UPDATE_MAX_CONSOLE];
	unsigned int nr_console;
	/* In the order given, device places never decreasing. */
	struct rv_update_dev_fd dev[RV_UPDATE_MAX_DEV_FDS];
	unsigned int nr_dev;
	uint64_t t0_ns;
	bool fallback;
};

/*
 * Parse @s into @u. 0, or -EINVAL with a one-line message naming
 * --update-fds and what is wrong: an unknown key, a key twice (ram
 * excepted, up to RV_UPDATE_MAX_RAM, console up to RV_UPDATE_MAX_CONSOLE,
 * dev up to RV_UPDATE_MAX_DEV_FDS), a number that is not plain decimal,
 * an fd below 3 (stdio) or above RV_UPDATE_FD_MAX, one fd under two names,
 * a dev= not I:N, a device place at or above RV_UPDATE_MAX_DEV or below
 * the one before, or state, ram, or both exe and keeper missing.
 */
int rv_update_fds_parse(const char *s, struct rv_update_fds *u);

/*
 * Every fd @u names but the keeper's, into @fds (room for @max): what
 * crosses to the new process besides the keeper's socket. Their number,
 * or -ENOSPC. Add each new kind of fd here too.
 */
int rv_update_fds_list(const struct rv_update_fds *u, int *fds, unsigned int max);

/*
 * @argv with its --update-fds (if any) replaced by --update-fds=@spec
 * right after the command: a malloc'ed array (rv_update_free_argv()), or
 * NULL.
 */
char **rv_update_argv(char *const argv[], const char *spec);
void rv_update_free_argv(char **argv);

/* The option's value for @u, into @buf: 0, or -ENOSPC. */
int rv_update_fds_format(const struct rv_update_fds *u, char *buf, size_t size);

#endif
