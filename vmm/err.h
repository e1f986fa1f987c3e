/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The error protocol, stated once for all of ringvmm.
 *
 * Return values. A function that acts returns 0 or a negative errno; a
 * predicate returns bool; a count or an fd is >= 0 or a negative errno.
 * The errno is converted where the system call fails ("return -errno;").
 *
 * Context. The innermost function that knows *why* something failed
 * records one human-readable line with rv_err(), which returns the errno
 * so that "return rv_err(-EINVAL, "...");" is one statement. The first
 * message recorded wins; an outer layer that knows more of the *where*
 * prefixes it with rv_err_wrap() ("kernel: ..."). A failure a user can
 * cause (an option, a file, the host's KVM) always records a message: a
 * bare "return -EINVAL;" is for paths only a programming error reaches,
 * and for the raw __rv_* forms whose callers record (vmm/kvm.h).
 *
 * The context is per thread (vCPU threads and the event loop have their
 * own); a thread that cannot return its error to main() prints it as one
 * "ringvmm: ..." line on stderr and asks the VM to stop (RV_EXIT_ERROR).
 *
 * Who prints. Only main() turns an error into output: "ringvmm: <message>"
 * (or strerror() when nothing was recorded) and an exit status. Nothing
 * below it prints an error it returns.
 *
 * Who clears. A caller that handles an error and carries on (a fallback,
 * a retry, a failure that is only a warning) calls rv_err_clear(), so the
 * stale message cannot be blamed for a later, unrelated failure. A caller
 * that returns the error leaves the context alone.
 *
 * Failed creates. An object's create/init that fails part-way leaves
 * every field either released or recorded for its destroy: the caller
 * calls destroy exactly once whatever create returned (rv_vm_create() and
 * rv_vm_destroy(), rv_mem_setup() and rv_mem_release()), so create sets fds
 * to -1 and pointers to NULL before its first failure point. A device's
 * create() that fails before rv_device_add() frees what it took; after it,
 * the device list owns it and rv_device_destroy_all() frees it.
 */
#ifndef RV_ERR_H
#define RV_ERR_H

/*
 * Record a context message for the current thread and return @err (a
 * negative errno). Kept until rv_err_clear(): a later rv_err() does not
 * overwrite it.
 */
int rv_err(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefix the recorded message with "@fmt: " (e.g. the file being loaded). */
int rv_err_wrap(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The recorded message, "" when none. */
const char *rv_err_msg(void);
void rv_err_clear(void);

#endif
