// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the 16550A against the machine around it (fixture:
 * serial8250_fx.c): the RX FIFO with console backpressure, directly and
 * through the real event loop; a stdout nobody reads throttling the guest
 * through LSR (the console's buffer is bounded); a writer and a reader vCPU
 * at once; and
 * with a coalescing engine over an injected kernel ring (KVM faked): THR
 * writes go through the device's ring, are handled before the next
 * register access (a DLL write before the LCR write that clears DLAB,
 * bytes before the LSR read), and only then raise THRE.
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
		cmocka_unit_test_setup_teardown(test_rx_fifo_backpressure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_through_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_throttle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coalesced_thr, setup_coalesced, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
