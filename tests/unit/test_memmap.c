// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the guest physical map as configured (vmm/mem/plan.c), with
 * no KVM and no mappings. --mem-backend names; the --passthrough parser with
 * every kind of bad input; rv_memmap_build() laying out RAM and passthrough
 * slots and refusing, with a message naming the slot, unaligned gpa / size /
 * offset, wrapping ranges, overlaps with RAM, with each other and with the
 * arch's reserved ranges, and more slots than KVM_CAP_NR_MEMSLOTS or
 * RV_MEM_MAX_REGIONS allow; the --memmap printout.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/compat.h"
#include "vmm/mem/plan.h"
#include "vmm/util.h"
#include "msg_fx.h"

#define PAGE 4096ULL
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* ret must be @want and the message must hold each NULL-terminated word. */
static void expect_err(int ret, int want, ...) __attribute__((sentinel));
static void expect_err(int ret, int want, ...)
{
	va_list ap;

	va_start(ap, want);
	rv_test_expect_err_v(ret, want, ap);
	va_end(ap);
	rv_err_clear();
}

static void expect_ok(int ret)
{
	if (ret)
		fail_msg("got %d: \"%s\"", ret, rv_err_msg());
}

static void test_backend_names(void **state)
{
	static const char *const names[] = { "anon", "memfd", "hugetlb", "guest_memfd" };
	enum rv_mem_backend_type t;

	for (unsigned int i = 0; i < 4; i++) {
		t = RV_MEM_BACKEND_NR;
		expect_ok(rv_memmap_parse_backend(names[i], &t));
		assert_int_equal(t, i);
		assert_string_equal(rv_mem_backend_name(t), names[i]);
	}
	assert_string_equal(rv_mem_backend_name(RV_MEM_BACKEND_PFNMAP), "pfnmap");
	assert_string_equal(rv_mem_backend_name(RV_MEM_BACKEND_NR), "?");
	/* pfnmap maps a given file: it cannot make RAM. */
	expect_err(rv_memmap_parse_backend("pfnmap", &t), -EINVAL, "pfnmap", "not a RAM backend",
		   NULL);
	expect_err(rv_memmap_parse_backend("", &t), -EINVAL, "--mem-backend", NULL);
	expect_err(rv_memmap_parse_backend("ANON", &t), -EINVAL,
		   "anon, memfd, hugetlb, guest_memfd", NULL);
	expect_err(rv_memmap_parse_backend("guest-memfd", &t), -EINVAL, "guest-memfd", NULL);
}

static void test_passthrough_parse_ok(void **state)
{
	struct rv_mem_passthrough pt;

	rv_err_clear();
	expect_ok(rv_memmap_parse_passthrough(
		"path=/sys/bus/pci/devices/0000:00:04.0/resource2,offset=0x1000,size=16M,gpa=0xe0000000",
		0, &pt));
	assert_string_equal(pt.path, "/sys/bus/pci/devices/0000:00:04.0/resource2");
	assert_int_equal(pt.offset, 0x1000);
	assert_int_equal(pt.size, 16 * MiB);
	assert_int_equal(pt.gpa, 0xe0000000);
	assert_false(pt.readonly);
	assert_string_equal(pt.name, "pt0");

	/* Any order, ro, offset defaults to 0, suffixes everywhere. */
	expect_ok(rv_memmap_parse_passthrough("ro,gpa=3584M,size=4096,path=/dev/mem", 3, &pt));
	assert_string_equal(pt.path, "/dev/mem");
	assert_int_equal(pt.offset, 0);
	assert_int_equal(pt.size, 4096);
	assert_int_equal(pt.gpa, 3584 * MiB);
	assert_true(pt.readonly);
	assert_string_equal(pt.name, "pt3");

	/* '=' inside the path is the path's. */
	expect_ok(rv_memmap_parse_passthrough("path=/tmp/a=b,size=4K,gpa=0", 1, &pt));
	assert_string_equal(pt.path, "/tmp/a=b");
	assert_string_equal(rv_err_msg(), "");
}

static void test_passthrough_parse_bad(void **state)
{
	struct rv_mem_passthrough pt;
	char long_path[RV_MEM_PATH_MAX + 64];

	rv_err_clear();
	expect_err(rv_memmap_parse_passthrough("", 0, &pt), -EINVAL, "pt0", "empty", NULL);
	expect_err(rv_memmap_parse_passthrough("path=/f,,size=4K,gpa=0", 2, &pt), -EINVAL, "pt2",
		   "empty item", NULL);
	expect_err(rv_memmap_parse_passthrough("path=/f,size=4K,gpa=0,", 0, &pt), -EINVAL,
		   "empty item", NULL);
	expect_err(rv_memmap_parse_passthrough(",path=/f,size=4K,gpa=0", 0, &pt), -EINVAL,
		   "empty item", NULL);
	expect_err(rv_memmap_parse_passthrough("path=/f,size=4K,gpa=0,bar=2", 0, &pt), -EINVAL,
		   "unknown key \"bar\"", NULL);
	expect_err(rv_memmap_parse_passthrough("path=/f,size=4K,gpa=0,pathx=1", 0, &pt), -EINVAL,
		   "unknown key \"pathx\"", NULL);
	expect_err(rv_memmap_parse_passthrough("path=/f,size=4K,gpa=0,size=8K", 0, &pt), -EINVAL,
		   "\"size\" given twice", NULL);
	expect_err(rv_memmap_parse_passthrough("path=/f,size=4K,gpa=0,ro,ro", 0, &pt), -EINVAL,
		   "\"ro\" given twice", NULL);
	expect_err(rv_memmap_parse_passthrough("path=/f,size=4K,gpa=0,ro=1", 0, &pt), -EINVAL,
		   "\"ro\" takes no value", NULL);
	expect_err(rv_memmap_parse_passthrough("size=4K,gpa=0", 0, &pt), -EINVAL,
		   "path=FILE is missing", NULL);
	expect_err(rv_memmap_parse_passthrough("path=/f,gpa=0", 0, &pt), -EINVAL,
		   "size=N is missing", NULL);
	expect_err(rv_memmap_parse_passthrough("path=/f,size=4K", 0, &pt), -EINVAL,
		   "gpa=ADDR is missing", NULL);
	expect_err(rv_memmap_parse_passthrough("path=,size=4K,gpa=0", 0, &pt), -EINVAL,
		   "\"path\" needs a value", NULL);
	expect_err(rv_memmap_parse_passthrough("path=/f,size,gpa=0", 0, &pt), -EINVAL,
		   "\"size\" needs a value", NULL);
	expect_err(rv_memmap_parse_passthrough("path=/f,size=0,gpa=0", 0, &pt), -EINVAL, "size=0",
		   NULL);
	expect_err(rv_memmap_parse_passthrough("path=/f,size=lots,gpa=0", 0, &pt), -EINVAL,
		   "size=lots is not a number", NULL);
	expect_err(rv_memmap_parse_passthrough("path=/f,size=4K,gpa=-1", 0, &pt), -EINVAL,
		   "gpa=-1 is not a number", NULL);
	expect_err(rv_memmap_parse_passthrough("path=/f,size=4K,gpa=0,offset=99999999999999999999",
					       0, &pt),
		   -EINVAL, "offset=", "too large", NULL);
	expect_err(rv_memmap_parse_passthrough("path=/f,size=20000000T,gpa=0", 0, &pt), -EINVAL,
		   "too large", NULL);

	memcpy(long_path, "path=/", 6);
	memset(long_path + 6, 'x', RV_MEM_PATH_MAX);
	strcpy(long_path + 6 + RV_MEM_PATH_MAX, ",size=4K,gpa=0");
	expect_err(rv_memmap_parse_passthrough(long_path, 0, &pt), -EINVAL, "path is longer than",
		   NULL);
}

/* The x86 machine: low RAM up to 256 MiB or 3 GiB, high RAM above 4 GiB. */
static const struct rv_mem_region ram_small[] = {
	{ .gpa = 0, .size = 256 * MiB, .name = "ram-low" },
};
static const struct rv_mem_region ram_big[] = {
	{ .gpa = 0, .size = 3 * GiB, .name = "ram-low" },
	{ .gpa = 4 * GiB, .size = 2 * GiB, .name = "ram-high" },
};
static const struct rv_mem_range reserved[] = {
	{ 0xd0000000, 0x10000000, "device MMIO window" },
	{ 0xfec00000, 0x1000, "IOAPIC" },
	{ 0xfee00000, 0x100000, "local APIC" },
};

static struct rv_mem_passthrough pts[RV_MEM_MAX_PASSTHROUGH + 8];
static struct rv_memmap_plan plan;
static struct rv_mem mem;

/* Passthrough @i: the file's [offset, offset + size) at @gpa. */
static void pt_set(unsigned int i, uint64_t gpa, uint64_t size, uint64_t offset, bool ro)
{
	pts[i] = (struct rv_mem_passthrough){
		.gpa = gpa,
		.size = size,
		.offset = offset,
		.readonly = ro,
	};
	snprintf(pts[i].path, sizeof(pts[i].path), "/dev/file%u", i);
	snprintf(pts[i].name, sizeof(pts[i].name), "pt%u", i);
}

static int plan_setup(void **state)
{
	memset(pts, 0, sizeof(pts));
	plan = (struct rv_memmap_plan){
		.ram_backend = RV_MEM_BACKEND_ANON,
		.ram = ram_small,
		.nr_ram = 1,
		.pt = pts,
		.reserved = reserved,
		.nr_reserved = RV_ARRAY_SIZE(reserved),
		.page_size = PAGE,
		.max_slots = 32764,
	};
	rv_err_clear();
	return 0;
}

static void test_build_ram_and_passthrough(void **state)
{
	const struct rv_mem_region *r;

	plan.ram = ram_big;
	plan.nr_ram = 2;
	plan.ram_backend = RV_MEM_BACKEND_GUEST_MEMFD;
	pt_set(0, 0xe0000000, 16 * MiB, 0, false);
	pt_set(1, 0xe1000000, PAGE, 0x70000000, true);
	/* Right after high RAM ends, and right below the IOAPIC: adjacent is fine. */
	pt_set(2, 6 * GiB, 2 * MiB, 0, false);
	pt_set(3, 0xfec00000 - PAGE, PAGE, 0, false);
	plan.nr_pt = 4;
	expect_ok(rv_memmap_build(&mem, &plan));
	assert_int_equal(mem.nr, 6);

	for (unsigned int i = 0; i < mem.nr; i++) {
		r = &mem.regions[i];
		assert_int_equal(r->slot, i);
		assert_null(r->host);
		assert_int_equal(r->fd, -1);
		assert_int_equal(r->kvm_flags, 0); /* the backends set them */
		assert_false(r->registered);
	}
	r = &mem.regions[0];
	assert_string_equal(r->name, "ram-low");
	assert_string_equal(r->backend, "guest_memfd");
	assert_false(r->device);
	assert_null(r->path);
	r = &mem.regions[1];
	assert_int_equal(r->gpa, 4 * GiB);
	assert_string_equal(r->backend, "guest_memfd");
	r = &mem.regions[3];
	assert_string_equal(r->name, "pt1");
	assert_string_equal(r->backend, "pfnmap");
	assert_string_equal(r->path, "/dev/file1");
	assert_int_equal(r->gpa, 0xe1000000);
	assert_int_equal(r->size, PAGE);
	assert_int_equal(r->fd_offset, 0x70000000);
	assert_true(r->device);
	assert_true(r->readonly);
	assert_false(mem.regions[2].readonly);
	/* RAM size counts neither passthrough slot. */
	assert_int_equal(rv_mem_ram_size(&mem), 5 * GiB);
	assert_string_equal(rv_err_msg(), "");
}

static void test_build_alignment(void **state)
{
	plan.nr_pt = 1;
	pt_set(0, 0xe0000000 + 0x800, PAGE, 0, false);
	expect_err(rv_memmap_build(&mem, &plan), -EINVAL, "pt0", "/dev/file0", "gpa 0xe0000800",
		   "page size", NULL);
	pt_set(0, 0xe0000000, PAGE + 1, 0, false);
	expect_err(rv_memmap_build(&mem, &plan), -EINVAL, "pt0", "size 0x1001", "page size", NULL);
	pt_set(0, 0xe0000000, PAGE, 512, false);
	expect_err(rv_memmap_build(&mem, &plan), -EINVAL, "pt0", "offset 0x200", "page size", NULL);

	/* With 64 KiB pages, 4 KiB alignment is not enough. */
	plan.page_size = 0x10000;
	pt_set(0, 0xe0001000, 0x10000, 0, false);
	expect_err(rv_memmap_build(&mem, &plan), -EINVAL, "gpa 0xe0001000", "65536-byte page",
		   NULL);
	pt_set(0, 0xe0010000, 0x10000, 0, false);
	expect_ok(rv_memmap_build(&mem, &plan));

	plan.page_size = 3000;
	expect_err(rv_memmap_build(&mem, &plan), -EINVAL, "not a power of two", NULL);
}

static void test_build_wrapping(void **state)
{
	plan.nr_pt = 1;
	pt_set(0, 0xfffffffffffff000ULL, 2 * PAGE, 0, false);
	expect_err(rv_memmap_build(&mem, &plan), -EINVAL, "pt0", "wraps the address space", NULL);
	/* Ending exactly at 2^64 is fine. */
	pt_set(0, 0xfffffffffffff000ULL, PAGE, 0, false);
	expect_ok(rv_memmap_build(&mem, &plan));
	assert_int_equal(mem.nr, 2);
	/* A file range past the largest off_t. */
	pt_set(0, 0xe0000000, 2 * PAGE, 0x7ffffffffffff000ULL, false);
	expect_err(rv_memmap_build(&mem, &plan), -EINVAL, "pt0", "largest file offset", NULL);
	pt_set(0, 0xe0000000, 2 * PAGE, 0xfffffffffffff000ULL, false);
	expect_err(rv_memmap_build(&mem, &plan), -EINVAL, "largest file offset", NULL);
}

static void test_build_overlaps(void **state)
{
	/* Over low RAM: any overlap, at the start, in the middle, at the end. */
	plan.nr_pt = 1;
	pt_set(0, 0, PAGE, 0, false);
	expect_err(rv_memmap_build(&mem, &plan), -EINVAL, "pt0", "overlaps guest RAM ram-low",
		   "[0x0, 0xfffffff]", NULL);
	pt_set(0, 255 * MiB, 2 * MiB, 0, false);
	expect_err(rv_memmap_build(&mem, &plan), -EINVAL, "overlaps guest RAM ram-low", NULL);
	pt_set(0, 256 * MiB, 2 * MiB, 0, false);
	expect_ok(rv_memmap_build(&mem, &plan));

	/* Over high RAM. */
	plan.ram = ram_big;
	plan.nr_ram = 2;
	pt_set(0, 6 * GiB - PAGE, 2 * PAGE, 0, false);
	expect_err(rv_memmap_build(&mem, &plan), -EINVAL, "overlaps guest RAM ram-high", NULL);
	/* Covering all of low RAM and more. */
	pt_set(0, 0, 3 * GiB + PAGE, 0, false);
	expect_err(rv_memmap_build(&mem, &plan), -EINVAL, "overlaps guest RAM ram-low", NULL);

	/* Two slots over each other: the later one is named. */
	pt_set(0, 0xe0000000, 16 * MiB, 0, false);
	pt_set(1, 0xe0fff000, PAGE, 0, false);
	plan.nr_pt = 2;
	expect_err(rv_memmap_build(&mem, &plan), -EINVAL, "pt1", "overlaps passthrough pt0", NULL);
	pt_set(1, 0xe1000000, PAGE, 0, false);
	expect_ok(rv_memmap_build(&mem, &plan));

	/* The arch's reserved ranges. */
	plan.nr_pt = 1;
	pt_set(0, 0xdffff000, 2 * PAGE, 0, false);
	expect_err(rv_memmap_build(&mem, &plan), -EINVAL, "pt0", "overlaps the device MMIO window",
		   NULL);
	pt_set(0, 0xfe000000, 16 * MiB, 0, false);
	expect_err(rv_memmap_build(&mem, &plan), -EINVAL, "overlaps the IOAPIC", NULL);
	pt_set(0, 0xfee80000, PAGE, 0, false);
	expect_err(rv_memmap_build(&mem, &plan), -EINVAL, "overlaps the local APIC", NULL);
	pt_set(0, 0xfef00000, PAGE, 0, false);
	expect_ok(rv_memmap_build(&mem, &plan));
}

static void test_build_slot_limits(void **state)
{
	/* KVM_CAP_NR_MEMSLOTS = 3: RAM + 2 passthrough slots, not 3. */
	plan.max_slots = 3;
	for (unsigned int i = 0; i < 3; i++)
		pt_set(i, 0xe0000000 + i * MiB, PAGE, 0, false);
	plan.nr_pt = 2;
	expect_ok(rv_memmap_build(&mem, &plan));
	assert_int_equal(mem.nr, 3);
	plan.nr_pt = 3;
	expect_err(rv_memmap_build(&mem, &plan), -ENOSPC, "passthrough pt2", "memslot 3",
		   "KVM allows 3 memslots", "KVM_CAP_NR_MEMSLOTS", NULL);

	/* A KVM allowing fewer slots than RAM needs. */
	plan.ram = ram_big;
	plan.nr_ram = 2;
	plan.nr_pt = 0;
	plan.max_slots = 1;
	expect_err(rv_memmap_build(&mem, &plan), -ENOSPC, "guest RAM", "KVM_CAP_NR_MEMSLOTS", NULL);

	/* 0: KVM did not say; ringvmm's own limit still holds. */
	plan.ram = ram_small;
	plan.nr_ram = 1;
	plan.max_slots = 0;
	for (unsigned int i = 0; i < RV_MEM_MAX_REGIONS; i++)
		pt_set(i, 0xe0000000 + i * MiB, PAGE, 0, false);
	plan.nr_pt = RV_MEM_MAX_REGIONS - 1;
	expect_ok(rv_memmap_build(&mem, &plan));
	assert_int_equal(mem.nr, RV_MEM_MAX_REGIONS);
	plan.nr_pt = RV_MEM_MAX_REGIONS;
	expect_err(rv_memmap_build(&mem, &plan), -ENOSPC, "RV_MEM_MAX_REGIONS", NULL);
}

static void test_build_bad_ram(void **state)
{
	static const struct rv_mem_region ram_bad[] = {
		{ .gpa = 0, .size = 64 * MiB, .name = "ram-low" },
		{ .gpa = 32 * MiB, .size = 64 * MiB, .name = "ram-oops" },
	};

	plan.ram_backend = RV_MEM_BACKEND_PFNMAP;
	expect_err(rv_memmap_build(&mem, &plan), -EINVAL, "pfnmap cannot back guest RAM", NULL);
	plan.ram_backend = RV_MEM_BACKEND_MEMFD;
	plan.ram = ram_bad;
	plan.nr_ram = 2;
	expect_err(rv_memmap_build(&mem, &plan), -EEXIST, "ram-oops", "overlaps other RAM", NULL);
}

static char *print_map(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	rv_memmap_print(&mem, f);
	fclose(f);
	return buf;
}

static void test_print(void **state)
{
	char *out, *l;

	plan.ram = ram_big;
	plan.nr_ram = 2;
	plan.ram_backend = RV_MEM_BACKEND_GUEST_MEMFD;
	pt_set(0, 0xe0000000, 16 * MiB, 0x70000000, true);
	plan.nr_pt = 1;
	expect_ok(rv_memmap_build(&mem, &plan));
	/* What the backends would have done. */
	mem.regions[0].host = (uint8_t *)0x7f0000000000ULL;
	mem.regions[0].fd = 7;
	mem.regions[0].kvm_flags = KVM_MEM_GUEST_MEMFD;
	snprintf(mem.regions[0].note, sizeof(mem.regions[0].note), "guest_memfd, MMAP|INIT_SHARED");
	mem.regions[2].host = (uint8_t *)0x7f1000000000ULL;
	mem.regions[2].kvm_flags = KVM_MEM_READONLY;
	snprintf(mem.regions[2].note, sizeof(mem.regions[2].note), "VM_PFNMAP|VM_IO");

	out = print_map();
	assert_non_null(strstr(out, "guest physical map: 3 memslots\n"));
	/* In guest address order: ram-low, pt0, ram-high. */
	l = strstr(out, "ram-low");
	assert_non_null(l);
	assert_true(l < strstr(out, "pt0") && strstr(out, "pt0") < strstr(out, "ram-high"));
	assert_non_null(strstr(
		out,
		"   0  ram-low   0x0000000000000000-0x00000000bfffffff     3 GiB  guest_memfd GUEST_MEMFD"));
	assert_non_null(strstr(out, "0x7f0000000000 fd 7+0x0 (guest_memfd, MMAP|INIT_SHARED)\n"));
	assert_non_null(strstr(
		out,
		"   2  pt0       0x00000000e0000000-0x00000000e0ffffff    16 MiB  pfnmap      READONLY"));
	assert_non_null(strstr(out, "0x7f1000000000 /dev/file0+0x70000000 (VM_PFNMAP|VM_IO)\n"));
	/* ram-high was not mapped. */
	assert_non_null(
		strstr(out, "   1  ram-high  0x0000000100000000-0x000000017fffffff     2 GiB"));
	assert_non_null(strstr(out, "GUEST_MEMFD"));
	assert_non_null(strstr(out, "(not mapped)\n"));
	free(out);

	mem.nr = 0;
	out = print_map();
	assert_non_null(strstr(out, "guest physical map: 0 memslots\n"));
	free(out);
}

static void test_size_str(void **state)
{
	char b[32];

	assert_string_equal(rv_memmap_size_str(0, b, sizeof(b)), "0 B");
	assert_string_equal(rv_memmap_size_str(12345, b, sizeof(b)), "12345 B");
	assert_string_equal(rv_memmap_size_str(4096, b, sizeof(b)), "4 KiB");
	assert_string_equal(rv_memmap_size_str(4096 + 1024, b, sizeof(b)), "5 KiB");
	assert_string_equal(rv_memmap_size_str(1280 * MiB, b, sizeof(b)), "1280 MiB");
	assert_string_equal(rv_memmap_size_str(3 * GiB, b, sizeof(b)), "3 GiB");
	assert_string_equal(rv_memmap_size_str(1024 * GiB, b, sizeof(b)), "1 TiB");
	assert_string_equal(rv_memmap_size_str(1ULL << 62, b, sizeof(b)), "4194304 TiB");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backend_names),
		cmocka_unit_test(test_passthrough_parse_ok),
		cmocka_unit_test(test_passthrough_parse_bad),
		cmocka_unit_test_setup(test_build_ram_and_passthrough, plan_setup),
		cmocka_unit_test_setup(test_build_alignment, plan_setup),
		cmocka_unit_test_setup(test_build_wrapping, plan_setup),
		cmocka_unit_test_setup(test_build_overlaps, plan_setup),
		cmocka_unit_test_setup(test_build_slot_limits, plan_setup),
		cmocka_unit_test_setup(test_build_bad_ram, plan_setup),
		cmocka_unit_test_setup(test_print, plan_setup),
		cmocka_unit_test(test_size_str),
	};

	return cmocka_run_group_tests_name("memmap", tests, NULL, NULL);
}
