/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The keeper (docs/live-update.md): when `ringvmm run` could be live
 * updated (--api, guest RAM in memfds), the process the user started stays
 * a small unsandboxed parent, the keeper, and the VMM runs in its child
 * with the seccomp sandbox on. An update's new binary is exec'd by the
 * keeper, in a new child, because seccomp filters survive execve(2).
 *
 * The keeper and each VMM child talk over a SOCK_SEQPACKET socketpair, the
 * child's end at RV_KEEPER_FD, in fixed-size messages (struct
 * rv_keeper_msg):
 *
 *   old child -> keeper  UPDATE     the fds for the new process (SCM_RIGHTS),
 *                                   which one is the binary, and the
 *                                   --update-fds spec that names the others
 *   new child -> keeper  TOOK_OVER  its vCPUs run the guest
 *   new child -> keeper  FAILED     why it cannot (then it exits)
 *   keeper -> old child  EXIT       leave, tearing nothing down
 *   keeper -> old child  RESUME     the new one did not take over (why):
 *                                   resume the paused guest
 *
 * keeper.c is the process; keeper-msg.c the messages, pure enough for unit
 * tests (tests/unit/test_keeper.c).
 */
#ifndef RV_KEEPER_H
#define RV_KEEPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "update-fds.h"
#include "vmm/sandbox-table.h"

/* The child's end of the socketpair, at a number the seccomp filters name. */
#define RV_KEEPER_FD RV_SANDBOX_KEEPER_FD
/* "RVKP" */
#define RV_KEEPER_MAGIC 0x504b5652u
/* fds one UPDATE carries: RAM, state, sockets, and devices' to come. */
#define RV_KEEPER_MAX_FDS 64
/* A spec (RV_UPDATE_SPEC_MAX) or a reason, NUL-terminated. */
#define RV_KEEPER_TEXT_MAX 1024
/* The new child's time to take over before the keeper kills it. */
#define RV_KEEPER_TAKEOVER_MS 30000

enum rv_keeper_type {
	RV_KEEPER_UPDATE = 1,
	RV_KEEPER_TOOK_OVER,
	RV_KEEPER_FAILED,
	RV_KEEPER_EXIT,
	RV_KEEPER_RESUME,
};

struct rv_keeper_msg {
	uint32_t magic;
	uint32_t type;
	uint32_t nr_fds; /* UPDATE: how many fds ride with it */
	uint32_t bin;	 /* UPDATE: which of them is the binary to exec */
	/* UPDATE: the number each fd gets in the new process (the binary: -1). */
	int32_t target[RV_KEEPER_MAX_FDS];
	char text[RV_KEEPER_TEXT_MAX]; /* UPDATE: the spec; FAILED, RESUME: why */
};

/*
 * The keeper's check of an UPDATE from its child (@len bytes received,
 * @nr_fds fds with it): 0 with the spec parsed into @u, or -EPROTO with a
 * message. Every fd the spec names is sent, every fd sent but the binary
 * is named, each at its own number, none on stdio or RV_KEEPER_FD, and
 * keeper= is RV_KEEPER_FD.
 */
int rv_keeper_check_update(const struct rv_keeper_msg *m, size_t len, unsigned int nr_fds,
			   struct rv_update_fds *u);

/*
 * The binary an UPDATE names, before the keeper execs it: a regular file
 * that has a name (not a memfd or a deleted file), opened read-only (not
 * a descriptor the child could write through), executable, and ELF.
 * 0 or -EPERM with a message.
 */
int rv_keeper_check_binary(int fd);

/* A message of @type with @text (may be NULL): all of it, 0 or -errno. */
int rv_keeper_send(int sock, uint32_t type, const char *text);

/*
 * One message from @sock into @m, its fds (MSG_CMSG_CLOEXEC) into @fds
 * (room for RV_KEEPER_MAX_FDS), their number in @nr_fds. The length read,
 * 0 at EOF, or -errno; fds of a truncated or foreign control message are
 * closed and the result is -EPROTO.
 */
long rv_keeper_recv(int sock, struct rv_keeper_msg *m, int *fds, unsigned int *nr_fds);

/*
 * `run` under a keeper, called before anything is set up. Returns 0 in
 * the VMM child (its socket at RV_KEEPER_FD), never in the keeper, which
 * exits with the last child's status (128+N when signal N killed it), or
 * -errno when no child could be made.
 */
int rv_keeper_run(char *const argv[]);

/*
 * The old child: hand @fds (the numbers they have here, which they keep in
 * the new process, and @bin_fd, the binary) and @spec to the keeper, and
 * wait. Returns only when the guest goes on here (the keeper's RESUME):
 * -EAGAIN with the reason in @why; on EXIT the process ends (_exit(0)).
 */
int rv_keeper_update(int bin_fd, const int *fds, unsigned int nr_fds, const char *spec, char *why,
		     size_t why_size);

#endif
