// SPDX-License-Identifier: GPL-2.0
/*
 * Description: split virtqueues, device side (devices/virtio/virtqueue.c), driven
 * by a fake driver (vq_fx.c) over a fake guest memory of malloc'ed regions
 * (so ASan sees any access a missed check lets through). Valid chains,
 * direct and indirect; every kind of garbage a driver can write (loops,
 * out-of-range indices and addresses, wrapping and huge lengths, nested or
 * chained indirect tables, avail->idx running ahead, a queue size that is
 * not a power of two, rings in ROM) breaks the queue with the right reason
 * and nothing is popped; EVENT_IDX and NO_INTERRUPT suppression.
 */
#include <errno.h>
#include <linux/virtio_ring.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devices/virtio/virtqueue.h"
#include "vq_fx.h"

#define N 16
#define F_NEXT VRING_DESC_F_NEXT
#define F_WRITE VRING_DESC_F_WRITE
#define F_IND VRING_DESC_F_INDIRECT

struct t {
	struct vq_fx f;
	struct rv_vq vq;
	struct rv_vq_chain c;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	vq_fx_init_started(&t->f, &t->vq, N, true);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	vq_fx_fini(&t->f);
	free(t);
	return 0;
}

/* The queue broke for @why and nothing more comes out of it. */
static void assert_broken(struct t *t, enum rv_vq_error why)
{
	assert_int_equal(rv_vq_pop(&t->vq, &t->c), -EIO);
	assert_true(rv_vq_broken(&t->vq));
	assert_string_equal(rv_vq_error_name(t->vq.error), rv_vq_error_name(why));
	assert_int_equal(rv_vq_pop(&t->vq, &t->c), -EIO);
	assert_int_equal(rv_vq_push(&t->vq, 0, 0), -EIO);
}

static void test_empty_ring(void **state)
{
	struct t *t = *state;

	assert_int_equal(rv_vq_pop(&t->vq, &t->c), 0);
	assert_false(rv_vq_broken(&t->vq));
}

static void test_chain_out_then_in(void **state)
{
	struct t *t = *state;
	uint32_t id, len;

	vq_fx_desc(&t->f, 3, VQ_FX_DATA, 16, F_NEXT, 7);
	vq_fx_desc(&t->f, 7, VQ_FX_DATA + 0x1000, 512, F_NEXT | F_WRITE, 1);
	vq_fx_desc(&t->f, 1, VQ_FX_DATA + 0x2000, 1, F_WRITE, 0);
	vq_fx_avail(&t->f, 3);
	assert_int_equal(rv_vq_pop(&t->vq, &t->c), 1);
	assert_int_equal(t->c.head, 3);
	assert_int_equal(t->c.nr_out, 1);
	assert_int_equal(t->c.nr_in, 2);
	assert_int_equal(t->c.out_len, 16);
	assert_int_equal(t->c.in_len, 513);
	assert_ptr_equal(t->c.iov[0].iov_base, vq_fx_host(&t->f, VQ_FX_DATA));
	assert_ptr_equal(t->c.iov[1].iov_base, vq_fx_host(&t->f, VQ_FX_DATA + 0x1000));
	assert_int_equal(t->c.iov[2].iov_len, 1);
	assert_int_equal(rv_vq_pop(&t->vq, &t->c), 0);

	assert_int_equal(rv_vq_push(&t->vq, 3, 513), 0);
	assert_int_equal(vq_fx_used_idx(&t->f), 1);
	vq_fx_used_elem(&t->f, 0, &id, &len);
	assert_int_equal(id, 3);
	assert_int_equal(len, 513);
	/* Pushing more than was popped is the device's bug, caught. */
	assert_int_equal(rv_vq_push(&t->vq, 3, 0), -EIO);
}

static void test_ring_wraps_16bit_index(void **state)
{
	struct t *t = *state;

	/* Indices are free-running u16: start just below the wrap. */
	t->vq.last_avail = t->vq.used_idx = 0xfffe;
	vq_fx_set_avail_idx(&t->f, 0xfffe);
	vq_fx_desc(&t->f, 0, VQ_FX_DATA, 8, 0, 0);
	for (int i = 0; i < 4; i++) {
		vq_fx_avail(&t->f, 0);
		assert_int_equal(rv_vq_pop(&t->vq, &t->c), 1);
		assert_int_equal(rv_vq_push(&t->vq, 0, 0), 0);
	}
	assert_int_equal(t->vq.last_avail, 2);
	assert_int_equal(vq_fx_used_idx(&t->f), 2);
	assert_false(rv_vq_broken(&t->vq));
}

static void test_indirect(void **state)
{
	struct t *t = *state;
	uint64_t table = VQ_FX_DATA + 0x8000;

	vq_fx_desc_at(&t->f, table, 0, VQ_FX_DATA, 16, F_NEXT, 2);
	vq_fx_desc_at(&t->f, table, 2, VQ_FX_DATA + 0x100, 4096, F_NEXT | F_WRITE, 1);
	vq_fx_desc_at(&t->f, table, 1, VQ_FX_DATA + 0x3000, 1, F_WRITE, 0);
	vq_fx_desc(&t->f, 5, table, 3 * 16, F_IND, 0);
	vq_fx_avail(&t->f, 5);
	assert_int_equal(rv_vq_pop(&t->vq, &t->c), 1);
	assert_int_equal(t->c.head, 5);
	assert_int_equal(t->c.nr_out, 1);
	assert_int_equal(t->c.nr_in, 2);
	assert_int_equal(t->c.in_len, 4097);
}

static void test_indirect_not_negotiated(void **state)
{
	struct t *t = *state;

	t->vq.indirect = false;
	vq_fx_desc_at(&t->f, VQ_FX_DATA, 0, VQ_FX_DATA, 16, 0, 0);
	vq_fx_desc(&t->f, 0, VQ_FX_DATA, 16, F_IND, 0);
	vq_fx_avail(&t->f, 0);
	assert_broken(t, RV_VQ_E_INDIRECT);
}

static void test_indirect_nested(void **state)
{
	struct t *t = *state;
	uint64_t table = VQ_FX_DATA + 0x8000;

	vq_fx_desc_at(&t->f, table, 0, table, 16, F_IND, 0);
	vq_fx_desc(&t->f, 0, table, 16, F_IND, 0);
	vq_fx_avail(&t->f, 0);
	assert_broken(t, RV_VQ_E_INDIRECT);
}

static void test_indirect_with_next(void **state)
{
	struct t *t = *state;
	uint64_t table = VQ_FX_DATA + 0x8000;

	vq_fx_desc_at(&t->f, table, 0, VQ_FX_DATA, 16, 0, 0);
	vq_fx_desc(&t->f, 0, table, 16, F_IND | F_NEXT, 1);
	vq_fx_desc(&t->f, 1, VQ_FX_DATA, 16, 0, 0);
	vq_fx_avail(&t->f, 0);
	assert_broken(t, RV_VQ_E_INDIRECT);
}

static void test_indirect_bad_lengths(void **state)
{
	struct t *t = *state;
	static const uint32_t lens[] = { 0, 15, 17, 16 * (RV_VQ_MAX_SIZE + 1), UINT32_MAX };

	for (unsigned int i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		vq_fx_setup(&t->f, &t->vq);
		t->vq.indirect = true;
		assert_int_equal(rv_vq_start(&t->vq, &t->f.mem), 0);
		vq_fx_set_avail_idx(&t->f, 0);
		vq_fx_desc(&t->f, 0, VQ_FX_DATA, lens[i], F_IND, 0);
		vq_fx_avail(&t->f, 0);
		assert_broken(t, RV_VQ_E_INDIRECT);
	}
}

static void test_indirect_loop(void **state)
{
	struct t *t = *state;
	uint64_t table = VQ_FX_DATA + 0x8000;

	vq_fx_desc_at(&t->f, table, 0, VQ_FX_DATA, 16, F_NEXT, 1);
	vq_fx_desc_at(&t->f, table, 1, VQ_FX_DATA, 16, F_NEXT, 0);
	vq_fx_desc(&t->f, 0, table, 2 * 16, F_IND, 0);
	vq_fx_avail(&t->f, 0);
	assert_broken(t, RV_VQ_E_CHAIN_LONG);
}

static void test_indirect_next_out_of_table(void **state)
{
	struct t *t = *state;
	uint64_t table = VQ_FX_DATA + 0x8000;

	vq_fx_desc_at(&t->f, table, 0, VQ_FX_DATA, 16, F_NEXT, 2);
	vq_fx_desc(&t->f, 0, table, 2 * 16, F_IND, 0);
	vq_fx_avail(&t->f, 0);
	assert_broken(t, RV_VQ_E_NEXT);
}

static void test_indirect_table_outside_ram(void **state)
{
	struct t *t = *state;

	vq_fx_desc(&t->f, 0, VQ_FX_RAM_GPA + VQ_FX_RAM_SIZE - 16, 32, F_IND, 0);
	vq_fx_avail(&t->f, 0);
	assert_broken(t, RV_VQ_E_INDIRECT);
}

static void test_loop_direct(void **state)
{
	struct t *t = *state;

	vq_fx_desc(&t->f, 0, VQ_FX_DATA, 16, F_NEXT, 1);
	vq_fx_desc(&t->f, 1, VQ_FX_DATA, 16, F_NEXT, 2);
	vq_fx_desc(&t->f, 2, VQ_FX_DATA, 16, F_NEXT, 0);
	vq_fx_avail(&t->f, 0);
	assert_broken(t, RV_VQ_E_CHAIN_LONG);
}

static void test_self_loop(void **state)
{
	struct t *t = *state;

	vq_fx_desc(&t->f, 4, VQ_FX_DATA, 16, F_NEXT, 4);
	vq_fx_avail(&t->f, 4);
	assert_broken(t, RV_VQ_E_CHAIN_LONG);
}

static void test_longest_chain_is_accepted(void **state)
{
	struct t *t = *state;

	/* N descriptors, each once: as long as the queue, valid. */
	for (unsigned int i = 0; i < N; i++)
		vq_fx_desc(&t->f, i, VQ_FX_DATA + i * 64, 64, i + 1 < N ? F_NEXT : 0, i + 1);
	vq_fx_avail(&t->f, 0);
	assert_int_equal(rv_vq_pop(&t->vq, &t->c), 1);
	assert_int_equal(t->c.nr_out, N);
	assert_int_equal(t->c.out_len, 64 * N);
}

static void test_next_out_of_range(void **state)
{
	struct t *t = *state;

	vq_fx_desc(&t->f, 0, VQ_FX_DATA, 16, F_NEXT, N);
	vq_fx_avail(&t->f, 0);
	assert_broken(t, RV_VQ_E_NEXT);
}

static void test_head_out_of_range(void **state)
{
	struct t *t = *state;

	vq_fx_avail(&t->f, N);
	assert_broken(t, RV_VQ_E_HEAD);
}

static void test_avail_idx_runs_ahead(void **state)
{
	struct t *t = *state;

	vq_fx_desc(&t->f, 0, VQ_FX_DATA, 16, 0, 0);
	/* N ahead is a full ring, fine; N + 1 is impossible. */
	vq_fx_set_avail_idx(&t->f, N + 1);
	assert_broken(t, RV_VQ_E_AVAIL_IDX);
}

static void test_avail_idx_full_ring_ok(void **state)
{
	struct t *t = *state;

	vq_fx_desc(&t->f, 0, VQ_FX_DATA, 16, 0, 0);
	vq_fx_set_avail_idx(&t->f, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(rv_vq_pop(&t->vq, &t->c), 1);
	assert_int_equal(rv_vq_pop(&t->vq, &t->c), 0);
	/* Moving further before anything is pushed back cannot be right. */
	vq_fx_set_avail_idx(&t->f, N + 1);
	assert_broken(t, RV_VQ_E_AVAIL_IDX);
}

static void test_buffer_outside_ram(void **state)
{
	struct t *t = *state;
	static const struct {
		uint64_t addr;
		uint32_t len;
	} bad[] = {
		{ VQ_FX_RAM_GPA + VQ_FX_RAM_SIZE - 8, 16 }, /* runs off the end */
		{ VQ_FX_RAM_GPA - 1, 2 },		    /* starts before it */
		{ UINT64_MAX - 3, 16 },			    /* wraps past 2^64 */
		{ 0, 1 },				    /* no memory there */
		{ VQ_FX_RAM_GPA, UINT32_MAX },		    /* huge */
		{ VQ_FX_ROM_GPA + VQ_FX_ROM_SIZE - 4, 8 },  /* spans ROM and a hole */
	};

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vq_fx_setup(&t->f, &t->vq);
		assert_int_equal(rv_vq_start(&t->vq, &t->f.mem), 0);
		vq_fx_set_avail_idx(&t->f, 0);
		vq_fx_desc(&t->f, 0, bad[i].addr, bad[i].len, 0, 0);
		vq_fx_avail(&t->f, 0);
		assert_broken(t, RV_VQ_E_BUF_ADDR);
	}
}

static void test_zero_length_buffers(void **state)
{
	struct t *t = *state;

	/* Zero-length buffers are legal and transfer nothing. */
	vq_fx_desc(&t->f, 0, VQ_FX_DATA, 0, F_NEXT, 1);
	vq_fx_desc(&t->f, 1, VQ_FX_DATA, 8, F_WRITE, 0);
	vq_fx_avail(&t->f, 0);
	assert_int_equal(rv_vq_pop(&t->vq, &t->c), 1);
	assert_int_equal(t->c.nr_out, 0);
	assert_int_equal(t->c.nr_in, 1);
}

static void test_rom_readable_not_writable(void **state)
{
	struct t *t = *state;

	vq_fx_desc(&t->f, 0, VQ_FX_ROM_GPA, 16, 0, 0);
	vq_fx_avail(&t->f, 0);
	assert_int_equal(rv_vq_pop(&t->vq, &t->c), 1);
	vq_fx_desc(&t->f, 1, VQ_FX_ROM_GPA, 16, F_WRITE, 0);
	vq_fx_avail(&t->f, 1);
	assert_broken(t, RV_VQ_E_BUF_ADDR);
}

static void test_readable_after_writable(void **state)
{
	struct t *t = *state;

	vq_fx_desc(&t->f, 0, VQ_FX_DATA, 16, F_WRITE | F_NEXT, 1);
	vq_fx_desc(&t->f, 1, VQ_FX_DATA, 16, 0, 0);
	vq_fx_avail(&t->f, 0);
	assert_broken(t, RV_VQ_E_ORDER);
}

static void test_total_over_4g(void **state)
{
	struct t *t = *state;
	/* A 4 GiB region the walk only translates into, never touches. */
	struct rv_mem_region big = {
		.gpa = 1ULL << 40, .size = 4ULL << 30, .host = (uint8_t *)0x1000, .name = "big"
	};

	assert_int_equal(rv_mem_add(&t->f.mem, &big, 0), 0);
	/* Two buffers, each valid, 6 GiB together: no u32 used length can say so. */
	vq_fx_desc(&t->f, 0, 1ULL << 40, 3U << 30, F_NEXT, 1);
	vq_fx_desc(&t->f, 1, 1ULL << 40, 3U << 30, 0, 0);
	vq_fx_avail(&t->f, 0);
	assert_broken(t, RV_VQ_E_TOTAL_LENGTH);
}

static void test_bad_queue_sizes(void **state)
{
	struct t *t = *state;
	static const uint16_t sizes[] = { 0, 3, 6, 100, 255, RV_VQ_MAX_SIZE * 2, 0x8000 + 1 };

	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		vq_fx_setup(&t->f, &t->vq);
		t->vq.size = sizes[i];
		assert_int_equal(rv_vq_start(&t->vq, &t->f.mem), -EINVAL);
		assert_int_equal(t->vq.error, RV_VQ_E_SIZE);
		assert_int_equal(rv_vq_pop(&t->vq, &t->c), -EIO);
	}
}

static void test_bad_ring_addresses(void **state)
{
	struct t *t = *state;

	vq_fx_setup(&t->f, &t->vq);
	t->vq.desc_gpa += 8; /* misaligned */
	assert_int_equal(rv_vq_start(&t->vq, &t->f.mem), -EINVAL);
	vq_fx_setup(&t->f, &t->vq);
	t->vq.used_gpa = VQ_FX_ROM_GPA; /* the device writes it: not ROM */
	assert_int_equal(rv_vq_start(&t->vq, &t->f.mem), -EINVAL);
	vq_fx_setup(&t->f, &t->vq);
	t->vq.avail_gpa = VQ_FX_RAM_GPA + VQ_FX_RAM_SIZE - 4; /* runs off RAM */
	assert_int_equal(rv_vq_start(&t->vq, &t->f.mem), -EINVAL);
	assert_int_equal(t->vq.error, RV_VQ_E_RING_ADDR);
	vq_fx_setup(&t->f, &t->vq);
	t->vq.desc_gpa = UINT64_MAX - 15; /* wraps */
	assert_int_equal(rv_vq_start(&t->vq, &t->f.mem), -EINVAL);
	/* The descriptor table may be read-only: the device only reads it. */
	vq_fx_setup(&t->f, &t->vq);
	t->vq.desc_gpa = VQ_FX_ROM_GPA;
	assert_int_equal(rv_vq_start(&t->vq, &t->f.mem), 0);
}

static void test_no_interrupt_flag(void **state)
{
	struct t *t = *state;

	vq_fx_desc(&t->f, 0, VQ_FX_DATA, 16, 0, 0);
	vq_fx_avail(&t->f, 0);
	assert_int_equal(rv_vq_pop(&t->vq, &t->c), 1);
	assert_int_equal(rv_vq_push(&t->vq, 0, 0), 0);
	assert_true(rv_vq_should_interrupt(&t->vq));
	vq_fx_set_avail_flags(&t->f, VRING_AVAIL_F_NO_INTERRUPT);
	assert_false(rv_vq_should_interrupt(&t->vq));
}

static void test_event_idx_interrupts(void **state)
{
	struct t *t = *state;

	t->vq.event_idx = true;
	vq_fx_desc(&t->f, 0, VQ_FX_DATA, 16, 0, 0);
	/* The driver wants an interrupt once used->idx passes 2. */
	vq_fx_set_used_event(&t->f, 2);
	for (int i = 0; i < 4; i++)
		vq_fx_avail(&t->f, 0);
	/* First push: nothing signalled yet, so interrupt (no state to compare). */
	assert_int_equal(rv_vq_pop(&t->vq, &t->c), 1);
	assert_int_equal(rv_vq_push(&t->vq, 0, 0), 0);
	assert_true(rv_vq_should_interrupt(&t->vq));
	/* used 1 -> 2: event 2 not crossed. */
	assert_int_equal(rv_vq_pop(&t->vq, &t->c), 1);
	assert_int_equal(rv_vq_push(&t->vq, 0, 0), 0);
	assert_false(rv_vq_should_interrupt(&t->vq));
	/* used 2 -> 3 crosses used_event 2. */
	assert_int_equal(rv_vq_pop(&t->vq, &t->c), 1);
	assert_int_equal(rv_vq_push(&t->vq, 0, 0), 0);
	assert_true(rv_vq_should_interrupt(&t->vq));
	/* The NO_INTERRUPT flag means nothing with EVENT_IDX. */
	vq_fx_set_avail_flags(&t->f, VRING_AVAIL_F_NO_INTERRUPT);
	vq_fx_set_used_event(&t->f, 3);
	assert_int_equal(rv_vq_pop(&t->vq, &t->c), 1);
	assert_int_equal(rv_vq_push(&t->vq, 0, 0), 0);
	assert_true(rv_vq_should_interrupt(&t->vq));
}

static void test_event_idx_avail_event(void **state)
{
	struct t *t = *state;

	t->vq.event_idx = true;
	vq_fx_desc(&t->f, 0, VQ_FX_DATA, 16, 0, 0);
	vq_fx_avail(&t->f, 0);
	vq_fx_avail(&t->f, 0);
	assert_int_equal(rv_vq_pop(&t->vq, &t->c), 1);
	/* One still waiting: enable_notify says "pop again". */
	assert_true(rv_vq_enable_notify(&t->vq));
	assert_int_equal(vq_fx_avail_event(&t->f), 1);
	assert_int_equal(rv_vq_pop(&t->vq, &t->c), 1);
	assert_false(rv_vq_enable_notify(&t->vq));
	assert_int_equal(vq_fx_avail_event(&t->f), 2);
}

static void test_iov_copy(void **state)
{
	char a[3] = "abc", b[4] = "defg", out[8] = { 0 };
	struct iovec iov[2] = { { a, 3 }, { b, 4 } };

	assert_int_equal(rv_vq_iov_to_buf(iov, 2, 2, out, 4), 4);
	assert_memory_equal(out, "cdef", 4);
	assert_int_equal(rv_vq_iov_to_buf(iov, 2, 5, out, 8), 2);
	assert_memory_equal(out, "fg", 2);
	assert_int_equal(rv_vq_iov_to_buf(iov, 2, 9, out, 8), 0);
	assert_int_equal(rv_vq_buf_to_iov(iov, 2, 1, "XYZW", 4), 4);
	assert_memory_equal(a, "aXY", 3);
	assert_memory_equal(b, "ZWfg", 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_empty_ring),
		T(test_chain_out_then_in),
		T(test_ring_wraps_16bit_index),
		T(test_indirect),
		T(test_indirect_not_negotiated),
		T(test_indirect_nested),
		T(test_indirect_with_next),
		T(test_indirect_bad_lengths),
		T(test_indirect_loop),
		T(test_indirect_next_out_of_table),
		T(test_indirect_table_outside_ram),
		T(test_loop_direct),
		T(test_self_loop),
		T(test_longest_chain_is_accepted),
		T(test_next_out_of_range),
		T(test_head_out_of_range),
		T(test_avail_idx_runs_ahead),
		T(test_avail_idx_full_ring_ok),
		T(test_buffer_outside_ram),
		T(test_zero_length_buffers),
		T(test_rom_readable_not_writable),
		T(test_readable_after_writable),
		T(test_total_over_4g),
		T(test_bad_queue_sizes),
		T(test_bad_ring_addresses),
		T(test_no_interrupt_flag),
		T(test_event_idx_interrupts),
		T(test_event_idx_avail_event),
		cmocka_unit_test(test_iov_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
