/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where things are, as the tests' guests see the machine: the test devices
 * tests/kvm adds (the recorder, the ucall port, bench-sinks), the platform
 * registers a guest uses to end itself, and where raw guest code is loaded.
 * Shared by the guest code (lib/guest.h) and the host side (kvm_test.h).
 *
 * The platform numbers repeat what the arch code builds (arch/<arch>/
 * layout.h) on purpose: a guest sees an ABI, not our headers, and a test
 * that spells it out fails when it moves. rv_test_run() checks that the
 * guest blob really landed at RV_TEST_LOAD_ADDR.
 */
#ifndef RV_TEST_LAYOUT_H
#define RV_TEST_LAYOUT_H

#if defined(__x86_64__)
/* Raw code goes where the built-in guest does; stacks grow down below it. */
#define RV_TEST_LOAD_ADDR 0x30000
#define RV_TEST_RAM_ADDR 0x0ULL
/* The recorder (lib/kvm_test.c): 16 ports, and a page of MMIO. */
#define RV_TEST_REC_PIO 0x500
#define RV_TEST_REC_PIO_LEN 0x10
#define RV_TEST_REC_MMIO 0xd0000000ULL
/* The ucall port: one 4-byte OUT of the struct's address (below 4 GiB). */
#define RV_TEST_UCALL_PIO 0x510
/* Bench-sinks from here, RV_TEST_SINK_STRIDE apart (device MMIO window). */
#define RV_TEST_SINK_MMIO 0xd0001000ULL
/* Free guest-physical space for --passthrough slots. */
#define RV_TEST_FREE_GPA 0xe0000000ULL
/* ACPI hardware-reduced sleep control and reset registers (our FADT). */
#define RV_TEST_ACPI_SLEEP_CTL 0x3c0
#define RV_TEST_ACPI_SLEEP_S5 ((5 << 2) | 0x20) /* SLP_TYP 5, SLP_EN */
#define RV_TEST_ACPI_RESET 0x3c4
#define RV_TEST_ACPI_RESET_VALUE 0x1
#elif defined(__aarch64__)
/* RAM base + the historical Image text_offset; stacks below it. */
#define RV_TEST_LOAD_ADDR 0x40080000
#define RV_TEST_RAM_ADDR 0x40000000ULL
/* The recorder (lib/kvm_test.c): a page of MMIO (arm64 has no ports). */
#define RV_TEST_REC_MMIO 0x0a000000ULL
/* The ucall register: one 8-byte STR of the struct's address. */
#define RV_TEST_UCALL_MMIO 0x0a0ff000ULL
#define RV_TEST_SINK_MMIO 0x0a001000ULL
/* Nothing lives between the device window and RAM. */
#define RV_TEST_FREE_GPA 0x10000000ULL
/* PSCI 0.2 (ARM DEN 0022), through HVC: KVM answers in the kernel. */
#define RV_TEST_PSCI_SYSTEM_OFF 0x84000008
#define RV_TEST_PSCI_SYSTEM_RESET 0x84000009
#else
#error "tests/kvm: no test layout for this architecture"
#endif

#define RV_TEST_REC_MMIO_LEN 0x1000
#define RV_TEST_SINK_STRIDE 0x1000
/* vCPUs a test may ask for (per-vCPU arrays in guests). */
#define RV_TEST_MAX_CPUS 8

#endif
