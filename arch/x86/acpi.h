/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ACPI tables for x86 guests (ACPI 6.x): RSDP, XSDT, FADT (hardware-reduced),
 * MADT and a DSDT that describes the platform devices. Debian's cloud kernel
 * has no MP-table parser, so this is how Linux finds its CPUs and IOAPIC.
 */
#ifndef RV_X86_ACPI_H
#define RV_X86_ACPI_H

#include <stddef.h>
#include <stdint.h>

struct rv_device_cfg;

struct rv_x86_acpi_cfg {
	unsigned int nr_cpus; /* LAPIC ids 0..nr_cpus-1 */
	uint64_t lapic_addr;
	uint64_t ioapic_addr;
	uint8_t ioapic_id;
	/* Devices to describe in the DSDT (serial8250, virtio-mmio, ...). */
	const struct rv_device_cfg *devices;
	unsigned int nr_devices;
};

/*
 * Build all tables into @buf, which the guest sees at @buf_gpa, and return
 * the RSDP's guest address in @rsdp_gpa (at the start of @buf, 16-byte
 * aligned, so Linux's scan of 0xe0000-0xfffff finds it). -ENOSPC when
 * @buf_size is too small, -EINVAL for a bad configuration.
 */
int rv_x86_acpi_build(void *buf, size_t buf_size, uint64_t buf_gpa,
		      const struct rv_x86_acpi_cfg *cfg, uint64_t *rsdp_gpa);

#endif
