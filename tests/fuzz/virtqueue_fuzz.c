// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a split virtqueue walked over guest memory the input
 * fills. The first bytes choose the queue (size, ring addresses, features),
 * the rest is 64 KiB of guest RAM holding rings, tables and buffers. The
 * device side must pop and push without touching anything outside that RAM
 * (ASan watches the malloc'ed region) and must end: each pop consumes a slot.
 *
 *   clang -fsanitize=fuzzer,address -I. tests/fuzz/virtqueue_fuzz.c \
 *         devices/virtio/virtqueue.c vmm/mem/translate.c vmm/util.c
 *
 * Built without libFuzzer (-DRV_FUZZ_STANDALONE, as the unit suite does), a
 * main() feeds it deterministic pseudo-random inputs instead.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio/virtqueue.h"
#include "vmm/mem/translate.h"

#define FUZZ_RAM_GPA 0x10000ULL
#define FUZZ_RAM_SIZE 0x10000ULL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rv_mem_region ram = { .gpa = FUZZ_RAM_GPA, .size = FUZZ_RAM_SIZE, .name = "ram" };
	static struct rv_vq_chain c;
	struct rv_mem mem = { 0 };
	struct rv_vq vq = { 0 };
	uint8_t hdr[16] = { 0 };
	int popped = 0;

	memcpy(hdr, data, size < sizeof(hdr) ? size : sizeof(hdr));
	ram.host = calloc(1, FUZZ_RAM_SIZE);
	if (!ram.host)
		return 0;
	if (size > sizeof(hdr))
		memcpy(ram.host, data + sizeof(hdr),
		       size - sizeof(hdr) < FUZZ_RAM_SIZE ? size - sizeof(hdr) : FUZZ_RAM_SIZE);
	if (rv_mem_add(&mem, &ram, 0))
		goto out;
	vq.size = hdr[0] | hdr[1] << 8;
	/* Ring addresses near RAM (sometimes outside it), as 16-bit offsets. */
	vq.desc_gpa = FUZZ_RAM_GPA - 0x100 + (hdr[2] | hdr[3] << 8);
	vq.avail_gpa = FUZZ_RAM_GPA - 0x100 + (hdr[4] | hdr[5] << 8);
	vq.used_gpa = FUZZ_RAM_GPA - 0x100 + (hdr[6] | hdr[7] << 8);
	vq.event_idx = hdr[8] & 1;
	vq.indirect = hdr[8] & 2;
	if (rv_vq_start(&vq, &mem))
		goto out;
	vq.last_avail = vq.used_idx = hdr[9] | hdr[10] << 8;
	for (int i = 0; i < 2 * RV_VQ_MAX_SIZE; i++) {
		int ret = rv_vq_pop(&vq, &c);

		if (ret <= 0)
			break;
		popped++;
		/* Every buffer handed out lies in guest RAM. */
		for (unsigned int b = 0; b < c.nr_out + c.nr_in; b++) {
			uint8_t *p = c.iov[b].iov_base;

			if (p < ram.host || p + c.iov[b].iov_len > ram.host + FUZZ_RAM_SIZE)
				abort();
			if (b >= c.nr_out)
				memset(p, 0xa5, c.iov[b].iov_len);
		}
		if (hdr[11] & 1) {
			rv_vq_push(&vq, c.head, c.in_len);
			rv_vq_should_interrupt(&vq);
		}
	}
	rv_vq_enable_notify(&vq);
	/* More pops than the ring can hold without pushes: the bound failed. */
	if (!(hdr[11] & 1) && popped > vq.size)
		abort();
out:
	free(ram.host);
	return 0;
}

#ifdef RV_FUZZ_STANDALONE
#include <stdio.h>

#include "fuzz_rand.h"

int main(int argc, char **argv)
{
	static uint8_t buf[16 + FUZZ_RAM_SIZE];
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	int runs = argc > 1 ? atoi(argv[1]) : 3000;

	for (int r = 0; r < runs; r++) {
		size_t len = 16 + rv_fuzz_rand(&seed) % 4096;

		for (size_t i = 0; i < len; i++)
			buf[i] = rv_fuzz_rand(&seed);
		/* Mostly sane headers, so the walk gets past rv_vq_start(). */
		if (r % 4) {
			buf[0] = 1u << (rv_fuzz_rand(&seed) % 9);
			buf[1] = 0;
			buf[3] = 0x01;
			buf[2] = 0x00; /* desc at RAM */
			buf[5] = 0x11;
			buf[4] = 0x00;
			buf[7] = 0x21;
			buf[6] = 0x00;
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("%d inputs, no fault\n", runs);
	return 0;
}
#endif
