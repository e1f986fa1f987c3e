// SPDX-License-Identifier: GPL-2.0
/*
 * A virtio driver by hand: the guest drives ringvmm's virtio-mmio transport
 * and virtio-blk device (devices/) the way a driver does, register by
 * register, and what is tested is the device side. The disk is a small
 * image file the test writes first and reads back after.
 *
 * - The handshake: magic, version, device id; a driver that does not take
 *   VIRTIO_F_VERSION_1 does not get FEATURES_OK (we have no legacy
 *   interface); with it, FEATURES_OK sticks; queue 0 set up and enabled.
 * - I/O: a READ of a sector the host filled, a WRITE, a FLUSH and a READ
 *   back, each a three-descriptor chain polled for in the used ring: used
 *   id and length, the status byte, the data. The host finds the write in
 *   the file.
 * - A hostile driver: a chain that loops, a buffer outside guest RAM, an
 *   avail index that jumps by more than the queue size. The device sets
 *   DEVICE_NEEDS_RESET, uses nothing, ringvmm goes on; after the driver's
 *   reset the same queue serves a good request again.
 *
 * - Register reads without exits: where the host has KVM_CAP_READONLY_MEM
 *   the guest reads the registers (and config space) from the transport's
 *   register page, a read-only memslot (devices/virtio/mmio-page.c):
 *   1536 reads cost 1536 fewer MMIO exits than the same guest run with
 *   --reg-pages off, and return the same values; writes into the slot
 *   still reach KVM's ioeventfds (512 InterruptACKs counted by KVM).
 *
 * The guest polls with interrupts off (the device's interrupt is not what
 * is tested here), writing QueueSel (0, the queue in use) between polls:
 * an exit that gives the event loop, which completes requests, the CPU.
 * A register read no longer exits.
 */
#include <linux/kvm.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "lib/kvm_test.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/stats.h"

/* The first virtio-mmio slot (arch/<arch>/layout.h: rv_platform.slots). */
#if defined(__x86_64__)
#define VIRTIO_BASE 0xd0100000ULL
#else
#define VIRTIO_BASE 0x0a100000ULL
#endif

#define QSIZE 8
/* The rings and the request buffers, 4 MiB into the guest's RAM. */
#define AREA (RV_TEST_RAM_ADDR + 0x400000ULL)
#define DESC (AREA)
#define AVAIL (AREA + 0x1000)
#define USED (AREA + 0x2000)
#define HDR (AREA + 0x3000)
#define STATUS (AREA + 0x3100)
#define DATA (AREA + 0x4000)
/* Past the end of the 64 MiB of RAM the test VM has. */
#define OUTSIDE_RAM (RV_TEST_RAM_ADDR + 0x10000000ULL)

#define DISK_SECTORS 128
/* Sector 1's bytes, as the host writes them; the guest writes sector 2. */
#define HOST_BYTE(i) ((uint8_t)((i)*7 + 3))
#define GUEST_BYTE(i) ((uint8_t)((i) ^ 0xa5))
/* How many InterruptStatus reads a request may take before we give up. */
#define POLL_LIMIT 200000

enum hostile { HOSTILE_LOOP = 1, HOSTILE_OUTSIDE, HOSTILE_AVAIL_JUMP };

/* --- guest --------------------------------------------------------------- */

static inline uint32_t vm_rd(uint32_t off)
{
	return mmio_read32(VIRTIO_BASE + off);
}

static inline void vm_wr(uint32_t off, uint32_t v)
{
	mmio_write32(VIRTIO_BASE + off, v);
}

static inline volatile struct vring_desc *desc(unsigned int i)
{
	return (volatile struct vring_desc *)(uintptr_t)(DESC + 16ULL * i);
}

static inline volatile uint16_t *avail_idx(void)
{
	return (volatile uint16_t *)(uintptr_t)(AVAIL + 2);
}

static inline volatile uint16_t *avail_ring(unsigned int i)
{
	return (volatile uint16_t *)(uintptr_t)(AVAIL + 4 + 2ULL * i);
}

static inline volatile uint16_t *used_idx(void)
{
	return (volatile uint16_t *)(uintptr_t)(USED + 2);
}

static inline volatile uint32_t *used_elem(unsigned int i, unsigned int word)
{
	return (volatile uint32_t *)(uintptr_t)(USED + 4 + 8ULL * (i % QSIZE) + 4ULL * word);
}

static inline volatile uint8_t *byte_at(uint64_t gpa)
{
	return (volatile uint8_t *)(uintptr_t)gpa;
}

static void guest_zero(uint64_t gpa, unsigned int len)
{
	for (unsigned int i = 0; i < len; i += 8)
		*(volatile uint64_t *)(uintptr_t)(gpa + i) = 0;
}

/* The driver's side of the handshake ("Device Initialization"), queue 0 of QSIZE. */
static void guest_virtio_init(void)
{
	uint32_t f0, f1;

	GUEST_ASSERT_EQ(vm_rd(VIRTIO_MMIO_MAGIC_VALUE), 0x74726976); /* "virt" */
	GUEST_ASSERT_EQ(vm_rd(VIRTIO_MMIO_VERSION), 2);
	GUEST_ASSERT_EQ(vm_rd(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);

	vm_wr(VIRTIO_MMIO_STATUS, 0);
	GUEST_ASSERT_EQ(vm_rd(VIRTIO_MMIO_STATUS), 0);
	vm_wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	vm_wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	vm_wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f0 = vm_rd(VIRTIO_MMIO_DEVICE_FEATURES);
	vm_wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f1 = vm_rd(VIRTIO_MMIO_DEVICE_FEATURES);
	GUEST_ASSERT(f0 & (1U << VIRTIO_BLK_F_FLUSH));
	GUEST_ASSERT(f1 & (1U << (VIRTIO_F_VERSION_1 - 32)));

	/* Legacy (no VERSION_1): the device does not accept it. */
	vm_wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vm_wr(VIRTIO_MMIO_DRIVER_FEATURES, 1U << VIRTIO_BLK_F_FLUSH);
	vm_wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vm_wr(VIRTIO_MMIO_DRIVER_FEATURES, 0);
	vm_wr(VIRTIO_MMIO_STATUS,
	      VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
	GUEST_ASSERT_EQ(vm_rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK, 0);

	/* Modern: VERSION_1 and FLUSH, no ring features (plain used ring). */
	vm_wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vm_wr(VIRTIO_MMIO_DRIVER_FEATURES, 1U << (VIRTIO_F_VERSION_1 - 32));
	vm_wr(VIRTIO_MMIO_STATUS,
	      VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
	GUEST_ASSERT(vm_rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);

	guest_zero(AREA, 0x3000);
	vm_wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	GUEST_ASSERT_EQ(vm_rd(VIRTIO_MMIO_QUEUE_READY), 0);
	GUEST_ASSERT(vm_rd(VIRTIO_MMIO_QUEUE_NUM_MAX) >= QSIZE);
	vm_wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	vm_wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)DESC);
	vm_wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(DESC >> 32));
	vm_wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)AVAIL);
	vm_wr(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(AVAIL >> 32));
	vm_wr(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)USED);
	vm_wr(VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(USED >> 32));
	vm_wr(VIRTIO_MMIO_QUEUE_READY, 1);
	GUEST_ASSERT_EQ(vm_rd(VIRTIO_MMIO_QUEUE_READY), 1);
	vm_wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
					  VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
	GUEST_ASSERT_EQ(vm_rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, 0);
}

static void guest_set_desc(unsigned int i, uint64_t addr, uint32_t len, uint16_t flags,
			   uint16_t next)
{
	desc(i)->addr = addr;
	desc(i)->len = len;
	desc(i)->flags = flags;
	desc(i)->next = next;
}

/* Make descriptor @head available (@jump: index step) and notify queue 0. */
static void guest_publish(uint16_t head, uint16_t jump)
{
	uint16_t idx = *avail_idx();

	*avail_ring(idx % QSIZE) = head;
	/* "Supplying Buffers to The Device": the entry before the index. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*avail_idx() = idx + jump;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vm_wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

/*
 * One request, header in descriptor 0, @len bytes of data at DATA in 1
 * (device-writable for a read), the status byte in 2: wait for it in the
 * used ring, check the used element (@used_len: the bytes the device
 * says it wrote), return the status byte.
 */
static uint8_t guest_blk_req(uint32_t type, uint64_t sector, uint32_t len, uint32_t used_len)
{
	volatile struct virtio_blk_outhdr *h = (volatile struct virtio_blk_outhdr *)(uintptr_t)HDR;
	uint16_t used = *used_idx();
	unsigned int polls = 0;
	uint16_t last;

	h->type = type;
	h->ioprio = 0;
	h->sector = sector;
	*byte_at(STATUS) = 0xee;
	guest_set_desc(0, HDR, sizeof(*h), VRING_DESC_F_NEXT, len ? 1 : 2);
	guest_set_desc(1, DATA, len,
		       VRING_DESC_F_NEXT | (type == VIRTIO_BLK_T_IN ? VRING_DESC_F_WRITE : 0), 2);
	guest_set_desc(2, STATUS, 1, VRING_DESC_F_WRITE, 0);
	guest_publish(0, 1);
	while (*used_idx() == used && polls++ < POLL_LIMIT)
		vm_wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	GUEST_ASSERT(polls < POLL_LIMIT);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	last = *used_idx();
	GUEST_ASSERT_EQ(last, (uint16_t)(used + 1));
	GUEST_ASSERT_EQ(*used_elem(used, 0), 0); /* id: the head */
	GUEST_ASSERT_EQ(*used_elem(used, 1), used_len);
	vm_wr(VIRTIO_MMIO_INTERRUPT_ACK, vm_rd(VIRTIO_MMIO_INTERRUPT_STATUS));
	return *byte_at(STATUS);
}

static void guest_read_sector1(void)
{
	for (unsigned int i = 0; i < 512; i++)
		*byte_at(DATA + i) = 0;
	GUEST_ASSERT_EQ(guest_blk_req(VIRTIO_BLK_T_IN, 1, 512, 513), VIRTIO_BLK_S_OK);
	for (unsigned int i = 0; i < 512; i++)
		GUEST_ASSERT_EQ(*byte_at(DATA + i), HOST_BYTE(i));
}

RV_GUEST_CODE(guest_blk_io)
{
	guest_virtio_init();
	guest_read_sector1();
	GUEST_SYNC(1);

	for (unsigned int i = 0; i < 512; i++)
		*byte_at(DATA + i) = GUEST_BYTE(i);
	GUEST_ASSERT_EQ(guest_blk_req(VIRTIO_BLK_T_OUT, 2, 512, 1), VIRTIO_BLK_S_OK);
	GUEST_ASSERT_EQ(guest_blk_req(VIRTIO_BLK_T_FLUSH, 0, 0, 1), VIRTIO_BLK_S_OK);
	for (unsigned int i = 0; i < 512; i++)
		*byte_at(DATA + i) = 0;
	GUEST_ASSERT_EQ(guest_blk_req(VIRTIO_BLK_T_IN, 2, 512, 513), VIRTIO_BLK_S_OK);
	for (unsigned int i = 0; i < 512; i++)
		GUEST_ASSERT_EQ(*byte_at(DATA + i), GUEST_BYTE(i));
	/* Past the end of the disk: an error for this request, nothing worse. */
	GUEST_ASSERT_EQ(guest_blk_req(VIRTIO_BLK_T_IN, DISK_SECTORS, 512, 1), VIRTIO_BLK_S_IOERR);
	GUEST_ASSERT_EQ(vm_rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, 0);
	GUEST_SYNC(2);
	GUEST_DONE();
}

/*
 * Feed the device garbage of kind @kind: it must set DEVICE_NEEDS_RESET,
 * use nothing, and after a reset serve a good request on the same queue.
 */
static void guest_hostile(enum hostile kind)
{
	volatile struct virtio_blk_outhdr *h = (volatile struct virtio_blk_outhdr *)(uintptr_t)HDR;
	unsigned int polls = 0;
	uint32_t status;

	guest_virtio_init();
	h->type = VIRTIO_BLK_T_IN;
	h->ioprio = 0;
	h->sector = 1;
	*byte_at(STATUS) = 0xee;
	switch (kind) {
	case HOSTILE_LOOP: /* 0 -> 1 -> 2 -> 0 -> ... */
		guest_set_desc(0, HDR, sizeof(*h), VRING_DESC_F_NEXT, 1);
		guest_set_desc(1, DATA, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
		guest_set_desc(2, STATUS, 1, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 0);
		guest_publish(0, 1);
		break;
	case HOSTILE_OUTSIDE: /* the data buffer is no guest RAM */
		guest_set_desc(0, HDR, sizeof(*h), VRING_DESC_F_NEXT, 1);
		guest_set_desc(1, OUTSIDE_RAM, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
		guest_set_desc(2, STATUS, 1, VRING_DESC_F_WRITE, 0);
		guest_publish(0, 1);
		break;
	case HOSTILE_AVAIL_JUMP: /* a good chain, but avail idx says QSIZE + 5 new */
		guest_set_desc(0, HDR, sizeof(*h), VRING_DESC_F_NEXT, 1);
		guest_set_desc(1, DATA, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
		guest_set_desc(2, STATUS, 1, VRING_DESC_F_WRITE, 0);
		guest_publish(0, QSIZE + 5);
		break;
	}
	while (!((status = vm_rd(VIRTIO_MMIO_STATUS)) & VIRTIO_CONFIG_S_NEEDS_RESET) &&
	       polls++ < POLL_LIMIT)
		vm_wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	/* Told with a configuration change interrupt. */
	GUEST_SYNC_ARGS(kind, status, *used_idx(), vm_rd(VIRTIO_MMIO_INTERRUPT_STATUS));
	GUEST_ASSERT(status & VIRTIO_CONFIG_S_NEEDS_RESET);
	GUEST_ASSERT_EQ(*used_idx(), 0);
	GUEST_ASSERT_EQ(*byte_at(STATUS), 0xee);
	/* Another kick of the broken queue does nothing either. */
	vm_wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	GUEST_ASSERT_EQ(*used_idx(), 0);

	/* The driver resets the device; the same queue works again. */
	guest_virtio_init();
	guest_read_sector1();
	GUEST_DONE();
}

/* Register reads, in a loop: from the register page they do not exit. */
#define REG_LOOPS 512
RV_GUEST_CODE(guest_reg_reads)
{
	uint32_t bad = 0;

	guest_virtio_init();
	for (unsigned int i = 0; i < REG_LOOPS; i++) {
		bad |= vm_rd(VIRTIO_MMIO_MAGIC_VALUE) ^ 0x74726976;
		bad |= vm_rd(VIRTIO_MMIO_INTERRUPT_STATUS);
		/* virtio-blk's capacity, in 512-byte sectors ("Device configuration layout"). */
		bad |= vm_rd(VIRTIO_MMIO_CONFIG) ^ DISK_SECTORS;
		/* A write into the read-only slot: KVM's ioeventfd still counts it. */
		vm_wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	}
	GUEST_ASSERT_EQ(bad, 0);
	GUEST_ASSERT(vm_rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_DRIVER_OK);
	GUEST_ASSERT_EQ(vm_rd(VIRTIO_MMIO_QUEUE_READY), 1);
	/* A selector write exits and is published before the next read. */
	vm_wr(VIRTIO_MMIO_QUEUE_SEL, 5);
	GUEST_ASSERT_EQ(vm_rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	vm_wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	GUEST_ASSERT(vm_rd(VIRTIO_MMIO_QUEUE_NUM_MAX) >= QSIZE);
	/* Writes still reach the device: a request completes as before. */
	guest_read_sector1();
	GUEST_DONE();
}

RV_GUEST_CODE(guest_hostile_loop)
{
	guest_hostile(HOSTILE_LOOP);
}

RV_GUEST_CODE(guest_hostile_outside)
{
	guest_hostile(HOSTILE_OUTSIDE);
}

RV_GUEST_CODE(guest_hostile_avail_jump)
{
	guest_hostile(HOSTILE_AVAIL_JUMP);
}

/* --- host ---------------------------------------------------------------- */
/*
 * Not in the guest build: a stats sink takes a double, which arm64's
 * -mgeneral-regs-only refuses even in a function the guest never calls.
 */
#ifndef RV_GUEST

/* The device's counters we check, copied out through its stats sink. */
struct blk_counters {
	struct rv_stats_sink sink;
	bool found;
	uint64_t requests, errors, broken_queues, resets, notifications, reg_page;
	uint64_t irqfd, acks_in_kernel;
	uint64_t mmio_exits; /* vCPU 0's */
};

static void count_u64(struct rv_stats_sink *s, const char *key, uint64_t v)
{
	struct blk_counters *c = (struct blk_counters *)s;
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "requests", offsetof(struct blk_counters, requests) },
		{ "errors", offsetof(struct blk_counters, errors) },
		{ "broken_queues", offsetof(struct blk_counters, broken_queues) },
		{ "resets", offsetof(struct blk_counters, resets) },
		{ "notifications", offsetof(struct blk_counters, notifications) },
		{ "reg_page", offsetof(struct blk_counters, reg_page) },
		{ "irqfd", offsetof(struct blk_counters, irqfd) },
		{ "acks_in_kernel", offsetof(struct blk_counters, acks_in_kernel) },
	};

	for (size_t i = 0; i < RV_ARRAY_SIZE(keys); i++)
		if (!strcmp(key, keys[i].key))
			*(uint64_t *)((char *)c + keys[i].off) = v;
}

static void ignore_f64(struct rv_stats_sink *s, const char *key, double v)
{
}

static void ignore_str(struct rv_stats_sink *s, const char *key, const char *v)
{
}

static void ignore_group(struct rv_stats_sink *s, const char *key)
{
}

static void ignore_end(struct rv_stats_sink *s)
{
}

static void snapshot(struct rv_vm *vm, void *opaque)
{
	struct blk_counters *c = opaque;
	struct rv_device *d = rv_test_find_device(vm, "virtio-blk0");

	c->sink = (struct rv_stats_sink){ count_u64, ignore_f64, ignore_str, ignore_group,
					  ignore_end };
	if (d && d->ops->stats) {
		d->ops->stats(d, &c->sink);
		c->found = true;
	}
	c->mmio_exits = vm->vcpus[0].mmio_exits;
}

/* A disk image whose sector 1 holds HOST_BYTE(i); the path into @path. */
static void make_image(char *path, size_t size)
{
	uint8_t sector[512] = { 0 };
	const char *tmp = getenv("TMPDIR");
	int fd;

	snprintf(path, size, "%s/rv-virtio-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, DISK_SECTORS * 512), 0);
	for (unsigned int i = 0; i < 512; i++)
		sector[i] = HOST_BYTE(i);
	assert_int_equal(pwrite(fd, sector, 512, 512), 512);
	close(fd);
}

static int run_blk_cfg(const char *guest, const char *path, struct blk_counters *c,
		       const struct rv_vm_config *cfg)
{
	const struct rv_device_cfg disk = {
		.type = "virtio-blk", .name = "virtio-blk0", .slot = true, .args = path
	};
	const struct rv_test_vm vm = {
		.guest = guest,
		.devices = &disk,
		.nr_devices = 1,
		.after_run = snapshot,
		.opaque = c,
		.mem = cfg,
	};

	*c = (struct blk_counters){ 0 };
	return rv_test_run(&vm);
}

static int run_blk(const char *guest, const char *path, struct blk_counters *c)
{
	return run_blk_cfg(guest, path, c, NULL);
}

static void test_blk_io(void **state)
{
	struct blk_counters c;
	uint8_t sector[512];
	char path[256];
	int fd, ret;

	make_image(path, sizeof(path));
	ret = run_blk("guest_blk_io", path, &c);
	fd = open(path, O_RDONLY);
	unlink(path);
	rv_test_expect_run(ret, &(struct rv_test_expect){
					.exit = RV_EXIT_POWEROFF, .done = true, .nr_syncs = 2 });
	assert_true(c.found);
	/* READ, WRITE, FLUSH, READ, the READ past the end. */
	assert_int_equal(c.requests, 5);
	assert_int_equal(c.errors, 1);
	assert_int_equal(c.broken_queues, 0);
	assert_true(c.notifications >= 5);
	/* The guest's write reached the file. */
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, sector, 512, 2 * 512), 512);
	close(fd);
	for (unsigned int i = 0; i < 512; i++)
		assert_int_equal(sector[i], GUEST_BYTE(i));
}

static void expect_hostile(const char *guest, enum hostile kind)
{
	struct blk_counters c;
	const struct rv_ucall *uc;
	char path[256];
	int ret;

	make_image(path, sizeof(path));
	ret = run_blk(guest, path, &c);
	unlink(path);
	rv_test_expect_run(ret, &(struct rv_test_expect){
					.exit = RV_EXIT_POWEROFF, .done = true, .nr_syncs = 1 });
	uc = rv_test_sync(0);
	assert_int_equal(uc->args[0], kind);
	assert_true(uc->args[1] & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(uc->args[2], 0); /* nothing in the used ring */
	assert_true(uc->args[3] & VIRTIO_MMIO_INT_CONFIG);
	assert_true(c.found);
	assert_int_equal(c.broken_queues, 1);
	/* The guest's two handshakes (each starts with a reset). */
	assert_true(c.resets >= 2);
	/* Only the good READ after the reset was a request. */
	assert_int_equal(c.requests, 1);
	assert_int_equal(c.errors, 0);
}

static void test_reg_reads_without_exits(void **state)
{
	const struct rv_vm_config off = { .reg_pages_off = true };
	struct blk_counters page, exits;
	char path[256];
	int ret;

	RV_TEST_REQUIRE_CAP(KVM_CAP_READONLY_MEM, "the register page is a read-only memslot");
	make_image(path, sizeof(path));
	ret = run_blk("guest_reg_reads", path, &page);
	rv_test_expect_run(ret, &(struct rv_test_expect){
					.exit = RV_EXIT_POWEROFF, .done = true, .nr_syncs = 0 });
	ret = run_blk_cfg("guest_reg_reads", path, &exits, &off);
	unlink(path);
	rv_test_expect_run(ret, &(struct rv_test_expect){
					.exit = RV_EXIT_POWEROFF, .done = true, .nr_syncs = 0 });
	assert_true(page.found && exits.found);
	assert_int_equal(page.reg_page, 1);
	assert_int_equal(exits.reg_page, 0);
	assert_int_equal(page.requests, 1);
	print_message("MMIO exits: %llu with the register page, %llu without\n",
		      (unsigned long long)page.mmio_exits, (unsigned long long)exits.mmio_exits);
	/* Every read of the loop exits without the page, none with it. */
	assert_true(exits.mmio_exits >= page.mmio_exits + 3 * REG_LOOPS);
	/* Writes to the read-only slot reach KVM's ioeventfds (an edge line's ACK). */
	if (page.irqfd)
		assert_true(page.acks_in_kernel >= REG_LOOPS);
	else
		print_message("no irqfd here: the InterruptACK ioeventfd is not checked\n");
}

static void test_hostile_loop(void **state)
{
	expect_hostile("guest_hostile_loop", HOSTILE_LOOP);
}

static void test_hostile_outside_ram(void **state)
{
	expect_hostile("guest_hostile_outside", HOSTILE_OUTSIDE);
}

static void test_hostile_avail_jump(void **state)
{
	expect_hostile("guest_hostile_avail_jump", HOSTILE_AVAIL_JUMP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blk_io),
		cmocka_unit_test(test_reg_reads_without_exits),
		cmocka_unit_test(test_hostile_loop),
		cmocka_unit_test(test_hostile_outside_ram),
		cmocka_unit_test(test_hostile_avail_jump),
	};

	rv_test_require_kvm();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif
