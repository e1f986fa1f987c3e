// SPDX-License-Identifier: GPL-2.0
/*
 * Memslot backends on /dev/kvm (vmm/mem/), each through the real VM code
 * with a tiny guest.
 *
 * RAM from anon, memfd, hugetlb and guest_memfd: the guest echoes a value
 * the VMM wrote through its own mapping before the run, then writes a
 * pattern (and reads it back, asserting); after the run the VMM reads the
 * pattern back through that same mapping (and, for memfd, through the file
 * descriptor). guest_memfd needs KVM_CAP_USER_MEMORY2, KVM_CAP_GUEST_MEMFD
 * and KVM_CAP_GUEST_MEMFD_FLAGS with MMAP|INIT_SHARED; hugetlb needs free
 * huge pages (as root the test adds them to the pool for its run and gives
 * them back). Each skips, and says why, when the host lacks what it needs.
 *
 * --passthrough of a file: a writable slot takes the guest's store with no
 * exit (a device registered on the MMIO bus over the same range sees
 * nothing) and the store is in the file afterwards; a read-only slot
 * (KVM_MEM_READONLY) serves reads from the file and turns the store into
 * one MMIO exit, which that device sees with the right offset, size and
 * value, and the file is unchanged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/kvm_test.h"
#include "vmm/bus.h"
#include "vmm/kvm.h"
#include "vmm/mem/backend.h"

#define RAM_SIZE (64ULL << 20)
/* Free RAM in a raw-code VM on either arch (clear of code, stacks, dtb). */
#define MEM_SEED (RV_TEST_RAM_ADDR + (16ULL << 20))
#define MEM_PATTERN (RV_TEST_RAM_ADDR + (17ULL << 20))
#define MEM_WORDS 512
#define MEM_MAGIC 0x52564d4d00000000ULL
#define MEM_LAST (RV_TEST_RAM_ADDR + RAM_SIZE - 8)
#define MEM_MAGIC_END 0x454e444f4652414dULL
#define PT_GPA RV_TEST_FREE_GPA
#define PT_MARK 0x50464e4d41502121ULL
#define SEED 0x5eed5eed12345678ULL

/*
 * Echo the qword the test put at MEM_SEED (through the VMM's mapping,
 * before the run) to the recorder's MMIO +0x10; fill MEM_WORDS qwords at
 * MEM_PATTERN with MEM_MAGIC + i and read them back; write MEM_MAGIC_END to
 * the last qword of RAM. One MMIO exit, the echo: RAM accesses exit nowhere
 * (poweroff is port I/O on x86, a PSCI call on arm64).
 */
RV_GUEST_CODE(guest_mem_pattern)
{
	volatile uint64_t *pattern = (volatile uint64_t *)(uintptr_t)MEM_PATTERN;

	mmio_write64(RV_TEST_REC_MMIO + 0x10, *(volatile uint64_t *)(uintptr_t)MEM_SEED);
	for (unsigned int i = 0; i < MEM_WORDS; i++)
		pattern[i] = MEM_MAGIC + i;
	for (unsigned int i = 0; i < MEM_WORDS; i++)
		GUEST_ASSERT_EQ(pattern[i], MEM_MAGIC + i);
	*(volatile uint64_t *)(uintptr_t)MEM_LAST = MEM_MAGIC_END;
	rv_guest_poweroff();
}

/*
 * Read the first qword of the passthrough slot at PT_GPA and echo it to
 * +0x20; store PT_MARK at PT_GPA + 8 (no exit in a writable slot, an MMIO
 * exit in a read-only one); read PT_GPA + 8 back and echo it to +0x28.
 */
RV_GUEST_CODE(guest_mem_passthrough)
{
	volatile uint64_t *pt = (volatile uint64_t *)(uintptr_t)PT_GPA;

	mmio_write64(RV_TEST_REC_MMIO + 0x20, pt[0]);
	mmio_write64(PT_GPA + 8, PT_MARK);
	mmio_write64(RV_TEST_REC_MMIO + 0x28, pt[1]);
	rv_guest_poweroff();
}

/* What a run left for the checks: copied out before the VM is destroyed. */
struct result {
	int exit;
	uint64_t pattern[MEM_WORDS];
	uint64_t last;
	uint64_t mmio_exits;
	uint64_t unhandled_mmio;
	int fd_pread_ok; /* memfd: the pattern read through the fd matches */
	uint32_t ram_flags;
	char ram_backend[16];
};

/*
 * A device over the passthrough range on the MMIO bus: KVM only exits to
 * it for accesses the memslot does not take (a store to a read-only slot).
 */
static struct {
	unsigned int reads, writes;
	uint64_t offset, value;
	unsigned int len;
} catcher;

static void rv_catcher_read(void *o, uint64_t off, void *d, unsigned int len)
{
	catcher.reads++;
	memset(d, 0xff, len);
}

static void rv_catcher_write(void *o, uint64_t off, const void *d, unsigned int len)
{
	catcher.writes++;
	catcher.offset = off;
	catcher.len = len;
	catcher.value = 0;
	memcpy(&catcher.value, d, len);
}

static const struct rv_bus_ops rv_catcher_ops = {
	.access_sizes = RV_BUS_SIZE_ANY,
	.read = rv_catcher_read,
	.write = rv_catcher_write,
};

static struct rv_device rv_catcher_dev = { .name = "ro-catcher" };

static int rv_catcher_create(struct rv_device_env *env, const struct rv_device_cfg *cfg)
{
	int ret =
		rv_bus_register(env->mmio, cfg->base, 4096, &rv_catcher_ops, NULL, &rv_catcher_dev);

	if (!ret)
		rv_device_add(env, &rv_catcher_dev);
	return ret;
}

static struct rv_device_type rv_catcher_type = {
	.name = "test-ro-catcher",
	.create = rv_catcher_create,
};
RV_DEVICE_TYPE(rv_catcher_type)

static const struct rv_device_cfg devices[] = {
	{ .type = "test-ro-catcher", .name = "ro-catcher", .space = RV_SPACE_MMIO, .base = PT_GPA },
};

/* Before the run: a seed, through the VMM's own mapping of guest RAM. */
static int seed_ram(struct rv_vm *vm, void *opaque)
{
	uint64_t seed = SEED;

	return rv_mem_write(&vm->mem, MEM_SEED, &seed, sizeof(seed));
}

/* After the run, before teardown: what the checks need, copied out. */
static void copy_out(struct rv_vm *vm, void *opaque)
{
	struct result *res = opaque;

	/* Back through the VMM's own mapping of guest RAM. */
	rv_mem_read(&vm->mem, MEM_PATTERN, res->pattern, sizeof(res->pattern));
	rv_mem_read(&vm->mem, MEM_LAST, &res->last, sizeof(res->last));
	res->mmio_exits = vm->vcpus[0].mmio_exits;
	res->unhandled_mmio = vm->mmio.unhandled;
	res->ram_flags = vm->mem.regions[0].kvm_flags;
	snprintf(res->ram_backend, sizeof(res->ram_backend), "%s", vm->mem.regions[0].backend);
	if (vm->cfg->mem_backend == RV_MEM_BACKEND_MEMFD) {
		const struct rv_mem_region *r = rv_mem_find(&vm->mem, MEM_PATTERN, 1);
		uint64_t buf[MEM_WORDS];

		res->fd_pread_ok = r && r->fd >= 0 &&
				   pread(r->fd, buf, sizeof(buf),
					 r->fd_offset + MEM_PATTERN - r->gpa) == sizeof(buf) &&
				   !memcmp(buf, res->pattern, sizeof(buf));
	}
}

/* Run @guest in a VM with @cfg's memory (mem_backend, passthrough). */
static void run(struct rv_vm_config *cfg, const char *guest, struct result *res)
{
	const struct rv_test_vm vm = {
		.guest = guest,
		.mem = cfg,
		.devices = devices,
		.nr_devices = RV_ARRAY_SIZE(devices),
		.before_run = seed_ram,
		.after_run = copy_out,
		.opaque = res,
	};

	memset(res, 0, sizeof(*res));
	memset(&catcher, 0, sizeof(catcher));
	cfg->mem_size = RAM_SIZE;
	res->exit = rv_test_run(&vm);
}

static void check_pattern(const struct result *res)
{
	rv_test_expect_run(res->exit, &(struct rv_test_expect){ .exit = RV_EXIT_POWEROFF });
	/* The VMM's write before the run reached the guest... */
	assert_int_equal(rv_test_recorded_mmio(0x10), SEED);
	/* ...and the guest's writes reached the VMM's mapping. */
	for (unsigned int i = 0; i < MEM_WORDS; i++)
		if (res->pattern[i] != MEM_MAGIC + i)
			fail_msg("qword %u at 0x%llx: 0x%llx, want 0x%llx", i,
				 (unsigned long long)(MEM_PATTERN + 8 * i),
				 (unsigned long long)res->pattern[i],
				 (unsigned long long)(MEM_MAGIC + i));
	assert_int_equal(res->last, MEM_MAGIC_END);
	/* One exit to userspace for MMIO: the echo. RAM writes exit nowhere. */
	assert_int_equal(res->mmio_exits, 1);
	assert_int_equal(res->unhandled_mmio, 0);
}

static void test_anon(void **state)
{
	struct rv_vm_config cfg = { .mem_backend = RV_MEM_BACKEND_ANON };
	struct result res;

	run(&cfg, "guest_mem_pattern", &res);
	check_pattern(&res);
	assert_string_equal(res.ram_backend, "anon");
	assert_int_equal(res.ram_flags, 0);
}

static void test_memfd(void **state)
{
	struct rv_vm_config cfg = { .mem_backend = RV_MEM_BACKEND_MEMFD };
	struct result res;

	run(&cfg, "guest_mem_pattern", &res);
	check_pattern(&res);
	assert_string_equal(res.ram_backend, "memfd");
	/* What another process mapping the memfd would see. */
	assert_true(res.fd_pread_ok);
}

static long read_long(const char *path)
{
	long v = -1;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -errno;
	ret = fprintf(f, "%ld\n", v) < 0 ? -EIO : 0;
	if (fclose(f))
		ret = -errno;
	return ret;
}

#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"
#define FREE_HUGEPAGES "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"

static void test_hugetlb(void **state)
{
	struct rv_vm_config cfg = { .mem_backend = RV_MEM_BACKEND_HUGETLB };
	long need = RAM_SIZE >> 21, nr = read_long(NR_HUGEPAGES),
	     nr_free = read_long(FREE_HUGEPAGES);
	bool grown = false;
	struct result res;

	if (nr_free < 0) {
		RV_TEST_SKIP("hugetlb: no 2 MiB huge page pool here (%s)", FREE_HUGEPAGES);
	}
	/*
	 * Borrow the pages for this run only, and give them back. One write
	 * may grow the pool by less than asked, with memory to spare and no
	 * signal pending (sid's 7.2 in the nested test host: 10 of 32, then
	 * all 32 at the next write), so ask a few times.
	 */
	for (int i = 0; i < 4 && nr_free < need && geteuid() == 0; i++) {
		if (!write_long(NR_HUGEPAGES, nr + need - nr_free))
			grown = true;
		if (read_long(FREE_HUGEPAGES) >= need)
			break;
		usleep(10000);
	}
	if (read_long(FREE_HUGEPAGES) < need) {
		if (grown)
			write_long(NR_HUGEPAGES, nr);
		RV_TEST_SKIP("hugetlb: %ld free 2 MiB huge pages, the test needs %ld (not root, or the host cannot spare them)",
			     read_long(FREE_HUGEPAGES), need);
	}
	run(&cfg, "guest_mem_pattern", &res);
	if (grown)
		write_long(NR_HUGEPAGES, nr);
	check_pattern(&res);
	assert_string_equal(res.ram_backend, "hugetlb");
}

static void test_guest_memfd(void **state)
{
	struct rv_vm_config cfg = { .mem_backend = RV_MEM_BACKEND_GUEST_MEMFD };
	struct result res;

	run(&cfg, "guest_mem_pattern", &res);
	if (res.exit == -ENOTSUP) {
		/* The probe's message names the missing capability. */
		assert_non_null(strstr(rv_test_setup_error, "KVM_CAP_"));
		RV_TEST_SKIP("guest_memfd: %s", rv_test_setup_error);
	}
	check_pattern(&res);
	assert_string_equal(res.ram_backend, "guest_memfd");
	assert_int_equal(res.ram_flags, KVM_MEM_GUEST_MEMFD);
}

/* A two-page file: page 0 filled with 0x11, page 1 with 0x22. */
struct pt_file {
	char path[64];
};

static int pt_setup(void **state)
{
	static struct pt_file f;
	uint8_t page[4096];
	int fd;

	snprintf(f.path, sizeof(f.path), "/tmp/rv-memslot-test.XXXXXX");
	fd = mkstemp(f.path);
	if (fd < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		memset(page, 0x11 * (i + 1), sizeof(page));
		if (write(fd, page, sizeof(page)) != sizeof(page))
			return -1;
	}
	close(fd);
	*state = &f;
	return 0;
}

static int pt_teardown(void **state)
{
	struct pt_file *f = *state;

	unlink(f->path);
	return 0;
}

static uint64_t file_qword(const char *path, off_t off)
{
	uint64_t v = 0;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &v, sizeof(v), off), sizeof(v));
	close(fd);
	return v;
}

static void set_pt(struct rv_vm_config *cfg, const char *path, bool ro)
{
	char spec[128];

	/* Page 1 of the file at PT_GPA: the offset is honoured. */
	snprintf(spec, sizeof(spec), "path=%s,offset=4096,size=4096,gpa=0x%llx%s", path,
		 (unsigned long long)PT_GPA, ro ? ",ro" : "");
	assert_int_equal(rv_memmap_parse_passthrough(spec, 0, &cfg->passthrough[0]), 0);
	cfg->nr_passthrough = 1;
}

static void test_passthrough_rw(void **state)
{
	struct pt_file *f = *state;
	struct rv_vm_config cfg = { 0 };
	struct result res;

	set_pt(&cfg, f->path, false);
	run(&cfg, "guest_mem_passthrough", &res);
	rv_test_expect_run(res.exit, &(struct rv_test_expect){ .exit = RV_EXIT_POWEROFF });
	/* The guest read the file (page 1: 0x22s)... */
	assert_int_equal(rv_test_recorded_mmio(0x20), 0x2222222222222222ULL);
	/* ...its store stayed in the slot, with no exit... */
	assert_int_equal(rv_test_recorded_mmio(0x28), PT_MARK);
	assert_int_equal(catcher.writes + catcher.reads, 0);
	assert_int_equal(res.mmio_exits, 2); /* the two echoes */
	assert_int_equal(res.unhandled_mmio, 0);
	/* ...and is in the file. */
	assert_int_equal(file_qword(f->path, 4096 + 8), PT_MARK);
	assert_int_equal(file_qword(f->path, 0), 0x1111111111111111ULL);
}

static void test_passthrough_ro(void **state)
{
	struct pt_file *f = *state;
	struct rv_vm_config cfg = { 0 };
	struct result res;

	RV_TEST_REQUIRE_CAP(KVM_CAP_READONLY_MEM, "no read-only slots");
	set_pt(&cfg, f->path, true);
	run(&cfg, "guest_mem_passthrough", &res);
	rv_test_expect_run(res.exit, &(struct rv_test_expect){ .exit = RV_EXIT_POWEROFF });
	assert_int_equal(rv_test_recorded_mmio(0x20), 0x2222222222222222ULL);
	/* The store became an MMIO exit: 8 bytes at +8, the guest's value... */
	assert_int_equal(catcher.writes, 1);
	assert_int_equal(catcher.offset, 8);
	assert_int_equal(catcher.len, 8);
	assert_int_equal(catcher.value, PT_MARK);
	/* ...while reads came from the slot, not from exits. */
	assert_int_equal(catcher.reads, 0);
	assert_int_equal(rv_test_recorded_mmio(0x28), 0x2222222222222222ULL);
	assert_int_equal(res.mmio_exits, 3);
	assert_int_equal(file_qword(f->path, 4096 + 8), 0x2222222222222222ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anon),
		cmocka_unit_test(test_memfd),
		cmocka_unit_test(test_hugetlb),
		cmocka_unit_test(test_guest_memfd),
		cmocka_unit_test_setup_teardown(test_passthrough_rw, pt_setup, pt_teardown),
		cmocka_unit_test_setup_teardown(test_passthrough_ro, pt_setup, pt_teardown),
	};

	rv_test_require_kvm();
	return cmocka_run_group_tests_name("memslot", tests, NULL, NULL);
}
