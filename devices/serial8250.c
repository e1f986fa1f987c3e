// SPDX-License-Identifier: GPL-2.0
/*
 * A 16550A UART, after the TI/National PC16550D datasheet ("PC16550D UART
 * with FIFOs"); comments cite its register descriptions and tables by name.
 *
 * Eight one-byte registers from the base (DLAB = LCR bit 7):
 *
 *   +0  read: RBR (DLAB=0) / DLL (DLAB=1)   write: THR / DLL
 *   +1  IER / DLM
 *   +2  read: IIR                            write: FCR
 *   +3  LCR    +4 MCR    +5 LSR    +6 MSR    +7 SCR
 *
 * What is modelled and what is not:
 * - Transmission takes as long as the console takes the bytes. They go
 *   through a transmit queue (txq) to the console, which never blocks
 *   (vmm/console.h): while the console takes them at once, THR and the
 *   shift register are empty again at once (LSR THRE|TEMT set). When the
 *   console's buffer is full (a stdout nobody reads), bytes wait in txq,
 *   LSR says THRE and TEMT clear, and the THRE interrupt comes when the
 *   console has taken them all: the guest is throttled, as by a slow line,
 *   and no VMM thread waits. A guest that writes THR regardless once txq is
 *   full loses those bytes (counted: tx_dropped), as a real UART's
 *   overwritten THR would. txq is deeper than the chip's 16-byte FIFO so
 *   that a coalesced batch fits; FCR bit 2 is a no-op.
 * - A 16-byte RX FIFO (1 byte, the RBR, with the FIFO off). Console input
 *   is flow-controlled: the device takes what fits and asks the console for
 *   more (rv_console_rx_ready) when the guest makes room, so input is never
 *   overrun. Only loopback, whose data the guest itself sends, can overrun.
 * - The character timeout is not timed: data below the trigger level is
 *   reported as a timeout (IIR 0x0C) at once, which is where a real chip
 *   ends up four character times later.
 * - No line errors except overrun (no parity, framing or break). The divisor
 *   and LCR are stored and read back, but do not change anything.
 * - The interrupt pin is (interrupt pending && MCR.OUT2): on a PC, OUT2
 *   gates the UART's INTR onto the ISA IRQ line, and Linux's 8250 driver sets
 *   OUT2 before it expects interrupts ("Most PC uarts need OUT2 raised to
 *   enable interrupts", serial8250_do_startup()). Loopback does not change
 *   that (a real PC would be silent there, its OUT2 pin forced inactive;
 *   QEMU is not, and no driver we know relies on either).
 * - The pin only moves when the answer changes. A THR write while THRE is
 *   pending leaves it high (cleared and set again in the same access), with
 *   no low pulse: that saves two KVM_IRQ_LINE calls per byte, and an
 *   edge-triggered ISA IRQ is not lost because Linux's serial8250_interrupt()
 *   loops until IIR reads "no interrupt", and its IIR read drops the line.
 * - Clearing the RX FIFO (FCR) discards what the console already handed
 *   over, as the guest asked; the console keeps everything else.
 * - With a coalescing engine (env->coalesce), writes to THR are coalesced:
 *   see rv_serial_coalesce_setup() for why that is safe.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/bus.h"
#include "vmm/coalesce/coalesce.h"
#include "vmm/console.h"
#include "vmm/device.h"
#include "vmm/stats.h"
#include "vmm/util.h"
#include "serial8250-model.h"
#include "serial8250-regs.h"

static const struct rv_bus_ops rv_serial_bus_ops = {
	.access_sizes = RV_BUS_SIZE_1,
	.read = rv_serial_read,
	.write = rv_serial_write,
};

/*
 * A THR write the kernel coalesced: handled by the very function a write
 * through the bus reaches, under the same lock, except that its byte waits
 * in txq for the end of the drain. The engine only delivers entries
 * that lie wholly inside the 1-byte zone, so this is a 1-byte write at
 * offset 0, which with DLAB set is a DLL write, as on the bus.
 */
static void rv_serial_coalesced_write(void *opaque, const struct rv_coalesce_entry *e)
{
	struct rv_serial *s = opaque;
	uint8_t data[sizeof(e->data)];

	memcpy(data, &e->data, sizeof(data)); /* little-endian, as on the bus */
	pthread_mutex_lock(&s->lock);
	s->tx_defer = true;
	rv_serial_write_locked(s, e->addr - s->base, data[0]);
	s->tx_defer = false;
	pthread_mutex_unlock(&s->lock);
}

/* The end of a drain: its bytes go to the console in one write. */
static void rv_serial_coalesced_end(void *opaque)
{
	struct rv_serial *s = opaque;

	pthread_mutex_lock(&s->lock);
	if (s->con && !(s->mcr & UART_MCR_LOOP)) {
		rv_serial_tx_push(s);
		rv_serial_update_irq(s);
	}
	pthread_mutex_unlock(&s->lock);
}

/*
 * Coalesce writes to THR (offset 0), and nothing else.
 *
 * Why it is safe: the engine handles this UART's deferred writes, in order,
 * before any of its registers is accessed through an exit
 * (flush-before-access). Reads always exit, and so do writes to the other
 * seven registers, so every access whose result or effect could depend on
 * a THR write sees it done: LSR, IIR and RBR reads, and an LCR write that
 * clears DLAB after a DLL write through offset 0 (handled first, with DLAB
 * still set). Only the time at which a byte reaches the console, and at
 * which the THRE interrupt is raised, moves later, by at most the drain
 * timer's period, and never past the guest's next access to the UART.
 *
 * What it buys: Linux's console (serial8250_console_write()) reads LSR,
 * then writes THR, per character: two exits become one. Its interrupt
 * path (serial8250_tx_chars()) writes up to 16 bytes to THR per IIR read:
 * seventeen exits become one.
 *
 * Failure is not fatal: the UART then works with ordinary exits.
 */
static void rv_serial_coalesce_setup(struct rv_serial *s, struct rv_device_env *env,
				     const struct rv_device_cfg *cfg)
{
	int ret;

	if (!env->coalesce)
		return;
	s->base = cfg->base;
	s->cdev = (struct rv_coalesce_device){
		.name = s->dev.name,
		.ring = &s->tx_ring,
		.handle = rv_serial_coalesced_write,
		.handle_end = rv_serial_coalesced_end,
		.opaque = s,
		/* Its handler only queues bytes for the console: a thread buys nothing. */
		.drain = RV_COALESCE_DRAIN_SHARED,
	};
	ret = rv_coalesce_ring_init(&s->tx_ring, s->tx_entries, UART_COALESCE_ENTRIES);
	if (!ret)
		ret = rv_coalesce_device_add(env->coalesce, &s->cdev);
	if (ret) {
		rv_warn("%s: THR writes are not coalesced: %s", s->dev.name, strerror(-ret));
		return;
	}
	/* From here on its exits are counted, whether or not the zone works. */
	s->dev.coalesce = &s->cdev;
	ret = rv_coalesce_zone_add(&s->cdev, cfg->base + UART_RBR, 1, cfg->space == RV_SPACE_PIO);
	if (ret) {
		rv_warn("%s: THR writes are not coalesced: %s", s->dev.name,
			*rv_err_msg() ? rv_err_msg() : strerror(-ret));
		rv_err_clear(); /* handled: not the reason for a later failure */
	}
}

/* Console input, on the loop thread: take what fits in the FIFO. */
static size_t rv_serial_rx(void *opaque, const uint8_t *buf, size_t len)
{
	struct rv_serial *s = opaque;
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	/* Loopback disconnects the serial input (MCR bit 4): take none. */
	if (!(s->mcr & UART_MCR_LOOP)) {
		while (n < len && s->rx_count < rv_serial_rx_cap(s))
			rv_serial_rx_push(s, buf[n++]);
	}
	if (n < len)
		s->rx_throttled = true;
	s->rx_bytes += n;
	rv_serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return n;
}

static void rv_serial_stats(struct rv_device *dev, struct rv_stats_sink *out)
{
	struct rv_serial *s = dev->priv;
	uint64_t tx, rx, irqs, overruns, queued, dropped;

	/* Copied under the lock, named after it: the sink may be slow (a file). */
	pthread_mutex_lock(&s->lock);
	tx = s->tx_bytes;
	rx = s->rx_bytes;
	irqs = s->irqs;
	overruns = s->overruns;
	queued = s->txq_len;
	dropped = s->tx_dropped;
	pthread_mutex_unlock(&s->lock);
	rv_stats_u64(out, "tx_bytes", tx);
	rv_stats_u64(out, "rx_bytes", rx);
	rv_stats_u64(out, "irqs", irqs);
	rv_stats_u64(out, "overruns", overruns);
	rv_stats_u64(out, "tx_queued", queued);
	rv_stats_u64(out, "tx_dropped", dropped);
	if (s->dev.coalesce)
		rv_coalesce_stats_emit(s->dev.coalesce, out);
}

/*
 * With the loop and the vCPUs stopped: nobody calls in any more. The
 * coalescing engine is destroyed first (rv_vm_destroy): it handled what was
 * left in tx_ring and no longer points into this structure.
 */
static void rv_serial_destroy(struct rv_device *dev)
{
	struct rv_serial *s = dev->priv;

	if (s->con) {
		rv_console_set_tx_ready(s->con, NULL, NULL);
		rv_console_detach(s->con);
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/*
 * Snapshots: the registers and the receive FIFO, in a layout of fixed-size
 * fields (version 1). The interrupt line is driven again on load from the
 * restored registers, the irqchip having been restored already. Output the
 * console had not taken yet (txq, only while stdout is blocked) is not part
 * of the state: a snapshot taken then loses it.
 */
struct rv_serial_state {
	uint8_t ier, lcr, mcr, scr, fcr, lsr_err, msr, rbr;
	uint16_t dl;
	uint8_t thre_pending, pad0;
	uint32_t rx_head, rx_count;
	uint8_t rx_fifo[UART_FIFO_SIZE];
};

static int rv_serial_save(struct rv_device *dev, void *buf, size_t size)
{
	struct rv_serial *s = dev->priv;
	struct rv_serial_state st = { 0 };

	if (size < sizeof(st))
		return -ENOSPC;
	pthread_mutex_lock(&s->lock);
	st = (struct rv_serial_state){
		.ier = s->ier,
		.lcr = s->lcr,
		.mcr = s->mcr,
		.scr = s->scr,
		.fcr = s->fcr,
		.lsr_err = s->lsr_err,
		.msr = s->msr,
		.rbr = s->rbr,
		.dl = s->dl,
		.thre_pending = s->thre_pending,
		.rx_head = s->rx_head,
		.rx_count = s->rx_count,
	};
	memcpy(st.rx_fifo, s->rx_fifo, sizeof(st.rx_fifo));
	pthread_mutex_unlock(&s->lock);
	memcpy(buf, &st, sizeof(st));
	return sizeof(st);
}

static int rv_serial_load(struct rv_device *dev, const void *buf, size_t len, uint32_t version)
{
	struct rv_serial *s = dev->priv;
	struct rv_serial_state st;

	if (version != 1 || len != sizeof(st))
		return rv_err(-EINVAL, "%s: state version %u of %zu bytes, expected 1 of %zu",
			      dev->name, version, len, sizeof(st));
	memcpy(&st, buf, sizeof(st));
	/* The file controls the FIFO indices: bounded before any use. */
	if (st.rx_head >= UART_FIFO_SIZE || st.rx_count > UART_FIFO_SIZE)
		return rv_err(-EINVAL, "%s: receive FIFO at %u with %u bytes, of %d", dev->name,
			      st.rx_head, st.rx_count, UART_FIFO_SIZE);
	pthread_mutex_lock(&s->lock);
	s->ier = st.ier;
	s->lcr = st.lcr;
	s->mcr = st.mcr;
	s->scr = st.scr;
	s->fcr = st.fcr;
	s->lsr_err = st.lsr_err;
	s->msr = st.msr;
	s->rbr = st.rbr;
	s->dl = st.dl;
	s->thre_pending = st.thre_pending;
	s->rx_head = st.rx_head;
	s->rx_count = st.rx_count;
	memcpy(s->rx_fifo, st.rx_fifo, sizeof(s->rx_fifo));
	/* Drive the line from the registers, whatever it was left at. */
	s->irq_level = false;
	rv_serial_update_irq(s);
	if (!s->irq_level && s->irq)
		rv_device_set_irq(s->env, s->irq, 0);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static const struct rv_device_ops rv_serial_ops = {
	.stats = rv_serial_stats,
	.destroy = rv_serial_destroy,
	.state_version = 1,
	.save = rv_serial_save,
	.load = rv_serial_load,
};

static int rv_serial_create(struct rv_device_env *env, const struct rv_device_cfg *cfg)
{
	struct rv_bus *bus = cfg->space == RV_SPACE_PIO ? env->pio : env->mmio;
	struct rv_serial *s;
	int ret;

	if (!bus)
		return rv_err(-EINVAL, "no %s bus", cfg->space == RV_SPACE_PIO ? "pio" : "mmio");
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->env = env;
	s->irq = cfg->irq;
	ret = pthread_mutex_init(&s->lock, NULL);
	if (ret) {
		free(s);
		return rv_err(-ret, "%s: pthread_mutex_init: %s", cfg->name, strerror(ret));
	}
	/* Reset state (datasheet "Reset Functions"): zero but LSR, MSR. */
	rv_serial_update_msr(s);
	s->msr &= ~UART_MSR_DELTAS;

	/* Attach first: the bus cannot unregister, the console can detach. */
	if (cfg->console && env->console) {
		ret = rv_console_attach(env->console, rv_serial_rx, s);
		if (ret) {
			ret = rv_err(ret, "console already taken");
			goto out_free;
		}
		s->con = env->console;
		rv_console_set_tx_ready(s->con, rv_serial_tx_ready, s);
	}
	snprintf(s->dev.name, sizeof(s->dev.name), "%s", cfg->name ? cfg->name : "serial8250");
	ret = rv_bus_register(bus, cfg->base, UART_LEN, &rv_serial_bus_ops, s, &s->dev);
	if (ret) {
		ret = rv_err(ret, "%s range 0x%" PRIx64 "+%u: %s", bus->name, cfg->base, UART_LEN,
			     strerror(-ret));
		goto out_detach;
	}
	/* After the bus range: it cannot fail the device any more. */
	rv_serial_coalesce_setup(s, env, cfg);
	s->dev.ops = &rv_serial_ops;
	s->dev.priv = s;
	rv_device_add(env, &s->dev);
	return 0;

out_detach:
	if (s->con) {
		rv_console_set_tx_ready(s->con, NULL, NULL);
		rv_console_detach(s->con);
	}
out_free:
	pthread_mutex_destroy(&s->lock);
	free(s);
	return ret;
}

static struct rv_device_type rv_serial_type = {
	.name = "serial8250",
	.create = rv_serial_create,
};
RV_DEVICE_TYPE(rv_serial_type)
