/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest code in C: what a test's guest functions may use.
 *
 * A test file holds its guest functions next to its checks. It is compiled
 * twice: as the host test, where RV_GUEST_CODE() functions are unused
 * statics, and with -DRV_GUEST into the guest blob (lib/mkguest.sh):
 * freestanding, general registers only, linked at RV_TEST_LOAD_ADDR with
 * --gc-sections, so that only the guest functions and what they use (never
 * the host's functions or libraries) end up in the blob. A guest that calls
 * a host function fails to link.
 *
 * Everything here is static inline so that the host build links too.
 * Entry: every vCPU calls the test's function with its index, on a stack
 * of its own, interrupts off: x86 in 64-bit mode at CPL0 with the first
 * 4 GiB identity mapped (where the host emulates CPL0 code this runs at
 * about 1 us per instruction: keep loops short); arm64 at EL1 with the MMU
 * off, so every data access is Device-nGnRnE (aligned accesses only,
 * -mstrict-align; no exclusives: use a word per vCPU instead of atomics).
 */
#ifndef RV_TEST_GUEST_H
#define RV_TEST_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layout.h"
#include "ucall.h"

#ifdef RV_GUEST
/* The function and a symbol-table entry through which the host finds it. */
#define RV_GUEST_SYMBOL(sym)                                       \
	static const struct rv_guest_symbol rv_guest_sym_##sym     \
		__attribute__((section(".rv_guest_symbols"), used, \
			       aligned(8))) = { #sym, (uint64_t)(uintptr_t) & (sym) }
#define RV_GUEST_CODE(name)      \
	void name(uint64_t cpu); \
	RV_GUEST_SYMBOL(name);   \
	void name(uint64_t cpu)
#define RV_GUEST_EXPORT(var) RV_GUEST_SYMBOL(var)
#else
#define RV_GUEST_CODE(name) static void __attribute__((unused)) name(uint64_t cpu)
#define RV_GUEST_EXPORT(var) \
	static const volatile void *const rv_guest_unused_##var __attribute__((unused)) = &(var)
#endif

/* MMIO, one access of exactly the given size (arm64: ISV-valid forms). */
#if defined(__x86_64__)
#define RV_GUEST_MMIO(bits)                                                 \
	static inline void mmio_write##bits(uint64_t gpa, uint##bits##_t v) \
	{                                                                   \
		*(volatile uint##bits##_t *)(uintptr_t)gpa = v;             \
	}                                                                   \
	static inline uint##bits##_t mmio_read##bits(uint64_t gpa)          \
	{                                                                   \
		return *(volatile uint##bits##_t *)(uintptr_t)gpa;          \
	}
RV_GUEST_MMIO(8)
RV_GUEST_MMIO(16)
RV_GUEST_MMIO(32)
RV_GUEST_MMIO(64)
#elif defined(__aarch64__)
#define RV_GUEST_MMIO(bits, sfx, reg)                                                           \
	static inline void mmio_write##bits(uint64_t gpa, uint##bits##_t v)                     \
	{                                                                                       \
		__asm__ volatile("str" sfx " %" reg "0, [%1]" : : "r"(v), "r"(gpa) : "memory"); \
	}                                                                                       \
	static inline uint##bits##_t mmio_read##bits(uint64_t gpa)                              \
	{                                                                                       \
		uint##bits##_t v;                                                               \
		__asm__ volatile("ldr" sfx " %" reg "0, [%1]" : "=r"(v) : "r"(gpa) : "memory"); \
		return v;                                                                       \
	}
RV_GUEST_MMIO(8, "b", "w")
RV_GUEST_MMIO(16, "h", "w")
RV_GUEST_MMIO(32, "", "w")
RV_GUEST_MMIO(64, "", "x")
#endif

#if defined(__x86_64__)
static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

/* String output: one exit with count > 1 (rep outsb). */
static inline void outsb(uint16_t port, const void *buf, uint64_t n)
{
	__asm__ volatile("rep outsb" : "+S"(buf), "+c"(n) : "d"(port) : "memory");
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void __attribute__((noreturn)) rv_guest_halt(void)
{
	for (;;)
		__asm__ volatile("hlt" ::: "memory");
}

static inline void __attribute__((noreturn)) rv_guest_poweroff(void)
{
	outb(RV_TEST_ACPI_SLEEP_CTL, RV_TEST_ACPI_SLEEP_S5);
	rv_guest_halt();
}

static inline void __attribute__((noreturn)) rv_guest_reset(void)
{
	outb(RV_TEST_ACPI_RESET, RV_TEST_ACPI_RESET_VALUE);
	rv_guest_halt();
}

static inline void rv_guest_ucall_exit(struct rv_ucall *uc)
{
	outl(RV_TEST_UCALL_PIO, (uint32_t)(uintptr_t)uc);
}
#elif defined(__aarch64__)
static inline void cpu_relax(void)
{
	__asm__ volatile("yield" ::: "memory");
}

/* wfi with every interrupt masked: only the VMM's stop ends it. */
static inline void __attribute__((noreturn)) rv_guest_halt(void)
{
	for (;;)
		__asm__ volatile("wfi" ::: "memory");
}

static inline void rv_guest_psci(uint64_t fn)
{
	register uint64_t x0 __asm__("x0") = fn;

	__asm__ volatile("hvc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
}

static inline void __attribute__((noreturn)) rv_guest_poweroff(void)
{
	rv_guest_psci(RV_TEST_PSCI_SYSTEM_OFF);
	rv_guest_halt();
}

static inline void __attribute__((noreturn)) rv_guest_reset(void)
{
	rv_guest_psci(RV_TEST_PSCI_SYSTEM_RESET);
	rv_guest_halt();
}

static inline void rv_guest_ucall_exit(struct rv_ucall *uc)
{
	mmio_write64(RV_TEST_UCALL_MMIO, (uint64_t)(uintptr_t)uc);
}
#endif

/* Word-per-vCPU flags, read and written whole (no exclusives needed). */
static inline uint32_t rv_guest_load_acquire(const volatile uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void rv_guest_store_release(volatile uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Copy the tail of @s that fits into @d, NUL-terminated. */
static inline void rv_guest_strtail(char *d, size_t size, const char *s)
{
	size_t n = 0, i;

	while (s[n])
		n++;
	if (n >= size)
		s += n - (size - 1);
	for (i = 0; i < size - 1 && s[i]; i++)
		d[i] = s[i];
	d[i] = '\0';
}

static inline void rv_guest_ucall(uint64_t cmd, uint64_t line, const char *file, const char *expr,
				  uint64_t nr_args, uint64_t a0, uint64_t a1, uint64_t a2,
				  uint64_t a3)
{
	struct rv_ucall uc;

	uc.cmd = cmd;
	uc.line = line;
	uc.nr_args = nr_args;
	uc.args[0] = a0;
	uc.args[1] = a1;
	uc.args[2] = a2;
	uc.args[3] = a3;
	rv_guest_strtail(uc.file, sizeof(uc.file), file ? file : "");
	rv_guest_strtail(uc.expr, sizeof(uc.expr), expr ? expr : "");
	rv_guest_ucall_exit(&uc);
}

/* Report: a tag and up to three values, logged in order for the test. */
#define GUEST_SYNC(tag) rv_guest_ucall(RV_UCALL_SYNC, __LINE__, 0, 0, 1, (tag), 0, 0, 0)
#define GUEST_SYNC_ARGS(tag, a, b, c) \
	rv_guest_ucall(RV_UCALL_SYNC, __LINE__, 0, 0, 4, (tag), (a), (b), (c))

/* The guest reached its end: report it, then power off. */
#define GUEST_DONE()                                                          \
	do {                                                                  \
		rv_guest_ucall(RV_UCALL_DONE, __LINE__, 0, 0, 0, 0, 0, 0, 0); \
		rv_guest_poweroff();                                          \
	} while (0)

/* GCC 12 names the file without its path; older ones get the tail. */
#ifdef __FILE_NAME__
#define RV_GUEST_FILE __FILE_NAME__
#else
#define RV_GUEST_FILE __FILE__
#endif

/* A failed assertion stops the VM (the host's ucall device asks it to). */
#define __GUEST_ASSERT(cond, expr, n, a, b)                                                        \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			rv_guest_ucall(RV_UCALL_ASSERT, __LINE__, RV_GUEST_FILE, expr, n, a, b, 0, \
				       0);                                                         \
			rv_guest_halt();                                                           \
		}                                                                                  \
	} while (0)
#define GUEST_ASSERT(cond) __GUEST_ASSERT(cond, #cond, 0, 0, 0)
#define GUEST_ASSERT_EQ(a, b)                                          \
	do {                                                           \
		uint64_t __a = (a), __b = (b);                         \
		__GUEST_ASSERT(__a == __b, #a " == " #b, 2, __a, __b); \
	} while (0)

#endif
