// SPDX-License-Identifier: GPL-2.0
/*
 * Doorbells: a device names one register whose write means "handle what I
 * wrote". KVM turns that write into an eventfd signal (api.rst,
 * KVM_IOEVENTFD) instead of an exit, and the event loop drains the kernel
 * ring and flushes that device. A guest that writes its data to a coalesced
 * zone and then rings the doorbell never leaves guest mode, yet its writes
 * are handled promptly rather than at the next exit or timer tick.
 *
 * Ordering: KVM appends a coalesced write to its ring before the vCPU goes
 * on to the next instruction, and signals the ioeventfd when the doorbell
 * write executes, so every write before the doorbell is in the kernel ring
 * when the loop reads the eventfd; the drain then moves them to the device.
 *
 * A device with a drain context of its own (drain.c) waits on its doorbell
 * in that context instead of the loop: the doorbell wakes that thread only.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "engine.h"
#include "vmm/kvm.h"
#include "vmm/util.h"

static void rv_coalesce_on_doorbell(void *opaque, int res)
{
	struct rv_coalesce_device *dev = opaque;
	struct rv_coalesce *c = dev->engine;
	uint64_t rings;

	if (res < 0 || !c)
		return;
	/* The counter holds how many doorbell writes happened since the last read. */
	if (read(dev->doorbell_fd, &rings, sizeof(rings)) != sizeof(rings))
		return;
	__atomic_fetch_add(&dev->stats.doorbells, rings, __ATOMIC_RELAXED);
	rv_coalesce_note_activity(c);
	rv_coalesce_drain(c);
	if (rv_coalesce_has_work(dev))
		rv_coalesce_device_flush(dev);
	/* The drain may have left other devices' entries: their turn comes next. */
	rv_coalesce_kick_pending(c, dev);
}

static int rv_coalesce_ioeventfd(struct rv_coalesce_device *dev, int fd, bool assign)
{
	struct kvm_ioeventfd io = {
		.addr = dev->doorbell_addr,
		.len = dev->doorbell_len,
		.fd = fd,
		.flags = (dev->doorbell_pio ? KVM_IOEVENTFD_FLAG_PIO : 0) |
			 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
	};

	/* A closed VM (teardown) took its ioeventfds with it. */
	if (!assign && dev->engine->vm_closed)
		return 0;
	return assign ? rv_kvm_ioctl(dev->engine->vm_fd, KVM_IOEVENTFD, &io) :
			__rv_kvm_ioctl(dev->engine->vm_fd, KVM_IOEVENTFD, (unsigned long)&io);
}

int rv_coalesce_doorbell_add(struct rv_coalesce_device *dev, uint64_t addr, uint32_t len, bool pio)
{
	struct rv_coalesce *c = dev ? dev->engine : NULL;
	int ret, fd;

	if (!c || (len != 1 && len != 2 && len != 4 && len != 8))
		return -EINVAL;
	if (c->mode == RV_COALESCE_OFF)
		return 0;
	if (dev->doorbell_fd >= 0)
		return -EBUSY;
	if (!rv_kvm_cap(c->vm_fd, KVM_CAP_IOEVENTFD))
		return rv_err(-ENOTSUP, "%s: doorbells need KVM_CAP_IOEVENTFD", dev->name);

	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0)
		return rv_err(-errno, "%s: doorbell eventfd: %s", dev->name, strerror(errno));
	dev->doorbell_addr = addr;
	dev->doorbell_len = len;
	dev->doorbell_pio = pio;
	ret = rv_coalesce_ioeventfd(dev, fd, true);
	if (ret) {
		rv_err_wrap(ret, "%s: doorbell at %s 0x%" PRIx64, dev->name,
			    pio ? "port" : "address", addr);
		goto out_close;
	}
	if (dev->ctx) {
		/* Its own context polls it: publish, then make it poll again. */
		__atomic_store_n(&dev->doorbell_fd, fd, __ATOMIC_RELEASE);
		rv_coalesce_ctx_kick(dev->ctx);
	} else {
		dev->doorbell_fd = fd;
		ret = rv_loop_add_fd(c->loop, &dev->doorbell_watch, fd, POLLIN,
				     rv_coalesce_on_doorbell, dev, "doorbell");
		if (ret) {
			rv_coalesce_ioeventfd(dev, fd, false);
			dev->doorbell_fd = -1;
			goto out_close;
		}
		dev->doorbell_on_loop = true;
	}
	rv_debug("%s: doorbell at %s 0x%" PRIx64 " (%u bytes) via KVM_IOEVENTFD", dev->name,
		 pio ? "port" : "address", addr, len);
	return 0;

out_close:
	close(fd);
	return ret;
}

void rv_coalesce_doorbell_remove(struct rv_coalesce_device *dev)
{
	if (dev->doorbell_fd < 0)
		return;
	/* A context of its own was stopped first (rv_coalesce_destroy). */
	if (dev->doorbell_on_loop)
		rv_loop_remove(&dev->doorbell_watch);
	dev->doorbell_on_loop = false;
	if (rv_coalesce_ioeventfd(dev, dev->doorbell_fd, false) < 0)
		rv_debug("%s: could not unregister the doorbell", dev->name);
	/*
	 * The poll SQE may still be in flight and names this fd; the loop is
	 * destroyed after the engine, which cancels it, so closing is safe.
	 */
	close(dev->doorbell_fd);
	dev->doorbell_fd = -1;
}
