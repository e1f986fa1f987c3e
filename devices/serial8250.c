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
#include "serial8250-regs.h"

#define UART_LEN 8
#define UART_FIFO_SIZE 16
/*
 * Coalesced THR writes waiting for the UART: Linux writes at most 16 (the
 * FIFO size) between two register reads, and the kernel's ring holds about
 * 170 before KVM makes the guest exit anyway; 256 rarely fills, and a full
 * ring only means the next write is handled at once (ring-full fallback).
 */
#define UART_COALESCE_ENTRIES 256

struct rv_serial {
	struct rv_device dev;
	struct rv_device_env *env;
	struct rv_console *con; /* NULL: output is dropped, no input */
	unsigned int irq;	/* 0: not wired */

	/*
	 * Taken by vCPU threads (register accesses) and the loop thread
	 * (console input, tx_ready). Held across rv_console_write() too,
	 * which never blocks: two vCPUs writing THR are then written out in
	 * the order the device saw them, which is the order the guest
	 * serialised them in (Linux holds the port lock).
	 */
	pthread_mutex_t lock;

	uint8_t ier, lcr, mcr, scr, fcr;
	uint8_t lsr_err; /* sticky LSR error bits (OE), cleared by reading LSR */
	uint8_t msr;	 /* modem status: inputs 7:4, deltas 3:0 */
	uint8_t rbr;	 /* last byte read, returned again from an empty RBR */
	uint16_t dl;	 /* divisor latch */
	/*
	 * The THRE interrupt is an event, not the THRE level (IIR,
	 * "Interrupt Control Functions"): it is set
	 * when THR becomes empty, cleared by reading IIR while it is the
	 * reported source or by writing THR. Linux also relies on a 16550
	 * re-asserting it when IER.ETBEI goes 0 -> 1 with THR empty (its
	 * UART_BUG_THRE test in serial8250_do_startup()).
	 */
	bool thre_pending;
	bool irq_level;	   /* what we last drove onto the irq line */
	bool rx_throttled; /* we refused input: call rx_ready on room */

	uint8_t rx_fifo[UART_FIFO_SIZE];
	unsigned int rx_head, rx_count;

	uint64_t tx_bytes, rx_bytes, irqs, overruns, tx_dropped;

	/* Coalesced writes to THR: the ring is ours, in this structure. */
	uint64_t base;
	struct rv_coalesce_device cdev;
	struct rv_coalesce_ring tx_ring;
	struct rv_coalesce_entry tx_entries[UART_COALESCE_ENTRIES];
	/*
	 * Bytes written to THR that the console has not taken yet (under
	 * lock): while it is full, and during a drain of coalesced THR
	 * writes, which goes out with one rv_console_write() at its end
	 * (rv_serial_coalesced_end) rather than one per byte. tx_defer is set
	 * while a coalesced write is handled.
	 */
	bool tx_defer;
	unsigned int txq_len;
	uint8_t txq[UART_COALESCE_ENTRIES];
};

static bool rv_serial_fifo_on(const struct rv_serial *s)
{
	return s->fcr & UART_FCR_ENABLE;
}

static unsigned int rv_serial_rx_cap(const struct rv_serial *s)
{
	return rv_serial_fifo_on(s) ? UART_FIFO_SIZE : 1;
}

/* FCR bits 7:6 select 1, 4, 8 or 14 bytes (FCR, "RCVR trigger"). */
static unsigned int rv_serial_rx_trigger(const struct rv_serial *s)
{
	static const unsigned int levels[4] = { 1, 4, 8, 14 };

	return levels[s->fcr >> 6];
}

static uint8_t rv_serial_lsr(const struct rv_serial *s)
{
	/* Empty when the console has taken every byte (txq, at the top). */
	return (s->rx_count ? UART_LSR_DR : 0) | s->lsr_err |
	       (s->txq_len ? 0 : UART_LSR_THRE | UART_LSR_TEMT);
}

/* The pending interrupt with the highest priority (IIR table). */
static uint8_t rv_serial_iir_id(const struct rv_serial *s)
{
	if ((s->ier & UART_IER_ELSI) && s->lsr_err)
		return UART_IIR_RLS;
	if ((s->ier & UART_IER_ERBFI) && s->rx_count) {
		if (rv_serial_fifo_on(s) && s->rx_count < rv_serial_rx_trigger(s))
			return UART_IIR_CTI;
		return UART_IIR_RDA;
	}
	if ((s->ier & UART_IER_ETBEI) && s->thre_pending)
		return UART_IIR_THRE;
	if ((s->ier & UART_IER_EDSSI) && (s->msr & UART_MSR_DELTAS))
		return UART_IIR_MS;
	return UART_IIR_NO_INT;
}

/* Recompute the interrupt pin; tell the irqchip only when it changes. */
static void rv_serial_update_irq(struct rv_serial *s)
{
	bool level = rv_serial_iir_id(s) != UART_IIR_NO_INT && (s->mcr & UART_MCR_OUT2);

	if (level == s->irq_level)
		return;
	s->irq_level = level;
	if (level)
		s->irqs++;
	if (s->irq)
		rv_device_set_irq(s->env, s->irq, level);
}

/*
 * Modem inputs. In loopback the outputs are wired back (MCR bit 4): RTS->CTS,
 * DTR->DSR, OUT1->RI, OUT2->DCD; Linux's autoconfig checks exactly this
 * (MCR = LOOP|OUT2|RTS must read MSR 7:4 = DCD|CTS). Otherwise a modem that
 * is always ready: CTS, DSR and DCD asserted, no ring.
 */
static void rv_serial_update_msr(struct rv_serial *s)
{
	uint8_t old = s->msr, in;

	if (s->mcr & UART_MCR_LOOP)
		in = (s->mcr & UART_MCR_RTS ? UART_MSR_CTS : 0) |
		     (s->mcr & UART_MCR_DTR ? UART_MSR_DSR : 0) |
		     (s->mcr & UART_MCR_OUT1 ? UART_MSR_RI : 0) |
		     (s->mcr & UART_MCR_OUT2 ? UART_MSR_DCD : 0);
	else
		in = UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;

	s->msr = in | (old & UART_MSR_DELTAS);
	if ((old ^ in) & UART_MSR_CTS)
		s->msr |= UART_MSR_DCTS;
	if ((old ^ in) & UART_MSR_DSR)
		s->msr |= UART_MSR_DDSR;
	if ((old ^ in) & UART_MSR_DCD)
		s->msr |= UART_MSR_DDCD;
	/* TERI: trailing edge of RI only. */
	if ((old & UART_MSR_RI) && !(in & UART_MSR_RI))
		s->msr |= UART_MSR_TERI;
}

static void rv_serial_rx_clear(struct rv_serial *s)
{
	s->rx_head = s->rx_count = 0;
}

static void rv_serial_rx_push(struct rv_serial *s, uint8_t c)
{
	s->rx_fifo[(s->rx_head + s->rx_count) % UART_FIFO_SIZE] = c;
	s->rx_count++;
}

/* The FIFO has room again: if the console holds bytes for us, ask for them. */
static void rv_serial_rx_room(struct rv_serial *s)
{
	if (!s->rx_throttled || !s->con || (s->mcr & UART_MCR_LOOP) ||
	    s->rx_count >= rv_serial_rx_cap(s))
		return;
	s->rx_throttled = false;
	rv_console_rx_ready(s->con);
}

/* A byte the guest sent, in loopback (MCR bit 4): TSR -> RSR. */
static void rv_serial_loopback(struct rv_serial *s, uint8_t c)
{
	if (s->rx_count < rv_serial_rx_cap(s)) {
		rv_serial_rx_push(s, c);
		return;
	}
	/*
	 * Overrun (LSR bit 1): with the FIFO on, the FIFO is kept and the new
	 * character is lost; without it, the RBR is overwritten.
	 */
	s->lsr_err |= UART_LSR_OE;
	s->overruns++;
	if (!rv_serial_fifo_on(s))
		s->rx_fifo[s->rx_head] = c;
}

/*
 * Lock held: hand txq to the console, as much as it takes (it never
 * blocks). THR empty again raises the THRE interrupt (IIR table: "THR
 * empty"); bytes left wait for rv_serial_tx_ready().
 */
static void rv_serial_tx_push(struct rv_serial *s)
{
	size_t n = 0;

	if (s->txq_len)
		n = rv_console_write(s->con, s->txq, s->txq_len);
	if (n) {
		s->tx_bytes += n;
		s->txq_len -= n;
		memmove(s->txq, s->txq + n, s->txq_len);
	}
	/* Cleared by the THR write, set again once it has all gone out. */
	s->thre_pending = !s->txq_len;
}

static void rv_serial_write_thr(struct rv_serial *s, uint8_t c)
{
	if (s->mcr & UART_MCR_LOOP) {
		/* The serial output is held marking: nothing leaves. */
		rv_serial_loopback(s, c);
		/* Sent at once: THR is empty again. */
		s->thre_pending = true;
		return;
	}
	if (!s->con) {
		s->thre_pending = true; /* nowhere to go: gone at once */
		return;
	}
	/* Written while not empty (LSR said so): the byte is lost, as on a chip. */
	if (s->txq_len == sizeof(s->txq))
		s->tx_dropped++;
	else
		s->txq[s->txq_len++] = c;
	/* A coalesced batch goes out at its end (rv_serial_coalesced_end). */
	if (s->tx_defer)
		s->thre_pending = false;
	else
		rv_serial_tx_push(s);
}

/* The console has room again (loop thread): what waits in txq goes. */
static void rv_serial_tx_ready(void *opaque)
{
	struct rv_serial *s = opaque;

	pthread_mutex_lock(&s->lock);
	if (s->txq_len && s->con && !(s->mcr & UART_MCR_LOOP)) {
		rv_serial_tx_push(s);
		rv_serial_update_irq(s);
	}
	pthread_mutex_unlock(&s->lock);
}

static void rv_serial_write_fcr(struct rv_serial *s, uint8_t v)
{
	bool was_on = rv_serial_fifo_on(s);

	/*
	 * FCR bit 0: 0 clears both FIFOs and the other bits are not
	 * programmed; switching between FIFO and 16450 mode clears the FIFOs.
	 */
	if (!(v & UART_FCR_ENABLE)) {
		if (was_on)
			rv_serial_rx_clear(s);
		s->fcr = 0;
		rv_serial_rx_room(s);
		return;
	}
	if (!was_on || (v & UART_FCR_CLEAR_RX))
		rv_serial_rx_clear(s);
	/* UART_FCR_CLEAR_TX: txq is the console's, not discarded (see the top). */
	s->fcr = v & UART_FCR_STORED;
	rv_serial_rx_room(s);
}

static void rv_serial_write_ier(struct rv_serial *s, uint8_t v)
{
	uint8_t changed = (s->ier ^ v) & UART_IER_ETBEI;

	s->ier = v & UART_IER_MASK;
	/*
	 * Re-sample THRE when ETBEI changes: enabling it with THR empty (it
	 * always is) raises the interrupt even if an IIR read cleared it
	 * before. Linux's THRE test toggles IER 0 -> THRI and expects this;
	 * QEMU and Bochs behave the same.
	 */
	if (changed)
		s->thre_pending = s->ier & UART_IER_ETBEI;
}

static void rv_serial_write_mcr(struct rv_serial *s, uint8_t v)
{
	bool was_loop = s->mcr & UART_MCR_LOOP;

	s->mcr = v & UART_MCR_MASK;
	rv_serial_update_msr(s);
	/* Leaving loopback reconnects the serial input. */
	if (was_loop && !(s->mcr & UART_MCR_LOOP))
		rv_serial_rx_room(s);
}

static uint8_t rv_serial_read_rbr(struct rv_serial *s)
{
	if (s->rx_count) {
		s->rbr = s->rx_fifo[s->rx_head];
		s->rx_head = (s->rx_head + 1) % UART_FIFO_SIZE;
		s->rx_count--;
		rv_serial_rx_room(s);
	}
	return s->rbr;
}

static uint8_t rv_serial_read_iir(struct rv_serial *s)
{
	uint8_t id = rv_serial_iir_id(s);

	/* Reading IIR clears a THRE interrupt it reports (IIR table). */
	if (id == UART_IIR_THRE)
		s->thre_pending = false;
	return id | (rv_serial_fifo_on(s) ? UART_IIR_FIFO : 0);
}

static void rv_serial_read(void *opaque, uint64_t off, void *data, unsigned int len)
{
	struct rv_serial *s = opaque;
	bool dlab;
	uint8_t v;

	(void)len; /* the bus only passes 1 (RV_BUS_SIZE_1) */
	pthread_mutex_lock(&s->lock);
	dlab = s->lcr & UART_LCR_DLAB;
	switch (off & (UART_LEN - 1)) {
	case UART_RBR:
		v = dlab ? s->dl & 0xff : rv_serial_read_rbr(s);
		break;
	case UART_IER:
		v = dlab ? s->dl >> 8 : s->ier;
		break;
	case UART_IIR:
		v = rv_serial_read_iir(s);
		break;
	case UART_LCR:
		v = s->lcr;
		break;
	case UART_MCR:
		v = s->mcr;
		break;
	case UART_LSR:
		v = rv_serial_lsr(s);
		s->lsr_err = 0; /* LSR: error bits reset when read */
		break;
	case UART_MSR:
		v = s->msr;
		s->msr &= ~UART_MSR_DELTAS; /* MSR: deltas reset on read */
		break;
	default:
		v = s->scr;
		break;
	}
	rv_serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
	*(uint8_t *)data = v;
}

/* Lock held. */
static void rv_serial_write_locked(struct rv_serial *s, uint64_t off, uint8_t v)
{
	bool dlab = s->lcr & UART_LCR_DLAB;

	switch (off & (UART_LEN - 1)) {
	case UART_RBR:
		if (dlab)
			s->dl = (s->dl & 0xff00) | v;
		else
			rv_serial_write_thr(s, v);
		break;
	case UART_IER:
		if (dlab)
			s->dl = (s->dl & 0x00ff) | (uint16_t)v << 8;
		else
			rv_serial_write_ier(s, v);
		break;
	case UART_IIR:
		rv_serial_write_fcr(s, v);
		break;
	case UART_LCR:
		s->lcr = v; /* all 8 bits are read back */
		break;
	case UART_MCR:
		rv_serial_write_mcr(s, v);
		break;
	case UART_LSR:
	case UART_MSR:
		/* Writing LSR is for factory test only; MSR is inputs. */
		break;
	default:
		s->scr = v;
		break;
	}
	rv_serial_update_irq(s);
}

static void rv_serial_write(void *opaque, uint64_t off, const void *data, unsigned int len)
{
	struct rv_serial *s = opaque;

	(void)len;
	pthread_mutex_lock(&s->lock);
	rv_serial_write_locked(s, off, *(const uint8_t *)data);
	pthread_mutex_unlock(&s->lock);
}

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

static const struct rv_device_ops rv_serial_ops = {
	.stats = rv_serial_stats,
	.destroy = rv_serial_destroy,
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
		return -ret;
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
