/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live update (docs/live-update.md): `ringvmm ctl SOCKET update [--binary
 * PATH]` makes the running ringvmm exec a new binary that takes the guest
 * over. Guest RAM stays in its memfds; the VM's state goes into a memfd in
 * the snapshot format (RAM left out); those fds, the control socket and
 * the requesting connection cross execve(2), named by the hidden
 * run --update-fds option (update-fds.h). The new process builds a new VM
 * from the same command line, maps the same RAM shared, loads the state,
 * resumes and answers. When it cannot, it execs the old binary with the
 * same fds (the fallback), and the guest goes on there.
 */
#ifndef RV_UPDATE_H
#define RV_UPDATE_H

struct rv_api_req;
struct rv_vm;

/* The environment variable a failed new binary leaves its reason in for the fallback. */
#define RV_UPDATE_ERROR_ENV "RINGVMM_UPDATE_ERROR"

/*
 * Open this binary (/proc/self/exe) as vm->exe_fd and, under a keeper,
 * make the state's memfd, before the sandbox.
 */
int rv_update_open_exe(struct rv_vm *vm);

/*
 * The old process, on the loop thread: check, pause, save, hand the fds to
 * the keeper (keeper.h), which starts the new binary. Returns only when
 * the new binary did not take over, with the guest resumed (unless it was
 * paused before): -errno with the reason. When it did, this process ends.
 */
int rv_update_exec(struct rv_vm *vm, const struct rv_api_req *req);

/*
 * The new process, before its devices are created: the fds the old
 * process's devices handed over, for rv_device_adopt_fds() (vmm/device.h).
 */
int rv_update_hand_devices(struct rv_vm *vm);

/* The new process, at the end of rv_vm_create(): RAM and state from the fds. */
int rv_update_restore(struct rv_vm *vm);

/* The new process, once the vCPUs run again: the reply, with paused_ms. */
void rv_update_started(struct rv_vm *vm);

/*
 * The new process could not take over (@argv its command line, with
 * --update-fds): started by the keeper, tell it why (rv_err_msg()), and
 * the old process resumes the guest. Else (exec'd in place by a ringvmm
 * from before the keeper) exec the old binary with the same fds, the
 * reason in RV_UPDATE_ERROR_ENV. Returns when the caller is to exit: if
 * even that fallback failed, the requesting client has been told, and the
 * guest is lost.
 */
void rv_update_fall_back(char *const argv[]);

#endif
