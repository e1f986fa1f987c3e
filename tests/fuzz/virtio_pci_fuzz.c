// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a hostile guest driving a virtio-pci function
 * (devices/virtio/pci.c on vmm/pci.c) through everything it can reach:
 * the configuration ports, BAR 1's registers (common configuration, ISR,
 * device config, MSI-X table and pending bits) and the notify port, at
 * any offset and width, with an echo device behind the queues and 64 KiB
 * of guest RAM. The input is a list of 8-byte accesses (target, width,
 * offset, value), then a snapshot of the result is saved and loaded back,
 * corrupted by the input's last bytes. Whatever they hold: no access
 * outside the RAM or the function (ASan), the ids and BAR addresses stay
 * the device's, every vector the driver chose lies in the table or is
 * "no vector", pending bits only for vectors that exist, and a loaded
 * state that was accepted keeps the same.
 *
 * Built without libFuzzer (-DRV_FUZZ_STANDALONE, as the unit suite does), a
 * main() feeds it deterministic pseudo-random inputs instead.
 */
#include <linux/pci_regs.h>
#include <linux/virtio_pci.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio/transport.h"
#include "devices/virtio/pci.h"
#include "vmm/bus.h"
#include "vmm/mem/translate.h"
#include "vmm/pci.h"
#include "vmm/util.h"

#define FUZZ_RAM_GPA 0x10000ULL
#define FUZZ_RAM_SIZE 0x10000ULL
#define FUZZ_NQ 3
#define FUZZ_CFG_PORT 0xcf8
#define FUZZ_STATE_MAX 8192

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The echo device: every chain comes back with its in_len written. */
static void fuzz_echo_notify(struct rv_virtio *t, unsigned int q)
{
	static struct rv_vq_chain c;

	while (rv_vq_pop(&t->q[q].vq, &c) == 1) {
		rv_vq_push(&t->q[q].vq, c.head, c.in_len);
		rv_virtio_used(t, q);
	}
}

static const struct rv_virtio_dev_ops fuzz_echo_ops = {
	.device_id = 42,
	.queue_notify = fuzz_echo_notify,
};

/* What must hold after any access. */
static void fuzz_check(const struct rv_virtio *t)
{
	const struct rv_virtio_pci *p = t->pci;

	if (rv_pci_get16(p->func.cfg + PCI_VENDOR_ID) != 0x1af4 ||
	    rv_pci_get16(p->func.cfg + PCI_DEVICE_ID) != 0x1040 + 42)
		abort();
	for (unsigned int bar = 0; bar < 2; bar++) {
		uint32_t v = rv_pci_get32(p->func.cfg + PCI_BASE_ADDRESS_0 + 4 * bar);
		uint32_t mask = rv_pci_get32(p->func.wmask + PCI_BASE_ADDRESS_0 + 4 * bar);

		/* Its own address, or the mask a sizing write reads back. */
		if ((v & mask) != (uint32_t)p->func.bar_addr[bar] && (v & mask) != mask)
			abort();
	}
	if (p->config_vector >= p->nr_vectors && p->config_vector != VIRTIO_MSI_NO_VECTOR)
		abort();
	for (unsigned int q = 0; q < RV_VIRTIO_MAX_QUEUES; q++)
		if (p->queue_vector[q] >= p->nr_vectors &&
		    p->queue_vector[q] != VIRTIO_MSI_NO_VECTOR)
			abort();
	if (p->pba >> p->nr_vectors)
		abort();
}

/* One access: byte 0 the target and direction, 1 the width, 2-3 the offset, 4-7 the value. */
static void fuzz_access(struct rv_bus *pio, struct rv_bus *mmio, const struct rv_virtio_pci *p,
			const uint8_t *a)
{
	static const unsigned int widths[] = { 1, 2, 4, 8 };
	unsigned int len = widths[a[1] & 3];
	uint32_t off = a[2] | a[3] << 8;
	bool wr = a[0] & 1;
	uint8_t v[8];

	memcpy(v, a + 4, 4);
	memcpy(v + 4, a + 4, 4);
	switch ((a[0] >> 1) % 4) {
	case 0: /* the address latch, mostly aimed at the function */
		v[0] = (uint8_t)off & 0xfc;
		v[1] = a[1] & 4 ? (uint8_t)(p->func.slot << 3) : v[1];
		v[3] |= 0x80;
		rv_bus_access(pio, FUZZ_CFG_PORT, v, 4, true);
		break;
	case 1: /* the data ports */
		rv_bus_access(pio, FUZZ_CFG_PORT + 4 + (off & 3), v, len > 4 ? 4 : len, wr);
		break;
	case 2: /* BAR 1, anywhere in its 16 KiB */
		rv_bus_access(mmio, p->regs + (off & 0x3fff), v, len, wr);
		break;
	default: /* the notify port */
		rv_bus_access(pio, p->notify + (off & 3), v, len > 4 ? 4 : len, wr);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rv_mem_region ram = { .gpa = FUZZ_RAM_GPA, .size = FUZZ_RAM_SIZE, .name = "ram" };
	struct rv_device_cfg cfg = { .type = "virtio-echo",
				     .name = "echo0",
				     .space = RV_SPACE_PCI };
	static uint8_t state[FUZZ_STATE_MAX];
	static struct rv_virtio t;
	struct rv_device dev = { .name = "echo0" };
	struct rv_bus pio, mmio;
	struct rv_device_env env;
	struct rv_mem mem = { 0 };
	struct rv_pci pci;
	uint8_t config[8] = { 0 };
	size_t i;
	int n;

	/* A broken queue is what a hostile guest gets; its warning is noise here. */
	rv_log_level = RV_LOG_ERROR;
	ram.host = calloc(1, FUZZ_RAM_SIZE);
	if (!ram.host)
		return 0;
	rv_bus_init(&pio, "pio");
	rv_bus_init(&mmio, "mmio");
	if (rv_mem_add(&mem, &ram, 0) ||
	    rv_pci_init(&pci, &pio, FUZZ_CFG_PORT, 0xd8000000, 0x1000000, 0xc000, 0x4000))
		abort();
	env = (struct rv_device_env){
		.pio = &pio, .mmio = &mmio, .pci = &pci, .mem = &mem, .vm_fd = -1
	};
	if (rv_virtio_init(&t, &env, &cfg, &dev, &fuzz_echo_ops, 0, FUZZ_NQ, config,
			   sizeof(config)))
		abort();
	/* The rings the driver may point its queues at: all of guest RAM, from the input. */
	for (i = 0; i + 8 <= size && i / 8 < 512; i += 8) {
		if (data[i] == 0xff && i + 8 + 64 <= size) {
			/* Guest RAM: 64 bytes at a chosen place, for rings and chains. */
			memcpy(ram.host + ((data[i + 2] | data[i + 3] << 8) & (FUZZ_RAM_SIZE - 64)),
			       data + i + 8, 64);
			i += 64;
			continue;
		}
		fuzz_access(&pio, &mmio, t.pci, data + i);
		fuzz_check(&t);
	}
	/* What the guest left, saved and loaded back, the input's tail flipping a byte. */
	pthread_mutex_lock(&t.lock);
	n = rv_virtio_save(&t, state, sizeof(state), NULL, NULL, 0);
	pthread_mutex_unlock(&t.lock);
	if (n > 0) {
		if (size >= 3)
			state[(data[size - 3] | data[size - 2] << 8) % (unsigned int)n] ^=
				data[size - 1];
		if (!rv_virtio_load_plain(&t, state, (size_t)n, RV_VIRTIO_STATE_VERSION))
			fuzz_check(&t);
	}
	rv_virtio_fini(&t);
	rv_pci_destroy(&pci);
	rv_bus_destroy(&pio);
	rv_bus_destroy(&mmio);
	free(ram.host);
	return 0;
}

#ifdef RV_FUZZ_STANDALONE
#include <stdio.h>

#include "fuzz_rand.h"

int main(int argc, char **argv)
{
	static uint8_t buf[4096];
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	int runs = argc > 1 ? atoi(argv[1]) : 2000;

	for (int r = 0; r < runs; r++) {
		size_t len = rv_fuzz_rand(&seed) % sizeof(buf);

		for (size_t i = 0; i < len; i++)
			buf[i] = rv_fuzz_rand(&seed);
		/* Mostly BAR 1 writes in the common configuration, so queues get set up. */
		for (size_t i = 0; r % 2 && i + 8 <= len; i += 8) {
			if (rv_fuzz_rand(&seed) % 4)
				continue;
			buf[i] = 2 << 1 | 1;
			buf[i + 2] = (uint8_t)(rv_fuzz_rand(&seed) % 0x40);
			buf[i + 3] = 0;
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("%d inputs, no fault\n", runs);
	return 0;
}
#endif
