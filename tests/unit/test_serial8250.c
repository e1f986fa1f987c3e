// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the 16550A driven through the I/O bus the way a guest does:
 * Linux's 8250 probe, transmit order, the THRE interrupt's IIR-read and
 * IER-retrigger rules, the RX FIFO with console backpressure (directly and
 * through the real event loop), loopback, OUT2 gating, and garbage writes.
 * The env is fake: real buses, a set_irq that records levels, a console
 * whose output is a pipe. With a coalescing engine over an injected kernel
 * ring (KVM faked): THR writes go through the device's ring, are handled
 * before the next register access (a DLL write before the LCR write that
 * clears DLAB, bytes before the LSR read), and only then raise THRE.
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

#define BASE 0x3f8
#define IRQ 4

enum { RBR, IER, IIR, LCR, MCR, LSR, MSR, SCR };
#define FCR IIR
#define THR RBR
#define DLL RBR
#define DLM IER

/* A fake KVM for the coalescing engine: caps present, zones recorded. */
static struct kvm_coalesced_mmio_zone kvm_zones[4];
static unsigned int kvm_nr_zones, kvm_nr_unreg;

int rv_kvm_cap(int fd, long cap)
{
	return cap == KVM_CAP_COALESCED_MMIO ? 2 : cap == KVM_CAP_COALESCED_PIO;
}

int rv_kvm_ioctl_named(int fd, unsigned long req, unsigned long arg, const char *name)
{
	assert_int_equal(req, KVM_REGISTER_COALESCED_MMIO);
	assert_true(kvm_nr_zones < 4);
	kvm_zones[kvm_nr_zones++] = *(struct kvm_coalesced_mmio_zone *)arg;
	return 0;
}

int __rv_kvm_ioctl(int fd, unsigned long req, unsigned long arg)
{
	assert_int_equal(req, KVM_UNREGISTER_COALESCED_MMIO);
	kvm_nr_unreg++;
	return 0;
}

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

static int fake_set_irq(void *opaque, unsigned int gsi, int level)
{
	struct fx *f = opaque;

	assert_int_equal(gsi, IRQ);
	/* The device reports changes only. */
	assert_int_not_equal(level, f->level);
	f->level = level;
	f->raises += level;
	f->set_irq_calls++;
	return 0;
}

static void outb(struct fx *f, unsigned int reg, uint8_t v)
{
	assert_int_equal(rv_bus_access(&f->pio, BASE + reg, &v, 1, true), 0);
}

static uint8_t inb(struct fx *f, unsigned int reg)
{
	uint8_t v;

	assert_int_equal(rv_bus_access(&f->pio, BASE + reg, &v, 1, false), 0);
	return v;
}

/* What the console hands the device (the device's rx callback). */
static size_t feed(struct fx *f, const void *buf, size_t len)
{
	return f->con.rx(f->con.rx_opaque, buf, len);
}

/* Was rv_console_rx_ready() called since last asked? */
static bool ready_kicked(struct fx *f)
{
	uint64_t v;

	return read(f->con.ready_fd, &v, sizeof(v)) == sizeof(v);
}

static size_t drain_out(struct fx *f, char *buf, size_t len)
{
	ssize_t n = read(f->out[0], buf, len);

	return n < 0 ? 0 : n;
}

static int setup_env(void **state, bool coalesce)
{
	struct fx *f = calloc(1, sizeof(*f));
	const struct rv_device_cfg cfg = {
		.type = "serial8250",
		.name = "ttyS0",
		.space = RV_SPACE_PIO,
		.base = BASE,
		.irq = IRQ,
		.console = true,
	};

	assert_non_null(f);
	rv_bus_init(&f->pio, "pio");
	rv_bus_init(&f->mmio, "mmio");
	assert_int_equal(pipe2(f->in, O_CLOEXEC), 0);
	/*
	 * With coalescing, the output is a packet socket: each console write
	 * is one packet, so a test sees how the bytes were batched.
	 */
	if (coalesce)
		assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK,
					    0, f->out),
				 0);
	else
		assert_int_equal(pipe2(f->out, O_CLOEXEC | O_NONBLOCK), 0);
	assert_int_equal(rv_loop_init(&f->loop, 16), 0);
	assert_int_equal(rv_console_init(&f->con, &f->loop, f->in[0], f->out[1]), 0);
	f->env = (struct rv_device_env){
		.pio = &f->pio,
		.mmio = &f->mmio,
		.console = &f->con,
		.set_irq = fake_set_irq,
		.irq_opaque = f,
	};
	if (coalesce) {
		/* The kernel ring is a page we fill the way KVM does. */
		f->kring = aligned_alloc(4096, 4096);
		assert_non_null(f->kring);
		memset(f->kring, 0, 4096);
		f->kcap = (4096 - sizeof(*f->kring)) / sizeof(f->kring->coalesced_mmio[0]);
		kvm_nr_zones = kvm_nr_unreg = 0;
		assert_int_equal(rv_coalesce_create(&f->coalesce, RV_COALESCE_PER_DEVICE, -1,
						    f->kring, 4096, NULL, 0),
				 0);
		f->env.coalesce = f->coalesce;
	}
	assert_int_equal(rv_device_create(&f->env, &cfg), 0);
	assert_non_null(f->con.rx);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_env(state, false);
}

static int setup_coalesced(void **state)
{
	return setup_env(state, true);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	/* The engine before the devices: it may still hand them entries. */
	rv_coalesce_destroy(f->coalesce);
	free(f->kring);

	rv_device_destroy_all(&f->env);
	assert_null(f->con.rx); /* the device detached itself */
	rv_console_destroy(&f->con);
	rv_loop_destroy(&f->loop);
	rv_bus_destroy(&f->pio);
	rv_bus_destroy(&f->mmio);
	for (int i = 0; i < 2; i++) {
		close(f->in[i]);
		close(f->out[i]);
	}
	free(f);
	return 0;
}

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

static void test_rx_fifo_backpressure(void **state)
{
	struct fx *f = *state;
	uint8_t in[20];

	for (int i = 0; i < 20; i++)
		in[i] = 'a' + i;
	outb(f, FCR, 0x07); /* FIFO on, both cleared, trigger 1 */
	outb(f, MCR, 0x08);
	outb(f, IER, 0x01);
	(void)ready_kicked(f); /* forget the kick attach() gives */
	assert_int_equal(inb(f, LSR) & 0x01, 0);
	assert_int_equal(f->level, 0);

	/* 16 fit; the rest stays with the console. */
	assert_int_equal(feed(f, in, 20), 16);
	assert_int_equal(feed(f, in + 16, 4), 0);
	assert_int_equal(inb(f, LSR) & 0x01, 0x01);
	assert_int_equal(f->level, 1);
	assert_int_equal(inb(f, IIR), 0xc4);
	assert_false(ready_kicked(f));

	/* Reading one byte makes room: the console is told. */
	assert_int_equal(inb(f, RBR), 'a');
	assert_true(ready_kicked(f));
	assert_int_equal(feed(f, in + 16, 4), 1);
	for (int i = 1; i < 17; i++) {
		assert_int_equal(inb(f, LSR) & 0x01, 0x01);
		assert_int_equal(inb(f, RBR), 'a' + i);
		/* One kick per refusal, not one per byte read. */
		assert_int_equal(ready_kicked(f), i == 1);
	}
	assert_int_equal(inb(f, LSR) & 0x01, 0);
	assert_int_equal(f->level, 0);
	assert_int_equal(inb(f, IIR), 0xc1);
	(void)inb(f, RBR);
	assert_false(ready_kicked(f));

	/* Trigger level 14: fewer bytes read as a character timeout. */
	outb(f, FCR, 0xc1);
	assert_int_equal(feed(f, in, 3), 3);
	assert_int_equal(inb(f, IIR), 0xcc);
	assert_int_equal(feed(f, in, 11), 11);
	assert_int_equal(inb(f, IIR), 0xc4);
	outb(f, FCR, 0xc3); /* clear RX */
	assert_int_equal(inb(f, LSR) & 0x01, 0);

	/* FIFO off (clears it, FCR bit 0): one byte, the RBR. */
	assert_int_equal(feed(f, in, 2), 2);
	outb(f, FCR, 0);
	assert_int_equal(inb(f, LSR) & 0x01, 0);
	assert_int_equal(feed(f, in, 5), 1);
	assert_int_equal(inb(f, IIR), 0x04);
	assert_int_equal(inb(f, RBR), 'a');
	assert_true(ready_kicked(f));
	/* An empty RBR reads the last byte again and changes nothing. */
	assert_int_equal(inb(f, RBR), 'a');
	assert_int_equal(inb(f, LSR) & 0x01, 0);
}

static void on_tick(void *opaque, int res)
{
	struct fx *f = opaque;

	(void)res;
	if (f->cond(f) || rv_now_ns() > f->deadline)
		rv_loop_stop(&f->loop);
}

static bool rx_ready_bit(struct fx *f)
{
	return inb(f, LSR) & 0x01;
}

/* Console input through the loop, with a guest reading in bursts. */
static void test_rx_through_loop(void **state)
{
	struct fx *f = *state;
	uint8_t in[100], got[100];
	size_t n = 0;

	for (int i = 0; i < 100; i++)
		in[i] = (uint8_t)(i * 37);
	assert_int_equal(rv_loop_add_timer(&f->loop, &f->tick, 1000000, on_tick, f, "test tick"),
			 0);
	outb(f, FCR, 0x01);
	assert_int_equal(rv_write_all(f->in[1], in, sizeof(in)), 0);
	while (n < sizeof(in)) {
		f->cond = rx_ready_bit;
		f->deadline = rv_now_ns() + 2000000000ULL;
		f->loop.stopping = false;
		assert_int_equal(rv_loop_run(&f->loop), 0);
		assert_true(rx_ready_bit(f));
		/* Drain what is there, as Linux's rx_chars does. */
		while ((inb(f, LSR) & 0x01) && n < sizeof(got))
			got[n++] = inb(f, RBR);
	}
	assert_memory_equal(got, in, sizeof(in));
	assert_int_equal(inb(f, LSR) & 0x01, 0);
}

/* What the reader of stdout got (tx throttle test). */
static uint8_t tx_got[160 * 1024];
static size_t tx_got_len, tx_want;

/* The reader comes back: read stdout until all came and THR is empty. */
static bool tx_read_all(struct fx *f)
{
	ssize_t n = read(f->out[0], tx_got + tx_got_len, sizeof(tx_got) - tx_got_len);

	if (n > 0)
		tx_got_len += n;
	return tx_got_len >= tx_want && (inb(f, LSR) & 0x20);
}

/*
 * A stdout nobody reads throttles the guest, not the VMM: THR writes never
 * block; once the console's buffer is full, LSR says THRE and TEMT clear
 * and no THRE interrupt comes; bytes written regardless beyond the queue
 * are counted as dropped; when the reader comes back, THR empties, the
 * THRE interrupt comes, and what was taken arrives once and in order.
 * Before the bounded console, THRE never cleared and the write blocked.
 */
static void test_tx_throttle(void **state)
{
	struct fx *f = *state;
	size_t n = 0;
	char *json = NULL;
	size_t json_len = 0;
	FILE *mem;

	fcntl(f->out[1], F_SETPIPE_SZ, 4096);
	outb(f, MCR, 0x08); /* OUT2: the interrupt reaches the line */
	outb(f, IER, 0x02); /* ETBEI */
	assert_int_equal(inb(f, IIR), 0x02);
	while ((inb(f, LSR) & 0x60) == 0x60 && n < sizeof(tx_got) - 1024)
		outb(f, THR, (uint8_t)(n++ * 13));
	assert_true(n > RV_CONSOLE_OUT_SIZE);
	assert_true(n < sizeof(tx_got) - 1024);
	assert_int_equal(inb(f, LSR) & 0x60, 0);
	assert_int_equal(inb(f, IIR), 0x01);
	assert_int_equal(f->level, 0);
	/* 300 more, LSR ignored: 255 fit behind the one queued, 45 are lost. */
	for (int i = 0; i < 300; i++)
		outb(f, THR, (uint8_t)(n++ * 13));
	mem = open_memstream(&json, &json_len);
	rv_device_stats_json(f->env.devices, mem);
	fclose(mem);
	assert_non_null(strstr(json, "\"tx_dropped\": 45"));
	free(json);

	assert_int_equal(rv_loop_add_timer(&f->loop, &f->tick, 1000000, on_tick, f, "test tick"),
			 0);
	tx_got_len = 0;
	tx_want = n - 45;
	f->cond = tx_read_all;
	f->deadline = rv_now_ns() + 5000000000ULL;
	assert_int_equal(rv_loop_run(&f->loop), 0);
	assert_int_equal(inb(f, LSR) & 0x60, 0x60);
	assert_int_equal(f->level, 1);
	assert_int_equal(inb(f, IIR), 0x02);
	assert_int_equal(tx_got_len, n - 45);
	for (size_t i = 0; i < tx_got_len; i++)
		assert_int_equal(tx_got[i], (uint8_t)(i * 13));
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

#define CONC_TX 4000
#define CONC_RX 3000

struct conc {
	struct fx *f;
	uint8_t tag;
	uint8_t got[CONC_RX];
};

/* A vCPU printing: every byte carries its writer (bit 7) and a sequence. */
static void *conc_writer(void *arg)
{
	struct conc *c = arg;

	for (int i = 0; i < CONC_TX; i++) {
		while (!(inb(c->f, LSR) & 0x20))
			;
		outb(c->f, THR, c->tag | (i & 0x7f));
	}
	return NULL;
}

/* A vCPU reading input as it arrives. */
static void *conc_reader(void *arg)
{
	struct conc *c = arg;

	for (int n = 0; n < CONC_RX;) {
		if (inb(c->f, LSR) & 0x01)
			c->got[n++] = inb(c->f, RBR);
		else
			sched_yield();
	}
	return NULL;
}

static void test_concurrent(void **state)
{
	struct fx *f = *state;
	struct conc w0 = { .f = f, .tag = 0 }, w1 = { .f = f, .tag = 0x80 };
	struct conc rd = { .f = f };
	static uint8_t in[CONC_RX], out[2 * CONC_TX];
	pthread_t t[3];
	size_t len = 0, seq[2] = { 0, 0 };

	for (int i = 0; i < CONC_RX; i++)
		in[i] = (uint8_t)(i * 13 + 1);
	outb(f, FCR, 0x01);
	outb(f, MCR, 0x0b);
	outb(f, IER, 0x03);
	assert_int_equal(pthread_create(&t[0], NULL, conc_writer, &w0), 0);
	assert_int_equal(pthread_create(&t[1], NULL, conc_writer, &w1), 0);
	assert_int_equal(pthread_create(&t[2], NULL, conc_reader, &rd), 0);
	/* This thread plays the event loop: offer input, keep what is refused. */
	for (size_t off = 0; off < CONC_RX;) {
		size_t n = feed(f, in + off, CONC_RX - off);

		off += n;
		if (!n)
			sched_yield();
	}
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);

	assert_memory_equal(rd.got, in, CONC_RX);
	/* Both writers' bytes all arrive, each writer's in its own order. */
	len = drain_out(f, (char *)out, sizeof(out));
	assert_int_equal(len, 2 * CONC_TX);
	for (size_t i = 0; i < len; i++) {
		int w = out[i] >> 7;

		assert_int_equal(out[i] & 0x7f, seq[w] & 0x7f);
		seq[w]++;
	}
	assert_int_equal(seq[0], CONC_TX);
	assert_int_equal(seq[1], CONC_TX);
}

/* KVM coalescing a guest's write to THR (api.rst, KVM_REGISTER_COALESCED_MMIO): slot, then last. */
static void kernel_thr(struct fx *f, uint8_t v)
{
	struct kvm_coalesced_mmio *k = &f->kring->coalesced_mmio[f->kring->last];

	assert_int_not_equal((f->kring->last + 1) % f->kcap, f->kring->first);
	*k = (struct kvm_coalesced_mmio){ .phys_addr = BASE + THR, .len = 1, .pio = 1 };
	k->data[0] = v;
	__atomic_store_n(&f->kring->last, (f->kring->last + 1) % f->kcap, __ATOMIC_RELEASE);
}

/* An access that exits: what the vCPU's exit handler does for it. */
static void exit_outb(struct fx *f, unsigned int reg, uint8_t v)
{
	rv_coalesce_before_exit(f->coalesce, f->env.devices->coalesce);
	outb(f, reg, v);
}

static uint8_t exit_inb(struct fx *f, unsigned int reg)
{
	rv_coalesce_before_exit(f->coalesce, f->env.devices->coalesce);
	return inb(f, reg);
}

static void test_coalesced_thr(void **state)
{
	struct fx *f = *state;
	char out[16] = { 0 }, *json = NULL;
	size_t json_len;
	FILE *mem;

	/* THR alone is a zone: one port, a port zone. */
	assert_int_equal(kvm_nr_zones, 1);
	assert_int_equal(kvm_zones[0].addr, BASE);
	assert_int_equal(kvm_zones[0].size, 1);
	assert_int_equal(kvm_zones[0].pio, 1);
	assert_non_null(f->env.devices->coalesce);

	/* Linux's console: LSR, THR, LSR, THR... Bytes go out at the next read. */
	exit_outb(f, LCR, 0x03);
	assert_true(exit_inb(f, LSR) & 0x20);
	kernel_thr(f, 'h');
	assert_true(exit_inb(f, LSR) & 0x20);
	kernel_thr(f, 'i');
	assert_int_equal(drain_out(f, out, sizeof(out)), 1);
	assert_int_equal(out[0], 'h');
	(void)exit_inb(f, LSR);
	assert_int_equal(drain_out(f, out, sizeof(out)), 1);
	assert_int_equal(out[0], 'i');

	/* A DLL write through offset 0 is handled before DLAB is cleared. */
	exit_outb(f, LCR, 0x83);
	kernel_thr(f, 12);
	exit_outb(f, LCR, 0x03);
	assert_int_equal(drain_out(f, out, sizeof(out)), 0); /* not transmitted */
	exit_outb(f, LCR, 0x83);
	assert_int_equal(exit_inb(f, DLL), 12);
	exit_outb(f, LCR, 0x03);

	/* THRE is raised when the write is handled, which a read forces. */
	exit_outb(f, MCR, 0x08);
	exit_outb(f, IER, 0x02);
	assert_int_equal(exit_inb(f, IIR), 0x02);
	assert_int_equal(f->level, 0);
	for (int i = 0; i < 16; i++) /* serial8250_tx_chars(): a FIFO's worth */
		kernel_thr(f, 'A' + i);
	assert_int_equal(f->level, 0);
	assert_int_equal(exit_inb(f, IIR), 0x02);
	/* One drain, one console write (one packet) for its 16 bytes. */
	assert_int_equal(drain_out(f, out, sizeof(out)), 16);
	assert_memory_equal(out, "ABCDEFGHIJKLMNOP", 16);
	assert_int_equal(drain_out(f, out, sizeof(out)), 0);

	/* A THR write that exits goes out after the deferred ones, in order. */
	kernel_thr(f, 'x');
	kernel_thr(f, 'y');
	exit_outb(f, THR, 'z');
	assert_int_equal(drain_out(f, out, sizeof(out)), 2);
	assert_memory_equal(out, "xy", 2);
	assert_int_equal(drain_out(f, out, sizeof(out)), 1);
	assert_int_equal(out[0], 'z');

	/* The timer's flush, without any access. */
	kernel_thr(f, '!');
	rv_coalesce_flush_all(f->coalesce);
	assert_int_equal(drain_out(f, out, sizeof(out)), 1);

	mem = open_memstream(&json, &json_len);
	assert_non_null(mem);
	rv_device_stats_json(f->env.devices, mem);
	fclose(mem);
	assert_non_null(strstr(json, "\"tx_bytes\": 22"));
	assert_non_null(strstr(json, "\"coalesced_writes\": 22"));
	assert_non_null(strstr(json, "\"zones\": 1"));
	assert_non_null(strstr(json, "\"ring_entries\": 256"));
	assert_non_null(strstr(json, "\"ring_high_water\": 16"));
	free(json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_linux_probe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thre_interrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_fifo_backpressure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_through_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_throttle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loopback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out2_gates_irq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bus_rejects_bad_access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_errors_and_mmio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coalesced_thr, setup_coalesced, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
