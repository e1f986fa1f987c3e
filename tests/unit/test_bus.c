// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the I/O bus (vmm/bus.c). Registration rejects empty ranges,
 * ranges that wrap past 2^64 (-EINVAL) and overlaps (-EEXIST) while accepting
 * neighbours that merely touch; an access reaches the device that covers the
 * whole [addr, addr + len) with the offset from its base, in a size it
 * declared; anything else is -ENOENT / -EINVAL, reads all-ones and counts as
 * unhandled. Last, a few thousand random ranges are registered and looked up
 * against a brute-force model of the same map.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/bus.h"

/* What one fake device saw last. */
struct fake_dev {
	int id;
	unsigned int reads, writes;
	uint64_t last_offset;
	unsigned int last_len;
	uint8_t last_data[8];
	uint8_t fill; /* byte a read returns */
};

static void fake_read(void *opaque, uint64_t offset, void *data, unsigned int len)
{
	struct fake_dev *d = opaque;

	assert_true(len >= 1 && len <= 8);
	d->reads++;
	d->last_offset = offset;
	d->last_len = len;
	memset(data, d->fill, len);
}

static void fake_write(void *opaque, uint64_t offset, const void *data, unsigned int len)
{
	struct fake_dev *d = opaque;

	assert_true(len >= 1 && len <= 8);
	d->writes++;
	d->last_offset = offset;
	d->last_len = len;
	memcpy(d->last_data, data, len);
}

static const struct rv_bus_ops any_ops = {
	.access_sizes = RV_BUS_SIZE_ANY,
	.read = fake_read,
	.write = fake_write,
};

static const struct rv_bus_ops byte_ops = {
	.access_sizes = RV_BUS_SIZE_1,
	.read = fake_read,
	.write = fake_write,
};

static const struct rv_bus_ops word_dword_ops = {
	.access_sizes = RV_BUS_SIZE_2 | RV_BUS_SIZE_4,
	.read = fake_read,
	.write = fake_write,
};

static const struct rv_bus_ops write_only_ops = {
	.access_sizes = RV_BUS_SIZE_ANY,
	.write = fake_write,
};

static int bus_setup(void **state)
{
	struct rv_bus *bus = calloc(1, sizeof(*bus));

	if (!bus)
		return -1;
	rv_bus_init(bus, "test");
	*state = bus;
	return 0;
}

static int bus_teardown(void **state)
{
	struct rv_bus *bus = *state;

	rv_bus_destroy(bus);
	free(bus);
	return 0;
}

static void test_init_destroy(void **state)
{
	struct rv_bus *bus = *state;
	uint8_t v = 0;

	assert_string_equal(bus->name, "test");
	assert_int_equal(bus->nr_ranges, 0);
	assert_null(rv_bus_find(bus, 0, 1));
	assert_int_equal(rv_bus_access(bus, 0, &v, 1, false), -ENOENT);
	assert_int_equal(v, 0xff);
	assert_int_equal(bus->unhandled, 1);
	/* Destroying twice is harmless. */
	rv_bus_destroy(bus);
	rv_bus_destroy(bus);
	assert_null(bus->ranges);
}

static void test_register_rejects_bad_ranges(void **state)
{
	struct rv_bus *bus = *state;
	struct fake_dev d = { 0 };

	assert_int_equal(rv_bus_register(bus, 0x1000, 0, &any_ops, &d, NULL), -EINVAL);
	assert_int_equal(rv_bus_register(bus, 0x1000, 16, NULL, &d, NULL), -EINVAL);
	/* [UINT64_MAX, UINT64_MAX + 2) wraps. */
	assert_int_equal(rv_bus_register(bus, UINT64_MAX, 2, &any_ops, &d, NULL), -EINVAL);
	assert_int_equal(rv_bus_register(bus, 2, UINT64_MAX, &any_ops, &d, NULL), -EINVAL);
	assert_int_equal(rv_bus_register(bus, UINT64_MAX - 15, 17, &any_ops, &d, NULL), -EINVAL);
	assert_int_equal(bus->nr_ranges, 0);

	/* Ending exactly at 2^64 does not wrap. */
	assert_int_equal(rv_bus_register(bus, UINT64_MAX - 15, 16, &any_ops, &d, NULL), 0);
	assert_int_equal(rv_bus_register(bus, UINT64_MAX, 1, &any_ops, &d, NULL), -EEXIST);
	/* The whole space in one range. */
	rv_bus_destroy(bus);
	assert_int_equal(rv_bus_register(bus, 0, UINT64_MAX, &any_ops, &d, NULL), 0);
	assert_int_equal(rv_bus_register(bus, UINT64_MAX, 1, &any_ops, &d, NULL), 0);
	assert_int_equal(bus->nr_ranges, 2);
}

static void test_register_overlap(void **state)
{
	struct rv_bus *bus = *state;
	struct fake_dev d = { 0 };

	assert_int_equal(rv_bus_register(bus, 0x100, 0x10, &any_ops, &d, NULL), 0);
	/* Same range, inside, around, straddling either edge. */
	assert_int_equal(rv_bus_register(bus, 0x100, 0x10, &any_ops, &d, NULL), -EEXIST);
	assert_int_equal(rv_bus_register(bus, 0x104, 0x4, &any_ops, &d, NULL), -EEXIST);
	assert_int_equal(rv_bus_register(bus, 0x0, 0x1000, &any_ops, &d, NULL), -EEXIST);
	assert_int_equal(rv_bus_register(bus, 0xf8, 0x9, &any_ops, &d, NULL), -EEXIST);
	assert_int_equal(rv_bus_register(bus, 0x10f, 0x1, &any_ops, &d, NULL), -EEXIST);
	assert_int_equal(rv_bus_register(bus, 0x10f, 0x100, &any_ops, &d, NULL), -EEXIST);
	assert_int_equal(bus->nr_ranges, 1);

	/* Touching on either side is fine. */
	assert_int_equal(rv_bus_register(bus, 0xf0, 0x10, &any_ops, &d, NULL), 0);
	assert_int_equal(rv_bus_register(bus, 0x110, 0x10, &any_ops, &d, NULL), 0);
	assert_int_equal(rv_bus_register(bus, 0x0, 0x1, &any_ops, &d, NULL), 0);
	assert_int_equal(rv_bus_register(bus, 0x1, 0xef, &any_ops, &d, NULL), 0);
	assert_int_equal(bus->nr_ranges, 5);
	/* Now [0, 0x120) is full: no single byte fits. */
	for (uint64_t a = 0; a < 0x120; a++)
		assert_int_equal(rv_bus_register(bus, a, 1, &any_ops, &d, NULL), -EEXIST);
	assert_int_equal(rv_bus_register(bus, 0x120, 1, &any_ops, &d, NULL), 0);

	/* The array stays sorted. */
	for (unsigned int i = 1; i < bus->nr_ranges; i++)
		assert_true(bus->ranges[i - 1].base + bus->ranges[i - 1].len <=
			    bus->ranges[i].base);
}

static void test_dispatch_offsets(void **state)
{
	struct rv_bus *bus = *state;
	struct fake_dev a = { .id = 1, .fill = 0xaa }, b = { .id = 2, .fill = 0xbb };
	struct rv_device *owner = (struct rv_device *)&b;
	uint8_t buf[8];
	uint32_t v32 = 0x11223344;
	const struct rv_bus_range *r;

	assert_int_equal(rv_bus_register(bus, 0x3f8, 8, &any_ops, &a, NULL), 0);
	assert_int_equal(rv_bus_register(bus, 0x1000, 0x100, &any_ops, &b, owner), 0);

	r = rv_bus_find(bus, 0x1010, 4);
	assert_non_null(r);
	assert_int_equal(r->base, 0x1000);
	assert_int_equal(r->len, 0x100);
	assert_ptr_equal(r->opaque, &b);
	assert_ptr_equal(r->owner, owner);

	assert_int_equal(rv_bus_access(bus, 0x3fd, buf, 1, false), 0);
	assert_int_equal(a.reads, 1);
	assert_int_equal(a.last_offset, 5);
	assert_int_equal(a.last_len, 1);
	assert_int_equal(buf[0], 0xaa);

	assert_int_equal(rv_bus_access(bus, 0x10fc, &v32, 4, true), 0);
	assert_int_equal(b.writes, 1);
	assert_int_equal(b.last_offset, 0xfc);
	assert_int_equal(b.last_len, 4);
	assert_memory_equal(b.last_data, &v32, 4);

	/* First and last byte of a range. */
	assert_int_equal(rv_bus_access(bus, 0x1000, buf, 8, false), 0);
	assert_int_equal(b.last_offset, 0);
	assert_int_equal(b.last_len, 8);
	assert_int_equal(rv_bus_access(bus, 0x10ff, buf, 1, true), 0);
	assert_int_equal(b.last_offset, 0xff);

	assert_int_equal(a.writes, 0);
	assert_int_equal(b.reads, 1);
	assert_int_equal(bus->unhandled, 0);
}

static void test_whole_access_bounds(void **state)
{
	struct rv_bus *bus = *state;
	struct fake_dev a = { .fill = 0x5a }, b = { .fill = 0xa5 };
	uint8_t buf[8];

	assert_int_equal(rv_bus_register(bus, 0x1000, 0x10, &any_ops, &a, NULL), 0);

	/* Straddling the end, or the start, of a range: nobody is called. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(rv_bus_access(bus, 0x100e, buf, 4, false), -ENOENT);
	assert_memory_equal(buf, "\xff\xff\xff\xff\0\0\0\0", 8);
	assert_int_equal(rv_bus_access(bus, 0x100c, buf, 8, true), -ENOENT);
	assert_int_equal(rv_bus_access(bus, 0xffe, buf, 4, false), -ENOENT);
	assert_int_equal(rv_bus_access(bus, 0x1010, buf, 1, false), -ENOENT);
	assert_int_equal(rv_bus_access(bus, 0xfff, buf, 1, true), -ENOENT);
	assert_int_equal(a.reads + a.writes, 0);
	assert_int_equal(bus->unhandled, 5);
	assert_null(rv_bus_find(bus, 0x100e, 4));
	assert_null(rv_bus_find(bus, 0x1000, 0));
	assert_non_null(rv_bus_find(bus, 0x100c, 4));

	/* Spanning two touching ranges is not inside either. */
	assert_int_equal(rv_bus_register(bus, 0x1010, 0x10, &any_ops, &b, NULL), 0);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(rv_bus_access(bus, 0x100e, buf, 4, false), -ENOENT);
	assert_memory_equal(buf, "\xff\xff\xff\xff", 4);
	assert_int_equal(a.reads + b.reads, 0);

	/* An access that would wrap past 2^64. */
	assert_int_equal(rv_bus_register(bus, UINT64_MAX - 3, 4, &any_ops, &b, NULL), 0);
	assert_null(rv_bus_find(bus, UINT64_MAX - 1, 4));
	assert_int_equal(rv_bus_access(bus, UINT64_MAX - 1, buf, 4, false), -ENOENT);
	assert_int_equal(rv_bus_access(bus, UINT64_MAX, buf, 2, true), -ENOENT);
	assert_int_equal(rv_bus_access(bus, UINT64_MAX - 3, buf, 4, false), 0);
	assert_int_equal(b.last_offset, 0);
	assert_int_equal(rv_bus_access(bus, UINT64_MAX, buf, 1, false), 0);
	assert_int_equal(b.last_offset, 3);
}

static void test_access_sizes(void **state)
{
	struct rv_bus *bus = *state;
	struct fake_dev a = { .fill = 0x11 }, b = { .fill = 0x22 };
	uint8_t buf[16];

	assert_int_equal(rv_bus_register(bus, 0x60, 8, &byte_ops, &a, NULL), 0);
	assert_int_equal(rv_bus_register(bus, 0x80, 8, &word_dword_ops, &b, NULL), 0);

	assert_int_equal(rv_bus_access(bus, 0x60, buf, 1, false), 0);
	for (unsigned int len = 2; len <= 8; len *= 2) {
		memset(buf, 0, sizeof(buf));
		assert_int_equal(rv_bus_access(bus, 0x60, buf, len, false), -EINVAL);
		for (unsigned int i = 0; i < len; i++)
			assert_int_equal(buf[i], 0xff);
		assert_int_equal(rv_bus_access(bus, 0x60, buf, len, true), -EINVAL);
	}
	assert_int_equal(a.reads, 1);
	assert_int_equal(a.writes, 0);

	assert_int_equal(rv_bus_access(bus, 0x80, buf, 2, false), 0);
	assert_int_equal(rv_bus_access(bus, 0x84, buf, 4, true), 0);
	assert_int_equal(rv_bus_access(bus, 0x80, buf, 1, false), -EINVAL);
	assert_int_equal(rv_bus_access(bus, 0x80, buf, 8, true), -EINVAL);
	/* Sizes no device can declare. */
	assert_int_equal(rv_bus_access(bus, 0x80, buf, 3, false), -EINVAL);
	assert_int_equal(rv_bus_access(bus, 0x80, buf, 6, true), -EINVAL);
	assert_int_equal(b.reads, 1);
	assert_int_equal(b.writes, 1);
	assert_int_equal(bus->unhandled, 6 + 4);
}

static void test_missing_direction(void **state)
{
	struct rv_bus *bus = *state;
	struct fake_dev a = { 0 };
	uint8_t buf[4] = { 1, 2, 3, 4 };

	assert_int_equal(rv_bus_register(bus, 0x500, 4, &write_only_ops, &a, NULL), 0);
	/* A device without read() is handled: all-ones, not counted. */
	assert_int_equal(rv_bus_access(bus, 0x500, buf, 4, false), 0);
	assert_memory_equal(buf, "\xff\xff\xff\xff", 4);
	assert_int_equal(bus->unhandled, 0);
	assert_int_equal(rv_bus_access(bus, 0x502, buf, 2, true), 0);
	assert_int_equal(a.writes, 1);
	assert_int_equal(a.last_offset, 2);
}

static void test_unhandled_counter(void **state)
{
	struct rv_bus *bus = *state;
	struct fake_dev a = { 0 };
	uint8_t buf[8];

	assert_int_equal(rv_bus_register(bus, 0x1000, 4, &byte_ops, &a, NULL), 0);
	for (int i = 0; i < 10; i++)
		rv_bus_access(bus, 0x2000 + i, buf, 1, i & 1);
	assert_int_equal(bus->unhandled, 10);
	rv_bus_access(bus, 0x1000, buf, 4, false); /* bad size */
	assert_int_equal(bus->unhandled, 11);
	rv_bus_access(bus, 0x1000, buf, 1, true); /* handled */
	assert_int_equal(bus->unhandled, 11);
}

/* xorshift64*: a fixed seed keeps failures reproducible. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

#define MODEL_MAX 2048
/* Addresses are drawn from [0, SPACE) so ranges are dense and collide often. */
#define SPACE 0x40000ULL

struct model_range {
	uint64_t base, len;
	struct fake_dev dev;
};

static struct model_range model[MODEL_MAX];
static unsigned int model_nr;

static const struct model_range *model_find(uint64_t addr, unsigned int len)
{
	for (unsigned int i = 0; i < model_nr; i++)
		if (addr >= model[i].base && addr + len <= model[i].base + model[i].len)
			return &model[i];
	return NULL;
}

static bool model_overlaps(uint64_t base, uint64_t len)
{
	for (unsigned int i = 0; i < model_nr; i++)
		if (base < model[i].base + model[i].len && model[i].base < base + len)
			return true;
	return false;
}

static void test_random_ranges_vs_model(void **state)
{
	struct rv_bus *bus = *state;
	unsigned int accepted = 0, rejected = 0, hits = 0;
	static const unsigned int sizes[] = { 1, 2, 4, 8 };

	model_nr = 0;
	for (int tries = 0; tries < 20000 && model_nr < MODEL_MAX; tries++) {
		uint64_t base = rng() % SPACE;
		uint64_t len = 1 + rng() % ((rng() & 3) ? 16 : 512);
		struct model_range *m = &model[model_nr];
		bool clash = model_overlaps(base, len);
		int ret;

		m->base = base;
		m->len = len;
		m->dev = (struct fake_dev){ .id = (int)model_nr };
		ret = rv_bus_register(bus, base, len, &any_ops, &m->dev, NULL);
		assert_int_equal(ret, clash ? -EEXIST : 0);
		if (ret) {
			rejected++;
			continue;
		}
		model_nr++;
		accepted++;
	}
	assert_int_equal(bus->nr_ranges, model_nr);
	assert_true(accepted > 500 && rejected > 500);
	for (unsigned int i = 1; i < bus->nr_ranges; i++)
		assert_true(bus->ranges[i - 1].base + bus->ranges[i - 1].len <=
			    bus->ranges[i].base);

	for (int i = 0; i < 200000; i++) {
		uint64_t addr = rng() % (SPACE + 1024);
		unsigned int len = sizes[rng() % 4];
		const struct model_range *want = model_find(addr, len);
		const struct rv_bus_range *got = rv_bus_find(bus, addr, len);

		if (!want) {
			assert_null(got);
			continue;
		}
		hits++;
		assert_non_null(got);
		assert_ptr_equal(got->opaque, &want->dev);
		assert_int_equal(got->base, want->base);
		assert_int_equal(got->len, want->len);
	}
	assert_true(hits > 10000);

	/* Dispatch through a few of them: the right device, the right offset. */
	for (unsigned int i = 0; i < model_nr; i += 7) {
		uint64_t off = rng() % model[i].len;
		uint8_t b = 0x42;

		assert_int_equal(rv_bus_access(bus, model[i].base + off, &b, 1, true), 0);
		assert_int_equal(model[i].dev.writes, 1);
		assert_int_equal(model[i].dev.last_offset, off);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_destroy, bus_setup, bus_teardown),
		cmocka_unit_test_setup_teardown(test_register_rejects_bad_ranges, bus_setup,
						bus_teardown),
		cmocka_unit_test_setup_teardown(test_register_overlap, bus_setup, bus_teardown),
		cmocka_unit_test_setup_teardown(test_dispatch_offsets, bus_setup, bus_teardown),
		cmocka_unit_test_setup_teardown(test_whole_access_bounds, bus_setup, bus_teardown),
		cmocka_unit_test_setup_teardown(test_access_sizes, bus_setup, bus_teardown),
		cmocka_unit_test_setup_teardown(test_missing_direction, bus_setup, bus_teardown),
		cmocka_unit_test_setup_teardown(test_unhandled_counter, bus_setup, bus_teardown),
		cmocka_unit_test_setup_teardown(test_random_ranges_vs_model, bus_setup,
						bus_teardown),
	};

	return cmocka_run_group_tests_name("bus", tests, NULL, NULL);
}
