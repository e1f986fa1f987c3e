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
 * locked (the OFD lock). Snapshots: a save completes the requests in
 * flight first (quiesce), a load continues from the saved indices, a
 * disk of another size is refused. A live update's new device takes the
 * handed open file, with its lock, where opening the path is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
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
#include <sys/statfs.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "devices/virtio-blk.h"
#include "vmm/bus.h"
#include "vmm/device.h"
#include "vmm/loop.h"
#include "vmm/stats.h"
#include "vmm/util.h"
#include "vdev_fx.h"

#define BASE 0xd0100000ULL
#define QSIZE 64
#define DISK_BYTES (1024 * 1024)
/* Per request i: header, status and data at fixed places in the fixture's RAM. */
#define HDR(i) (VQ_FX_DATA + 32ULL * (i))
#define STATUS(i) (VQ_FX_DATA + 0x1000 + (i))
#define BUF(i) (VQ_FX_DATA + 0x2000 + 4096ULL * (i))

struct t {
	struct vdev_fx d;
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

static uint32_t rd(struct t *t, uint64_t off)
{
	return vdev_fx_rd(&t->d, off);
}

static void wr(struct t *t, uint64_t off, uint32_t v)
{
	vdev_fx_wr(&t->d, off, v);
}

/* The disk's device config, on @args. */
static struct rv_device_cfg blk_cfg(const char *args)
{
	return (struct rv_device_cfg){
		.type = "virtio-blk",
		.name = "vda",
		.space = RV_SPACE_MMIO,
		.base = BASE,
		.irq = 5,
		.args = args,
	};
}

/* Create the disk on @args and bring it up as a driver does. */
static int create(struct t *t, const char *args)
{
	struct rv_device_cfg cfg = blk_cfg(args);
	int ret;

	rv_err_clear();
	ret = rv_device_create(&t->d.env, &cfg);
	if (ret)
		return ret;
	vdev_fx_negotiate(&t->d, (1u << VIRTIO_BLK_F_FLUSH) | (1u << VIRTIO_RING_F_EVENT_IDX));
	vdev_fx_queue(&t->d, 0, QSIZE, VQ_FX_DESC, VQ_FX_AVAIL, VQ_FX_USED);
	wr(t, VIRTIO_MMIO_STATUS, rd(t, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
	return 0;
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	uint8_t *zero = calloc(1, DISK_BYTES);
	int fd;

	vdev_fx_init(&t->d, QSIZE, BASE, fake_set_irq, t);
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

	vdev_fx_fini(&t->d);
	unlink(t->path);
	free(t);
	return 0;
}

static void start_loop(struct t *t)
{
	vdev_fx_start(&t->d);
}
/* Queue request @i: header, @len data bytes (device-writable for IN/GET_ID), status. */
static void post(struct t *t, unsigned int i, uint32_t type, uint64_t sector, uint32_t len)
{
	struct virtio_blk_outhdr h = { .type = type, .sector = sector };
	bool in = type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;
	unsigned int d = 3 * i;

	memcpy(vq_fx_host(&t->d.f, HDR(i)), &h, sizeof(h));
	*(uint8_t *)vq_fx_host(&t->d.f, STATUS(i)) = 0xff;
	vq_fx_desc(&t->d.f, d, HDR(i), sizeof(h), VRING_DESC_F_NEXT, len ? d + 1 : d + 2);
	if (len)
		vq_fx_desc(&t->d.f, d + 1, BUF(i), len,
			   VRING_DESC_F_NEXT | (in ? VRING_DESC_F_WRITE : 0), d + 2);
	vq_fx_desc(&t->d.f, d + 2, STATUS(i), 1, VRING_DESC_F_WRITE, 0);
	vq_fx_avail(&t->d.f, d);
}

/* Notify, then wait (bounded) until @n more requests are used. */
static void kick_and_wait(struct t *t, unsigned int n)
{
	struct timespec ts = { 0, 1000000 };
	uint16_t want = t->used_seen + n;

	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	for (int i = 0; i < 5000 && (uint16_t)(vq_fx_used_idx(&t->d.f) - want) >= 0x8000; i++)
		nanosleep(&ts, NULL);
	assert_int_equal(vq_fx_used_idx(&t->d.f), want);
	t->used_seen = want;
}

static uint8_t status_of(struct t *t, unsigned int i)
{
	return *(uint8_t *)vq_fx_host(&t->d.f, STATUS(i));
}

static void test_write_read_flush_id(void **state)
{
	struct t *t = *state;
	uint8_t file[4096];
	int fd;

	assert_int_equal(create(t, t->path), 0);
	start_loop(t);
	memset(vq_fx_host(&t->d.f, BUF(0)), 0x5a, 4096);
	post(t, 0, VIRTIO_BLK_T_OUT, 8, 4096);
	kick_and_wait(t, 1);
	assert_int_equal(status_of(t, 0), VIRTIO_BLK_S_OK);
	assert_true(__atomic_load_n(&t->irqs, __ATOMIC_SEQ_CST) >= 1);
	fd = open(t->path, O_RDONLY);
	assert_int_equal(pread(fd, file, sizeof(file), 8 * 512), sizeof(file));
	close(fd);
	assert_memory_equal(file, vq_fx_host(&t->d.f, BUF(0)), 4096);

	post(t, 1, VIRTIO_BLK_T_IN, 8, 4096);
	post(t, 2, VIRTIO_BLK_T_FLUSH, 0, 0);
	post(t, 3, VIRTIO_BLK_T_GET_ID, 0, 20);
	/* Past the end: the device answers at once, no I/O. */
	post(t, 4, VIRTIO_BLK_T_IN, DISK_BYTES / 512, 512);
	kick_and_wait(t, 4);
	assert_int_equal(status_of(t, 1), VIRTIO_BLK_S_OK);
	assert_memory_equal(vq_fx_host(&t->d.f, BUF(1)), file, 4096);
	assert_int_equal(status_of(t, 2), VIRTIO_BLK_S_OK);
	assert_int_equal(status_of(t, 3), VIRTIO_BLK_S_OK);
	assert_memory_equal(vq_fx_host(&t->d.f, BUF(3)), "rv", 2);
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
		memset(vq_fx_host(&t->d.f, BUF(i)), 'a' + i, 4096);
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

/* A stats sink that keeps one counter. */
struct one_stat {
	struct rv_stats_sink sink;
	const char *key;
	long long v;
};

static void one_u64(struct rv_stats_sink *s, const char *key, uint64_t v)
{
	struct one_stat *o = (struct one_stat *)s;

	if (!strcmp(key, o->key))
		o->v = (long long)v;
}

static void one_f64(struct rv_stats_sink *s, const char *key, double v)
{
}

static void one_str(struct rv_stats_sink *s, const char *key, const char *v)
{
}

static void one_group(struct rv_stats_sink *s, const char *key)
{
}

static void one_end(struct rv_stats_sink *s)
{
}

/* The disk's counter @key (its --stats), or -1. */
static long long stat_of(struct t *t, const char *key)
{
	struct one_stat o = { { one_u64, one_f64, one_str, one_group, one_end }, key, -1 };

	t->d.env.devices->ops->stats(t->d.env.devices, &o.sink);
	return o.v;
}

/* Notify, then wait (bounded) until the device has one request in flight. */
static void kick_one_in_flight(struct t *t)
{
	struct timespec ts = { 0, 1000000 };

	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	for (int i = 0; i < 500 && stat_of(t, "inflight") != 1; i++)
		nanosleep(&ts, NULL);
	assert_int_equal(stat_of(t, "inflight"), 1);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/*
 * latency=MS delays each request; a VM that stops with one waiting (the
 * loop has ended) cancels it at once, writes nothing into guest memory
 * and counts it.
 */
static void test_latency_and_stop(void **state)
{
	struct t *t = *state;
	char args[80], buf[512];
	uint64_t t0;
	int fd;

	snprintf(args, sizeof(args), "%s,latency=1000", t->path);
	assert_int_equal(create(t, args), 0);
	start_loop(t);
	t0 = now_ms();
	post(t, 0, VIRTIO_BLK_T_IN, 0, 512);
	kick_and_wait(t, 1);
	assert_true(now_ms() - t0 >= 1000);
	assert_int_equal(status_of(t, 0), VIRTIO_BLK_S_OK);

	memset(vq_fx_host(&t->d.f, BUF(1)), 'z', 512);
	post(t, 1, VIRTIO_BLK_T_OUT, 0, 512);
	kick_one_in_flight(t);
	/* The VM stops: the loop first, then the devices (rv_vm_run). */
	rv_loop_stop(&t->d.loop);
	pthread_join(t->d.thread, NULL);
	t->d.running = false;
	t0 = now_ms();
	t->d.env.devices->ops->stop(t->d.env.devices);
	assert_true(now_ms() - t0 < 500);
	assert_int_equal(stat_of(t, "inflight_at_exit"), 1);
	assert_int_equal(stat_of(t, "cancelled_at_exit"), 1);
	assert_int_equal(stat_of(t, "inflight"), 0);
	/* Nothing completed into the rings, nothing reached the file. */
	assert_int_equal(vq_fx_used_idx(&t->d.f), t->used_seen);
	assert_int_equal(status_of(t, 1), 0xff);
	fd = open(t->path, O_RDONLY);
	assert_int_equal(pread(fd, buf, sizeof(buf), 0), sizeof(buf));
	close(fd);
	assert_int_equal(buf[0], 0);
}

/*
 * Snapshots: save() waits for the slow write in flight and completes it
 * into the rings (and the file) before it saves; the state loads back
 * into the reset device, which serves the next request after it; a disk
 * of another size (the device's own bytes at the end) is refused.
 */
static void test_snapshot_quiesce(void **state)
{
	struct t *t = *state;
	struct rv_device *dev;
	static uint8_t st[4096];
	char args[80], buf[512];
	uint64_t t0, sectors;
	int fd, n;

	snprintf(args, sizeof(args), "%s,latency=300", t->path);
	assert_int_equal(create(t, args), 0);
	dev = t->d.env.devices;
	start_loop(t);
	memset(vq_fx_host(&t->d.f, BUF(0)), 'q', 512);
	post(t, 0, VIRTIO_BLK_T_OUT, 0, 512);
	kick_one_in_flight(t);
	t0 = now_ms();
	n = dev->ops->save(dev, st, sizeof(st));
	assert_true(n > 0);
	assert_true(now_ms() - t0 >= 100);
	assert_int_equal(stat_of(t, "inflight"), 0);
	assert_int_equal(stat_of(t, "snapshot_quiesced"), 1);
	assert_int_equal(vq_fx_used_idx(&t->d.f), 1);
	assert_int_equal(status_of(t, 0), VIRTIO_BLK_S_OK);
	fd = open(t->path, O_RDONLY);
	assert_int_equal(pread(fd, buf, sizeof(buf), 0), sizeof(buf));
	close(fd);
	assert_int_equal(buf[0], 'q');
	t->used_seen = 1;

	/* Another size: refused, one message naming the disk. */
	memcpy(&sectors, st + n - 8, 8);
	assert_int_equal(sectors, DISK_BYTES / 512);
	sectors++;
	memcpy(st + n - 8, &sectors, 8);
	rv_err_clear();
	assert_int_equal(dev->ops->load(dev, st, (size_t)n, dev->ops->state_version), -EINVAL);
	assert_non_null(strstr(rv_err_msg(), "the disk had"));
	sectors--;
	memcpy(st + n - 8, &sectors, 8);
	assert_int_equal(dev->ops->load(dev, st, (size_t)n - 1, dev->ops->state_version), -EINVAL);

	wr(t, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(dev->ops->load(dev, st, (size_t)n, dev->ops->state_version), 0);
	assert_int_equal(rd(t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_DRIVER_OK,
			 VIRTIO_CONFIG_S_DRIVER_OK);
	post(t, 1, VIRTIO_BLK_T_IN, 0, 512);
	kick_and_wait(t, 1);
	assert_int_equal(status_of(t, 1), VIRTIO_BLK_S_OK);
	assert_int_equal(*(uint8_t *)vq_fx_host(&t->d.f, BUF(1)), 'q');
}

/*
 * An image on a memory file system: writes are done inline on the loop
 * (inline_writes), and read back the same.
 */
static void test_write_inline_on_tmpfs(void **state)
{
	struct t *t = *state;
	char path[] = "/dev/shm/rv-blk-test.XXXXXX";
	uint8_t *zero = calloc(1, DISK_BYTES);
	struct statfs sfs;
	int fd;

	fd = mkstemp(path);
	if (fd < 0 || fstatfs(fd, &sfs) || sfs.f_type != TMPFS_MAGIC) {
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		free(zero);
		skip(); /* no tmpfs at /dev/shm here */
	}
	assert_int_equal(write(fd, zero, DISK_BYTES), DISK_BYTES);
	close(fd);
	free(zero);
	assert_int_equal(create(t, path), 0);
	start_loop(t);
	memset(vq_fx_host(&t->d.f, BUF(0)), 0xa5, 8192);
	post(t, 0, VIRTIO_BLK_T_OUT, 16, 8192);
	kick_and_wait(t, 1);
	assert_int_equal(status_of(t, 0), VIRTIO_BLK_S_OK);
	post(t, 1, VIRTIO_BLK_T_IN, 16, 8192);
	kick_and_wait(t, 1);
	assert_int_equal(status_of(t, 1), VIRTIO_BLK_S_OK);
	assert_memory_equal(vq_fx_host(&t->d.f, BUF(1)), vq_fx_host(&t->d.f, BUF(0)), 8192);
	assert_int_equal(stat_of(t, "inline_writes"), 1);
	assert_int_equal(stat_of(t, "write_bytes"), 8192);
	unlink(path);
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

/*
 * A live update: the disk hands its open file over, and a new device given
 * it (rv_device_adopt_fds) takes the image that opening the path again
 * finds locked: the OFD lock is the handed open file's, held throughout. A
 * read-only command line is refused the read-write file.
 */
static void test_handover(void **state)
{
	struct t *t = *state;
	struct rv_device_cfg cfg = blk_cfg(t->path);
	struct rv_device_handed h = { .dev = 0 };
	struct rv_device *dev;
	struct vdev_fx d2, d3;
	char args[80];

	assert_int_equal(create(t, t->path), 0);
	dev = t->d.env.devices;
	assert_int_equal(dev->ops->handover(dev, &h.fd, 1), 1);
	vdev_fx_init(&d2, QSIZE, BASE, fake_set_irq, t);
	rv_err_clear();
	assert_true(rv_device_create(&d2.env, &cfg) < 0);
	assert_non_null(strstr(rv_err_msg(), "locked by another process"));
	d2.env.handed = &h;
	d2.env.nr_handed = 1;
	assert_int_equal(rv_device_create(&d2.env, &cfg), 0);
	assert_true(h.taken);
	vdev_fx_fini(&d2);
	snprintf(args, sizeof(args), "%s,ro", t->path);
	cfg.args = args;
	h.taken = false;
	vdev_fx_init(&d3, QSIZE, BASE, fake_set_irq, t);
	d3.env.handed = &h;
	d3.env.nr_handed = 1;
	rv_err_clear();
	assert_int_equal(rv_device_create(&d3.env, &cfg), -EINVAL);
	assert_non_null(strstr(rv_err_msg(), "not open read-only"));
	vdev_fx_fini(&d3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_write_read_flush_id),   T(test_many_in_flight), T(test_latency_and_stop),
		T(test_snapshot_quiesce),      T(test_read_only),      T(test_open_refusals),
		T(test_write_inline_on_tmpfs), T(test_handover),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
