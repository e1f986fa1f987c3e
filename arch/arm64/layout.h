/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arm64 guest physical memory map. Everything below 1 GiB is devices
 * (none of it RAM, so a stray guest access exits or faults rather than
 * scribbling), RAM starts at 1 GiB. The device tree describes all of it.
 *
 *  0x0000_0000 +------------------------------+
 *              | (nothing: an access exits)   |
 *  0x0800_0000 | GIC distributor (GICD)       |  64 KiB (GICv2: 4 KiB)
 *  0x0801_0000 | GICv2 CPU interface (GICC)   |  8 KiB, GICv2 fallback only
 *  0x080a_0000 | GICv3 redistributors (GICR)  |  128 KiB per vCPU (RD + SGI
 *              |                              |  frames), room for 123 vCPUs
 *  0x0900_0000 | UART: 16550A, "ns16550a"     |  8 one-byte registers; THR is
 *              |                              |  a coalesced MMIO zone
 *  0x0a00_0000 | device MMIO window           |  (virtio-mmio, bench sink, tests;
 *              |                              |  `ringvmm bench`: 16 sinks, 4 KiB
 *              |                              |  apart, from its start)
 *  0x0a10_0000 |  virtio-mmio slots           |  8 x 4 KiB, SPI 16-23
 *  0x1000_0000 | (nothing)                    |
 *  0x4000_0000 +------------------------------+  RAM base (1 GiB aligned)
 *              | built-in guest stacks        |  raw guest code only
 *  0x4008_0000 | kernel Image                 |  2 MiB-aligned base + text_offset
 *              |  (or the built-in guest)     |  (booting.rst; 0 since Linux 5.10)
 *              | initrd                       |  next 2 MiB boundary after the
 *              |                              |  Image's image_size
 *              | device tree blob             |  next 2 MiB boundary, a 2 MiB
 *              |                              |  region of its own (booting.rst)
 *              |  ... free RAM ...            |
 *  0x4080_0000 | `ringvmm bench` parameters   |  bench guest only (bench/guest.h)
 *              |  ... free RAM ...            |
 *              +------------------------------+  RAM base + --mem
 *                                               (at most 1 TiB: a default VM
 *                                               has a 40-bit IPA space)
 *
 * Interrupts: SPIs are numbered from 0 (GIC interrupt ID 32 + n); a device
 * config's irq is the SPI number and 0 means "none", so SPI 0 is unused.
 * The timers are the KVM defaults: virtual timer PPI 11 (ID 27), physical
 * timer PPI 14 (ID 30).
 *
 * Usable from assembly (builtin.S): no C in here but RV_ARM64_UL().
 */
#ifndef RV_ARM64_LAYOUT_H
#define RV_ARM64_LAYOUT_H

#ifdef __ASSEMBLER__
#define RV_ARM64_UL(x) x
#else
#define RV_ARM64_UL(x) x##ULL
#endif

#define RV_ARM64_GICD_ADDR RV_ARM64_UL(0x08000000)
#define RV_ARM64_GICD_V3_SIZE RV_ARM64_UL(0x10000)
#define RV_ARM64_GICD_V2_SIZE RV_ARM64_UL(0x1000)
#define RV_ARM64_GICC_ADDR RV_ARM64_UL(0x08010000)
#define RV_ARM64_GICC_SIZE RV_ARM64_UL(0x2000)
#define RV_ARM64_GICR_ADDR RV_ARM64_UL(0x080a0000)
#define RV_ARM64_GICR_STRIDE RV_ARM64_UL(0x20000) /* RD_base + SGI_base frames */
#define RV_ARM64_GICR_LIMIT RV_ARM64_UL(0x09000000)
/* (0x0900_0000 - 0x080a_0000) / 128 KiB: the redistributors must fit. */
#define RV_ARM64_MAX_VCPUS 123
/* GICv2 has an 8-bit CPU target mask (GICD_ITARGETSR). */
#define RV_ARM64_GICV2_MAX_VCPUS 8
/* Interrupt IDs the vGIC implements: 32 private + 96 SPIs (multiple of 32). */
#define RV_ARM64_GIC_NR_IRQS 128

#define RV_ARM64_UART_ADDR RV_ARM64_UL(0x09000000)
#define RV_ARM64_UART_SIZE RV_ARM64_UL(0x8)
#define RV_ARM64_UART_SPI 1
/* The 16550's reference clock, for Linux's divisor arithmetic (1.8432 MHz). */
#define RV_ARM64_UART_CLOCK 1843200

#define RV_ARM64_DEVICE_MMIO_ADDR RV_ARM64_UL(0x0a000000)
#define RV_ARM64_DEVICE_MMIO_SIZE RV_ARM64_UL(0x06000000)

/*
 * Devices the user adds (--disk, --rng: virtio-mmio transports) take these
 * slots in order, clear of the bench sinks at the window's start, each
 * with its own level-triggered SPI.
 */
#define RV_ARM64_SLOT_MMIO_ADDR (RV_ARM64_DEVICE_MMIO_ADDR + RV_ARM64_UL(0x100000))
#define RV_ARM64_SLOT_SIZE RV_ARM64_UL(0x1000)
#define RV_ARM64_SLOT_FIRST_SPI 16
#define RV_ARM64_NR_SLOTS 8
/* A virtio-mmio register window (virtio 1.2, "MMIO Device Register Layout"). */
#define RV_ARM64_VIRTIO_MMIO_SIZE RV_ARM64_UL(0x200)

#define RV_ARM64_RAM_ADDR RV_ARM64_UL(0x40000000)
/* api.rst, KVM_CREATE_VM: machine type 0 gives a 40-bit IPA space. */
#define RV_ARM64_IPA_LIMIT (RV_ARM64_UL(1) << 40)

/*
 * Raw guest code (the built-in guest, tests) sits where a kernel with the
 * historical text_offset would; the 512 KiB below it hold one 4 KiB stack
 * per vCPU (128 > RV_ARM64_MAX_VCPUS).
 */
#define RV_ARM64_BUILTIN_OFFSET RV_ARM64_UL(0x80000)
#define RV_ARM64_STACK_SIZE RV_ARM64_UL(0x1000)

/*
 * `ringvmm bench coalesce` (bench/guest-arm64.S): its parameters in
 * RAM above the raw code's dtb region (which ends by RAM + 4 MiB for code
 * under 1.5 MiB; the guest is a few hundred bytes), inside the benchmark's
 * 32 MiB of RAM; its bench-sinks at the start of the device MMIO window.
 */
#define RV_ARM64_BENCH_PARAMS_ADDR (RV_ARM64_RAM_ADDR + RV_ARM64_UL(0x800000))
#define RV_ARM64_BENCH_MMIO_ADDR RV_ARM64_DEVICE_MMIO_ADDR

/* booting.rst: the dtb must not exceed 2 MiB; the initrd 2 MiB aligned here. */
#define RV_ARM64_DTB_MAX RV_ARM64_UL(0x200000)
#define RV_ARM64_BOOT_ALIGN RV_ARM64_UL(0x200000)

/* PSCI 0.2 function IDs (ARM DEN 0022, SMC32 calling convention). */
#define RV_PSCI_0_2_SYSTEM_OFF 0x84000008
#define RV_PSCI_0_2_SYSTEM_RESET 0x84000009

#endif
