// SPDX-License-Identifier: GPL-2.0
/*
 * Description: virtio-blk's pure parts (devices/virtio-blk-req.c). The
 * --disk value (path, ro, cache=, queues=, and one-line errors naming the
 * option and value); requests popped from a fake driver's ring and taken
 * apart: read/write/flush/get-id/discard/write-zeroes, headers and status
 * split across buffers, a short header, a missing status byte, partial
 * sectors, a sector past the end and sector arithmetic that overflows,
 * writes to a read-only disk, unknown types, cache=none alignment.
 */
#include <errno.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ring.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devices/virtio-blk.h"
#include "vmm/util.h"
#include "vq_fx.h"

#define N 16
#define HDR (VQ_FX_DATA)
#define BUF (VQ_FX_DATA + 0x1000)
#define STATUS (VQ_FX_DATA + 0x800)
#define SECTORS 2048ULL /* a 1 MiB disk */

struct t {
	struct vq_fx f;
	struct rv_vq vq;
	struct rv_vq_chain c;
	struct rv_blk_geom g;
	struct rv_blk_req_info r;
	struct iovec iov[RV_VQ_MAX_SIZE];
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	vq_fx_init_started(&t->f, &t->vq, N, false);
	t->g.sectors = SECTORS;
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

static void hdr(struct t *t, uint32_t type, uint64_t sector)
{
	struct virtio_blk_outhdr h = { .type = type, .sector = sector };

	memcpy(vq_fx_host(&t->f, HDR), &h, sizeof(h));
}

/* header (16 bytes) -> data (len, in or out) -> status byte; pop and parse. */
static enum rv_blk_parse_result req(struct t *t, uint32_t type, uint64_t sector, uint32_t len,
				    bool data_in)
{
	uint16_t w = data_in ? VRING_DESC_F_WRITE : 0;

	hdr(t, type, sector);
	vq_fx_desc(&t->f, 0, HDR, 16, VRING_DESC_F_NEXT, 1);
	if (len) {
		vq_fx_desc(&t->f, 1, BUF, len, VRING_DESC_F_NEXT | w, 2);
		vq_fx_desc(&t->f, 2, STATUS, 1, VRING_DESC_F_WRITE, 0);
	} else {
		vq_fx_desc(&t->f, 1, STATUS, 1, VRING_DESC_F_WRITE, 0);
	}
	vq_fx_avail(&t->f, 0);
	assert_int_equal(rv_vq_pop(&t->vq, &t->c), 1);
	return rv_blk_parse_req(&t->c, &t->g, &t->r, t->iov);
}

static void assert_status(struct t *t, enum rv_blk_parse_result res, uint8_t want)
{
	assert_int_equal(res, RV_BLK_DONE);
	assert_int_equal(t->r.status_value, want);
	assert_ptr_equal(t->r.status, vq_fx_host(&t->f, STATUS));
}

static void test_spec(void **state)
{
	struct rv_blk_spec s;

	(void)state;
	assert_int_equal(rv_blk_parse_spec("disk.img", &s), 0);
	assert_string_equal(s.path, "disk.img");
	assert_false(s.ro);
	assert_false(s.direct);
	assert_int_equal(s.nr_queues, 0);
	assert_int_equal(rv_blk_parse_spec("/dev/vdb,ro,cache=none,queues=4", &s), 0);
	assert_string_equal(s.path, "/dev/vdb");
	assert_true(s.ro);
	assert_true(s.direct);
	assert_int_equal(s.nr_queues, 4);
	assert_int_equal(rv_blk_parse_spec("a,cache=none,cache=writeback", &s), 0);
	assert_false(s.direct);
	assert_int_equal(s.latency_ms, 0);
	assert_int_equal(rv_blk_parse_spec("a,latency=250", &s), 0);
	assert_int_equal(s.latency_ms, 250);
	assert_int_equal(rv_blk_parse_spec("a,latency=10001", &s), -EINVAL);
	assert_string_equal(rv_err_msg(), "latency=10001: not a number of ms from 0 to 10000");
	rv_err_clear();
	assert_int_equal(rv_blk_parse_spec("a,latency=-1", &s), -EINVAL);
	rv_err_clear();

	assert_int_equal(rv_blk_parse_spec("", &s), -EINVAL);
	assert_non_null(strstr(rv_err_msg(), "no file name"));
	rv_err_clear();
	assert_int_equal(rv_blk_parse_spec(",ro", &s), -EINVAL);
	rv_err_clear();
	assert_int_equal(rv_blk_parse_spec("a.img,rw", &s), -EINVAL);
	assert_string_equal(rv_err_msg(), "unknown option \"rw\" (known: ro, cache=none, "
					  "cache=writeback, queues=N, latency=MS)");
	rv_err_clear();
	assert_int_equal(rv_blk_parse_spec("a.img,", &s), -EINVAL);
	rv_err_clear();
	assert_int_equal(rv_blk_parse_spec("a.img,queues=0", &s), -EINVAL);
	rv_err_clear();
	assert_int_equal(rv_blk_parse_spec("a.img,queues=17", &s), -EINVAL);
	rv_err_clear();
	assert_int_equal(rv_blk_parse_spec("a.img,queues=", &s), -EINVAL);
	rv_err_clear();
	assert_int_equal(rv_blk_parse_spec("a.img,cache=nonex", &s), -EINVAL);
	rv_err_clear();
}

static void test_read(void **state)
{
	struct t *t = *state;

	assert_int_equal(req(t, VIRTIO_BLK_T_IN, 8, 4096, true), RV_BLK_SUBMIT);
	assert_int_equal(t->r.offset, 8 * 512);
	assert_int_equal(t->r.len, 4096);
	assert_int_equal(t->r.nr_iov, 1);
	assert_ptr_equal(t->iov[0].iov_base, vq_fx_host(&t->f, BUF));
	assert_int_equal(t->r.written, 4097);
	assert_ptr_equal(t->r.status, vq_fx_host(&t->f, STATUS));
}

static void test_write_and_last_sector(void **state)
{
	struct t *t = *state;

	assert_int_equal(req(t, VIRTIO_BLK_T_OUT, SECTORS - 1, 512, false), RV_BLK_SUBMIT);
	assert_int_equal(t->r.offset, (SECTORS - 1) * 512);
	assert_int_equal(t->r.written, 1);
	assert_int_equal(t->iov[0].iov_len, 512);
}

static void test_flush_and_unknown(void **state)
{
	struct t *t = *state;

	assert_int_equal(req(t, VIRTIO_BLK_T_FLUSH, 0, 0, false), RV_BLK_SUBMIT);
	assert_int_equal(t->r.written, 1);
	assert_status(t, req(t, 77, 0, 0, false), VIRTIO_BLK_S_UNSUPP);
}

static void test_past_the_end(void **state)
{
	struct t *t = *state;

	assert_status(t, req(t, VIRTIO_BLK_T_IN, SECTORS, 512, true), VIRTIO_BLK_S_IOERR);
	assert_status(t, req(t, VIRTIO_BLK_T_OUT, SECTORS - 1, 1024, false), VIRTIO_BLK_S_IOERR);
	/* sector * 512 and sector + n wrap around 2^64. */
	assert_status(t, req(t, VIRTIO_BLK_T_IN, UINT64_MAX, 512, true), VIRTIO_BLK_S_IOERR);
	assert_status(t, req(t, VIRTIO_BLK_T_IN, UINT64_MAX / 512 + 1, 512, true),
		      VIRTIO_BLK_S_IOERR);
}

static void test_partial_sector(void **state)
{
	struct t *t = *state;

	assert_status(t, req(t, VIRTIO_BLK_T_IN, 0, 100, true), VIRTIO_BLK_S_IOERR);
	assert_status(t, req(t, VIRTIO_BLK_T_OUT, 0, 513, false), VIRTIO_BLK_S_IOERR);
}

static void test_read_only(void **state)
{
	struct t *t = *state;

	t->g.ro = true;
	assert_status(t, req(t, VIRTIO_BLK_T_OUT, 0, 512, false), VIRTIO_BLK_S_IOERR);
	assert_int_equal(req(t, VIRTIO_BLK_T_IN, 0, 512, true), RV_BLK_SUBMIT);
	assert_int_equal(req(t, VIRTIO_BLK_T_FLUSH, 0, 0, false), RV_BLK_SUBMIT);
}

static void test_short_header(void **state)
{
	struct t *t = *state;

	vq_fx_desc(&t->f, 0, HDR, 15, VRING_DESC_F_NEXT, 1);
	vq_fx_desc(&t->f, 1, STATUS, 1, VRING_DESC_F_WRITE, 0);
	vq_fx_avail(&t->f, 0);
	assert_int_equal(rv_vq_pop(&t->vq, &t->c), 1);
	assert_status(t, rv_blk_parse_req(&t->c, &t->g, &t->r, t->iov), VIRTIO_BLK_S_IOERR);
}

static void test_missing_status(void **state)
{
	struct t *t = *state;

	hdr(t, VIRTIO_BLK_T_OUT, 0);
	vq_fx_desc(&t->f, 0, HDR, 16, VRING_DESC_F_NEXT, 1);
	vq_fx_desc(&t->f, 1, BUF, 512, 0, 0);
	vq_fx_avail(&t->f, 0);
	assert_int_equal(rv_vq_pop(&t->vq, &t->c), 1);
	assert_int_equal(rv_blk_parse_req(&t->c, &t->g, &t->r, t->iov), RV_BLK_NO_STATUS);
	assert_null(t->r.status);
}

static void test_split_framing(void **state)
{
	struct t *t = *state;
	uint8_t *h = vq_fx_host(&t->f, HDR);

	/* Header in two pieces, data and status in one writable buffer. */
	hdr(t, VIRTIO_BLK_T_IN, 4);
	vq_fx_desc(&t->f, 0, HDR, 5, VRING_DESC_F_NEXT, 1);
	vq_fx_desc(&t->f, 1, HDR + 5, 11, VRING_DESC_F_NEXT, 2);
	vq_fx_desc(&t->f, 2, BUF, 1024 + 1, VRING_DESC_F_WRITE, 0);
	vq_fx_avail(&t->f, 0);
	assert_int_equal(rv_vq_pop(&t->vq, &t->c), 1);
	assert_int_equal(rv_blk_parse_req(&t->c, &t->g, &t->r, t->iov), RV_BLK_SUBMIT);
	assert_int_equal(t->r.offset, 4 * 512);
	assert_int_equal(t->r.len, 1024);
	assert_int_equal(t->iov[0].iov_len, 1024);
	assert_ptr_equal(t->r.status, vq_fx_host(&t->f, BUF + 1024));
	(void)h;
}

static void test_get_id(void **state)
{
	struct t *t = *state;

	assert_int_equal(req(t, VIRTIO_BLK_T_GET_ID, 0, 64, true), RV_BLK_SUBMIT);
	assert_int_equal(t->r.len, RV_BLK_ID_BYTES);
	assert_int_equal(t->r.written, RV_BLK_ID_BYTES + 1);
	assert_int_equal(req(t, VIRTIO_BLK_T_GET_ID, 0, 8, true), RV_BLK_SUBMIT);
	assert_int_equal(t->r.len, 8);
}

static void segment(struct t *t, uint32_t type, uint64_t sector, uint32_t num, uint32_t flags)
{
	struct virtio_blk_discard_write_zeroes s = { .sector = sector,
						     .num_sectors = num,
						     .flags = flags };

	memcpy(vq_fx_host(&t->f, BUF), &s, sizeof(s));
	(void)type;
}

static void test_discard_write_zeroes(void **state)
{
	struct t *t = *state;

	segment(t, 0, 16, 32, 0);
	assert_int_equal(req(t, VIRTIO_BLK_T_DISCARD, 0, 16, false), RV_BLK_SUBMIT);
	assert_int_equal(t->r.offset, 16 * 512);
	assert_int_equal(t->r.len, 32 * 512);
	segment(t, 0, 0, 8, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
	assert_int_equal(req(t, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, false), RV_BLK_SUBMIT);
	assert_true(t->r.unmap);
	/* unmap on a discard, reserved flags: unsupported. */
	assert_status(t, req(t, VIRTIO_BLK_T_DISCARD, 0, 16, false), VIRTIO_BLK_S_UNSUPP);
	segment(t, 0, 0, 8, 0x80);
	assert_status(t, req(t, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, false), VIRTIO_BLK_S_UNSUPP);
	/* Two segments (we offered one), past the end, overflowing. */
	assert_status(t, req(t, VIRTIO_BLK_T_DISCARD, 0, 32, false), VIRTIO_BLK_S_UNSUPP);
	segment(t, 0, SECTORS - 4, 8, 0);
	assert_status(t, req(t, VIRTIO_BLK_T_DISCARD, 0, 16, false), VIRTIO_BLK_S_IOERR);
	segment(t, 0, UINT64_MAX - 2, 8, 0);
	assert_status(t, req(t, VIRTIO_BLK_T_DISCARD, 0, 16, false), VIRTIO_BLK_S_IOERR);
	/* Not on a read-only disk. */
	t->g.ro = true;
	segment(t, 0, 0, 8, 0);
	assert_status(t, req(t, VIRTIO_BLK_T_DISCARD, 0, 16, false), VIRTIO_BLK_S_IOERR);
}

static void test_direct_alignment(void **state)
{
	struct t *t = *state;

	t->g.align = 4096;
	assert_int_equal(req(t, VIRTIO_BLK_T_IN, 8, 4096, true), RV_BLK_SUBMIT);
	assert_status(t, req(t, VIRTIO_BLK_T_IN, 1, 4096, true), VIRTIO_BLK_S_IOERR);
	assert_status(t, req(t, VIRTIO_BLK_T_IN, 8, 512, true), VIRTIO_BLK_S_IOERR);
}

static void test_iov_advance(void **state)
{
	char a[4], b[8];
	struct iovec iov[2] = { { a, 4 }, { b, 8 } };

	(void)state;
	assert_int_equal(rv_blk_iov_advance(iov, 2, 6), 1);
	assert_ptr_equal(iov[0].iov_base, b + 2);
	assert_int_equal(iov[0].iov_len, 6);
	assert_int_equal(rv_blk_iov_advance(iov, 1, 6), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		cmocka_unit_test(test_spec),
		T(test_read),
		T(test_write_and_last_sector),
		T(test_flush_and_unknown),
		T(test_past_the_end),
		T(test_partial_sector),
		T(test_read_only),
		T(test_short_header),
		T(test_missing_status),
		T(test_split_framing),
		T(test_get_id),
		T(test_discard_write_zeroes),
		T(test_direct_alignment),
		cmocka_unit_test(test_iov_advance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
