/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The 16550A tests' fixture (test_serial8250.c, test_serial8250_io.c): a
 * fake env with real buses, a set_irq that records levels, a console whose
 * output is a pipe (or, with coalescing, a packet socket: one packet per
 * console write), and a fake KVM under a coalescing engine over an
 * injected kernel ring. Register offsets are spelled out here rather than
 * taken from devices/serial8250-regs.h. Include after <cmocka.h>.
 */
#ifndef RV_TEST_SERIAL8250_FX_H
#define RV_TEST_SERIAL8250_FX_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/bus.h"
#include "vmm/coalesce/coalesce.h"
#include "vmm/console.h"
#include "vmm/device.h"
#include "vmm/loop.h"

#define BASE 0x3f8
#define IRQ 4

enum { RBR, IER, IIR, LCR, MCR, LSR, MSR, SCR };
#define FCR IIR
#define THR RBR
#define DLL RBR
#define DLM IER

/* The fake KVM's record of the coalesced zones registered. */
extern struct kvm_coalesced_mmio_zone kvm_zones[4];
extern unsigned int kvm_nr_zones, kvm_nr_unreg;

struct fx {
	struct rv_coalesce *coalesce; /* NULL but in the coalescing tests */
	struct kvm_coalesced_mmio_ring *kring;
	uint32_t kcap;
	struct rv_bus pio, mmio;
	struct rv_loop loop;
	struct rv_loop_watch tick;
	struct rv_console con;
	struct rv_device_env env;
	int in[2], out[2];
	int level; /* current irq line */
	unsigned int raises, set_irq_calls;
	bool (*cond)(struct fx *f);
	uint64_t deadline;
};

/* A guest's port access, through the bus; it must succeed. */
void outb(struct fx *f, unsigned int reg, uint8_t v);
uint8_t inb(struct fx *f, unsigned int reg);
/* What the console hands the device (the device's rx callback). */
size_t feed(struct fx *f, const void *buf, size_t len);
/* Was rv_console_rx_ready() called since last asked? */
bool ready_kicked(struct fx *f);
/* What the device wrote to the console so far (one packet with coalescing). */
size_t drain_out(struct fx *f, char *buf, size_t len);

/* A ttyS0 at BASE/IRQ in a fresh env; setup_coalesced() with the engine. */
int setup(void **state);
int setup_coalesced(void **state);
int teardown(void **state);

#endif
