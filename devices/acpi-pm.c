// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI hardware-reduced power management registers (ACPI 6.4, 4.8.3.7
 * "Sleep Control and Status Registers", 4.8.3.6 "Reset Register").
 *
 * The FADT points the guest here: writing SLP_EN with the \_S5 sleep type
 * to the sleep control register powers the machine off, writing the reset
 * value to the reset register resets it. ringvmm ends in both cases.
 *
 * Registers, one byte each, from the base port:
 *   +0 sleep control  (write: bits 4:2 SLP_TYP, bit 5 SLP_EN)
 *   +1 sleep status   (read: 0, no wake event pending)
 *   +4 reset          (write: RESET_VALUE)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/bus.h"
#include "vmm/device.h"
#include "vmm/stats.h"
#include "vmm/util.h"

#define ACPI_PM_SLEEP_CTL 0
#define ACPI_PM_SLEEP_STS 1
#define ACPI_PM_RESET 4
#define ACPI_PM_LEN 5
#define ACPI_SLP_EN (1u << 5)
#define ACPI_SLP_TYP(v) (((v) >> 2) & 0x7)
/* Must match the \_S5 package and reset value the firmware tables give. */
#define ACPI_PM_S5_TYP 5
#define ACPI_PM_RESET_VALUE 1

struct rv_acpi_pm {
	struct rv_device dev;
	struct rv_device_env *env;
	uint64_t poweroffs, resets, ignored;
};

static void rv_acpi_pm_read(void *opaque, uint64_t off, void *data, unsigned int len)
{
	(void)opaque;
	(void)off;
	memset(data, 0, len);
}

static void rv_acpi_pm_write(void *opaque, uint64_t off, const void *data, unsigned int len)
{
	struct rv_acpi_pm *pm = opaque;
	uint8_t v = *(const uint8_t *)data;

	(void)len;
	if (off == ACPI_PM_SLEEP_CTL && (v & ACPI_SLP_EN) && ACPI_SLP_TYP(v) == ACPI_PM_S5_TYP) {
		pm->poweroffs++;
		pm->env->request_exit(pm->env->exit_opaque, RV_EXIT_POWEROFF);
	} else if (off == ACPI_PM_RESET && v == ACPI_PM_RESET_VALUE) {
		pm->resets++;
		pm->env->request_exit(pm->env->exit_opaque, RV_EXIT_RESET);
	} else {
		/* Other sleep states (S1-S4) are not offered in \_Sx: ignore. */
		pm->ignored++;
	}
}

static const struct rv_bus_ops rv_acpi_pm_bus_ops = {
	.access_sizes = RV_BUS_SIZE_1,
	.read = rv_acpi_pm_read,
	.write = rv_acpi_pm_write,
};

static void rv_acpi_pm_stats(struct rv_device *dev, struct rv_stats_sink *out)
{
	struct rv_acpi_pm *pm = dev->priv;

	/* Bumped by a vCPU thread meanwhile (--metrics): each read in one load. */
	rv_stats_u64(out, "poweroffs", __atomic_load_n(&pm->poweroffs, __ATOMIC_RELAXED));
	rv_stats_u64(out, "resets", __atomic_load_n(&pm->resets, __ATOMIC_RELAXED));
	rv_stats_u64(out, "ignored_writes", __atomic_load_n(&pm->ignored, __ATOMIC_RELAXED));
}

static void rv_acpi_pm_destroy(struct rv_device *dev)
{
	free(dev->priv);
}

/* Snapshots: the PM registers read as zero and hold nothing between writes. */
static int rv_acpi_pm_save(struct rv_device *dev, void *buf, size_t size)
{
	return 0;
}

static int rv_acpi_pm_load(struct rv_device *dev, const void *buf, size_t len, uint32_t version)
{
	if (version != 1 || len)
		return rv_err(-EINVAL, "%s: state version %u of %zu bytes, expected 1 of 0",
			      dev->name, version, len);
	return 0;
}

static const struct rv_device_ops rv_acpi_pm_ops = {
	.state_version = 1,
	.save = rv_acpi_pm_save,
	.load = rv_acpi_pm_load,
	.stats = rv_acpi_pm_stats,
	.destroy = rv_acpi_pm_destroy,
};

static int rv_acpi_pm_create(struct rv_device_env *env, const struct rv_device_cfg *cfg)
{
	struct rv_bus *bus = cfg->space == RV_SPACE_PIO ? env->pio : env->mmio;
	struct rv_acpi_pm *pm;
	int ret;

	if (!env->request_exit)
		return rv_err(-EINVAL, "%s: the machine cannot be powered off (no request_exit)",
			      cfg->name);
	pm = calloc(1, sizeof(*pm));
	if (!pm)
		return rv_err(-ENOMEM, "%s: out of memory", cfg->name);
	pm->env = env;
	ret = rv_bus_register(bus, cfg->base, ACPI_PM_LEN, &rv_acpi_pm_bus_ops, pm, &pm->dev);
	if (ret) {
		free(pm);
		return rv_err(ret, "%s range 0x%" PRIx64 "+%u: %s", bus->name, cfg->base,
			      ACPI_PM_LEN, strerror(-ret));
	}
	snprintf(pm->dev.name, sizeof(pm->dev.name), "%s", cfg->name);
	pm->dev.ops = &rv_acpi_pm_ops;
	pm->dev.priv = pm;
	rv_device_add(env, &pm->dev);
	return 0;
}

static struct rv_device_type rv_acpi_pm_type = {
	.name = "acpi-pm",
	.create = rv_acpi_pm_create,
};
RV_DEVICE_TYPE(rv_acpi_pm_type)
