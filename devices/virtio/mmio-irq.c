// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-mmio face's interrupt (see internal.h): the line
 * (irqfd pulse, irqfd with resample, or the modelled pin), InterruptStatus
 * and its acknowledgement.
 */
#include "devices/virtio/internal.h"

#include <errno.h>
#include <linux/virtio_mmio.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmm/kvm.h"
#include "vmm/util.h"

int rv_vmmio_ioeventfd(struct rv_virtio *t, uint64_t off, uint32_t value, int fd, bool deassign)
{
	struct kvm_ioeventfd io = {
		.datamatch = value,
		.addr = t->base + off,
		.len = 4,
		.fd = fd,
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH |
			 (deassign ? KVM_IOEVENTFD_FLAG_DEASSIGN : 0),
	};

	return __rv_kvm_ioctl(t->env->vm_fd, KVM_IOEVENTFD, (unsigned long)&io);
}

/*
 * Drive the interrupt: irqfd when KVM gave us one (a pulse on an edge
 * line, the line held until the EOI on a level one), else the modelled
 * pin: a pulse, or high until InterruptACK clears InterruptStatus.
 */
static void rv_vmmio_pulse(struct rv_virtio *t)
{
	uint64_t one = 1;

	if (t->irq_fd >= 0) {
		if (write(t->irq_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			rv_warn("%s: irqfd: %s", t->dev->name, strerror(errno));
		return;
	}
	if (t->edge) {
		rv_device_set_irq(t->env, t->irq, 1);
		rv_device_set_irq(t->env, t->irq, 0);
		return;
	}
	if (!t->line) {
		t->line = true;
		rv_device_set_irq(t->env, t->irq, 1);
	}
}

/*
 * Lock held: the InterruptACKs KVM counted for us (ack_fd, see
 * rv_vmmio_setup_ack()) take effect now, before the access that called
 * this is handled. Each acknowledges the used-buffer bit the driver last
 * read, but not one raised since that read: that completion may not have
 * been seen, and its pulse already asks the driver to look again.
 *
 * With a register page the transport does not see the driver's reads
 * (no isr_new): the ACKs clear the bit, and it is rv_vmmio_irq_raise()
 * that keeps a later completion's bit (see there). Only t->isr changes
 * here; the caller publishes it.
 */
void rv_vmmio_irq_sync(struct rv_virtio *t)
{
	uint64_t n;

	if (t->ack_fd < 0 || read(t->ack_fd, &n, sizeof(n)) != sizeof(n))
		return; /* EAGAIN: none since the last access */
	t->stats.acks_in_kernel += n;
	if (t->page)
		t->isr &= ~VIRTIO_MMIO_INT_VRING;
	else
		t->isr &= ~(VIRTIO_MMIO_INT_VRING & ~t->isr_new);
}

/*
 * Lock held: raise @bits in InterruptStatus and interrupt the driver.
 *
 * With a register page, the guest reads InterruptStatus from the page
 * and its InterruptACK(VRING) is only counted (ack_fd), so the ACKs
 * counted so far and the new bits go into the page as ONE 32-bit store,
 * new = (old & ~acked) | bits, made before the pulse. No used-buffer
 * notification is lost. Linux's vm_interrupt() reads InterruptStatus,
 * writes the value back to InterruptACK, then scans every queue's used
 * ring. An ACK counted at time A is applied at the first store after A
 * (every store reads ack_fd first, under the lock). Take a completion C
 * whose used->idx store came before its raise's store S:
 * - S after A: S either applies the ACK and sets C's bit in the same
 *   store, or finds it applied already; a later ACK-only store (sync)
 *   applies ACKs counted after S's read of ack_fd, i.e. after C's ring
 *   update, by a handler whose scan comes after its ACK.
 * - S before A: the ACK may clear C's bit before the driver read it, but
 *   the handler that wrote that ACK scans the rings after it (its ACK is
 *   a trap to KVM that signals ack_fd, which we read after C's ring
 *   update: the eventfd's lock orders them), so it sees C's used buffer.
 * Either the bit survives until a read, or a scan that follows the ACK
 * finds the buffer. What is left is an interrupt whose scan finds
 * nothing (the buffer was taken by the earlier scan): the handler
 * returns IRQ_NONE, which the driver tolerates (and Linux's spurious
 * interrupt detector only acts when nearly all of 100000 go unhandled).
 * An ACK that exits (rv_vmmio_irq_ack()) is the same argument with A the
 * exit itself.
 */
void rv_vmmio_irq_raise(struct rv_virtio *t, uint32_t bits)
{
	if (t->page) {
		rv_vmmio_irq_sync(t);
		t->isr |= bits;
		rv_vmmio_page_publish(t);
		rv_vmmio_pulse(t);
		return;
	}
	t->isr |= bits;
	t->isr_new |= bits;
	rv_vmmio_pulse(t);
}

/* InterruptACK: a modelled level pin drops when nothing is pending. */
void rv_vmmio_irq_ack(struct rv_virtio *t, uint32_t v)
{
	t->isr &= ~v;
	if (t->irq_fd < 0 && !t->edge && t->line && !t->isr) {
		t->line = false;
		rv_device_set_irq(t->env, t->irq, 0);
	}
}

/*
 * KVM lowered the line at the guest's EOI (api.rst, KVM_IRQFD, "resample"):
 * raise it again if InterruptStatus still has a bit the driver has not
 * acknowledged, as a level-triggered pin would stay high.
 */
static void rv_vmmio_on_resample(void *opaque, int res)
{
	struct rv_virtio *t = opaque;
	uint64_t v;

	if (res < 0)
		return;
	if (read(t->resample_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&t->lock);
	if (t->isr)
		rv_vmmio_pulse(t);
	pthread_mutex_unlock(&t->lock);
}

/*
 * On an edge line, the driver's InterruptACK of a used buffer (the value
 * VIRTIO_MMIO_INT_VRING, all Linux writes per completion interrupt) need
 * not exit: KVM counts it in an eventfd (api.rst, KVM_IOEVENTFD, with
 * KVM_IOEVENTFD_FLAG_DATAMATCH) and the transport applies it at the
 * device's next register access (rv_vmmio_irq_sync()), which is the only
 * place InterruptStatus is seen. Nobody polls the eventfd: nothing else
 * depends on an ACK while the line is edge-triggered. Other values exit as
 * before. A level line must drop at the ACK, so it keeps the exit.
 */
static void rv_vmmio_setup_ack(struct rv_virtio *t)
{
	int ret;

	if (!t->edge || t->irq_fd < 0 || rv_kvm_cap(t->env->vm_fd, KVM_CAP_IOEVENTFD) <= 0)
		return;
	t->ack_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->ack_fd < 0)
		return;
	ret = rv_vmmio_ioeventfd(t, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING, t->ack_fd,
				 false);
	if (ret) {
		rv_debug("%s: KVM_IOEVENTFD for InterruptACK: %s; it exits", t->dev->name,
			 strerror(-ret));
		close(t->ack_fd);
		t->ack_fd = -1;
	}
}

/*
 * The interrupt through KVM_IRQFD (api.rst, KVM_IRQFD). On an edge line
 * a write to the irqfd is one pulse: nothing comes back from the guest's
 * EOI, and nothing needs to. On a level line, with a resample eventfd
 * (KVM_IRQFD_FLAG_RESAMPLE): KVM keeps the line asserted until the
 * guest's EOI and then tells us, and we re-assert while InterruptStatus
 * is non-zero. Without the capability the transport drives the pin with
 * KVM_IRQ_LINE (env->set_irq).
 */
static void rv_vmmio_irq_late(void *opaque);

int rv_vmmio_irq_setup(struct rv_virtio *t)
{
	struct kvm_irqfd irqfd = { .gsi = t->irq };
	int ret;

	t->irq_fd = t->resample_fd = -1;
	if (!t->irq || t->env->vm_fd < 0 || !t->env->loop ||
	    rv_kvm_cap(t->env->vm_fd, t->edge ? KVM_CAP_IRQFD : KVM_CAP_IRQFD_RESAMPLE) <= 0)
		return 0;
	t->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!t->edge)
		t->resample_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->irq_fd < 0 || (!t->edge && t->resample_fd < 0)) {
		ret = rv_err(-errno, "%s: eventfd: %s", t->dev->name, strerror(errno));
		goto out_close;
	}
	irqfd.fd = t->irq_fd;
	if (!t->edge) {
		irqfd.flags = KVM_IRQFD_FLAG_RESAMPLE;
		irqfd.resamplefd = t->resample_fd;
	}
	ret = __rv_kvm_ioctl(t->env->vm_fd, KVM_IRQFD, (unsigned long)&irqfd);
	if (ret && !t->irq_late && !rv_device_when_ready(t->env, rv_vmmio_irq_late, t)) {
		/*
		 * arm64: KVM takes an irqfd once the vGIC is initialised
		 * (EAGAIN before), after the vCPUs: again then. The line
		 * is KVM_IRQ_LINE until, and nothing raises it before.
		 */
		t->irq_late = true;
		ret = 0;
		goto out_close;
	}
	if (ret) {
		rv_debug("%s: KVM_IRQFD: %s; using KVM_IRQ_LINE", t->dev->name, strerror(-ret));
		ret = 0;
		goto out_close;
	}
	if (t->edge) {
		rv_vmmio_setup_ack(t);
		return 0;
	}
	return rv_loop_add_fd(t->env->loop, &t->resample_watch, t->resample_fd, POLLIN,
			      rv_vmmio_on_resample, t, t->dev->name);

out_close:
	if (t->irq_fd >= 0)
		close(t->irq_fd);
	if (t->resample_fd >= 0)
		close(t->resample_fd);
	t->irq_fd = t->resample_fd = -1;
	return ret;
}

/* The machine is built (rv_device_when_ready()): KVM_IRQFD again, once. */
static void rv_vmmio_irq_late(void *opaque)
{
	struct rv_virtio *t = opaque;

	pthread_mutex_lock(&t->lock);
	if (rv_vmmio_irq_setup(t))
		rv_warn("%s: its interrupt stays on KVM_IRQ_LINE", t->dev->name);
	pthread_mutex_unlock(&t->lock);
}

void rv_vmmio_irq_fini(struct rv_virtio *t)
{
	if (t->ack_fd >= 0) {
		if (t->env->vm_fd >= 0)
			rv_vmmio_ioeventfd(t, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING,
					   t->ack_fd, true);
		close(t->ack_fd);
		t->ack_fd = -1;
	}
	if (t->irq_fd >= 0) {
		struct kvm_irqfd irqfd = { .fd = t->irq_fd,
					   .gsi = t->irq,
					   .flags = KVM_IRQFD_FLAG_DEASSIGN };

		if (t->env->vm_fd >= 0)
			__rv_kvm_ioctl(t->env->vm_fd, KVM_IRQFD, (unsigned long)&irqfd);
		if (t->resample_fd >= 0) {
			rv_loop_remove(&t->resample_watch);
			close(t->resample_fd);
		}
		close(t->irq_fd);
		t->irq_fd = t->resample_fd = -1;
	}
}
