/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The 16550A's state and its register model (serial8250-model.c), shared
 * with the device around it (serial8250.c: bus, console, coalescing,
 * create/destroy). Only those two files include this.
 */
#ifndef RV_SERIAL8250_MODEL_H
#define RV_SERIAL8250_MODEL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmm/coalesce/coalesce.h"
#include "vmm/device.h"

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

/* What a register access does (s->lock held for all but the last three). */
unsigned int rv_serial_rx_cap(const struct rv_serial *s);
void rv_serial_rx_push(struct rv_serial *s, uint8_t c);
/* Recompute the interrupt pin; tell the irqchip only when it changes. */
void rv_serial_update_irq(struct rv_serial *s);
void rv_serial_update_msr(struct rv_serial *s);
/* Hand the console what txq holds, as much as it takes. */
void rv_serial_tx_push(struct rv_serial *s);
void rv_serial_write_locked(struct rv_serial *s, uint64_t off, uint8_t v);
/* The console has room again (its callback): takes s->lock. */
void rv_serial_tx_ready(void *opaque);
/* The bus's read and write (struct rv_bus_ops): they take s->lock. */
void rv_serial_read(void *opaque, uint64_t off, void *data, unsigned int len);
void rv_serial_write(void *opaque, uint64_t off, const void *data, unsigned int len);

#endif
