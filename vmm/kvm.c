// SPDX-License-Identifier: GPL-2.0
#include "kvm.h"

#include <errno.h>
#include <string.h>

#include "util.h"

int __rv_kvm_ioctl(int fd, unsigned long req, unsigned long arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR && req != KVM_RUN);
	return ret < 0 ? -errno : ret;
}

int rv_kvm_ioctl_named(int fd, unsigned long req, unsigned long arg, const char *name)
{
	int ret = __rv_kvm_ioctl(fd, req, arg);

	if (ret < 0)
		return rv_err(ret, "%s: %s", name, strerror(-ret));
	return ret;
}

int rv_kvm_cap(int fd, long cap)
{
	int ret = __rv_kvm_ioctl(fd, KVM_CHECK_EXTENSION, cap);

	/* Unknown capabilities read as 0, and so does a failed check. */
	return ret < 0 ? 0 : ret;
}
