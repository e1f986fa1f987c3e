/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The coalescing modes a user names: `ringvmm run --coalesce MODE` and
 * `ringvmm bench coalesce --mode MODE` read the same table. It is its own
 * file (mode.c) so that a parser links it without the engine.
 *
 * The first RV_COALESCE_NR_MODES entries are the engine's modes, in enum
 * rv_coalesce_mode order. After them come modes only the benchmark runs:
 * "own-drain" is per-device with a drain thread per device
 * (--coalesce-drain per-device); "doorbell" is per-device with the guest
 * ringing each device's doorbell.
 */
#ifndef RV_COALESCE_MODE_H
#define RV_COALESCE_MODE_H

#include <stdbool.h>

#include "coalesce.h"

struct rv_coalesce_mode_desc {
	const char *name;
	enum rv_coalesce_mode mode;
	bool doorbell;	/* the guest rings doorbells (bench only) */
	bool own_drain; /* each device drained by a thread of its own (bench only) */
};

#define RV_COALESCE_NR_MODES 3 /* the engine's */
#define RV_COALESCE_NR_NAMED 5 /* and the benchmark's */

extern const struct rv_coalesce_mode_desc rv_coalesce_modes[RV_COALESCE_NR_NAMED];

/*
 * The entry named @name (a whole name: @len bytes of it), or NULL;
 * @bench: the benchmark-only modes count too.
 */
const struct rv_coalesce_mode_desc *rv_coalesce_mode_lookup_n(const char *name, unsigned long len,
							      bool bench);
const struct rv_coalesce_mode_desc *rv_coalesce_mode_lookup(const char *name, bool bench);
/* "off, vm-ring, per-device" (@bench: ", own-drain, doorbell" too), for messages. */
const char *rv_coalesce_mode_list(bool bench);

#endif
