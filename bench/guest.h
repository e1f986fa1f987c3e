/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between `ringvmm bench coalesce` (bench/runner.c) and its guest
 * (bench/guest-<arch>.S): the parameters the VMM writes into guest
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
 *         if READ(d) and n % READ(d) == 0: read COUNT(i) of d (an exit,
 *           so the VMM flushes d first) and expect n; else write it to ERROR
 *         every DOORBELL countdown writes: write DOORBELL of d
 *   read COUNT(i) of every device, expect writes (else ERROR)
 *   MARK on device 0; count itself done (below)
 *   vCPU 0: wait until all nr_cpus are done, then power off; others spin
 *
 * READ is per device: each device is read every READ(d) of its own writes
 * (0: never). The doorbell countdown runs across devices (it counts this
 * vCPU's writes); ~0 never expires.
 *
 * Counting done takes one of two forms, and vCPU 0 waits on the same one:
 * - DONE: add one with an atomic instruction (x86: lock inc);
 * - CPU_DONE: store 1 to the word of its own, CPU_DONE(i), for a guest
 *   that has no atomics on its memory (arm64 with the MMU off: every
 *   access is Device-nGnRnE, where exclusives and LSE atomics need not
 *   work).
 * Either comes after the last MARK, whose exit has returned by then, so
 * vCPU 0 powers off only once every MARK has been handled.
 * The VMM zeroes both and reads neither.
 */
#ifndef RV_BENCH_GUEST_H
#define RV_BENCH_GUEST_H

#define RV_BENCH_P_NR_DEVICES 0x00
#define RV_BENCH_P_WRITES 0x08 /* per device and vCPU */
#define RV_BENCH_P_BURST 0x10  /* writes to one device before the next */
/* 0x18: unused (the reads are per device: RV_BENCH_P_DEV_READ) */
#define RV_BENCH_P_DB_RELOAD 0x20 /* writes between two doorbells; ~0: none */
#define RV_BENCH_P_NR_CPUS 0x28
#define RV_BENCH_P_DONE 0x30	/* vCPUs done: the guest adds, atomically */
#define RV_BENCH_P_DEVICES 0x40 /* the device table: */
#define RV_BENCH_P_DEV_SIZE 32	/*   per device: base, kind, read, (pad) */
#define RV_BENCH_P_DEV_BASE 0	/*   MMIO address or first port */
#define RV_BENCH_P_DEV_KIND 8	/*   RV_BENCH_DEV_MMIO or _PIO */
#define RV_BENCH_P_DEV_READ 16	/*   read after writes n % READ == 0; 0: never */

#define RV_BENCH_DEV_MMIO 0 /* a bench-sink in MMIO space: 8-byte registers */
#define RV_BENCH_DEV_PIO 1  /* a bench-sink in port space: 4-byte registers */

#define RV_BENCH_MAX_DEVICES 16
/* After the device table: one word per vCPU, set to 1 when it is done. */
#define RV_BENCH_P_CPU_DONE (RV_BENCH_P_DEVICES + RV_BENCH_MAX_DEVICES * RV_BENCH_P_DEV_SIZE)
#define RV_BENCH_P_MAX_CPUS 64 /* one per stream (RV_BENCH_SINK_STREAMS) */
/* The parameters fit in this much guest memory. */
#define RV_BENCH_PARAMS_SIZE (RV_BENCH_P_CPU_DONE + RV_BENCH_P_MAX_CPUS * 8)

#endif
