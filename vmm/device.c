// SPDX-License-Identifier: GPL-2.0
#include "device.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* Filled by constructors before main(); read-only afterwards. */
static struct rv_device_type *rv_device_types;

void rv_device_type_register(struct rv_device_type *type)
{
	type->next = rv_device_types;
	rv_device_types = type;
}

const struct rv_device_type *rv_device_type_find(const char *name)
{
	for (struct rv_device_type *t = rv_device_types; t; t = t->next)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

const struct rv_device_type *rv_device_type_next(const struct rv_device_type *t)
{
	return t ? t->next : rv_device_types;
}

int rv_device_create(struct rv_device_env *env, const struct rv_device_cfg *cfg)
{
	const struct rv_device_type *type = rv_device_type_find(cfg->type);
	int ret;

	if (!type)
		return rv_err(-ENOENT, "no device type \"%s\" in this build", cfg->type);
	env->creating = 0;
	for (struct rv_device *d = env->devices; d; d = d->next)
		env->creating++;
	ret = type->create(env, cfg);
	if (ret)
		return rv_err_wrap(ret, "device %s (%s)", cfg->name, cfg->type);
	return 0;
}

int rv_device_params(const struct rv_device_cfg *cfg, const char *type, size_t size,
		     const void **out)
{
	const struct rv_device_params *p = cfg->params;

	*out = NULL;
	if (!p)
		return 0;
	if (!p->type || strcmp(p->type, type))
		return rv_err(-EINVAL, "%s: parameters for a \"%s\" device given to a \"%s\"",
			      cfg->name, p->type ? p->type : "(unnamed)", type);
	if (p->size != size)
		return rv_err(-EINVAL, "%s: %s parameters of %zu bytes, expected %zu", cfg->name,
			      type, p->size, size);
	*out = p;
	return 0;
}

int rv_device_adopt_fds(struct rv_device_env *env, int *fds, unsigned int max)
{
	unsigned int n = 0;
	int ret = 0;

	for (unsigned int i = 0; i < env->nr_handed; i++) {
		struct rv_device_handed *h = &env->handed[i];

		if (h->dev != env->creating || h->taken)
			continue;
		if (n == max) {
			ret = rv_err(-EINVAL,
				     "live update: more than the %u fds this device takes "
				     "were handed over",
				     max);
			break;
		}
		/* A new number: the handed one stays for the fallback (update.c). */
		fds[n] = fcntl(h->fd, F_DUPFD_CLOEXEC, 3);
		if (fds[n] < 0) {
			ret = rv_err(-errno, "live update: handed fd %d: %s", h->fd,
				     strerror(errno));
			break;
		}
		h->taken = true;
		n++;
	}
	if (!ret)
		return (int)n;
	while (n--)
		close(fds[n]);
	for (unsigned int i = 0; i < env->nr_handed; i++)
		if (env->handed[i].dev == env->creating)
			env->handed[i].taken = false;
	return ret;
}

int rv_device_adopt_check(const struct rv_device_env *env)
{
	unsigned int place = 0;

	for (unsigned int i = 0; i < env->nr_handed; i++) {
		const struct rv_device_handed *h = &env->handed[i];
		const struct rv_device *d = env->devices;

		if (h->taken)
			continue;
		for (place = 0; d && place < h->dev; place++)
			d = d->next;
		return rv_err(-EINVAL,
			      "live update: device %s (place %u) was handed fd %d and did not "
			      "take it (a different device, or a binary that cannot)",
			      d ? d->name : "(none)", h->dev, h->fd);
	}
	return 0;
}

void rv_device_add(struct rv_device_env *env, struct rv_device *dev)
{
	struct rv_device **p = &env->devices;

	while (*p)
		p = &(*p)->next;
	dev->next = NULL;
	*p = dev;
}

int rv_device_when_ready(struct rv_device_env *env, void (*fn)(void *opaque), void *opaque)
{
	if (env->nr_ready == RV_DEVICE_MAX_READY)
		return -ENOSPC;
	env->ready[env->nr_ready].fn = fn;
	env->ready[env->nr_ready++].opaque = opaque;
	return 0;
}

void rv_device_env_ready(struct rv_device_env *env)
{
	for (unsigned int i = 0; i < env->nr_ready; i++)
		env->ready[i].fn(env->ready[i].opaque);
	env->nr_ready = 0;
}

void rv_device_stop_all(struct rv_device_env *env)
{
	for (struct rv_device *dev = env->devices; dev; dev = dev->next)
		if (dev->ops && dev->ops->stop)
			dev->ops->stop(dev);
}

static void rv_device_destroy_list(struct rv_device *dev)
{
	if (!dev)
		return;
	rv_device_destroy_list(dev->next);
	if (dev->ops && dev->ops->destroy)
		dev->ops->destroy(dev);
}

void rv_device_destroy_all(struct rv_device_env *env)
{
	rv_device_destroy_list(env->devices);
	env->devices = NULL;
}
