// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the 16550A's registers driven through the I/O bus the way a
 * guest does (fixture: serial8250_fx.c): Linux's 8250 probe, transmit
 * order, the THRE interrupt's IIR-read and IER-retrigger rules, loopback,
 * OUT2 gating, garbage writes, accesses the bus refuses, and create()'s
 * errors and the MMIO variant.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "vmm/bus.h"
#include "vmm/coalesce/coalesce.h"
#include "vmm/console.h"
#include "vmm/device.h"
#include "vmm/kvm.h"
#include "vmm/loop.h"
#include "vmm/stats.h"
#include "vmm/util.h"

#include "serial8250_fx.h"

/* drivers/tty/serial/8250/8250_port.c autoconfig() and friends, in order. */
static void test_linux_probe(void **state)
{
	struct fx *f = *state;
	uint8_t save_ier, save_mcr, save_lcr, mcr;

	/* IER existence test: bits 3:0 stick, 7:4 read 0. */
	save_ier = inb(f, IER);
	outb(f, IER, 0);
	assert_int_equal(inb(f, IER) & 0x0f, 0);
	outb(f, IER, 0x0f);
	assert_int_equal(inb(f, IER) & 0x0f, 0x0f);
	outb(f, IER, save_ier);

	/* Loopback test: MCR = LOOP|OUT2|RTS must read MSR = DCD|CTS. */
	save_mcr = inb(f, MCR);
	save_lcr = inb(f, LCR);
	outb(f, MCR, 0x10 | 0x0a);
	assert_int_equal(inb(f, MSR) & 0xf0, 0x90);
	outb(f, MCR, save_mcr);

	/* EFR poke (a FCR write here), then FIFO detection: 16550A = 3. */
	outb(f, LCR, 0xbf);
	outb(f, FCR, 0);
	outb(f, LCR, 0);
	outb(f, FCR, 0x01);
	assert_int_equal(inb(f, IIR) >> 6, 3);

	/* autoconfig_16550a(): no EFR behind DLAB or LCR = 0xbf. */
	outb(f, LCR, 0x80);
	assert_int_not_equal(inb(f, IIR), 0);
	outb(f, LCR, 0xbf);
	assert_int_not_equal(inb(f, IIR), 0);
	/* Not a NatSemi: IIR bit 4 does not follow MCR.LOOP with LCR = 0xe0. */
	outb(f, LCR, 0);
	mcr = inb(f, MCR);
	outb(f, LCR, 0xe0);
	assert_int_equal((inb(f, IIR) ^ mcr) & 0x10, 0);
	outb(f, LCR, 0);
	outb(f, MCR, mcr ^ 0x10);
	outb(f, LCR, 0xe0);
	assert_int_equal((inb(f, IIR) ^ mcr) & 0x10, 0);
	outb(f, LCR, 0);
	outb(f, MCR, mcr);
	/* Not a 16750: IIR bit 5 stays 0 with FCR bit 5, with or without DLAB. */
	outb(f, FCR, 0x21);
	assert_int_equal(inb(f, IIR) >> 5, 6);
	outb(f, FCR, 0x01);
	outb(f, LCR, 0x80);
	outb(f, FCR, 0x21);
	assert_int_equal(inb(f, IIR) >> 5, 6);
	outb(f, FCR, 0x01);
	outb(f, LCR, 0);
	/* Not an XScale: IER bit 6 (UUE) does not stick. */
	outb(f, IER, 0x40);
	assert_int_equal(inb(f, IER) & 0x40, 0);
	outb(f, IER, 0);
	outb(f, LCR, save_lcr);

	/* Scratch register. */
	outb(f, SCR, 0x5a);
	assert_int_equal(inb(f, SCR), 0x5a);
	outb(f, SCR, 0xa5);
	assert_int_equal(inb(f, SCR), 0xa5);

	/* Divisor: 115200 / 9600 = 12 behind DLAB, then 8N1. */
	outb(f, LCR, 0x83);
	outb(f, DLL, 12);
	outb(f, DLM, 0x01);
	assert_int_equal(inb(f, DLL), 12);
	assert_int_equal(inb(f, DLM), 0x01);
	outb(f, LCR, 0x03);
	assert_int_equal(inb(f, LCR), 0x03);
	assert_int_equal(inb(f, IER), 0); /* DLM did not land in IER */
	outb(f, LCR, 0x83);
	assert_int_equal(inb(f, DLL) | inb(f, DLM) << 8, 0x10c);
	outb(f, LCR, 0x03);

	/* startup(): LSR must not read 0xff, THR and TSR are empty. */
	assert_int_equal(inb(f, LSR), 0x60);
	/* The DLL write did not transmit anything. */
	assert_int_equal(drain_out(f, (char[8]){ 0 }, 8), 0);
}

static void test_tx_order(void **state)
{
	struct fx *f = *state;
	const char msg[] = "Linux version 6.x (ringvmm)\r\n";
	char buf[64] = { 0 }, *json = NULL;
	size_t json_len;
	FILE *mem;

	outb(f, LCR, 0x03);
	for (size_t i = 0; i < strlen(msg); i++) {
		/* A polling console: wait for THRE, write. */
		assert_true(inb(f, LSR) & 0x20);
		outb(f, THR, msg[i]);
	}
	assert_int_equal(drain_out(f, buf, sizeof(buf)), strlen(msg));
	assert_string_equal(buf, msg);

	mem = open_memstream(&json, &json_len);
	assert_non_null(mem);
	rv_device_stats_json(f->env.devices, mem);
	fclose(mem);
	assert_non_null(strstr(json, "\"tx_bytes\": 29"));
	assert_non_null(strstr(json, "\"rx_bytes\": 0"));
	assert_non_null(strstr(json, "\"irqs\": 0"));
	free(json);
}

static void test_thre_interrupt(void **state)
{
	struct fx *f = *state;
	uint8_t iir1, iir2;

	outb(f, MCR, 0x0b); /* DTR|RTS|OUT2, as Linux's startup */
	assert_int_equal(f->level, 0);
	assert_int_equal(inb(f, IIR), 0x01);

	/* Enabling ETBEI with THR empty raises THRE. */
	outb(f, IER, 0x02);
	assert_int_equal(f->level, 1);
	/* Reading IIR while THRE is the source clears it. */
	assert_int_equal(inb(f, IIR), 0x02);
	assert_int_equal(f->level, 0);
	assert_int_equal(inb(f, IIR), 0x01);
	/* Rewriting the same IER is not an edge: no retrigger. */
	outb(f, IER, 0x02);
	assert_int_equal(f->level, 0);

	/* Linux's UART_BUG_THRE test: IER 0 -> THRI must re-assert THRE. */
	outb(f, IER, 0);
	outb(f, IER, 0x02);
	iir1 = inb(f, IIR);
	outb(f, IER, 0);
	outb(f, IER, 0x02);
	iir2 = inb(f, IIR);
	outb(f, IER, 0);
	assert_int_equal(iir1 & 0x01, 0);
	assert_int_equal(iir2 & 0x01, 0);
	assert_int_equal(f->level, 0);

	/* Writing THR clears THRE, which at once is set again (sent). */
	outb(f, IER, 0x02);
	assert_int_equal(inb(f, IIR), 0x02);
	assert_int_equal(f->level, 0);
	outb(f, THR, 'x');
	assert_int_equal(f->level, 1);
	assert_int_equal(inb(f, IIR), 0x02);
	assert_int_equal(f->level, 0);

	/* Linux's __stop_tx: clearing ETBEI drops a pending THRE. */
	outb(f, THR, 'y');
	assert_int_equal(f->level, 1);
	outb(f, IER, 0);
	assert_int_equal(f->level, 0);
	assert_int_equal(inb(f, IIR), 0x01);

	/* With the FIFO on, IIR carries 0xc0. */
	outb(f, FCR, 0x01);
	outb(f, IER, 0x02);
	assert_int_equal(inb(f, IIR), 0xc2);
	assert_int_equal(inb(f, IIR), 0xc1);
}

static void test_loopback(void **state)
{
	struct fx *f = *state;
	char out[4];

	outb(f, FCR, 0x01);
	outb(f, IER, 0x0d); /* RX, line status, modem status */
	outb(f, MCR, 0x18); /* LOOP|OUT2 */
	(void)ready_kicked(f);
	/* Entering loopback dropped CTS/DSR/DCD inputs: modem status irq. */
	assert_int_equal(inb(f, IIR), 0xc0);
	assert_int_equal(inb(f, MSR), 0x83); /* DCD stays (OUT2), CTS/DSR fell */
	assert_int_equal(inb(f, IIR), 0xc1);

	/* TX loops to RX; nothing reaches the console. */
	outb(f, THR, 'h');
	outb(f, THR, 'i');
	assert_int_equal(drain_out(f, out, sizeof(out)), 0);
	assert_int_equal(inb(f, RBR), 'h');
	assert_int_equal(inb(f, RBR), 'i');

	/* The serial input is disconnected: console input waits. */
	assert_int_equal(feed(f, "z", 1), 0);

	/* Overflowing the FIFO overruns: OE and a line status interrupt. */
	for (int i = 0; i < 17; i++)
		outb(f, THR, 'A' + i);
	assert_int_equal(f->level, 1);
	assert_int_equal(inb(f, IIR), 0xc6);
	assert_int_equal(inb(f, LSR), 0x63);
	assert_int_equal(inb(f, LSR), 0x61); /* OE cleared by the read */
	for (int i = 0; i < 16; i++)
		assert_int_equal(inb(f, RBR), 'A' + i);
	assert_int_equal(f->level, 0);

	/* Modem outputs wired to inputs. */
	outb(f, MCR, 0x1f);
	assert_int_equal(inb(f, MSR), 0xf0 | 0x03); /* CTS, DSR rose */
	outb(f, MCR, 0x1b);			    /* OUT1 (RI) falls: trailing edge */
	assert_int_equal(inb(f, MSR), 0xb0 | 0x04);

	/* Leaving loopback: the console is asked for its waiting input. */
	outb(f, MCR, 0x08);
	assert_true(ready_kicked(f));
	assert_int_equal(inb(f, MSR) & 0xf0, 0xb0);
	assert_int_equal(feed(f, "z", 1), 1);
	assert_int_equal(inb(f, RBR), 'z');
	outb(f, THR, '!');
	assert_int_equal(drain_out(f, out, sizeof(out)), 1);
	assert_int_equal(out[0], '!');
}

static void test_out2_gates_irq(void **state)
{
	struct fx *f = *state;

	outb(f, IER, 0x02);
	/* Pending inside the UART, but OUT2 keeps it off the IRQ line. */
	assert_int_equal(f->level, 0);
	outb(f, MCR, 0x08);
	assert_int_equal(f->level, 1);
	outb(f, MCR, 0x03);
	assert_int_equal(f->level, 0);
	assert_int_equal(inb(f, IIR), 0x02); /* still identifiable */
	outb(f, MCR, 0x08);
	assert_int_equal(f->level, 0); /* the IIR read consumed it */
	assert_int_equal(f->raises, 1);
}

/* A small deterministic PRNG: the same garbage every run. */
static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void test_garbage(void **state)
{
	struct fx *f = *state;
	uint32_t seed = 0x8250;
	uint8_t junk[32];
	int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	assert_true(null_fd >= 0);
	f->con.out_fd = null_fd;
	/* Every value to every register, with and without DLAB. */
	for (int lcr = 0; lcr < 2; lcr++) {
		for (unsigned int reg = 0; reg < 8; reg++) {
			for (int v = 0; v < 256; v++) {
				outb(f, LCR, lcr ? 0x80 : 0);
				outb(f, reg, v);
				for (unsigned int r = 0; r < 8; r++)
					(void)inb(f, r);
			}
		}
	}
	/* Random accesses interleaved with console input. */
	for (int i = 0; i < 200000; i++) {
		uint32_t r = xorshift(&seed);
		unsigned int reg = r & 7;

		if ((r >> 3) % 5 == 0) {
			size_t len = (r >> 8) % sizeof(junk) + 1;

			assert_true(feed(f, junk, len) <= 16);
		} else if ((r >> 3) & 1) {
			outb(f, reg, r >> 16);
		} else {
			(void)inb(f, reg);
		}
	}
	/* Whatever state it is in, it can be put back into service. */
	outb(f, LCR, 0x03);
	outb(f, MCR, 0x0b);
	outb(f, FCR, 0x07);
	outb(f, IER, 0);
	(void)inb(f, LSR);
	(void)inb(f, MSR);
	assert_int_equal(inb(f, LSR), 0x60);
	assert_int_equal(inb(f, IIR), 0xc1);
	assert_int_equal(f->level, 0);
	f->con.out_fd = f->out[1];
	close(null_fd);
}

static void test_bus_rejects_bad_access(void **state)
{
	struct fx *f = *state;
	uint16_t v16 = 0x1234;
	uint32_t v32 = 0;
	uint8_t v8 = 0;

	assert_int_equal(rv_bus_access(&f->pio, BASE, &v16, 2, true), -EINVAL);
	assert_int_equal(rv_bus_access(&f->pio, BASE + LSR, &v16, 2, false), -EINVAL);
	assert_int_equal(v16, 0xffff);
	assert_int_equal(rv_bus_access(&f->pio, BASE, &v32, 4, false), -EINVAL);
	/* Crossing the end of the 8 registers. */
	assert_int_equal(rv_bus_access(&f->pio, BASE + 7, &v16, 2, false), -ENOENT);
	assert_int_equal(rv_bus_access(&f->pio, BASE + 8, &v8, 1, false), -ENOENT);
	assert_int_equal(drain_out(f, (char[4]){ 0 }, 4), 0);
}

static void test_create_errors_and_mmio(void **state)
{
	struct fx *f = *state;
	struct rv_device_cfg cfg = {
		.type = "serial8250",
		.name = "ttyS1",
		.space = RV_SPACE_PIO,
		.base = 0x2f8,
		.irq = 3,
		.console = true,
	};
	uint8_t v = 0x42;

	/* The console has its receiver: a second one is refused... */
	assert_int_equal(rv_device_create(&f->env, &cfg), -EBUSY);
	rv_err_clear();
	/* ...and left nothing behind on the bus. */
	assert_null(rv_bus_find(&f->pio, 0x2f8, 1));
	/* Overlapping ttyS0. */
	cfg.console = false;
	cfg.base = BASE + 4;
	assert_int_equal(rv_device_create(&f->env, &cfg), -EEXIST);
	rv_err_clear();

	/* An MMIO UART without console: output dropped, registers work. */
	cfg.space = RV_SPACE_MMIO;
	cfg.base = 0x9000000;
	cfg.irq = 0;
	assert_int_equal(rv_device_create(&f->env, &cfg), 0);
	assert_int_equal(rv_bus_access(&f->mmio, 0x9000000 + SCR, &v, 1, true), 0);
	v = 0;
	assert_int_equal(rv_bus_access(&f->mmio, 0x9000000 + SCR, &v, 1, false), 0);
	assert_int_equal(v, 0x42);
	v = 'q';
	assert_int_equal(rv_bus_access(&f->mmio, 0x9000000, &v, 1, true), 0);
	assert_int_equal(drain_out(f, (char[4]){ 0 }, 4), 0);
	assert_int_equal(f->set_irq_calls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_linux_probe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thre_interrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loopback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out2_gates_irq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bus_rejects_bad_access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_errors_and_mmio, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
