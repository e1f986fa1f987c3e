// SPDX-License-Identifier: GPL-2.0
#include "kvm_test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmm/bus.h"
#include "vmm/kvm.h"
#include "vmm/util.h"

/* The test's guest blob (lib/mkguest.sh generates it per test file). */
extern const uint8_t rv_test_guest_blob[];
extern const size_t rv_test_guest_blob_len;

struct rv_test_log rv_test_log = { .lock = PTHREAD_MUTEX_INITIALIZER };
char rv_test_setup_error[512];

void rv_test_require_kvm(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("SKIP: /dev/kvm cannot be opened (%s): these tests need KVM\n",
		       strerror(errno));
		exit(77);
	}
	close(fd);
}

int rv_test_kvm_cap(long cap)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), ret;

	if (fd < 0)
		return 0;
	ret = rv_kvm_cap(fd, cap);
	close(fd);
	return ret;
}

void rv_test_require_cap(long cap, const char *name, const char *why)
{
	if (rv_test_kvm_cap(cap) > 0)
		return;
	printf("SKIP: this KVM lacks %s: %s\n", name, why);
	skip();
}

/* --- the guest blob ----------------------------------------------------- */

/*
 * The blob is this build's own output, but it is still read as untrusted
 * bytes: a header at the agreed offset, the agreed load address, and a
 * symbol table inside the blob.
 */
static const struct rv_guest_header *rv_test_blob_header(void)
{
	const struct rv_guest_header *h;

	if (rv_test_guest_blob_len < RV_GUEST_HEADER_OFFSET + sizeof(*h))
		fail_msg("guest blob of %zu bytes has no header", rv_test_guest_blob_len);
	h = (const void *)(rv_test_guest_blob + RV_GUEST_HEADER_OFFSET);
	if (h->magic != RV_GUEST_MAGIC || h->load_addr != RV_TEST_LOAD_ADDR)
		fail_msg("guest blob: bad header (magic 0x%llx, linked at 0x%llx, want 0x%llx)",
			 (unsigned long long)h->magic, (unsigned long long)h->load_addr,
			 (unsigned long long)RV_TEST_LOAD_ADDR);
	if (h->symbols_start < h->load_addr || h->symbols_end < h->symbols_start ||
	    h->symbols_end - h->load_addr > rv_test_guest_blob_len ||
	    (h->symbols_end - h->symbols_start) % sizeof(struct rv_guest_symbol))
		fail_msg("guest blob: symbol table [0x%llx, 0x%llx) outside the blob",
			 (unsigned long long)h->symbols_start, (unsigned long long)h->symbols_end);
	return h;
}

uint64_t rv_test_guest_addr(const char *name)
{
	const struct rv_guest_header *h = rv_test_blob_header();
	const struct rv_guest_symbol *s =
		(const void *)(rv_test_guest_blob + (h->symbols_start - h->load_addr));
	size_t nr = (h->symbols_end - h->symbols_start) / sizeof(*s);

	for (size_t i = 0; i < nr; i++)
		if (!strncmp(s[i].name, name, sizeof(s[i].name)))
			return s[i].addr;
	fail_msg("the guest blob has no RV_GUEST_CODE or RV_GUEST_EXPORT \"%s\"", name);
	return 0;
}

/* --- the recorder: logs every access ------------------------------------ */

static void rv_test_record(bool mmio, bool write, uint64_t off, const void *data, unsigned int len)
{
	uint64_t v = 0;

	memcpy(&v, data, len);
	pthread_mutex_lock(&rv_test_log.lock);
	if (rv_test_log.nr_accesses < RV_TEST_MAX_ACCESSES)
		rv_test_log.access[rv_test_log.nr_accesses++] =
			(struct rv_test_access){ mmio, write, off, len, v };
	if (!mmio && write && off == 0)
		rv_test_log.writes_at_0++;
	pthread_mutex_unlock(&rv_test_log.lock);
}

static void rv_test_read(bool mmio, uint64_t off, void *data, unsigned int len)
{
	uint64_t v;

	pthread_mutex_lock(&rv_test_log.lock);
	/* Offset 0 reads the programmed value, offset 8 the check-in count. */
	v = off == 8 ? rv_test_log.writes_at_0 : rv_test_log.read_value;
	pthread_mutex_unlock(&rv_test_log.lock);
	memcpy(data, &v, len);
	rv_test_record(mmio, false, off, data, len);
}

static void rv_test_mmio_read(void *o, uint64_t off, void *d, unsigned int len)
{
	rv_test_read(true, off, d, len);
}

static void rv_test_mmio_write(void *o, uint64_t off, const void *d, unsigned int len)
{
	rv_test_record(true, true, off, d, len);
}

#ifdef RV_TEST_REC_PIO
static void rv_test_pio_read(void *o, uint64_t off, void *d, unsigned int len)
{
	rv_test_read(false, off, d, len);
}

static void rv_test_pio_write(void *o, uint64_t off, const void *d, unsigned int len)
{
	rv_test_record(false, true, off, d, len);
}

static const struct rv_bus_ops rv_test_pio_ops = {
	.access_sizes = RV_BUS_SIZE_1 | RV_BUS_SIZE_2 | RV_BUS_SIZE_4,
	.read = rv_test_pio_read,
	.write = rv_test_pio_write,
};
#endif

static const struct rv_bus_ops rv_test_mmio_ops = {
	.access_sizes = RV_BUS_SIZE_ANY,
	.read = rv_test_mmio_read,
	.write = rv_test_mmio_write,
};

/*
 * The test devices hold no guest-visible state (what they saw is the
 * test's log): a snapshot saves nothing for them and loads nothing.
 */
static int rv_test_save_nothing(struct rv_device *dev, void *buf, size_t size)
{
	return 0;
}

static int rv_test_load_nothing(struct rv_device *dev, const void *buf, size_t len,
				uint32_t version)
{
	return len ? rv_err(-EINVAL, "%s: %zu bytes of state, it saves none", dev->name, len) : 0;
}

static const struct rv_device_ops rv_test_dev_ops = {
	.state_version = 1,
	.save = rv_test_save_nothing,
	.load = rv_test_load_nothing,
};

static struct rv_device rv_test_rec_dev = { .name = "recorder", .ops = &rv_test_dev_ops };

static int rv_test_recorder_create(struct rv_device_env *env, const struct rv_device_cfg *cfg)
{
	int ret = 0;

#ifdef RV_TEST_REC_PIO
	ret = rv_bus_register(env->pio, RV_TEST_REC_PIO, RV_TEST_REC_PIO_LEN, &rv_test_pio_ops,
			      NULL, &rv_test_rec_dev);
#endif
	if (!ret)
		ret = rv_bus_register(env->mmio, RV_TEST_REC_MMIO, RV_TEST_REC_MMIO_LEN,
				      &rv_test_mmio_ops, NULL, &rv_test_rec_dev);
	if (!ret)
		rv_device_add(env, &rv_test_rec_dev);
	return ret;
}

static struct rv_device_type rv_test_recorder_type = {
	.name = "test-recorder",
	.create = rv_test_recorder_create,
};
RV_DEVICE_TYPE(rv_test_recorder_type)

/* --- the ucall device --------------------------------------------------- */

/* Set by rv_test_run() for the life of one VM. */
static struct {
	const struct rv_mem *mem;
	void (*request_exit)(void *opaque, int reason);
	void *exit_opaque;
} rv_test_ucall_ctx;

static void rv_test_ucall_bad(uint64_t gpa, const char *why)
{
	pthread_mutex_lock(&rv_test_log.lock);
	if (!rv_test_log.bad_ucall) {
		rv_test_log.bad_ucall_gpa = gpa;
		rv_test_log.bad_ucall = why;
	}
	pthread_mutex_unlock(&rv_test_log.lock);
}

/*
 * The guest wrote the address of its struct rv_ucall. The address and every
 * byte of the struct are the guest's: translate the whole struct through the
 * bounds-checked lookup, copy it before looking at it, check the command and
 * the argument count, and terminate its strings ourselves.
 */
static void rv_test_ucall_write(void *o, uint64_t off, const void *d, unsigned int len)
{
	struct rv_ucall uc;
	uint64_t gpa = 0;
	const void *hva;
	bool stop;

	memcpy(&gpa, d, len);
	hva = rv_test_ucall_ctx.mem ? rv_mem_gpa_to_hva(rv_test_ucall_ctx.mem, gpa, sizeof(uc)) :
				      NULL;
	if (!hva) {
		rv_test_ucall_bad(gpa, "the struct is not all in guest RAM");
		stop = true;
	} else {
		memcpy(&uc, hva, sizeof(uc));
		uc.file[sizeof(uc.file) - 1] = '\0';
		uc.expr[sizeof(uc.expr) - 1] = '\0';
		if (uc.cmd == RV_UCALL_NONE || uc.cmd >= RV_UCALL_NR) {
			rv_test_ucall_bad(gpa, "unknown command");
			stop = true;
		} else if (uc.nr_args > RV_UCALL_MAX_ARGS) {
			rv_test_ucall_bad(gpa, "too many arguments");
			stop = true;
		} else {
			bool full;

			pthread_mutex_lock(&rv_test_log.lock);
			full = rv_test_log.nr_ucalls == RV_TEST_MAX_UCALLS;
			if (!full)
				rv_test_log.ucall[rv_test_log.nr_ucalls++] = uc;
			pthread_mutex_unlock(&rv_test_log.lock);
			if (full)
				rv_test_ucall_bad(gpa, "more ucalls than the log holds");
			stop = full || uc.cmd == RV_UCALL_ASSERT;
		}
	}
	/* A failed guest assertion or a garbled ucall: nothing left to run. */
	if (stop && rv_test_ucall_ctx.request_exit)
		rv_test_ucall_ctx.request_exit(rv_test_ucall_ctx.exit_opaque, RV_EXIT_ERROR);
}

static void rv_test_ucall_read(void *o, uint64_t off, void *d, unsigned int len)
{
	memset(d, 0, len);
}

static const struct rv_bus_ops rv_test_ucall_ops = {
#ifdef RV_TEST_UCALL_PIO
	.access_sizes = RV_BUS_SIZE_4,
#else
	.access_sizes = RV_BUS_SIZE_8,
#endif
	.read = rv_test_ucall_read,
	.write = rv_test_ucall_write,
};

static struct rv_device rv_test_ucall_dev = { .name = "ucall", .ops = &rv_test_dev_ops };

static int rv_test_ucall_create(struct rv_device_env *env, const struct rv_device_cfg *cfg)
{
	int ret;

#ifdef RV_TEST_UCALL_PIO
	ret = rv_bus_register(env->pio, RV_TEST_UCALL_PIO, 4, &rv_test_ucall_ops, NULL,
			      &rv_test_ucall_dev);
#else
	ret = rv_bus_register(env->mmio, RV_TEST_UCALL_MMIO, 8, &rv_test_ucall_ops, NULL,
			      &rv_test_ucall_dev);
#endif
	if (ret)
		return ret;
	rv_test_ucall_ctx.request_exit = env->request_exit;
	rv_test_ucall_ctx.exit_opaque = env->exit_opaque;
	rv_device_add(env, &rv_test_ucall_dev);
	return 0;
}

static struct rv_device_type rv_test_ucall_type = {
	.name = "test-ucall",
	.create = rv_test_ucall_create,
};
RV_DEVICE_TYPE(rv_test_ucall_type)

/* --- running a VM ------------------------------------------------------- */

struct rv_test_stopper {
	struct rv_vm *vm;
	const struct rv_test_vm *t;
	uint64_t stop_gpa;
};

static void rv_test_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The sum of the stop words; they are the guest's, written without exits. */
static uint64_t rv_test_stop_sum(const uint32_t *words, unsigned int nr)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < nr; i++)
		sum += __atomic_load_n(&words[i], __ATOMIC_ACQUIRE);
	return sum;
}

static void *rv_test_stopper_thread(void *arg)
{
	struct rv_test_stopper *s = arg;
	const struct rv_test_vm *t = s->t;

	if (t->stop_symbol) {
		unsigned int nr = t->stop_words ? t->stop_words : 1;
		const uint32_t *words = rv_mem_gpa_to_hva(&s->vm->mem, s->stop_gpa, 4ULL * nr);

		for (unsigned int ms = 0; words && ms < RV_TEST_STOP_TIMEOUT_MS; ms++) {
			if (rv_test_stop_sum(words, nr) >= t->stop_value ||
			    __atomic_load_n(&s->vm->exit_reason, __ATOMIC_ACQUIRE))
				break;
			rv_test_sleep_ms(1);
		}
		if (!words || rv_test_stop_sum(words, nr) < t->stop_value)
			fprintf(stderr, "stopper: guest %s never added up to %u\n", t->stop_symbol,
				t->stop_value);
	} else {
		rv_test_sleep_ms(t->stop_after_ms);
	}
	if (t->before_stop)
		t->before_stop(s->vm, t->opaque);
	rv_vm_request_exit(s->vm, RV_EXIT_SIGNAL);
	return NULL;
}

struct rv_device *rv_test_find_device(struct rv_vm *vm, const char *name)
{
	for (struct rv_device *d = vm->env.devices; d; d = d->next)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

static void rv_test_log_reset(void)
{
	pthread_mutex_lock(&rv_test_log.lock);
	rv_test_log.nr_accesses = 0;
	rv_test_log.writes_at_0 = 0;
	rv_test_log.nr_ucalls = 0;
	rv_test_log.bad_ucall = NULL;
	rv_test_log.bad_ucall_gpa = 0;
	pthread_mutex_unlock(&rv_test_log.lock);
}

/* The VM really holds the blob where it was linked to run. */
static int rv_test_check_loaded(struct rv_vm *vm, const uint8_t *blob, size_t len)
{
	const void *hva = rv_mem_gpa_to_hva(&vm->mem, RV_TEST_LOAD_ADDR, len);

	if (!hva || memcmp(hva, blob, len))
		return rv_err(
			-EFAULT,
			"the guest blob is linked for 0x%llx, but the VM loaded raw code elsewhere",
			(unsigned long long)RV_TEST_LOAD_ADDR);
	return 0;
}

int rv_test_run(const struct rv_test_vm *t)
{
	struct rv_device_cfg devices[2 + RV_TEST_MAX_DEVICES] = {
		{ .type = "test-recorder", .name = "recorder" },
		{ .type = "test-ucall", .name = "ucall" },
	};
	struct rv_vm_config cfg = {
		.mem_size = 64ULL << 20,
		.console_in_fd = -1,
		.console_out_fd = 1,
	};
	struct rv_guest_header *h;
	struct rv_test_stopper stopper = { 0 };
	uint8_t *blob;
	pthread_t thread;
	struct rv_vm vm;
	bool stopping;
	int ret;

	if (t->nr_devices > RV_TEST_MAX_DEVICES)
		fail_msg("%u devices, the test library takes %u", t->nr_devices,
			 RV_TEST_MAX_DEVICES);
	if (t->mem)
		cfg = *t->mem;
	cfg.mem_size = cfg.mem_size ? cfg.mem_size : 64ULL << 20;
	cfg.console_in_fd = -1;
	cfg.console_out_fd = 1;
	cfg.nr_cpus = t->nr_cpus ? t->nr_cpus : 1;
	cfg.coalesce_mode = t->coalesce_mode;
	cfg.coalesce_flush_ns = t->coalesce_flush_ns;
	for (unsigned int i = 0; i < t->nr_devices; i++)
		devices[2 + i] = t->devices[i];
	cfg.extra_devices = devices;
	cfg.nr_extra_devices = 2 + t->nr_devices;

	/* The blob, with the chosen function as every vCPU's entry. */
	rv_test_blob_header();
	blob = malloc(rv_test_guest_blob_len);
	assert_non_null(blob);
	memcpy(blob, rv_test_guest_blob, rv_test_guest_blob_len);
	h = (struct rv_guest_header *)(blob + RV_GUEST_HEADER_OFFSET);
	h->entry = rv_test_guest_addr(t->guest);
	cfg.guest_code = blob;
	cfg.guest_code_len = rv_test_guest_blob_len;
	cfg.restore_dir = t->restore_dir;
	if (t->stop_symbol)
		stopper.stop_gpa = rv_test_guest_addr(t->stop_symbol);

	rv_test_log_reset();
	rv_test_setup_error[0] = '\0';
	rv_err_clear();
	ret = rv_vm_create(&vm, &cfg);
	if (!ret && !t->restore_dir)
		ret = rv_test_check_loaded(&vm, blob, rv_test_guest_blob_len);
	if (!ret && t->before_run)
		ret = t->before_run(&vm, t->opaque);
	if (ret) {
		snprintf(rv_test_setup_error, sizeof(rv_test_setup_error), "%s",
			 *rv_err_msg() ? rv_err_msg() : strerror(-ret));
		fprintf(stderr, "VM setup: %s\n", rv_test_setup_error);
		goto out_destroy;
	}
	rv_test_ucall_ctx.mem = &vm.mem;
	stopping = t->stop_after_ms || t->stop_symbol;
	if (stopping) {
		stopper.vm = &vm;
		stopper.t = t;
		pthread_create(&thread, NULL, rv_test_stopper_thread, &stopper);
	}
	ret = rv_vm_run(&vm);
	if (stopping)
		pthread_join(thread, NULL);
	rv_test_ucall_ctx.mem = NULL;
	if (t->after_run)
		t->after_run(&vm, t->opaque);
out_destroy:
	rv_vm_destroy(&vm);
	free(blob);
	return ret;
}

/* --- expectations ------------------------------------------------------- */

const char *rv_test_exit_name(int reason)
{
	static const char *const names[] = {
		[RV_EXIT_NONE] = "none",	   [RV_EXIT_POWEROFF] = "poweroff",
		[RV_EXIT_RESET] = "reset",	   [RV_EXIT_GUEST_DIED] = "guest died",
		[RV_EXIT_SIGNAL] = "stop request", [RV_EXIT_ERROR] = "VMM error",
	};

	if (reason < 0)
		return "setup failure";
	return (size_t)reason < RV_ARRAY_SIZE(names) && names[reason] ? names[reason] : "?";
}

void rv_test_expect_run(int ret, const struct rv_test_expect *e)
{
	unsigned int syncs = 0;
	bool done = false;

	if (ret < 0)
		fail_msg("the VM did not run: %s", rv_test_setup_error);
	if (rv_test_log.bad_ucall)
		fail_msg("bad ucall at 0x%llx: %s", (unsigned long long)rv_test_log.bad_ucall_gpa,
			 rv_test_log.bad_ucall);
	for (unsigned int i = 0; i < rv_test_log.nr_ucalls; i++) {
		const struct rv_ucall *uc = &rv_test_log.ucall[i];

		if (uc->cmd == RV_UCALL_ASSERT)
			fail_msg("guest assertion failed at %s:%llu: %s (0x%llx, 0x%llx)", uc->file,
				 (unsigned long long)uc->line, uc->expr,
				 (unsigned long long)uc->args[0], (unsigned long long)uc->args[1]);
		syncs += uc->cmd == RV_UCALL_SYNC;
		done |= uc->cmd == RV_UCALL_DONE;
	}
	if (ret != e->exit)
		fail_msg("the VM ended with %s (%d), expected %s (%d)", rv_test_exit_name(ret), ret,
			 rv_test_exit_name(e->exit), e->exit);
	if (e->done && !done)
		fail_msg("the guest never reached GUEST_DONE()");
	if (e->nr_syncs >= 0 && syncs != (unsigned int)e->nr_syncs)
		fail_msg("the guest made %u GUEST_SYNC reports, expected %d", syncs, e->nr_syncs);
}

const struct rv_ucall *rv_test_sync(unsigned int i)
{
	for (unsigned int k = 0, n = 0; k < rv_test_log.nr_ucalls; k++)
		if (rv_test_log.ucall[k].cmd == RV_UCALL_SYNC && n++ == i)
			return &rv_test_log.ucall[k];
	fail_msg("no GUEST_SYNC report number %u", i);
	return NULL;
}

static void rv_test_describe(char *buf, size_t len, const struct rv_test_access *a)
{
	snprintf(buf, len, "%s %s +0x%llx, %u bytes, 0x%llx", a->mmio ? "MMIO" : "PIO",
		 a->write ? "write" : "read", (unsigned long long)a->offset, a->len,
		 (unsigned long long)a->value);
}

void rv_test_expect_accesses(const struct rv_test_access *want, unsigned int nr)
{
	char got_s[96], want_s[96];

	for (unsigned int i = 0; i < nr && i < rv_test_log.nr_accesses; i++) {
		const struct rv_test_access *a = &rv_test_log.access[i], *w = &want[i];

		if (a->mmio != w->mmio || a->write != w->write || a->offset != w->offset ||
		    a->len != w->len || a->value != w->value) {
			rv_test_describe(got_s, sizeof(got_s), a);
			rv_test_describe(want_s, sizeof(want_s), w);
			fail_msg("access %u: the recorder saw %s, expected %s", i, got_s, want_s);
		}
	}
	if (rv_test_log.nr_accesses != nr)
		fail_msg("the recorder saw %u accesses, expected %u", rv_test_log.nr_accesses, nr);
}

uint64_t rv_test_recorded_mmio(uint64_t offset)
{
	uint64_t v = ~0ULL;

	for (unsigned int i = 0; i < rv_test_log.nr_accesses; i++) {
		const struct rv_test_access *a = &rv_test_log.access[i];

		if (a->mmio && a->write && a->offset == offset)
			v = a->value;
	}
	return v;
}
