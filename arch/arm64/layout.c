// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 machine's fixed shape, as data (rv_platform) and the two hooks
 * that are functions of it: the RAM layout and how a device's interrupt
 * line reaches KVM. Addresses come from layout.h, which draws the map.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>

#include "vmm/device.h"
#include "vmm/mem/plan.h"
#include "vmm/util.h"
#include "arch/arch.h"
#include "layout.h"

#define RV_ARM64_MIN_MEM (16ULL << 20)

int rv_arch_ram_layout(uint64_t ram_size, struct rv_mem_region *out, unsigned int max)
{
	if (max < 1)
		return rv_err(-EINVAL, "RAM layout: no room for a region");
	if (ram_size < RV_ARM64_MIN_MEM)
		return rv_err(-EINVAL, "%" PRIu64 " MiB of RAM is less than the %llu MiB minimum",
			      ram_size >> 20, RV_ARM64_MIN_MEM >> 20);
	/* One region from 1 GiB up; it must end inside the 40-bit IPA space. */
	if (ram_size > RV_ARM64_IPA_LIMIT - RV_ARM64_RAM_ADDR)
		return rv_err(
			-EINVAL,
			"--mem: %" PRIu64
			" GiB does not fit in the guest's 40-bit physical address space (at most %llu GiB of RAM from 0x%llx)",
			ram_size >> 30, (RV_ARM64_IPA_LIMIT - RV_ARM64_RAM_ADDR) >> 30,
			RV_ARM64_RAM_ADDR);
	out[0] =
		(struct rv_mem_region){ .gpa = RV_ARM64_RAM_ADDR, .size = ram_size, .name = "ram" };
	return 1;
}

/* No memslot may shadow the vGIC's frames or the devices (layout.h). */
static const struct rv_mem_range rv_arm64_reserved[] = {
	{ RV_ARM64_GICD_ADDR, RV_ARM64_GICR_LIMIT - RV_ARM64_GICD_ADDR,
	  "GIC distributor and redistributors" },
	{ RV_ARM64_UART_ADDR, 0x1000, "UART" },
	{ RV_ARM64_DEVICE_MMIO_ADDR, RV_ARM64_DEVICE_MMIO_SIZE, "device MMIO window" },
};

/* Every arm64 machine: the 16550A console on MMIO. PSCI powers it off. */
static const struct rv_device_cfg rv_arm64_devices[] = {
	{
		.type = "serial8250",
		.name = "ttyS0",
		.space = RV_SPACE_MMIO,
		.base = RV_ARM64_UART_ADDR,
		.irq = RV_ARM64_UART_SPI,
		.console = true,
	},
};

/* What ringvmm cannot run without on arm64 (also listed by `caps`). */
static const struct rv_cap_desc rv_arm64_caps[] = {
	{ "KVM_CAP_ARM_PSCI_0_2", KVM_CAP_ARM_PSCI_0_2,
	  "PSCI 0.2: vCPU power on/off, system off/reset", 1 },
	{ "KVM_CAP_DEVICE_CTRL", KVM_CAP_DEVICE_CTRL, "KVM_CREATE_DEVICE for the vGIC", 1 },
	{ "KVM_CAP_ONE_REG", KVM_CAP_ONE_REG, "KVM_SET_ONE_REG: entry registers, MPIDR", 1 },
	{ "KVM_CAP_IRQCHIP", KVM_CAP_IRQCHIP, "KVM_IRQ_LINE into the in-kernel vGIC", 1 },
	{ "KVM_CAP_ARM_VM_IPA_SIZE", KVM_CAP_ARM_VM_IPA_SIZE,
	  "largest IPA size (value: bits; ringvmm uses the default 40)", 0 },
	{ "KVM_CAP_ARM_PMU_V3", KVM_CAP_ARM_PMU_V3, "guest PMU (not offered yet)", 0 },
	{ "KVM_CAP_ARM_NISV_TO_USER", KVM_CAP_ARM_NISV_TO_USER,
	  "MMIO without syndrome reported to userspace", 0 },
};

/*
 * api.rst, KVM_IRQ_LINE, on arm64: bits 27-24 the type (SPI), 15-0 the
 * GIC interrupt ID, which for SPI n is 32 + n; the vCPU field is unused.
 */
uint32_t rv_arch_irq_line(unsigned int irq)
{
	return (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) |
	       (((irq + 32) & KVM_ARM_IRQ_NUM_MASK) << KVM_ARM_IRQ_NUM_SHIFT);
}

const struct rv_arch_platform rv_platform = {
	.name = "arm64",
	.min_mem = RV_ARM64_MIN_MEM,
	/* The GICv3 redistributor space of layout.h; a GICv2 host allows 8. */
	.max_vcpus = RV_ARM64_MAX_VCPUS,
	.reserved = rv_arm64_reserved,
	.nr_reserved = RV_ARRAY_SIZE(rv_arm64_reserved),
	.devices = rv_arm64_devices,
	.nr_devices = RV_ARRAY_SIZE(rv_arm64_devices),
	/* The UART sits below the window, the slots follow it. No port space. */
	.free_mmio = { RV_ARM64_DEVICE_MMIO_ADDR,
		       RV_ARM64_SLOT_MMIO_ADDR - RV_ARM64_DEVICE_MMIO_ADDR },
	/*
	 * Edge-triggered SPIs, as x86's slots (see its layout.c): a plain
	 * irqfd pulse per interrupt, and InterruptACK counted in KVM. A
	 * level SPI needs KVM_CAP_IRQFD_RESAMPLE, which the 6.1 arm64 host
	 * lacks, so it went through KVM_IRQ_LINE from the loop thread, and
	 * its ACK had to exit to lower the line.
	 */
	.slots = { RV_ARM64_SLOT_MMIO_ADDR, RV_ARM64_SLOT_SIZE, RV_ARM64_NR_SLOTS,
		   RV_ARM64_SLOT_FIRST_SPI, true },
	.caps = rv_arm64_caps,
	.nr_caps = RV_ARRAY_SIZE(rv_arm64_caps),
};
