// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 machine's fixed shape, as hooks: the vCPU limit, the ranges no
 * memslot may cover, the platform devices and how their interrupt lines
 * reach KVM. Addresses come from layout.h, which draws the map. The RAM
 * layout itself is in boot.c, next to the placement rules that use it.
 */
#include <linux/kvm.h>

#include "vmm/device.h"
#include "vmm/mem/plan.h"
#include "vmm/util.h"
#include "arch/arch.h"
#include "layout.h"

/* The GICv3 redistributor space of layout.h; a GICv2 host allows 8. */
unsigned int rv_arch_max_vcpus(void)
{
	return RV_ARM64_MAX_VCPUS;
}

/* No memslot may shadow the vGIC's frames or the devices (layout.h). */
static const struct rv_mem_range rv_arm64_reserved[] = {
	{ RV_ARM64_GICD_ADDR, RV_ARM64_GICR_LIMIT - RV_ARM64_GICD_ADDR,
	  "GIC distributor and redistributors" },
	{ RV_ARM64_UART_ADDR, 0x1000, "UART" },
	{ RV_ARM64_DEVICE_MMIO_ADDR, RV_ARM64_DEVICE_MMIO_SIZE, "device MMIO window" },
};

const struct rv_mem_range *rv_arch_reserved_ranges(unsigned int *nr)
{
	*nr = RV_ARRAY_SIZE(rv_arm64_reserved);
	return rv_arm64_reserved;
}

/* Every arm64 machine: the 16550A console on MMIO. PSCI powers it off. */
static const struct rv_device_cfg rv_arm64_platform[] = {
	{
		.type = "serial8250",
		.name = "ttyS0",
		.space = RV_SPACE_MMIO,
		.base = RV_ARM64_UART_ADDR,
		.irq = RV_ARM64_UART_SPI,
		.console = true,
	},
};

const struct rv_device_cfg *rv_arch_platform_devices(unsigned int *nr)
{
	*nr = RV_ARRAY_SIZE(rv_arm64_platform);
	return rv_arm64_platform;
}

/*
 * api.rst, KVM_IRQ_LINE, on arm64: bits 27-24 the type (SPI), 15-0 the
 * GIC interrupt ID, which for SPI n is 32 + n; the vCPU field is unused.
 */
uint32_t rv_arch_irq_line(unsigned int irq)
{
	return (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) |
	       (((irq + 32) & KVM_ARM_IRQ_NUM_MASK) << KVM_ARM_IRQ_NUM_SHIFT);
}
