/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between `ringvmm bench coalesce` (vmm/bench.c) and its guest
 * (arch/<arch>/bench-guest.S): the parameters the VMM writes into guest
 * memory, at the address the arch names (struct rv_arch_bench_guest), before
 * the vCPUs start. Every field is a little-endian 64-bit word; offsets are
 * plain numbers so the assembly twin can use them.
 *
 * What the guest does, on every vCPU i (stream i of every device):
 *
 *   MARK on device 0 (the VMM notes the time)
 *   for n0 = 1, 1 + burst, 1 + 2 * burst, ... <= writes:
 *     for each device d, in table order:
 *       for n = n0 .. min(n0 + burst, writes + 1) - 1:
 *         write n to DATA(i) of d           coalesced, or an exit
 *         every READ countdown writes: read COUNT(i) of d (an exit, so
 *           the VMM flushes d first) and expect n; else write it to ERROR
 *         every DOORBELL countdown writes: write DOORBELL of d
 *   read COUNT(i) of every device, expect writes (else ERROR)
 *   add one to DONE; MARK on device 0
 *   vCPU 0: wait until DONE == nr_cpus, then power off; others spin
 *
 * The two countdowns run across devices (they count this vCPU's writes).
 * A countdown of ~0 never expires.
 */
#ifndef RV_BENCH_GUEST_H
#define RV_BENCH_GUEST_H

#define RV_BENCH_P_NR_DEVICES 0x00
#define RV_BENCH_P_WRITES 0x08 /* per device and vCPU */
#define RV_BENCH_P_BURST 0x10 /* writes to one device before the next */
#define RV_BENCH_P_READ_RELOAD 0x18 /* writes between two reads; ~0: none */
#define RV_BENCH_P_DB_RELOAD 0x20 /* writes between two doorbells; ~0: none */
#define RV_BENCH_P_NR_CPUS 0x28
#define RV_BENCH_P_DONE 0x30 /* vCPUs done: the guest adds, with lock */
#define RV_BENCH_P_DEVICES 0x40 /* the device table: */
#define RV_BENCH_P_DEV_SIZE 16 /*   per device: base, kind */
#define RV_BENCH_P_DEV_BASE 0 /*   MMIO address or first port */
#define RV_BENCH_P_DEV_KIND 8 /*   RV_BENCH_DEV_MMIO or _PIO */

#define RV_BENCH_DEV_MMIO 0 /* a bench-sink in MMIO space: 8-byte registers */
#define RV_BENCH_DEV_PIO 1 /* a bench-sink in port space: 4-byte registers */

#define RV_BENCH_MAX_DEVICES 16
/* The parameters fit in this much guest memory. */
#define RV_BENCH_PARAMS_SIZE (RV_BENCH_P_DEVICES + RV_BENCH_MAX_DEVICES * RV_BENCH_P_DEV_SIZE)

#endif
