// SPDX-License-Identifier: GPL-2.0
#include "device.h"

#include <errno.h>
#include <string.h>

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
	ret = type->create(env, cfg);
	if (ret)
		return rv_err_wrap(ret, "device %s (%s)", cfg->name, cfg->type);
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
