/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The I/O bus: one instance for port I/O, one for MMIO.
 *
 * Devices register ranges with an ops table that names the access sizes the
 * device accepts; the bus checks the whole [addr, addr + len) of every access
 * (overflow included) and the access size before it calls the device, so a
 * device handler only ever sees an offset and a length it declared.
 *
 * Registration happens while the VM is built, before any vCPU runs; lookups
 * afterwards are lock-free reads of an immutable sorted array. Devices
 * serialise their own state (a vCPU thread and the event loop may both call in).
 */
#ifndef RV_BUS_H
#define RV_BUS_H

#include <stdbool.h>
#include <stdint.h>

struct rv_device;

/* Access sizes a device accepts, or'ed into rv_bus_ops.access_sizes. */
#define RV_BUS_SIZE_1 (1u << 0)
#define RV_BUS_SIZE_2 (1u << 1)
#define RV_BUS_SIZE_4 (1u << 2)
#define RV_BUS_SIZE_8 (1u << 3)
#define RV_BUS_SIZE_ANY (RV_BUS_SIZE_1 | RV_BUS_SIZE_2 | RV_BUS_SIZE_4 | RV_BUS_SIZE_8)

struct rv_bus_ops {
	/* Sizes accepted; the bus rejects any other before calling. */
	unsigned int access_sizes;
	/*
	 * @offset is relative to the registered base; @len is one of the
	 * accepted sizes and offset + len <= the registered length.
	 * Data is little-endian, as on the guest's bus.
	 */
	void (*read)(void *opaque, uint64_t offset, void *data, unsigned int len);
	void (*write)(void *opaque, uint64_t offset, const void *data, unsigned int len);
};

struct rv_bus_range {
	uint64_t base;
	uint64_t len;
	const struct rv_bus_ops *ops;
	void *opaque;
	/* The device that owns the range (for per-device accounting), or NULL. */
	struct rv_device *owner;
};

struct rv_bus {
	const char *name;	     /* "pio" or "mmio", for messages */
	struct rv_bus_range *ranges; /* sorted by base, never overlapping */
	unsigned int nr_ranges;
	unsigned int cap;
	uint64_t unhandled; /* accesses that hit no device */
};

void rv_bus_init(struct rv_bus *bus, const char *name);
void rv_bus_destroy(struct rv_bus *bus);

/*
 * Register [base, base + len). Returns -EINVAL for an empty range or one that
 * wraps past 2^64, -EEXIST when it overlaps a registered range.
 */
int rv_bus_register(struct rv_bus *bus, uint64_t base, uint64_t len, const struct rv_bus_ops *ops,
		    void *opaque, struct rv_device *owner);

/* The range containing the whole [addr, addr + len), or NULL. */
const struct rv_bus_range *rv_bus_find(const struct rv_bus *bus, uint64_t addr, unsigned int len);

/*
 * Dispatch one access. Returns 0 when a device handled it, -ENOENT when no
 * device covers the whole access, -EINVAL for a size the device does not
 * accept. On a failed read, @data is filled with all-ones, which is what a
 * read of an unclaimed address returns on a PC bus.
 */
int rv_bus_access(struct rv_bus *bus, uint64_t addr, void *data, unsigned int len, bool is_write);

#endif
