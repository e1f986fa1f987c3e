// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the device registry (vmm/device.c). Types registered from
 * this file with RV_DEVICE_TYPE() are found by name before main() runs;
 * rv_device_create() fails with -ENOENT and a message for an unknown type and
 * prefixes a create() failure with the instance name and type;
 * rv_device_add() keeps creation order and rv_device_destroy_all() tears
 * down last-created-first, skipping devices without a destroy().
 * rv_device_params() hands a device its own parameters and refuses another
 * type's, or another size of struct, with a message. rv_device_adopt_fds()
 * gives a device in a live update's new process the fds handed over for
 * its place, and rv_device_adopt_check() names one that left them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/device.h"
#include "vmm/util.h"

/* Names of destroyed devices, in destroy order. */
static char destroyed[8][32];
static unsigned int nr_destroyed;

static const struct rv_device_cfg *last_cfg;
static struct rv_device_env *last_env;

static void fake_destroy(struct rv_device *dev)
{
	assert_true(nr_destroyed < RV_ARRAY_SIZE(destroyed));
	snprintf(destroyed[nr_destroyed++], sizeof(destroyed[0]), "%s", dev->name);
	free(dev);
}

static const struct rv_device_ops fake_ops = { .destroy = fake_destroy };
static const struct rv_device_ops no_destroy_ops = { .destroy = NULL };

static struct rv_device *new_device(const char *name, const struct rv_device_ops *ops)
{
	struct rv_device *dev = calloc(1, sizeof(*dev));

	assert_non_null(dev);
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->ops = ops;
	return dev;
}

static int fake_create(struct rv_device_env *env, const struct rv_device_cfg *cfg)
{
	last_env = env;
	last_cfg = cfg;
	rv_device_add(env, new_device(cfg->name, &fake_ops));
	return 0;
}

static int failing_create(struct rv_device_env *env, const struct rv_device_cfg *cfg)
{
	return rv_err(-EIO, "port 0x%llx is taken", (unsigned long long)cfg->base);
}

static int silent_create(struct rv_device_env *env, const struct rv_device_cfg *cfg)
{
	return -ENOMEM;
}

/* A device that takes up to 2 handed fds (a live update), kept in adopted[]. */
static int adopted[2], nr_adopted;

static int adopting_create(struct rv_device_env *env, const struct rv_device_cfg *cfg)
{
	nr_adopted = rv_device_adopt_fds(env, adopted, 2);
	if (nr_adopted < 0)
		return nr_adopted;
	rv_device_add(env, new_device(cfg->name, &fake_ops));
	return 0;
}

static struct rv_device_type adopting_type = { .name = "adopting", .create = adopting_create };
RV_DEVICE_TYPE(adopting_type)

static struct rv_device_type fake_type = { .name = "fake", .create = fake_create };
static struct rv_device_type failing_type = { .name = "failing", .create = failing_create };
static struct rv_device_type silent_type = { .name = "silent", .create = silent_create };
RV_DEVICE_TYPE(fake_type)
RV_DEVICE_TYPE(failing_type)
RV_DEVICE_TYPE(silent_type)

static int reset(void **state)
{
	rv_err_clear();
	nr_destroyed = 0;
	last_cfg = NULL;
	last_env = NULL;
	return 0;
}

static void test_type_registry(void **state)
{
	assert_ptr_equal(rv_device_type_find("fake"), &fake_type);
	assert_ptr_equal(rv_device_type_find("failing"), &failing_type);
	assert_ptr_equal(rv_device_type_find("silent"), &silent_type);
	assert_null(rv_device_type_find("fak"));
	assert_null(rv_device_type_find("fake2"));
	assert_null(rv_device_type_find(""));
	assert_null(rv_device_type_find("FAKE"));
}

static void test_create_unknown_type(void **state)
{
	struct rv_device_env env = { 0 };
	struct rv_device_cfg cfg = { .type = "virtio-frob", .name = "frob0" };

	assert_int_equal(rv_device_create(&env, &cfg), -ENOENT);
	assert_non_null(strstr(rv_err_msg(), "virtio-frob"));
	assert_non_null(strstr(rv_err_msg(), "no device type"));
	assert_null(env.devices);
}

static void test_create_ok(void **state)
{
	struct rv_device_env env = { 0 };
	struct rv_device_cfg cfg = {
		.type = "fake",
		.name = "ttyS0",
		.space = RV_SPACE_PIO,
		.base = 0x3f8,
		.irq = 4,
	};

	assert_int_equal(rv_device_create(&env, &cfg), 0);
	assert_string_equal(rv_err_msg(), "");
	/* create() got this env and this cfg. */
	assert_ptr_equal(last_env, &env);
	assert_ptr_equal(last_cfg, &cfg);
	assert_non_null(env.devices);
	assert_string_equal(env.devices->name, "ttyS0");
	assert_null(env.devices->next);
	rv_device_destroy_all(&env);
	assert_int_equal(nr_destroyed, 1);
}

static void test_create_failure_wrapped(void **state)
{
	struct rv_device_env env = { 0 };
	struct rv_device_cfg cfg = { .type = "failing", .name = "ttyS9", .base = 0x2e8 };

	assert_int_equal(rv_device_create(&env, &cfg), -EIO);
	assert_string_equal(rv_err_msg(), "device ttyS9 (failing): port 0x2e8 is taken");
	assert_null(env.devices);

	/* A create() that recorded nothing still gets a message naming it. */
	rv_err_clear();
	cfg = (struct rv_device_cfg){ .type = "silent", .name = "quiet0" };
	assert_int_equal(rv_device_create(&env, &cfg), -ENOMEM);
	assert_non_null(strstr(rv_err_msg(), "quiet0"));
	assert_non_null(strstr(rv_err_msg(), "silent"));
}

static void test_add_order(void **state)
{
	struct rv_device_env env = { 0 };
	struct rv_device *a = new_device("a", &fake_ops);
	struct rv_device *b = new_device("b", &fake_ops);
	struct rv_device *c = new_device("c", &fake_ops);

	/* A stale next pointer must not carry other devices along. */
	c->next = a;
	rv_device_add(&env, a);
	rv_device_add(&env, b);
	rv_device_add(&env, c);
	assert_ptr_equal(env.devices, a);
	assert_ptr_equal(a->next, b);
	assert_ptr_equal(b->next, c);
	assert_null(c->next);
	rv_device_destroy_all(&env);
}

static void test_destroy_all_order(void **state)
{
	struct rv_device_env env = { 0 };
	struct rv_device *keep = new_device("no-destroy", &no_destroy_ops);
	struct rv_device *bare = new_device("no-ops", NULL);
	static const char *const names[] = { "first", "second", "third", "fourth" };
	struct rv_device_cfg cfg = { .type = "fake" };

	rv_device_destroy_all(&env); /* empty: nothing to do */
	assert_int_equal(nr_destroyed, 0);

	for (unsigned int i = 0; i < RV_ARRAY_SIZE(names); i++) {
		cfg.name = names[i];
		assert_int_equal(rv_device_create(&env, &cfg), 0);
		if (i == 1)
			rv_device_add(&env, keep);
		if (i == 2)
			rv_device_add(&env, bare);
	}
	rv_device_destroy_all(&env);
	assert_null(env.devices);
	assert_int_equal(nr_destroyed, 4);
	assert_string_equal(destroyed[0], "fourth");
	assert_string_equal(destroyed[1], "third");
	assert_string_equal(destroyed[2], "second");
	assert_string_equal(destroyed[3], "first");
	free(keep);
	free(bare);

	/* Destroying again is harmless. */
	rv_device_destroy_all(&env);
	assert_int_equal(nr_destroyed, 4);
}

static int irq_hook(void *opaque, unsigned int gsi, int level)
{
	int *seen = opaque;

	seen[0] = (int)gsi;
	seen[1] = level;
	return -EBUSY;
}

static void test_set_irq_helper(void **state)
{
	struct rv_device_env env = { 0 };
	int seen[2] = { -1, -1 };

	/* Without an irqchip hook, driving a line is a no-op. */
	assert_int_equal(rv_device_set_irq(&env, 4, 1), 0);
	/* With one, the call and its result pass through. */
	env.set_irq = irq_hook;
	env.irq_opaque = seen;
	assert_int_equal(rv_device_set_irq(&env, 4, 1), -EBUSY);
	assert_int_equal(seen[0], 4);
	assert_int_equal(seen[1], 1);
}

/* A device type's own parameters: its struct, with the header first. */
struct foo_params {
	struct rv_device_params hdr;
	unsigned int queues;
};

struct bar_params {
	struct rv_device_params hdr;
	uint64_t size;
};

static void test_params(void **state)
{
	struct foo_params foo = { RV_DEVICE_PARAMS_HDR("foo", struct foo_params), 4 };
	struct bar_params bar = { RV_DEVICE_PARAMS_HDR("bar", struct bar_params), 1 };
	struct rv_device_cfg cfg = { .type = "foo", .name = "foo0" };
	const struct foo_params *p = &foo;

	(void)state;
	/* None given: NULL, the device's defaults. */
	assert_int_equal(rv_device_params(&cfg, "foo", sizeof(*p), (const void **)&p), 0);
	assert_null(p);
	cfg.params = &foo.hdr;
	assert_int_equal(rv_device_params(&cfg, "foo", sizeof(*p), (const void **)&p), 0);
	assert_ptr_equal(p, &foo);
	assert_int_equal(p->queues, 4);
	/* Another type's: refused by name, before a byte of them is read. */
	cfg.params = &bar.hdr;
	rv_err_clear();
	assert_int_equal(rv_device_params(&cfg, "foo", sizeof(*p), (const void **)&p), -EINVAL);
	assert_null(p);
	assert_non_null(strstr(rv_err_msg(), "foo0: parameters for a \"bar\" device"));
	/* Its own type, but a struct of another size (another version). */
	foo.hdr.size = sizeof(foo) + 8;
	cfg.params = &foo.hdr;
	rv_err_clear();
	assert_int_equal(rv_device_params(&cfg, "foo", sizeof(*p), (const void **)&p), -EINVAL);
	assert_non_null(strstr(rv_err_msg(), "expected"));
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;

	return !fstat(a, &sa) && !fstat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * rv_device_adopt_fds(): each device gets the fds handed for its place in
 * the list, as new close-on-exec numbers of the same files, the handed
 * ones left open; more than it takes is refused; rv_device_adopt_check()
 * names a device that took none of its fds.
 */
static void test_adopt_fds(void **state)
{
	struct rv_device_handed handed[3];
	struct rv_device_env env = { 0 };
	struct rv_device_cfg fake = { .type = "fake", .name = "fake0" };
	struct rv_device_cfg adopt = { .type = "adopting", .name = "adopt1" };
	struct rv_device_cfg adopt2 = { .type = "adopting", .name = "adopt2" };
	int p[2];

	assert_int_equal(pipe(p), 0);
	handed[0] = (struct rv_device_handed){ .dev = 1, .fd = p[0] };
	handed[1] = (struct rv_device_handed){ .dev = 1, .fd = p[1] };
	env.handed = handed;
	env.nr_handed = 2;
	assert_int_equal(rv_device_create(&env, &fake), 0);
	assert_int_equal(rv_device_create(&env, &adopt), 0);
	assert_int_equal(nr_adopted, 2);
	for (int i = 0; i < 2; i++) {
		assert_true(adopted[i] != p[i] && same_file(adopted[i], p[i]));
		assert_true(fcntl(adopted[i], F_GETFD) & FD_CLOEXEC);
		assert_true(fcntl(p[i], F_GETFD) >= 0);
		assert_true(handed[i].taken);
		close(adopted[i]);
	}
	/* The next device had nothing handed: it opens as usual. */
	assert_int_equal(rv_device_create(&env, &adopt2), 0);
	assert_int_equal(nr_adopted, 0);
	assert_int_equal(rv_device_adopt_check(&env), 0);
	rv_device_destroy_all(&env);

	/* Three for a device that takes two: refused, none taken. */
	handed[2] = (struct rv_device_handed){ .dev = 0, .fd = p[0] };
	handed[0].taken = handed[1].taken = false;
	handed[0].dev = handed[1].dev = 0;
	env.nr_handed = 3;
	assert_int_equal(rv_device_create(&env, &adopt), -EINVAL);
	assert_non_null(strstr(rv_err_msg(), "more than the 2 fds"));
	assert_false(handed[0].taken || handed[1].taken || handed[2].taken);
	assert_null(env.devices);

	/* A device that does not take what it was handed is named. */
	rv_err_clear();
	env.nr_handed = 1;
	assert_int_equal(rv_device_create(&env, &fake), 0);
	assert_int_equal(rv_device_adopt_check(&env), -EINVAL);
	assert_non_null(strstr(rv_err_msg(), "fake0"));
	rv_device_destroy_all(&env);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_type_registry, reset),
		cmocka_unit_test_setup(test_create_unknown_type, reset),
		cmocka_unit_test_setup(test_create_ok, reset),
		cmocka_unit_test_setup(test_create_failure_wrapped, reset),
		cmocka_unit_test_setup(test_add_order, reset),
		cmocka_unit_test_setup(test_destroy_all_order, reset),
		cmocka_unit_test_setup(test_set_irq_helper, reset),
		cmocka_unit_test_setup(test_params, reset),
		cmocka_unit_test_setup(test_adopt_fds, reset),
	};

	return cmocka_run_group_tests_name("device", tests, NULL, NULL);
}
