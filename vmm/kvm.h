/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every KVM ioctl goes through here, in two forms:
 *
 *   __rv_kvm_ioctl(fd, req, arg)   raw: returns the ioctl's result or -errno,
 *                                  the caller decides what a failure means;
 *   rv_kvm_ioctl(fd, REQ, arg)     checked: on failure records "REQ: strerror"
 *                                  as the error context and returns -errno.
 *
 * The checked form is a macro so the message names the ioctl, and it checks
 * at compile time that the argument has the size encoded in the request
 * number (for requests that carry one), which catches passing the wrong
 * struct (e.g. a region instead of a region2).
 */
#ifndef RV_KVM_H
#define RV_KVM_H

#include <stdint.h>
#include <sys/ioctl.h>

#include "compat.h"

int __rv_kvm_ioctl(int fd, unsigned long req, unsigned long arg);
int rv_kvm_ioctl_named(int fd, unsigned long req, unsigned long arg, const char *name);

/* _IOC_SIZE of a request, or 0 for _IO() requests that take an int or nothing. */
#define RV_KVM_ARG_SIZE_OK(req, arg) (_IOC_SIZE(req) == 0 || _IOC_SIZE(req) == sizeof(*(arg)))

#define rv_kvm_ioctl(fd, req, argp)                                              \
	({                                                                       \
		_Static_assert(RV_KVM_ARG_SIZE_OK(req, argp),                    \
			       #req ": argument size differs from the request"); \
		rv_kvm_ioctl_named((fd), (req), (unsigned long)(argp), #req);    \
	})

/* For _IO() requests whose argument is a plain integer (not a pointer). */
#define rv_kvm_ioctl_val(fd, req, val) rv_kvm_ioctl_named((fd), (req), (unsigned long)(val), #req)

/* KVM_CHECK_EXTENSION on @fd (system or VM fd): value, or 0 when absent. */
int rv_kvm_cap(int fd, long cap);

#endif
