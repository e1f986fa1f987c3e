// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the 16550A's snapshot ops (devices/serial8250.c save/load)
 * in the fixture's fake machine (serial8250_fx.c). A programmed UART with
 * bytes waiting in its receive FIFO is saved, scribbled over, and loaded:
 * every register, the divisor latch and the FIFO's bytes read back as they
 * were, and the interrupt line is driven from the loaded registers. A state
 * of another version or size, or with receive FIFO indices out of bounds,
 * is refused with -EINVAL and a message naming the device.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/device.h"
#include "vmm/util.h"
#include "serial8250_fx.h"

static struct rv_device *uart(struct fx *f)
{
	assert_non_null(f->env.devices);
	assert_non_null(f->env.devices->ops->save);
	return f->env.devices;
}

/* Divisor 12, 8N1, FIFOs on, receive interrupts, OUT2; "abc" received. */
static void program(struct fx *f)
{
	outb(f, LCR, 0x80);
	outb(f, DLL, 0x0c);
	outb(f, DLM, 0x00);
	outb(f, LCR, 0x03);
	outb(f, FCR, 0x01);
	outb(f, MCR, 0x0b);
	outb(f, SCR, 0x5a);
	outb(f, IER, 0x01);
	assert_int_equal(feed(f, "abc", 3), 3);
	assert_int_equal(f->level, 1);
}

static void test_roundtrip(void **state)
{
	struct fx *f = *state;
	struct rv_device *d = uart(f);
	uint8_t buf[256];
	int n;

	program(f);
	n = d->ops->save(d, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(d->ops->save(d, buf, 4), -ENOSPC);

	/* Another UART entirely: read the FIFO empty, reprogram everything. */
	for (int i = 0; i < 3; i++)
		inb(f, RBR);
	outb(f, IER, 0);
	outb(f, SCR, 0);
	outb(f, LCR, 0x80);
	outb(f, DLL, 0x01);
	outb(f, LCR, 0x00);
	assert_int_equal(f->level, 0);

	assert_int_equal(d->ops->load(d, buf, (size_t)n, d->ops->state_version), 0);
	/* Data waiting with ERBFI: the line is up again. */
	assert_int_equal(f->level, 1);
	assert_int_equal(inb(f, IER), 0x01);
	assert_int_equal(inb(f, LCR), 0x03);
	assert_int_equal(inb(f, MCR), 0x0b);
	assert_int_equal(inb(f, SCR), 0x5a);
	outb(f, LCR, 0x83);
	assert_int_equal(inb(f, DLL), 0x0c);
	assert_int_equal(inb(f, DLM), 0x00);
	outb(f, LCR, 0x03);
	assert_int_equal(inb(f, RBR), 'a');
	assert_int_equal(inb(f, RBR), 'b');
	assert_int_equal(inb(f, RBR), 'c');
	/* FIFO empty: the receive interrupt goes. */
	assert_int_equal(f->level, 0);
}

static void test_refused(void **state)
{
	struct fx *f = *state;
	struct rv_device *d = uart(f);
	uint8_t buf[256], bad[256];
	uint32_t v;
	int n;

	program(f);
	n = d->ops->save(d, buf, sizeof(buf));
	assert_true(n > 16);
	rv_err_clear();
	assert_int_equal(d->ops->load(d, buf, (size_t)n, d->ops->state_version + 1), -EINVAL);
	assert_non_null(strstr(rv_err_msg(), d->name));
	rv_err_clear();
	assert_int_equal(d->ops->load(d, buf, (size_t)n - 1, d->ops->state_version), -EINVAL);
	rv_err_clear();
	/* rx_head, then rx_count (after 8 registers, the divisor, 2 flags). */
	memcpy(bad, buf, (size_t)n);
	v = 16;
	memcpy(bad + 12, &v, sizeof(v));
	assert_int_equal(d->ops->load(d, bad, (size_t)n, d->ops->state_version), -EINVAL);
	assert_non_null(strstr(rv_err_msg(), "receive FIFO"));
	rv_err_clear();
	memcpy(bad, buf, (size_t)n);
	v = 17;
	memcpy(bad + 16, &v, sizeof(v));
	assert_int_equal(d->ops->load(d, bad, (size_t)n, d->ops->state_version), -EINVAL);
	rv_err_clear();
	/* Nothing was changed by the refusals. */
	assert_int_equal(inb(f, SCR), 0x5a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
