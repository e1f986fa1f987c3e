// SPDX-License-Identifier: GPL-2.0
/* The coalescing mode names (mode.h): the CLI's and the benchmark's. */
#include "mode.h"

#include <errno.h>
#include <string.h>

#include "vmm/util.h"

const struct rv_coalesce_mode_desc rv_coalesce_modes[RV_COALESCE_NR_NAMED] = {
	{ "off", RV_COALESCE_OFF, false },
	{ "vm-ring", RV_COALESCE_VM_RING, false },
	{ "per-device", RV_COALESCE_PER_DEVICE, false },
	{ "own-drain", RV_COALESCE_PER_DEVICE, false, true },
	{ "doorbell", RV_COALESCE_PER_DEVICE, true },
};

const struct rv_coalesce_mode_desc *rv_coalesce_mode_lookup_n(const char *name, unsigned long len,
							      bool bench)
{
	unsigned int n = bench ? RV_COALESCE_NR_NAMED : RV_COALESCE_NR_MODES;

	for (unsigned int i = 0; name && i < n; i++)
		if (strlen(rv_coalesce_modes[i].name) == len &&
		    !strncmp(name, rv_coalesce_modes[i].name, len))
			return &rv_coalesce_modes[i];
	return NULL;
}

const struct rv_coalesce_mode_desc *rv_coalesce_mode_lookup(const char *name, bool bench)
{
	return name ? rv_coalesce_mode_lookup_n(name, strlen(name), bench) : NULL;
}

const char *rv_coalesce_mode_list(bool bench)
{
	return bench ? "off, vm-ring, per-device, own-drain, doorbell" : "off, vm-ring, per-device";
}

int rv_coalesce_mode_parse(const char *s, enum rv_coalesce_mode *mode)
{
	const struct rv_coalesce_mode_desc *d = rv_coalesce_mode_lookup(s, false);

	if (!d)
		return -EINVAL;
	*mode = d->mode;
	return 0;
}

const char *rv_coalesce_mode_name(enum rv_coalesce_mode mode)
{
	if ((unsigned int)mode < RV_COALESCE_NR_MODES)
		return rv_coalesce_modes[mode].name;
	return "?";
}

/* --coalesce-drain */
static const char *const rv_coalesce_drain_names[] = {
	[RV_COALESCE_DRAIN_SHARED] = "shared",
	[RV_COALESCE_DRAIN_OWN] = "per-device",
};

int rv_coalesce_drain_parse(const char *s, enum rv_coalesce_drain *policy)
{
	for (unsigned int i = RV_COALESCE_DRAIN_SHARED;
	     s && i < RV_ARRAY_SIZE(rv_coalesce_drain_names); i++) {
		if (!strcmp(s, rv_coalesce_drain_names[i])) {
			*policy = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *rv_coalesce_drain_name(enum rv_coalesce_drain policy)
{
	if (policy == RV_COALESCE_DRAIN_DEFAULT)
		policy = RV_COALESCE_DRAIN_SHARED;
	if ((unsigned int)policy < RV_ARRAY_SIZE(rv_coalesce_drain_names))
		return rv_coalesce_drain_names[policy];
	return "?";
}
