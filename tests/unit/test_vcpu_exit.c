// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the vCPU exit handler (rv_exit_handle in vmm/exit.c) on
 * made-up run pages, no KVM. Port I/O in both directions and sizes 1/2/4,
 * string I/O delivered item by item, MMIO routed to the MMIO bus, and the
 * exits that end the guest. The run page is a malloc'ed buffer of exactly
 * run_size bytes, so a data_offset / size / count the handler failed to
 * bound would be an ASan report, not a silent pass: those must be DIED.
 * rv_exit_describe() names each fatal exit.
 *
 * Coalescing's hook: before a PIO or MMIO exit is dispatched, the handler
 * calls rv_coalesce_before_exit() once with the accessed range's device
 * (flush-before-access), and never for malformed or other exits.
 *
 * The vCPU thread code stays in vmm/vcpu.c, which this test does not link;
 * the KVM, arch and VM fakes below fail the test if anything calls them.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/arch.h"
#include "vmm/bus.h"
#include "vmm/coalesce/coalesce.h"
#include "vmm/device.h"
#include "vmm/kvm.h"
#include "vmm/util.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

/* ---- fakes for the thread code's dependencies: never called here ---- */

int rv_arch_vcpu_init(struct rv_vcpu *vcpu)
{
	fail_msg("rv_arch_vcpu_init called");
	return -ENOSYS;
}

void rv_arch_vcpu_dump(struct rv_vcpu *vcpu, FILE *out)
{
	fail_msg("rv_arch_vcpu_dump called");
}

void rv_vm_request_exit(struct rv_vm *vm, int reason)
{
	fail_msg("rv_vm_request_exit called");
}

int __rv_kvm_ioctl(int fd, unsigned long req, unsigned long arg)
{
	fail_msg("__rv_kvm_ioctl called");
	return -ENOSYS;
}

int rv_kvm_ioctl_named(int fd, unsigned long req, unsigned long arg, const char *name)
{
	fail_msg("rv_kvm_ioctl_named(%s) called", name);
	return -ENOSYS;
}

/* ---- a fake coalescing engine: records the hook's calls ---- */

static struct {
	unsigned int calls;
	struct rv_coalesce *engine;
	struct rv_coalesce_device *owner;
	unsigned int accesses_before; /* device accesses logged at the call */
	unsigned int *access_count;   /* the device log to look at */
} hook;

void rv_coalesce_before_exit(struct rv_coalesce *c, struct rv_coalesce_device *owner)
{
	hook.calls++;
	hook.engine = c;
	hook.owner = owner;
	hook.accesses_before = hook.access_count ? *hook.access_count : 0;
}

/* ---- a fake device that logs every access ---- */

#define LOG_MAX 64

struct access {
	uint64_t offset;
	unsigned int len;
	bool is_write;
	uint8_t data[8];
};

struct logdev {
	struct access log[LOG_MAX];
	unsigned int nr;
	uint8_t next; /* reads return next, next + 1, ... */
};

static void log_access(struct logdev *d, uint64_t offset, const void *data, unsigned int len,
		       bool is_write)
{
	struct access *a;

	assert_true(d->nr < LOG_MAX);
	a = &d->log[d->nr++];
	a->offset = offset;
	a->len = len;
	a->is_write = is_write;
	memcpy(a->data, data, len);
}

static void logdev_read(void *opaque, uint64_t offset, void *data, unsigned int len)
{
	struct logdev *d = opaque;
	uint8_t *p = data;

	for (unsigned int i = 0; i < len; i++)
		p[i] = d->next++;
	log_access(d, offset, data, len, false);
}

static void logdev_write(void *opaque, uint64_t offset, const void *data, unsigned int len)
{
	log_access(opaque, offset, data, len, true);
}

static const struct rv_bus_ops logdev_ops = {
	.access_sizes = RV_BUS_SIZE_ANY,
	.read = logdev_read,
	.write = logdev_write,
};

/* ---- the fixture: a run page and the two buses ---- */

/* Like x86: the run struct, then the PIO data page, then one more page. */
#define RUN_SIZE (3 * 4096)
#define PIO_OFFSET 4096
#define UART 0x3f8
#define MMIO_BASE 0xd0000000ULL

struct fixture {
	struct kvm_run *run;
	struct rv_bus pio, mmio;
	struct rv_exit_ctx ctx;
	struct logdev uart, mmiodev;
};

static int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	_Static_assert(sizeof(struct kvm_run) <= PIO_OFFSET, "kvm_run fits one page");
	if (!f)
		return -1;
	f->run = calloc(1, RUN_SIZE);
	if (!f->run)
		return -1;
	rv_bus_init(&f->pio, "pio");
	rv_bus_init(&f->mmio, "mmio");
	if (rv_bus_register(&f->pio, UART, 8, &logdev_ops, &f->uart, NULL) ||
	    rv_bus_register(&f->mmio, MMIO_BASE, 0x1000, &logdev_ops, &f->mmiodev, NULL))
		return -1;
	f->uart.next = 0x10;
	f->mmiodev.next = 0x80;
	f->ctx = (struct rv_exit_ctx){
		.pio = &f->pio,
		.mmio = &f->mmio,
		.run_size = RUN_SIZE,
	};
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	rv_bus_destroy(&f->pio);
	rv_bus_destroy(&f->mmio);
	free(f->run);
	free(f);
	return 0;
}

static uint8_t *io_data(struct fixture *f)
{
	return (uint8_t *)f->run + f->run->io.data_offset;
}

static void set_io(struct fixture *f, uint8_t dir, uint16_t port, uint8_t size, uint32_t count,
		   uint64_t data_offset)
{
	f->run->exit_reason = KVM_EXIT_IO;
	f->run->io.direction = dir;
	f->run->io.port = port;
	f->run->io.size = size;
	f->run->io.count = count;
	f->run->io.data_offset = data_offset;
}

static enum rv_exit_action handle(struct fixture *f)
{
	return rv_exit_handle(f->run, &f->ctx);
}

static void test_io_out_sizes(void **state)
{
	struct fixture *f = *state;
	static const uint8_t bytes[4] = { 0xde, 0xad, 0xbe, 0xef };

	for (uint8_t size = 1, n = 0; size <= 4; size *= 2, n++) {
		set_io(f, KVM_EXIT_IO_OUT, UART + 4, size, 1, PIO_OFFSET);
		memcpy(io_data(f), bytes, size);
		assert_int_equal(handle(f), RV_EXIT_ACTION_CONTINUE);
		assert_int_equal(f->uart.nr, n + 1);
		assert_true(f->uart.log[n].is_write);
		assert_int_equal(f->uart.log[n].offset, 4);
		assert_int_equal(f->uart.log[n].len, size);
		assert_memory_equal(f->uart.log[n].data, bytes, size);
	}
	assert_int_equal(f->pio.unhandled, 0);
	assert_int_equal(f->mmiodev.nr, 0);
}

static void test_io_in_sizes(void **state)
{
	struct fixture *f = *state;
	uint8_t want = 0x10;

	for (uint8_t size = 1; size <= 4; size *= 2) {
		set_io(f, KVM_EXIT_IO_IN, UART, size, 1, PIO_OFFSET);
		memset(io_data(f), 0, 8);
		assert_int_equal(handle(f), RV_EXIT_ACTION_CONTINUE);
		for (unsigned int i = 0; i < size; i++)
			assert_int_equal(io_data(f)[i], want++);
		/* Nothing written past the access. */
		assert_int_equal(io_data(f)[size], 0);
	}
	assert_int_equal(f->uart.nr, 3);
	assert_false(f->uart.log[2].is_write);
	assert_int_equal(f->uart.log[2].len, 4);
}

static void test_io_string(void **state)
{
	struct fixture *f = *state;
	uint8_t *d;

	/* rep outsw, 5 items: five writes of consecutive words. */
	set_io(f, KVM_EXIT_IO_OUT, UART + 1, 2, 5, PIO_OFFSET + 100);
	d = io_data(f);
	for (unsigned int i = 0; i < 10; i++)
		d[i] = 0xa0 + i;
	assert_int_equal(handle(f), RV_EXIT_ACTION_CONTINUE);
	assert_int_equal(f->uart.nr, 5);
	for (unsigned int i = 0; i < 5; i++) {
		assert_true(f->uart.log[i].is_write);
		assert_int_equal(f->uart.log[i].offset, 1);
		assert_int_equal(f->uart.log[i].len, 2);
		assert_memory_equal(f->uart.log[i].data, d + 2 * i, 2);
	}

	/* rep insb, 7 items: consecutive bytes, each from its own read. */
	set_io(f, KVM_EXIT_IO_IN, UART, 1, 7, PIO_OFFSET);
	d = io_data(f);
	memset(d, 0, 16);
	assert_int_equal(handle(f), RV_EXIT_ACTION_CONTINUE);
	assert_int_equal(f->uart.nr, 12);
	for (unsigned int i = 0; i < 7; i++)
		assert_int_equal(d[i], 0x10 + i);
	assert_int_equal(d[7], 0);

	/* rep insd filling the run page to its last byte. */
	set_io(f, KVM_EXIT_IO_IN, UART, 4, 8, RUN_SIZE - 32);
	assert_int_equal(handle(f), RV_EXIT_ACTION_CONTINUE);
	assert_int_equal(f->uart.nr, 20);
	assert_int_equal(((uint8_t *)f->run)[RUN_SIZE - 1], 0x10 + 7 + 31);
}

static void test_io_unclaimed_port(void **state)
{
	struct fixture *f = *state;

	set_io(f, KVM_EXIT_IO_IN, 0x80, 2, 3, PIO_OFFSET);
	memset(io_data(f), 0, 8);
	assert_int_equal(handle(f), RV_EXIT_ACTION_CONTINUE);
	assert_memory_equal(io_data(f), "\xff\xff\xff\xff\xff\xff\0\0", 8);
	set_io(f, KVM_EXIT_IO_OUT, 0x80, 1, 1, PIO_OFFSET);
	assert_int_equal(handle(f), RV_EXIT_ACTION_CONTINUE);
	assert_int_equal(f->pio.unhandled, 4);
	/* Straddling the end of the UART's ports. */
	set_io(f, KVM_EXIT_IO_OUT, UART + 6, 4, 1, PIO_OFFSET);
	assert_int_equal(handle(f), RV_EXIT_ACTION_CONTINUE);
	assert_int_equal(f->pio.unhandled, 5);
	assert_int_equal(f->uart.nr, 0);
}

static void test_io_malformed(void **state)
{
	struct fixture *f = *state;
	static const uint8_t bad_sizes[] = { 0, 3, 5, 8, 255 };

	for (unsigned int i = 0; i < sizeof(bad_sizes); i++) {
		set_io(f, KVM_EXIT_IO_OUT, UART, bad_sizes[i], 1, PIO_OFFSET);
		assert_int_equal(handle(f), RV_EXIT_ACTION_DIED);
	}
	set_io(f, KVM_EXIT_IO_IN, UART, 3, 1, PIO_OFFSET);
	assert_int_equal(handle(f), RV_EXIT_ACTION_DIED);
	/* No items. */
	set_io(f, KVM_EXIT_IO_OUT, UART, 1, 0, PIO_OFFSET);
	assert_int_equal(handle(f), RV_EXIT_ACTION_DIED);

	/* The data outside the run page, by one byte or by far. */
	set_io(f, KVM_EXIT_IO_IN, UART, 4, 1, RUN_SIZE - 3);
	assert_int_equal(handle(f), RV_EXIT_ACTION_DIED);
	set_io(f, KVM_EXIT_IO_IN, UART, 1, 1, RUN_SIZE);
	assert_int_equal(handle(f), RV_EXIT_ACTION_DIED);
	set_io(f, KVM_EXIT_IO_IN, UART, 1, 1, 1ULL << 40);
	assert_int_equal(handle(f), RV_EXIT_ACTION_DIED);
	set_io(f, KVM_EXIT_IO_IN, UART, 4, 9, RUN_SIZE - 32);
	assert_int_equal(handle(f), RV_EXIT_ACTION_DIED);
	set_io(f, KVM_EXIT_IO_IN, UART, 4, UINT32_MAX, PIO_OFFSET);
	assert_int_equal(handle(f), RV_EXIT_ACTION_DIED);
	set_io(f, KVM_EXIT_IO_IN, UART, 1, RUN_SIZE - PIO_OFFSET + 1, PIO_OFFSET);
	assert_int_equal(handle(f), RV_EXIT_ACTION_DIED);
	/* data_offset + size * count wrapping past 2^64 back into the page. */
	set_io(f, KVM_EXIT_IO_IN, UART, 4, 4, UINT64_MAX - 7);
	assert_int_equal(handle(f), RV_EXIT_ACTION_DIED);
	set_io(f, KVM_EXIT_IO_IN, UART, 2, 0x80000000u, UINT64_MAX - 0xffffffffULL + 16);
	assert_int_equal(handle(f), RV_EXIT_ACTION_DIED);
	set_io(f, KVM_EXIT_IO_OUT, UART, 1, 1, UINT64_MAX);
	assert_int_equal(handle(f), RV_EXIT_ACTION_DIED);

	/* None of it reached a device. */
	assert_int_equal(f->uart.nr, 0);
	assert_int_equal(f->pio.unhandled, 0);

	/* The same page with a smaller run_size bound. */
	f->ctx.run_size = PIO_OFFSET + 2;
	set_io(f, KVM_EXIT_IO_OUT, UART, 2, 1, PIO_OFFSET);
	assert_int_equal(handle(f), RV_EXIT_ACTION_CONTINUE);
	set_io(f, KVM_EXIT_IO_OUT, UART, 2, 2, PIO_OFFSET);
	assert_int_equal(handle(f), RV_EXIT_ACTION_DIED);
	assert_int_equal(f->uart.nr, 1);
}

static void set_mmio(struct fixture *f, uint64_t addr, uint32_t len, bool is_write)
{
	f->run->exit_reason = KVM_EXIT_MMIO;
	f->run->mmio.phys_addr = addr;
	f->run->mmio.len = len;
	f->run->mmio.is_write = is_write;
}

static void test_mmio(void **state)
{
	struct fixture *f = *state;
	static const uint8_t bytes[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	set_mmio(f, MMIO_BASE + 0x10, 4, true);
	memcpy(f->run->mmio.data, bytes, 8);
	assert_int_equal(handle(f), RV_EXIT_ACTION_CONTINUE);
	assert_int_equal(f->mmiodev.nr, 1);
	assert_true(f->mmiodev.log[0].is_write);
	assert_int_equal(f->mmiodev.log[0].offset, 0x10);
	assert_int_equal(f->mmiodev.log[0].len, 4);
	assert_memory_equal(f->mmiodev.log[0].data, bytes, 4);

	set_mmio(f, MMIO_BASE + 0xff8, 8, false);
	memset(f->run->mmio.data, 0, 8);
	assert_int_equal(handle(f), RV_EXIT_ACTION_CONTINUE);
	assert_int_equal(f->mmiodev.nr, 2);
	assert_false(f->mmiodev.log[1].is_write);
	assert_int_equal(f->mmiodev.log[1].offset, 0xff8);
	assert_int_equal(f->mmiodev.log[1].len, 8);
	assert_memory_equal(f->run->mmio.data, "\x80\x81\x82\x83\x84\x85\x86\x87", 8);

	set_mmio(f, MMIO_BASE, 1, false);
	assert_int_equal(handle(f), RV_EXIT_ACTION_CONTINUE);
	assert_int_equal(f->run->mmio.data[0], 0x88);
	set_mmio(f, MMIO_BASE + 2, 2, true);
	assert_int_equal(handle(f), RV_EXIT_ACTION_CONTINUE);
	assert_int_equal(f->mmiodev.log[3].offset, 2);
	assert_int_equal(f->mmiodev.nr, 4);

	/* Unclaimed, straddling, or a size the bus refuses: all-ones, counted. */
	set_mmio(f, MMIO_BASE + 0x1000, 4, false);
	memset(f->run->mmio.data, 0, 8);
	assert_int_equal(handle(f), RV_EXIT_ACTION_CONTINUE);
	assert_memory_equal(f->run->mmio.data, "\xff\xff\xff\xff\0\0\0\0", 8);
	set_mmio(f, MMIO_BASE + 0xffc, 8, false);
	assert_int_equal(handle(f), RV_EXIT_ACTION_CONTINUE);
	set_mmio(f, MMIO_BASE, 3, false);
	memset(f->run->mmio.data, 0, 8);
	assert_int_equal(handle(f), RV_EXIT_ACTION_CONTINUE);
	assert_memory_equal(f->run->mmio.data, "\xff\xff\xff\0", 4);
	assert_int_equal(f->mmio.unhandled, 3);
	assert_int_equal(f->mmiodev.nr, 4);

	/* MMIO never goes to the PIO bus, or back. */
	set_mmio(f, UART, 1, true);
	assert_int_equal(handle(f), RV_EXIT_ACTION_CONTINUE);
	assert_int_equal(f->uart.nr, 0);
	assert_int_equal(f->mmio.unhandled, 4);
	assert_int_equal(f->pio.unhandled, 0);
}

static void test_mmio_malformed(void **state)
{
	struct fixture *f = *state;

	set_mmio(f, MMIO_BASE, 0, false);
	assert_int_equal(handle(f), RV_EXIT_ACTION_DIED);
	set_mmio(f, MMIO_BASE, 9, false);
	assert_int_equal(handle(f), RV_EXIT_ACTION_DIED);
	set_mmio(f, MMIO_BASE, 16, true);
	assert_int_equal(handle(f), RV_EXIT_ACTION_DIED);
	set_mmio(f, MMIO_BASE, UINT32_MAX, false);
	assert_int_equal(handle(f), RV_EXIT_ACTION_DIED);
	assert_int_equal(f->mmiodev.nr, 0);
	assert_int_equal(f->mmio.unhandled, 0);
}

static void test_other_exits(void **state)
{
	struct fixture *f = *state;
	static const struct {
		uint32_t reason;
		enum rv_exit_action want;
	} cases[] = {
		{ KVM_EXIT_SHUTDOWN, RV_EXIT_ACTION_DIED },
		{ KVM_EXIT_INTERNAL_ERROR, RV_EXIT_ACTION_DIED },
		{ KVM_EXIT_FAIL_ENTRY, RV_EXIT_ACTION_DIED },
		{ KVM_EXIT_UNKNOWN, RV_EXIT_ACTION_DIED },
		{ KVM_EXIT_EXCEPTION, RV_EXIT_ACTION_DIED },
		{ KVM_EXIT_INTR, RV_EXIT_ACTION_INTERRUPTED },
		{ KVM_EXIT_HLT, RV_EXIT_ACTION_POWEROFF },
		{ 12345, RV_EXIT_ACTION_DIED },
		{ UINT32_MAX, RV_EXIT_ACTION_DIED },
	};

	for (unsigned int i = 0; i < RV_ARRAY_SIZE(cases); i++) {
		f->run->exit_reason = cases[i].reason;
		if (handle(f) != cases[i].want)
			fail_msg("exit reason %u: action %d, want %d", cases[i].reason, handle(f),
				 cases[i].want);
	}
	assert_int_equal(f->uart.nr + f->mmiodev.nr, 0);
}

static void test_system_events(void **state)
{
	struct fixture *f = *state;

	f->run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	f->run->system_event.type = KVM_SYSTEM_EVENT_SHUTDOWN;
	assert_int_equal(handle(f), RV_EXIT_ACTION_POWEROFF);
	f->run->system_event.type = KVM_SYSTEM_EVENT_RESET;
	assert_int_equal(handle(f), RV_EXIT_ACTION_RESET);
	f->run->system_event.type = KVM_SYSTEM_EVENT_CRASH;
	assert_int_equal(handle(f), RV_EXIT_ACTION_DIED);
	f->run->system_event.type = 0;
	assert_int_equal(handle(f), RV_EXIT_ACTION_DIED);
	f->run->system_event.type = 999;
	assert_int_equal(handle(f), RV_EXIT_ACTION_DIED);
}

static void expect_description(struct fixture *f, const char *word)
{
	char buf[160];

	memset(buf, 'Z', sizeof(buf));
	rv_exit_describe(f->run, buf, sizeof(buf));
	assert_non_null(memchr(buf, '\0', sizeof(buf)));
	assert_true(strlen(buf) > 0);
	if (!strstr(buf, word))
		fail_msg("exit %u described as \"%s\", want \"%s\" in it", f->run->exit_reason, buf,
			 word);
}

static void test_describe(void **state)
{
	struct fixture *f = *state;
	char small[8];

	f->run->exit_reason = KVM_EXIT_SHUTDOWN;
	expect_description(f, "triple fault");

	f->run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	f->run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	expect_description(f, "internal error");
	expect_description(f, "emulation");
	f->run->internal.suberror = 42;
	expect_description(f, "suberror 42");

	f->run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	f->run->fail_entry.hardware_entry_failure_reason = 0x80000021;
	expect_description(f, "entry failed");
	expect_description(f, "0x80000021");

	f->run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	f->run->system_event.type = KVM_SYSTEM_EVENT_CRASH;
	expect_description(f, "system event");

	set_io(f, KVM_EXIT_IO_IN, UART, 3, 1, PIO_OFFSET);
	expect_description(f, "I/O");
	expect_description(f, "size 3");
	set_io(f, KVM_EXIT_IO_IN, UART, 4, 1, UINT64_MAX);
	expect_description(f, "offset 18446744073709551615");

	set_mmio(f, MMIO_BASE, 9, false);
	expect_description(f, "MMIO");
	expect_description(f, "len 9");

	f->run->exit_reason = 12345;
	expect_description(f, "12345");

	/* Truncated to the buffer, terminated. */
	f->run->exit_reason = KVM_EXIT_SHUTDOWN;
	memset(small, 'Z', sizeof(small));
	rv_exit_describe(f->run, small, sizeof(small));
	assert_int_equal(small[sizeof(small) - 1], '\0');
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

static void test_coalesce_hook(void **state)
{
	struct fixture *f = *state;
	struct rv_coalesce *engine = (struct rv_coalesce *)&hook; /* opaque: any address */
	struct rv_coalesce_device cdev = { .name = "coalescing" };
	struct rv_device owner = { .name = "owner", .coalesce = &cdev };
	struct rv_device plain = { .name = "plain" }; /* does not coalesce */
	struct logdev dev = { .next = 0 }, dev2 = { .next = 0 };

	assert_int_equal(rv_bus_register(&f->pio, 0x500, 8, &logdev_ops, &dev, &owner), 0);
	assert_int_equal(rv_bus_register(&f->mmio, MMIO_BASE + 0x10000, 0x100, &logdev_ops, &dev2,
					 &owner),
			 0);
	assert_int_equal(rv_bus_register(&f->pio, 0x600, 8, &logdev_ops, &dev2, &plain), 0);

	/* Without an engine in the context: never called. */
	set_io(f, KVM_EXIT_IO_OUT, 0x500, 1, 1, PIO_OFFSET);
	assert_int_equal(handle(f), RV_EXIT_ACTION_CONTINUE);
	assert_int_equal(hook.calls, 0);

	f->ctx.coalesce = engine;
	hook.access_count = &dev.nr;
	/* A PIO read of the owner's range: the hook first, then the access. */
	set_io(f, KVM_EXIT_IO_IN, 0x505, 1, 1, PIO_OFFSET);
	assert_int_equal(handle(f), RV_EXIT_ACTION_CONTINUE);
	assert_int_equal(hook.calls, 1);
	assert_ptr_equal(hook.engine, engine);
	assert_ptr_equal(hook.owner, &cdev);
	assert_int_equal(hook.accesses_before, 1);
	assert_int_equal(dev.nr, 2);
	/* String I/O: one call for all its items. */
	set_io(f, KVM_EXIT_IO_OUT, 0x500, 2, 4, PIO_OFFSET);
	assert_int_equal(handle(f), RV_EXIT_ACTION_CONTINUE);
	assert_int_equal(hook.calls, 2);
	assert_int_equal(hook.accesses_before, 2);
	assert_int_equal(dev.nr, 6);
	/* MMIO, the same. */
	hook.access_count = &dev2.nr;
	set_mmio(f, MMIO_BASE + 0x10008, 8, true);
	assert_int_equal(handle(f), RV_EXIT_ACTION_CONTINUE);
	assert_int_equal(hook.calls, 3);
	assert_ptr_equal(hook.owner, &cdev);
	assert_int_equal(hook.accesses_before, 0);
	assert_int_equal(dev2.nr, 1);
	/* A device that does not coalesce, no device, a straddling access: NULL. */
	set_io(f, KVM_EXIT_IO_OUT, 0x600, 1, 1, PIO_OFFSET);
	assert_int_equal(handle(f), RV_EXIT_ACTION_CONTINUE);
	assert_null(hook.owner);
	set_mmio(f, MMIO_BASE + 0x20000, 4, false);
	assert_int_equal(handle(f), RV_EXIT_ACTION_CONTINUE);
	assert_null(hook.owner);
	set_io(f, KVM_EXIT_IO_IN, 0x506, 4, 1, PIO_OFFSET);
	assert_int_equal(handle(f), RV_EXIT_ACTION_CONTINUE);
	assert_null(hook.owner);
	assert_int_equal(hook.calls, 6);
	/* Malformed and non-I/O exits: not called. */
	set_io(f, KVM_EXIT_IO_IN, 0x500, 3, 1, PIO_OFFSET);
	assert_int_equal(handle(f), RV_EXIT_ACTION_DIED);
	set_mmio(f, MMIO_BASE, 9, false);
	assert_int_equal(handle(f), RV_EXIT_ACTION_DIED);
	f->run->exit_reason = KVM_EXIT_HLT;
	assert_int_equal(handle(f), RV_EXIT_ACTION_POWEROFF);
	assert_int_equal(hook.calls, 6);
	memset(&hook, 0, sizeof(hook));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_io_out_sizes),	   T(test_io_in_sizes),	  T(test_io_string),
		T(test_io_unclaimed_port), T(test_io_malformed),  T(test_mmio),
		T(test_mmio_malformed),	   T(test_other_exits),	  T(test_system_events),
		T(test_describe),	   T(test_coalesce_hook),
	};
#undef T

	return cmocka_run_group_tests_name("vcpu_exit", tests, NULL, NULL);
}
