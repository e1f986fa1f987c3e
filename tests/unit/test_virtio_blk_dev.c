// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the virtio-blk device end to end without KVM: a real image
 * file, the real io_uring event loop on its own thread, a fake guest
 * (vq_fx.c) driving the virtio-mmio registers through the bus and its
 * interrupt through a fake set_irq. A write reaches the file, a read
 * brings it back, FLUSH and GET_ID complete, a request past the end and a
 * write to a ,ro disk get VIRTIO_BLK_S_IOERR, many requests are in flight
 * at once, and the statistics count it all. Also the open-time refusals:
 * a directory, a missing file, an image another open file description has
 * locked (the OFD lock).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "devices/virtio-blk.h"
#include "vmm/bus.h"
#include "vmm/device.h"
#include "vmm/loop.h"
#include "vmm/util.h"
#include "vq_fx.h"

#define BASE 0xd0100000ULL
#define QSIZE 64
#define DISK_BYTES (1024 * 1024)
/* Per request i: header, status and data at fixed places in the fixture's RAM. */
#define HDR(i) (VQ_FX_DATA + 32ULL * (i))
#define STATUS(i) (VQ_FX_DATA + 0x1000 + (i))
#define BUF(i) (VQ_FX_DATA + 0x2000 + 4096ULL * (i))

struct t {
	struct vq_fx f;
	struct rv_bus bus;
	struct rv_loop loop;
	pthread_t thread;
	struct rv_device_env env;
	char path[64];
	int irqs;
	uint16_t used_seen;
};

static int fake_set_irq(void *opaque, unsigned int gsi, int level)
{
	struct t *t = opaque;

	__atomic_add_fetch(&t->irqs, level, __ATOMIC_SEQ_CST);
	return 0;
}

static void *loop_thread(void *opaque)
{
	struct t *t = opaque;

	rv_loop_run(&t->loop);
	return NULL;
}

static uint32_t rd(struct t *t, uint64_t off)
{
	return vq_fx_rd32(&t->bus, BASE + off);
}

static void wr(struct t *t, uint64_t off, uint32_t v)
{
	vq_fx_wr32(&t->bus, BASE + off, v);
}

/* Create the disk on @args and bring it up as a driver does. */
static int create(struct t *t, const char *args)
{
	struct rv_device_cfg cfg = {
		.type = "virtio-blk",
		.name = "vda",
		.space = RV_SPACE_MMIO,
		.base = BASE,
		.irq = 5,
		.args = args,
	};
	int ret;

	rv_err_clear();
	ret = rv_device_create(&t->env, &cfg);
	if (ret)
		return ret;
	wr(t, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VERSION_1 */
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(t, VIRTIO_MMIO_DRIVER_FEATURES,
	   (1u << VIRTIO_BLK_F_FLUSH) | (1u << VIRTIO_RING_F_EVENT_IDX));
	wr(t, VIRTIO_MMIO_STATUS, rd(t, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_FEATURES_OK);
	assert_true(rd(t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	wr(t, VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(t, VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	wr(t, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)VQ_FX_DESC);
	wr(t, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)VQ_FX_AVAIL);
	wr(t, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)VQ_FX_USED);
	wr(t, VIRTIO_MMIO_QUEUE_READY, 1);
	wr(t, VIRTIO_MMIO_STATUS, rd(t, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
	return 0;
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	uint8_t *zero = calloc(1, DISK_BYTES);
	int fd;

	vq_fx_init(&t->f, QSIZE);
	rv_bus_init(&t->bus, "mmio");
	assert_int_equal(rv_loop_init(&t->loop, 64), 0);
	t->env = (struct rv_device_env){
		.mmio = &t->bus,
		.loop = &t->loop,
		.mem = &t->f.mem,
		.vm_fd = -1,
		.nr_cpus = 1,
		.set_irq = fake_set_irq,
		.irq_opaque = t,
	};
	snprintf(t->path, sizeof(t->path), "/tmp/rv-blk-test.XXXXXX");
	fd = mkstemp(t->path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, zero, DISK_BYTES), DISK_BYTES);
	close(fd);
	free(zero);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	if (t->thread) {
		rv_loop_stop(&t->loop);
		pthread_join(t->thread, NULL);
	}
	rv_device_destroy_all(&t->env);
	rv_loop_destroy(&t->loop);
	rv_bus_destroy(&t->bus);
	vq_fx_fini(&t->f);
	unlink(t->path);
	free(t);
	return 0;
}

static void start_loop(struct t *t)
{
	assert_int_equal(pthread_create(&t->thread, NULL, loop_thread, t), 0);
}

/* Queue request @i: header, @len data bytes (device-writable for IN/GET_ID), status. */
static void post(struct t *t, unsigned int i, uint32_t type, uint64_t sector, uint32_t len)
{
	struct virtio_blk_outhdr h = { .type = type, .sector = sector };
	bool in = type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;
	unsigned int d = 3 * i;

	memcpy(vq_fx_host(&t->f, HDR(i)), &h, sizeof(h));
	*(uint8_t *)vq_fx_host(&t->f, STATUS(i)) = 0xff;
	vq_fx_desc(&t->f, d, HDR(i), sizeof(h), VRING_DESC_F_NEXT, len ? d + 1 : d + 2);
	if (len)
		vq_fx_desc(&t->f, d + 1, BUF(i), len,
			   VRING_DESC_F_NEXT | (in ? VRING_DESC_F_WRITE : 0), d + 2);
	vq_fx_desc(&t->f, d + 2, STATUS(i), 1, VRING_DESC_F_WRITE, 0);
	vq_fx_avail(&t->f, d);
}

/* Notify, then wait (bounded) until @n more requests are used. */
static void kick_and_wait(struct t *t, unsigned int n)
{
	struct timespec ts = { 0, 1000000 };
	uint16_t want = t->used_seen + n;

	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	for (int i = 0; i < 5000 && (uint16_t)(vq_fx_used_idx(&t->f) - want) >= 0x8000; i++)
		nanosleep(&ts, NULL);
	assert_int_equal(vq_fx_used_idx(&t->f), want);
	t->used_seen = want;
}

static uint8_t status_of(struct t *t, unsigned int i)
{
	return *(uint8_t *)vq_fx_host(&t->f, STATUS(i));
}

static void test_write_read_flush_id(void **state)
{
	struct t *t = *state;
	uint8_t file[4096];
	int fd;

	assert_int_equal(create(t, t->path), 0);
	start_loop(t);
	memset(vq_fx_host(&t->f, BUF(0)), 0x5a, 4096);
	post(t, 0, VIRTIO_BLK_T_OUT, 8, 4096);
	kick_and_wait(t, 1);
	assert_int_equal(status_of(t, 0), VIRTIO_BLK_S_OK);
	assert_true(__atomic_load_n(&t->irqs, __ATOMIC_SEQ_CST) >= 1);
	fd = open(t->path, O_RDONLY);
	assert_int_equal(pread(fd, file, sizeof(file), 8 * 512), sizeof(file));
	close(fd);
	assert_memory_equal(file, vq_fx_host(&t->f, BUF(0)), 4096);

	post(t, 1, VIRTIO_BLK_T_IN, 8, 4096);
	post(t, 2, VIRTIO_BLK_T_FLUSH, 0, 0);
	post(t, 3, VIRTIO_BLK_T_GET_ID, 0, 20);
	/* Past the end: the device answers at once, no I/O. */
	post(t, 4, VIRTIO_BLK_T_IN, DISK_BYTES / 512, 512);
	kick_and_wait(t, 4);
	assert_int_equal(status_of(t, 1), VIRTIO_BLK_S_OK);
	assert_memory_equal(vq_fx_host(&t->f, BUF(1)), file, 4096);
	assert_int_equal(status_of(t, 2), VIRTIO_BLK_S_OK);
	assert_int_equal(status_of(t, 3), VIRTIO_BLK_S_OK);
	assert_memory_equal(vq_fx_host(&t->f, BUF(3)), "rv", 2);
	assert_int_equal(status_of(t, 4), VIRTIO_BLK_S_IOERR);
}

static void test_many_in_flight(void **state)
{
	struct t *t = *state;
	uint8_t buf[4096];
	int fd;

	assert_int_equal(create(t, t->path), 0);
	start_loop(t);
	/* 16 writes of different bytes to different sectors, one kick. */
	for (unsigned int i = 0; i < 16; i++) {
		memset(vq_fx_host(&t->f, BUF(i)), 'a' + i, 4096);
		post(t, i, VIRTIO_BLK_T_OUT, 8 * i, 4096);
	}
	kick_and_wait(t, 16);
	fd = open(t->path, O_RDONLY);
	for (unsigned int i = 0; i < 16; i++) {
		assert_int_equal(status_of(t, i), VIRTIO_BLK_S_OK);
		assert_int_equal(pread(fd, buf, sizeof(buf), 4096ULL * i), sizeof(buf));
		assert_int_equal(buf[0], 'a' + i);
		assert_int_equal(buf[4095], 'a' + i);
	}
	close(fd);
}

static void test_read_only(void **state)
{
	struct t *t = *state;
	char args[80];

	snprintf(args, sizeof(args), "%s,ro", t->path);
	assert_int_equal(create(t, args), 0);
	start_loop(t);
	post(t, 0, VIRTIO_BLK_T_OUT, 0, 512);
	post(t, 1, VIRTIO_BLK_T_IN, 0, 512);
	kick_and_wait(t, 2);
	assert_int_equal(status_of(t, 0), VIRTIO_BLK_S_IOERR);
	assert_int_equal(status_of(t, 1), VIRTIO_BLK_S_OK);
}

static void test_open_refusals(void **state)
{
	struct t *t = *state;
	struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd;

	char fifo[64], args[80];

	/* A directory is refused before any open, read-write or read-only. */
	assert_int_equal(create(t, "/tmp"), -EISDIR);
	assert_non_null(strstr(rv_err_msg(), "a directory, not a regular file or block device"));
	assert_int_equal(create(t, "/tmp,ro"), -EISDIR);
	/* A FIFO with no writer: a plain open() would wait here forever. */
	snprintf(fifo, sizeof(fifo), "/tmp/rv-test-disk-fifo-%d", (int)getpid());
	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(create(t, fifo), -EINVAL);
	assert_non_null(strstr(rv_err_msg(), "--disk"));
	assert_non_null(strstr(rv_err_msg(), "a FIFO"));
	/* Read-only is the open that blocks (O_RDWR on a FIFO does not). */
	snprintf(args, sizeof(args), "%s,ro", fifo);
	assert_int_equal(create(t, args), -EINVAL);
	assert_non_null(strstr(rv_err_msg(), "a FIFO"));
	assert_int_equal(create(t, "/dev/null,ro"), -EINVAL); /* a character device */
	unlink(fifo);
	assert_int_equal(create(t, "/nonexistent/disk.img"), -ENOENT);
	assert_non_null(strstr(rv_err_msg(), "/nonexistent/disk.img"));
	/* Another open file description holds the image: refused, as in QEMU. */
	fd = open(t->path, O_RDWR);
	assert_int_equal(fcntl(fd, F_OFD_SETLK, &lk), 0);
	assert_true(create(t, t->path) < 0);
	assert_non_null(strstr(rv_err_msg(), "locked by another process"));
	close(fd);
	assert_int_equal(create(t, t->path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_write_read_flush_id),
		T(test_many_in_flight),
		T(test_read_only),
		T(test_open_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
