// SPDX-License-Identifier: GPL-2.0
/*
 * The x86_64 machine's fixed shape, as data (rv_platform) and the two
 * hooks that are functions of it: the RAM layout around the MMIO hole and
 * how a device's interrupt line reaches KVM. Addresses come from layout.h,
 * which draws the map.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>

#include "vmm/device.h"
#include "vmm/mem/plan.h"
#include "vmm/util.h"
#include "arch/arch.h"
#include "layout.h"

#define RV_X86_MIN_MEM (16ULL << 20)

int rv_arch_ram_layout(uint64_t ram_size, struct rv_mem_region *out, unsigned int max)
{
	uint64_t low = ram_size;
	unsigned int n = 0;

	if (max < 2)
		return rv_err(-EINVAL, "RAM layout: room for %u regions, x86_64 needs 2", max);
	if (ram_size < RV_X86_MIN_MEM)
		return rv_err(-EINVAL, "%" PRIu64 " MiB of RAM is less than the %llu MiB minimum",
			      ram_size >> 20, RV_X86_MIN_MEM >> 20);
	/* RAM stops at the MMIO hole and continues above 4 GiB. */
	if (low > RV_X86_MMIO_HOLE_ADDR)
		low = RV_X86_MMIO_HOLE_ADDR;
	out[n++] = (struct rv_mem_region){ .gpa = 0, .size = low, .name = "ram-low" };
	if (ram_size > low) {
		if (ram_size - low > UINT64_MAX - RV_X86_HIGH_RAM_ADDR)
			return rv_err(-EINVAL, "RAM size too large");
		out[n++] = (struct rv_mem_region){
			.gpa = RV_X86_HIGH_RAM_ADDR,
			.size = ram_size - low,
			.name = "ram-high",
		};
	}
	return n;
}

/* KVM_IRQ_LINE takes the GSI itself (the IOAPIC/PIC pin). */
uint32_t rv_arch_irq_line(unsigned int irq)
{
	return irq;
}

static const struct rv_mem_range rv_x86_reserved[] = {
	{ RV_X86_DEVICE_MMIO_ADDR, RV_X86_DEVICE_MMIO_SIZE, "device MMIO window" },
	{ RV_X86_IOAPIC_ADDR, RV_X86_IOAPIC_SIZE, "IOAPIC" },
	{ RV_X86_LAPIC_ADDR, RV_X86_LAPIC_SIZE, "local APIC / MSI range" },
	{ RV_X86_IDENTITY_MAP_ADDR, RV_X86_KVM_PRIVATE_SIZE, "KVM identity map and TSS" },
};

/* Every x86 machine: COM1 as the console, and the ACPI power registers. */
static const struct rv_device_cfg rv_x86_devices[] = {
	{
		.type = "serial8250",
		.name = "ttyS0",
		.space = RV_SPACE_PIO,
		.base = RV_X86_COM1_PORT,
		.irq = RV_X86_COM1_IRQ,
		.console = true,
	},
	{
		.type = "acpi-pm",
		.name = "acpi-pm",
		.space = RV_SPACE_PIO,
		.base = RV_X86_ACPI_SLEEP_CTL_PORT,
	},
};

static const struct rv_cap_desc rv_x86_caps[] = {
	{ "KVM_CAP_IRQCHIP", KVM_CAP_IRQCHIP, "in-kernel PIC, IOAPIC and local APICs", 1 },
	{ "KVM_CAP_PIT2", KVM_CAP_PIT2, "in-kernel i8254 timer", 1 },
	{ "KVM_CAP_EXT_CPUID", KVM_CAP_EXT_CPUID, "KVM_GET_SUPPORTED_CPUID for the guest's CPUID",
	  1 },
	{ "KVM_CAP_SET_TSS_ADDR", KVM_CAP_SET_TSS_ADDR, "real-mode TSS (Intel VMX)", 0 },
	{ "KVM_CAP_SET_IDENTITY_MAP_ADDR", KVM_CAP_SET_IDENTITY_MAP_ADDR,
	  "identity page table (Intel VMX)", 0 },
	{ "KVM_CAP_SPLIT_IRQCHIP", KVM_CAP_SPLIT_IRQCHIP, "userspace IOAPIC (not used yet)", 0 },
	{ "KVM_CAP_COALESCED_PIO", KVM_CAP_COALESCED_PIO,
	  "coalesced port I/O zones (UART transmit)", 0 },
	{ "KVM_CAP_TSC_DEADLINE_TIMER", KVM_CAP_TSC_DEADLINE_TIMER, "TSC-deadline local APIC timer",
	  0 },
};

const struct rv_arch_platform rv_platform = {
	.name = "x86_64",
	.min_mem = RV_X86_MIN_MEM,
	/* xAPIC ids are 8 bits and 0xff is the broadcast id. */
	.max_vcpus = 254,
	.reserved = rv_x86_reserved,
	.nr_reserved = RV_ARRAY_SIZE(rv_x86_reserved),
	.devices = rv_x86_devices,
	.nr_devices = RV_ARRAY_SIZE(rv_x86_devices),
	/* No platform device sits in the MMIO window; the slots follow it. */
	.free_mmio = { RV_X86_DEVICE_MMIO_ADDR, RV_X86_SLOT_MMIO_ADDR - RV_X86_DEVICE_MMIO_ADDR },
	.free_pio = { RV_X86_FREE_PIO_ADDR, RV_X86_FREE_PIO_SIZE },
	/*
	 * Edge: an irqfd pulse needs no EOI round trip. A level IOAPIC pin
	 * costs the guest an EOI exit (no PV EOI for level vectors) and the
	 * VMM a resamplefd wakeup per interrupt (docs/benchmarks.md, fio).
	 */
	.slots = { RV_X86_SLOT_MMIO_ADDR, RV_X86_SLOT_SIZE, RV_X86_NR_SLOTS, RV_X86_SLOT_FIRST_GSI,
		   true },
	.pci = { RV_X86_PCI_CFG_PORT,
		 { RV_X86_PCI_MMIO_ADDR, RV_X86_PCI_MMIO_SIZE },
		 { RV_X86_PCI_PIO_ADDR, RV_X86_PCI_PIO_SIZE } },
	.caps = rv_x86_caps,
	.nr_caps = RV_ARRAY_SIZE(rv_x86_caps),
};
