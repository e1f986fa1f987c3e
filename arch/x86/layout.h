/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86_64 guest physical memory map.
 *
 *  0x0000_0000 +---------------------------+
 *              | real-mode IVT, BDA        |  RAM (e820: usable)
 *  0x0000_0500 | boot GDT                  |
 *  0x0000_7000 | boot_params ("zero page") |
 *  0x0000_9000 | boot page tables:         |
 *              |  PML4, PDPT, 4 x PD       |  identity map of the first 4 GiB
 *  0x0002_0000 | kernel command line       |  (64 KiB max)
 *  0x0003_0000 | built-in guest            |
 *              |  (or raw code: tests, bench)
 *  0x0006_0000 | TSS + I/O bitmap          |  (raw code at CPL3 only)
 *              |  ... free low RAM ...     |  (SMP trampoline lives here)
 *  0x0009_fc00 +---------------------------+
 *              | EBDA, VGA hole, BIOS area |  e820: reserved
 *  0x000e_0000 |  ACPI: RSDP + tables      |  (scanned by Linux: RSDP here)
 *  0x000f_fff0 |  reset vector stub        |  (F000:FFF0, see RV_X86_RESET_VECTOR)
 *  0x0010_0000 +---------------------------+
 *              | kernel (protected-mode    |  RAM (e820: usable)
 *              |  part of bzImage / ELF)   |
 *              |  ...                      |
 *              | initrd (top of low RAM)   |
 *  0xc000_0000 +---------------------------+  (or the end of RAM if smaller)
 *              | MMIO hole: devices        |
 *  0xd000_0000 |  device MMIO window       |  1 MiB free: rv_platform.free_mmio
 *              |                           |  (tests, bench-sinks)
 *  0xd010_0000 |   virtio-mmio slots       |  8 x 4 KiB, GSI 16-23 (rv_platform.slots)
 *  0xd800_0000 |   PCI BARs                |  16 MiB: rv_platform.pci.mmio
 *  0xe000_0000 |  free: --passthrough      |  (so the tests' slots go here)
 *  0xfec0_0000 |  IOAPIC                   |
 *  0xfee0_0000 |  local APIC               |
 *  0xfffb_c000 |  KVM identity map + TSS   |  (VMX needs them; harmless on SVM)
 * 0x1_0000_0000+---------------------------+
 *              | RAM above 4 GiB, if any   |
 *              +---------------------------+
 *
 * Ports: COM1 0x3f8, the ACPI power registers 0x3c0-0x3c4, a free
 * window 0x6000-0x9fff (rv_platform.free_pio) that no PC device decodes,
 * PCI configuration mechanism #1 at 0xcf8-0xcff, and the PCI I/O BARs'
 * window 0xc000-0xffff (rv_platform.pci.pio).
 */
#ifndef RV_X86_LAYOUT_H
#define RV_X86_LAYOUT_H

#define RV_X86_GDT_ADDR 0x500ULL
#define RV_X86_BOOT_PARAMS_ADDR 0x7000ULL
#define RV_X86_PML4_ADDR 0x9000ULL
#define RV_X86_PDPT_ADDR 0xa000ULL
#define RV_X86_PD_ADDR 0xb000ULL /* 4 pages: 0xb000 - 0xefff */
#define RV_X86_CMDLINE_ADDR 0x20000ULL
#define RV_X86_CMDLINE_MAX 0x10000ULL
#define RV_X86_BUILTIN_ADDR 0x30000ULL
/* A TSS whose I/O bitmap grants every port, for raw code at CPL3. */
#define RV_X86_USER_TSS_ADDR 0x60000ULL
#define RV_X86_EBDA_ADDR 0x9fc00ULL
#define RV_X86_ACPI_ADDR 0xe0000ULL
#define RV_X86_ACPI_SIZE 0x1f000ULL /* up to the reset vector's page */
/*
 * Linux reboots through the BIOS when the FADT is hardware-reduced and there
 * is no EFI (reboot_init() picks BOOT_EFI, which falls back to BOOT_BIOS):
 * machine_real_restart() jumps to F000:FFF0 in real mode. A few bytes there
 * write the ACPI reset register, so every reboot method ends in a reset.
 */
#define RV_X86_RESET_VECTOR 0xffff0ULL
#define RV_X86_HIMEM_ADDR 0x100000ULL
#define RV_X86_KERNEL_ADDR 0x100000ULL

#define RV_X86_MMIO_HOLE_ADDR 0xc0000000ULL
#define RV_X86_MMIO_HOLE_SIZE 0x40000000ULL
#define RV_X86_DEVICE_MMIO_ADDR 0xd0000000ULL
#define RV_X86_DEVICE_MMIO_SIZE 0x10000000ULL
/*
 * Devices the user adds (--disk, --rng: virtio-mmio transports) take
 * these slots in order, after the free window the tests and bench-sinks use.
 * Their interrupts are the IOAPIC pins above the ISA range, 16-23 (KVM's
 * IOAPIC has 24), level-triggered and active high as the DSDT says.
 */
#define RV_X86_SLOT_MMIO_ADDR (RV_X86_DEVICE_MMIO_ADDR + 0x100000ULL)
#define RV_X86_SLOT_SIZE 0x1000ULL
#define RV_X86_SLOT_FIRST_GSI 16
#define RV_X86_NR_SLOTS 8
/*
 * PCI (--virtio-transport pci): BARs in these windows, which the DSDT's
 * root bridge (PNP0A03) declares, so that Linux keeps them where they are.
 */
#define RV_X86_PCI_CFG_PORT 0xcf8
#define RV_X86_PCI_MMIO_ADDR 0xd8000000ULL
#define RV_X86_PCI_MMIO_SIZE 0x1000000ULL
#define RV_X86_PCI_PIO_ADDR 0xc000
#define RV_X86_PCI_PIO_SIZE 0x4000
/* The local APIC page, and the MSI address range around it (0xfeexxxxx). */
#define RV_X86_LAPIC_SIZE 0x100000ULL
#define RV_X86_IOAPIC_SIZE 0x1000ULL
#define RV_X86_IOAPIC_ADDR 0xfec00000ULL
#define RV_X86_LAPIC_ADDR 0xfee00000ULL
#define RV_X86_IDENTITY_MAP_ADDR 0xfffbc000ULL
#define RV_X86_TSS_ADDR 0xfffbd000ULL
/* One identity-map page, three TSS pages (api.rst, KVM_SET_IDENTITY_MAP_ADDR, KVM_SET_TSS_ADDR). */
#define RV_X86_KVM_PRIVATE_SIZE 0x4000ULL
#define RV_X86_HIGH_RAM_ADDR 0x100000000ULL

/* Legacy I/O ports. */
#define RV_X86_COM1_PORT 0x3f8
#define RV_X86_COM1_IRQ 4
/*
 * ACPI hardware-reduced sleep control/status and reset registers (FADT,
 * ACPI 6.x section 4.8.3.7 and 4.8.3.6): one byte each, in port I/O.
 */
#define RV_X86_ACPI_SLEEP_CTL_PORT 0x3c0
#define RV_X86_ACPI_SLEEP_STS_PORT 0x3c1
#define RV_X86_ACPI_RESET_PORT 0x3c4
#define RV_X86_ACPI_RESET_VALUE 0x1
/* Ports free for devices the platform does not have (tests, bench-sinks). */
#define RV_X86_FREE_PIO_ADDR 0x6000
#define RV_X86_FREE_PIO_SIZE 0x4000
/* \_S5 sleep type value (SLP_TYP) our DSDT gives for soft-off. */
#define RV_X86_ACPI_S5_SLP_TYP 5
#define RV_X86_SCI_IRQ 9

#endif
