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

struct rv_test_recorder rv_test_rec = { .lock = PTHREAD_MUTEX_INITIALIZER };

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

static void rv_test_record(bool mmio, bool write, uint64_t off, const void *data, unsigned int len)
{
	struct rv_test_access *a;
	uint64_t v = 0;

	memcpy(&v, data, len);
	pthread_mutex_lock(&rv_test_rec.lock);
	if (rv_test_rec.nr < RV_TEST_MAX_ACCESSES) {
		a = &rv_test_rec.log[rv_test_rec.nr++];
		*a = (struct rv_test_access){ mmio, write, off, len, v };
	}
	if (!mmio && write && off == 0)
		rv_test_rec.writes_at_0++;
	pthread_mutex_unlock(&rv_test_rec.lock);
}

static void rv_test_read(bool mmio, uint64_t off, void *data, unsigned int len)
{
	uint64_t v;

	pthread_mutex_lock(&rv_test_rec.lock);
	/* Offset 0 reads the programmed value, offset 8 the check-in count. */
	v = off == 8 ? rv_test_rec.writes_at_0 : rv_test_rec.read_value;
	pthread_mutex_unlock(&rv_test_rec.lock);
	memcpy(data, &v, len);
	rv_test_record(mmio, false, off, data, len);
}

static void rv_test_pio_read(void *o, uint64_t off, void *d, unsigned int len)
{
	rv_test_read(false, off, d, len);
}

static void rv_test_pio_write(void *o, uint64_t off, const void *d, unsigned int len)
{
	rv_test_record(false, true, off, d, len);
}

static void rv_test_mmio_read(void *o, uint64_t off, void *d, unsigned int len)
{
	rv_test_read(true, off, d, len);
}

static void rv_test_mmio_write(void *o, uint64_t off, const void *d, unsigned int len)
{
	rv_test_record(true, true, off, d, len);
}

static const struct rv_bus_ops rv_test_pio_ops = {
	.access_sizes = RV_BUS_SIZE_1 | RV_BUS_SIZE_2 | RV_BUS_SIZE_4,
	.read = rv_test_pio_read,
	.write = rv_test_pio_write,
};

static const struct rv_bus_ops rv_test_mmio_ops = {
	.access_sizes = RV_BUS_SIZE_ANY,
	.read = rv_test_mmio_read,
	.write = rv_test_mmio_write,
};

static struct rv_device rv_test_dev = { .name = "recorder" };

static int rv_test_recorder_create(struct rv_device_env *env, const struct rv_device_cfg *cfg)
{
	int ret;

	ret = rv_bus_register(env->pio, RV_TEST_PIO_BASE, RV_TEST_PIO_LEN, &rv_test_pio_ops, NULL,
			      &rv_test_dev);
	if (!ret)
		ret = rv_bus_register(env->mmio, RV_TEST_MMIO_BASE, RV_TEST_MMIO_LEN,
				      &rv_test_mmio_ops, NULL, &rv_test_dev);
	if (!ret)
		rv_device_add(env, &rv_test_dev);
	return ret;
}

static struct rv_device_type rv_test_recorder_type = {
	.name = "test-recorder",
	.create = rv_test_recorder_create,
};
RV_DEVICE_TYPE(rv_test_recorder_type)

struct rv_test_stopper {
	struct rv_vm *vm;
	const struct rv_test_vm *t;
};

static void rv_test_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void *rv_test_stopper_thread(void *arg)
{
	struct rv_test_stopper *s = arg;
	const struct rv_test_vm *t = s->t;

	if (t->stop_gpa) {
		uint32_t *word = rv_mem_gpa_to_hva(&s->vm->mem, t->stop_gpa, 4);

		/* The guest updates it with a locked instruction: read atomically. */
		for (unsigned int ms = 0; word && ms < RV_TEST_STOP_TIMEOUT_MS; ms++) {
			if (__atomic_load_n(word, __ATOMIC_ACQUIRE) >= t->stop_value ||
			    __atomic_load_n(&s->vm->exit_reason, __ATOMIC_ACQUIRE))
				break;
			rv_test_sleep_ms(1);
		}
		if (!word || __atomic_load_n(word, __ATOMIC_ACQUIRE) < t->stop_value)
			fprintf(stderr, "stopper: guest word at 0x%llx never reached %u\n",
				(unsigned long long)t->stop_gpa, t->stop_value);
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

int rv_test_kvm_cap(long cap)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), ret;

	if (fd < 0)
		return 0;
	ret = rv_kvm_cap(fd, cap);
	close(fd);
	return ret;
}

int rv_test_run(const struct rv_test_vm *t)
{
	struct rv_device_cfg devices[1 + RV_TEST_MAX_DEVICES] = {
		{ .type = "test-recorder", .name = "recorder" },
	};
	struct rv_vm_config cfg = {
		.mem_size = 64ULL << 20,
		.nr_cpus = t->nr_cpus,
		.console_in_fd = -1,
		.console_out_fd = 1,
		.guest_code = t->start,
		.guest_code_len = t->end - t->start,
		.coalesce_mode = t->coalesce_mode,
		.coalesce_flush_ns = t->coalesce_flush_ns,
		.extra_devices = devices,
		.nr_extra_devices = 1 + t->nr_devices,
	};
	struct rv_test_stopper stopper;
	pthread_t thread;
	struct rv_vm vm;
	bool stopping;
	int ret;

	if (t->nr_devices > RV_TEST_MAX_DEVICES)
		return -EINVAL;
	for (unsigned int i = 0; i < t->nr_devices; i++)
		devices[1 + i] = t->devices[i];

	pthread_mutex_lock(&rv_test_rec.lock);
	rv_test_rec.nr = 0;
	rv_test_rec.writes_at_0 = 0;
	pthread_mutex_unlock(&rv_test_rec.lock);
	rv_err_clear();

	ret = rv_vm_create(&vm, &cfg);
	if (ret) {
		fprintf(stderr, "rv_vm_create: %s\n", rv_err_msg());
		rv_vm_destroy(&vm);
		return ret;
	}
	stopping = t->stop_after_ms || t->stop_gpa;
	if (stopping) {
		stopper = (struct rv_test_stopper){ &vm, t };
		pthread_create(&thread, NULL, rv_test_stopper_thread, &stopper);
	}
	ret = rv_vm_run(&vm);
	if (stopping)
		pthread_join(thread, NULL);
	if (t->after_run)
		t->after_run(&vm, t->opaque);
	rv_vm_destroy(&vm);
	return ret;
}

int rv_test_run_guest(const uint8_t *start, const uint8_t *end, unsigned int nr_cpus,
		      unsigned int stop_after_ms)
{
	const struct rv_test_vm t = {
		.start = start,
		.end = end,
		.nr_cpus = nr_cpus,
		.stop_after_ms = stop_after_ms,
	};

	return rv_test_run(&t);
}
