// SPDX-License-Identifier: GPL-2.0
/*
 * The 16550A's register model: what each register access does to the
 * UART's state, its FIFOs and its interrupt pin, after the PC16550D
 * datasheet (what is modelled and what is not: serial8250.c's opening
 * comment). Everything here runs under s->lock.
 */
#include <string.h>

#include "vmm/console.h"
#include "vmm/util.h"
#include "serial8250-model.h"
#include "serial8250-regs.h"

static bool rv_serial_fifo_on(const struct rv_serial *s)
{
	return s->fcr & UART_FCR_ENABLE;
}

unsigned int rv_serial_rx_cap(const struct rv_serial *s)
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
void rv_serial_update_irq(struct rv_serial *s)
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
void rv_serial_update_msr(struct rv_serial *s)
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

void rv_serial_rx_push(struct rv_serial *s, uint8_t c)
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
void rv_serial_tx_push(struct rv_serial *s)
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
void rv_serial_tx_ready(void *opaque)
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

void rv_serial_read(void *opaque, uint64_t off, void *data, unsigned int len)
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
void rv_serial_write_locked(struct rv_serial *s, uint64_t off, uint8_t v)
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

void rv_serial_write(void *opaque, uint64_t off, const void *data, unsigned int len)
{
	struct rv_serial *s = opaque;

	(void)len;
	pthread_mutex_lock(&s->lock);
	rv_serial_write_locked(s, off, *(const uint8_t *)data);
	pthread_mutex_unlock(&s->lock);
}
