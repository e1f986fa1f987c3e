// SPDX-License-Identifier: GPL-2.0
#include "bus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void rv_bus_init(struct rv_bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
}

void rv_bus_destroy(struct rv_bus *bus)
{
	free(bus->ranges);
	bus->ranges = NULL;
	bus->nr_ranges = bus->cap = 0;
}

/* Index of the first range whose base is greater than @addr. */
static unsigned int rv_bus_upper_bound(const struct rv_bus *bus, uint64_t addr)
{
	unsigned int lo = 0, hi = bus->nr_ranges;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (bus->ranges[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int rv_bus_register(struct rv_bus *bus, uint64_t base, uint64_t len, const struct rv_bus_ops *ops,
		    void *opaque, struct rv_device *owner)
{
	uint64_t last;
	unsigned int i;

	if (!len || !ops || __builtin_add_overflow(base, len - 1, &last))
		return -EINVAL;

	i = rv_bus_upper_bound(bus, base);
	/* The range before must end below @base, the one after start past @last. */
	if (i > 0) {
		const struct rv_bus_range *prev = &bus->ranges[i - 1];

		if (prev->base + (prev->len - 1) >= base)
			return -EEXIST;
	}
	if (i < bus->nr_ranges && bus->ranges[i].base <= last)
		return -EEXIST;

	if (bus->nr_ranges == bus->cap) {
		unsigned int cap = bus->cap ? bus->cap * 2 : 8;
		struct rv_bus_range *r = realloc(bus->ranges, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		bus->ranges = r;
		bus->cap = cap;
	}
	memmove(&bus->ranges[i + 1], &bus->ranges[i],
		(bus->nr_ranges - i) * sizeof(bus->ranges[0]));
	bus->ranges[i] = (struct rv_bus_range){
		.base = base,
		.len = len,
		.ops = ops,
		.opaque = opaque,
		.owner = owner,
	};
	bus->nr_ranges++;
	return 0;
}

const struct rv_bus_range *rv_bus_find(const struct rv_bus *bus, uint64_t addr, unsigned int len)
{
	const struct rv_bus_range *r;
	unsigned int i;
	uint64_t last;

	if (!len || __builtin_add_overflow(addr, (uint64_t)len - 1, &last))
		return NULL;
	i = rv_bus_upper_bound(bus, addr);
	if (i == 0)
		return NULL;
	r = &bus->ranges[i - 1];
	/* The whole access must be inside, not just its first byte. */
	if (last > r->base + (r->len - 1))
		return NULL;
	return r;
}

static bool rv_bus_size_ok(const struct rv_bus_ops *ops, unsigned int len)
{
	switch (len) {
	case 1:
		return ops->access_sizes & RV_BUS_SIZE_1;
	case 2:
		return ops->access_sizes & RV_BUS_SIZE_2;
	case 4:
		return ops->access_sizes & RV_BUS_SIZE_4;
	case 8:
		return ops->access_sizes & RV_BUS_SIZE_8;
	default:
		return false;
	}
}

int rv_bus_access(struct rv_bus *bus, uint64_t addr, void *data, unsigned int len, bool is_write)
{
	const struct rv_bus_range *r = rv_bus_find(bus, addr, len);
	int ret = -ENOENT;

	if (r && !rv_bus_size_ok(r->ops, len))
		ret = -EINVAL;
	else if (r && is_write && r->ops->write)
		ret = (r->ops->write(r->opaque, addr - r->base, data, len), 0);
	else if (r && !is_write && r->ops->read)
		ret = (r->ops->read(r->opaque, addr - r->base, data, len), 0);
	else if (r)
		ret = 0; /* the device ignores this direction */

	if (ret) {
		__atomic_fetch_add(&bus->unhandled, 1, __ATOMIC_RELAXED);
		if (!is_write && len <= 8)
			memset(data, 0xff, len);
	} else if (r && !is_write && !r->ops->read) {
		memset(data, 0xff, len);
	}
	return ret;
}
