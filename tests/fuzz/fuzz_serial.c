// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the 16550A UART (devices/serial8250.c) driven by a
 * guest: every register read and write in any order and value (the
 * divisor latch, FIFO control, loopback, interrupt enables), interleaved
 * with console input, through the real bus and console on pipes.
 *
 * Input: a sequence of 2-byte operations. op & 7: the register; op & 8:
 * write (else read); op & 0x10: instead feed 1 + (value % 64) bytes of
 * console input. The IRQ line must only ever change (the device reports
 * edges), checked by the fake set_irq.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_fx.h"
#include "vmm/console.h"
#include "vmm/loop.h"
#include "vmm/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int level;

static int fx_set_irq(void *opaque, unsigned int gsi, int l)
{
	fx_check(gsi == 4, "the UART raises its own line");
	fx_check(l != level, "the UART reports changes only");
	level = l;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct rv_device_cfg cfg = {
		.type = "serial8250",
		.name = "ttyS0",
		.space = RV_SPACE_PIO,
		.base = FX_PIO_PORT,
		.irq = 4,
		.console = true,
	};
	struct rv_device_env env;
	struct rv_console con;
	struct rv_loop loop;
	struct rv_bus pio, mmio;
	int in[2], out[2];
	char sink[4096];

	level = 0;
	rv_bus_init(&pio, "pio");
	rv_bus_init(&mmio, "mmio");
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC | O_NONBLOCK) || rv_loop_init(&loop, 8) ||
	    rv_console_init(&con, &loop, in[0], out[1]))
		abort();
	env = (struct rv_device_env){
		.pio = &pio,
		.mmio = &mmio,
		.console = &con,
		.set_irq = fx_set_irq,
	};
	if (rv_device_create(&env, &cfg))
		abort();
	for (size_t i = 0; i + 1 < size; i += 2) {
		uint8_t op = data[i], v = data[i + 1];

		if (op & 0x10) {
			uint8_t buf[64];

			memset(buf, v, sizeof(buf));
			con.rx(con.rx_opaque, buf, 1 + v % sizeof(buf));
		} else {
			rv_bus_access(&pio, FX_PIO_PORT + (op & 7), &v, 1, op & 8);
		}
		/* Keep the output pipe from filling: the host reads it. */
		if ((i & 0xff) == 0)
			while (read(out[0], sink, sizeof(sink)) > 0)
				;
	}
	rv_device_destroy_all(&env);
	rv_console_destroy(&con);
	rv_loop_destroy(&loop);
	rv_bus_destroy(&pio);
	rv_bus_destroy(&mmio);
	for (int i = 0; i < 2; i++) {
		close(in[i]);
		close(out[i]);
	}
	return 0;
}
