/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86 loader tests' fixture (test_x86_boot.c, test_x86_bzimage.c,
 * test_x86_elf.c): a malloc'ed 64 MiB guest RAM, synthetic bzImage and
 * ELF64 vmlinux images, byte accessors, and a corruption fuzz loop.
 * Offsets are spelled out from boot.rst / zero-page.rst, not taken from
 * <asm/bootparam.h>, so they check the loader's structs too. Include after
 * <cmocka.h>.
 */
#ifndef RV_TEST_X86_BOOT_FX_H
#define RV_TEST_X86_BOOT_FX_H

#include <stddef.h>
#include <stdint.h>

#include "arch/x86/boot.h"
#include "arch/x86/layout.h"
#include "vmm/mem/translate.h"

#define RAM_SIZE (64ULL << 20)
#define BP RV_X86_BOOT_PARAMS_ADDR
#define SETUP_SIZE (5 * 512) /* setup_sects 4 */
#define PAYLOAD_SIZE 4096
#define BZ_SIZE (SETUP_SIZE + PAYLOAD_SIZE)
#define PREF_ADDR 0x1000000ULL
#define INIT_SIZE 0x800000ULL
/* make_elf(): two PT_LOADs (text; data + bss), vaddr in __START_KERNEL_map. */
#define ELF_SIZE 0x5000
#define KMAP 0xffffffff80000000ULL

extern uint8_t *ram;
extern struct rv_mem mem;

void put16(uint8_t *p, size_t off, uint16_t v);
void put32(uint8_t *p, size_t off, uint32_t v);
void put64(uint8_t *p, size_t off, uint64_t v);
/* Guest RAM at @gpa. */
uint8_t get8(uint64_t gpa);
uint16_t get16(uint64_t gpa);
uint32_t get32(uint64_t gpa);
uint64_t get64(uint64_t gpa);

int group_setup(void **state);
int group_teardown(void **state);
/* A fresh 64 MiB machine: one low RAM region at gpa 0. */
int test_setup(void **state);

/* A minimal protocol 2.15 bzImage: 4 setup sectors + PAYLOAD_SIZE bytes. */
uint8_t *make_bzimage(void);
void put_phdr(uint8_t *k, unsigned int i, uint32_t type, uint64_t off, uint64_t paddr,
	      uint64_t filesz, uint64_t memsz);
/* An ELF64 vmlinux of ELF_SIZE bytes: two PT_LOADs, vaddr in __START_KERNEL_map. */
uint8_t *make_elf(void);
/* The file the loader reads: a memfd holding exactly @len bytes of @buf. */
struct rv_image mkimg(const char *name, const uint8_t *buf, size_t len);
/* Load the first @len bytes of @k (NULL: no kernel) and of @initrd, if any. */
int load(const uint8_t *k, size_t len, const char *cmdline, const uint8_t *initrd,
	 size_t initrd_len, struct rv_x86_boot_info *info);
void expect_err(int ret, int err, const char *needle);
/* The standard e820 map of a single low region of @end bytes. */
void check_e820_low(uint64_t end);
/*
 * @iters copies of make()'s @size-byte image, each with a few random bytes
 * flipped (mostly in [@hot_lo, @hot_hi)) and sometimes truncated: each
 * loads, or fails with a message; never a crash.
 */
void fuzz(uint8_t *(*make)(void), size_t size, size_t hot_lo, size_t hot_hi, unsigned int iters);

#endif
