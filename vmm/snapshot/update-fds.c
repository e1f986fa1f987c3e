// SPDX-License-Identifier: GPL-2.0
/* The live update's fd list (update-fds.h): parsed and written, nothing else. */
#include "update-fds.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/util.h"

#define RV_UPDATE_OPT "--update-fds"
/* argv entries besides the command line's own: the option. */
#define RV_UPDATE_ARGV_EXTRA 2

/* Plain decimal, no sign, no spaces, no overflow. */
static int rv_update_dec(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!len || len > 20)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (v > (max - (uint64_t)(s[i] - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* The fds @u names so far, to refuse one number under two names. */
static bool rv_update_fd_used(const struct rv_update_fds *u, int fd)
{
	if (fd == u->state || fd == u->exe || fd == u->args || fd == u->api || fd == u->client ||
	    fd == u->keeper)
		return true;
	for (unsigned int i = 0; i < u->nr_ram; i++)
		if (u->ram[i] == fd)
			return true;
	for (unsigned int i = 0; i < u->nr_console; i++)
		if (u->console[i] == fd)
			return true;
	for (unsigned int i = 0; i < u->nr_dev; i++)
		if (u->dev[i].fd == fd)
			return true;
	return false;
}

/* An fd number as every key takes it: decimal, 3..RV_UPDATE_FD_MAX, not named yet. */
static int rv_update_fd(const struct rv_update_fds *u, const char *key, size_t klen,
			const char *val, size_t vlen, int *out)
{
	uint64_t v;

	if (rv_update_dec(val, vlen, RV_UPDATE_FD_MAX, &v) || v < 3)
		return rv_err(-EINVAL,
			      RV_UPDATE_OPT " %.*s=%.*s: an fd number from 3 to %d (0-2 are stdio)",
			      (int)klen, key, (int)rv_min_u64(vlen, 32), val, RV_UPDATE_FD_MAX);
	if (rv_update_fd_used(u, (int)v))
		return rv_err(-EINVAL, RV_UPDATE_OPT " %.*s=%d: that fd is named twice", (int)klen,
			      key, (int)v);
	*out = (int)v;
	return 0;
}

/* dev=I:N, I never below the item before's. */
static int rv_update_dev_item(struct rv_update_fds *u, const char *val, size_t vlen)
{
	const char *colon = memchr(val, ':', vlen);
	size_t ilen = colon ? (size_t)(colon - val) : vlen;
	struct rv_update_dev_fd *d = &u->dev[u->nr_dev];
	uint64_t idx;

	if (u->nr_dev == RV_UPDATE_MAX_DEV_FDS)
		return rv_err(-EINVAL, RV_UPDATE_OPT ": more than %d dev= fds",
			      RV_UPDATE_MAX_DEV_FDS);
	if (!colon || rv_update_dec(val, ilen, RV_UPDATE_MAX_DEV - 1, &idx) ||
	    (u->nr_dev && idx < u->dev[u->nr_dev - 1].dev))
		return rv_err(-EINVAL,
			      RV_UPDATE_OPT " dev=%.*s: not DEVICE:FD, DEVICE below %d and never "
					    "below the one before",
			      (int)rv_min_u64(vlen, 32), val, RV_UPDATE_MAX_DEV);
	if (rv_update_fd(u, "dev", 3, colon + 1, vlen - ilen - 1, &d->fd))
		return -EINVAL;
	d->dev = (unsigned int)idx;
	u->nr_dev++;
	return 0;
}

static int rv_update_item(struct rv_update_fds *u, const char *item, size_t len, bool *t0_seen)
{
	const char *eq = memchr(item, '=', len);
	size_t klen = eq ? (size_t)(eq - item) : len;
	const char *val = eq ? eq + 1 : NULL;
	size_t vlen = eq ? len - klen - 1 : 0;
	int *slot = NULL;

	if (!eq) {
		if (klen == 8 && !memcmp(item, "fallback", 8) && !u->fallback) {
			u->fallback = true;
			return 0;
		}
		return rv_err(-EINVAL, RV_UPDATE_OPT " %.*s: not KEY=VALUE (or fallback, once)",
			      (int)rv_min_u64(len, 64), item);
	}
	if (klen == 2 && !memcmp(item, "t0", 2)) {
		if (*t0_seen || rv_update_dec(val, vlen, UINT64_MAX, &u->t0_ns))
			return rv_err(-EINVAL, RV_UPDATE_OPT " t0=%.*s: one decimal number of ns",
				      (int)rv_min_u64(vlen, 32), val);
		*t0_seen = true;
		return 0;
	}
	if (klen == 3 && !memcmp(item, "dev", 3))
		return rv_update_dev_item(u, val, vlen);
	if (klen == 7 && !memcmp(item, "console", 7)) {
		if (u->nr_console == RV_UPDATE_MAX_CONSOLE)
			return rv_err(-EINVAL, RV_UPDATE_OPT ": more than %d console= fds",
				      RV_UPDATE_MAX_CONSOLE);
		if (rv_update_fd(u, item, klen, val, vlen, &u->console[u->nr_console]))
			return -EINVAL;
		u->nr_console++;
		return 0;
	}
	if (klen == 5 && !memcmp(item, "state", 5))
		slot = &u->state;
	else if (klen == 3 && !memcmp(item, "exe", 3))
		slot = &u->exe;
	else if (klen == 4 && !memcmp(item, "args", 4))
		slot = &u->args;
	else if (klen == 3 && !memcmp(item, "api", 3))
		slot = &u->api;
	else if (klen == 6 && !memcmp(item, "client", 6))
		slot = &u->client;
	else if (klen == 6 && !memcmp(item, "keeper", 6))
		slot = &u->keeper;
	else if (klen == 3 && !memcmp(item, "ram", 3)) {
		if (u->nr_ram == RV_UPDATE_MAX_RAM)
			return rv_err(-EINVAL, RV_UPDATE_OPT ": more than %d ram= fds",
				      RV_UPDATE_MAX_RAM);
		slot = &u->ram[u->nr_ram];
	} else {
		return rv_err(-EINVAL, RV_UPDATE_OPT ": unknown key \"%.*s\"",
			      (int)rv_min_u64(klen, 32), item);
	}
	if (slot != &u->ram[u->nr_ram] && *slot != -1)
		return rv_err(-EINVAL, RV_UPDATE_OPT ": %.*s= given twice", (int)klen, item);
	if (rv_update_fd(u, item, klen, val, vlen, slot))
		return -EINVAL;
	if (slot == &u->ram[u->nr_ram])
		u->nr_ram++;
	return 0;
}

int rv_update_fds_parse(const char *s, struct rv_update_fds *u)
{
	bool t0_seen = false;
	size_t len = strlen(s);
	int ret;

	*u = (struct rv_update_fds){
		.state = -1, .exe = -1, .args = -1, .api = -1, .client = -1, .keeper = -1
	};
	for (unsigned int i = 0; i < RV_UPDATE_MAX_RAM; i++)
		u->ram[i] = -1;
	for (unsigned int i = 0; i < RV_UPDATE_MAX_CONSOLE; i++)
		u->console[i] = -1;
	if (len > RV_UPDATE_SPEC_MAX)
		return rv_err(-EINVAL, RV_UPDATE_OPT ": longer than %d bytes", RV_UPDATE_SPEC_MAX);
	for (const char *p = s;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (!n)
			return rv_err(-EINVAL, RV_UPDATE_OPT " %s: an empty item", s);
		ret = rv_update_item(u, p, n, &t0_seen);
		if (ret)
			return ret;
		if (!comma)
			break;
		p = comma + 1;
	}
	if (u->state < 0 || (u->exe < 0 && u->keeper < 0) || !u->nr_ram)
		return rv_err(-EINVAL,
			      RV_UPDATE_OPT " %s: state=, ram= and exe= or keeper= are required",
			      s);
	return 0;
}

/* @fd into @fds (@n of @max used), unless it is -1 (not given). */
static int rv_update_fds_put(int *fds, unsigned int *n, unsigned int max, int fd)
{
	if (fd < 0)
		return 0;
	if (*n == max)
		return -ENOSPC;
	fds[(*n)++] = fd;
	return 0;
}

int rv_update_fds_list(const struct rv_update_fds *u, int *fds, unsigned int max)
{
	const int one[] = { u->state, u->exe, u->args, u->api, u->client };
	unsigned int n = 0;
	int ret = 0;

	for (unsigned int i = 0; !ret && i < sizeof(one) / sizeof(one[0]); i++)
		ret = rv_update_fds_put(fds, &n, max, one[i]);
	for (unsigned int i = 0; !ret && i < u->nr_ram; i++)
		ret = rv_update_fds_put(fds, &n, max, u->ram[i]);
	for (unsigned int i = 0; !ret && i < u->nr_console; i++)
		ret = rv_update_fds_put(fds, &n, max, u->console[i]);
	for (unsigned int i = 0; !ret && i < u->nr_dev; i++)
		ret = rv_update_fds_put(fds, &n, max, u->dev[i].fd);
	return ret ? ret : (int)n;
}

/* printf to the end of @buf (@size bytes, *@len used); past the end, *@len is @size. */
static void __attribute__((format(printf, 4, 5)))
rv_update_fds_add(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	*len = n < 0 || (size_t)n >= size - *len ? size : *len + (size_t)n;
}

int rv_update_fds_format(const struct rv_update_fds *u, char *buf, size_t size)
{
	size_t len = 0;

	rv_update_fds_add(buf, size, &len, "state=%d", u->state);
	if (u->exe >= 0)
		rv_update_fds_add(buf, size, &len, ",exe=%d", u->exe);
	if (u->keeper >= 0)
		rv_update_fds_add(buf, size, &len, ",keeper=%d", u->keeper);
	for (unsigned int i = 0; i < u->nr_ram; i++)
		rv_update_fds_add(buf, size, &len, ",ram=%d", u->ram[i]);
	if (u->args >= 0)
		rv_update_fds_add(buf, size, &len, ",args=%d", u->args);
	if (u->api >= 0)
		rv_update_fds_add(buf, size, &len, ",api=%d", u->api);
	if (u->client >= 0)
		rv_update_fds_add(buf, size, &len, ",client=%d", u->client);
	for (unsigned int i = 0; i < u->nr_console; i++)
		rv_update_fds_add(buf, size, &len, ",console=%d", u->console[i]);
	for (unsigned int i = 0; i < u->nr_dev; i++)
		rv_update_fds_add(buf, size, &len, ",dev=%u:%d", u->dev[i].dev, u->dev[i].fd);
	rv_update_fds_add(buf, size, &len, ",t0=%llu%s", (unsigned long long)u->t0_ns,
			  u->fallback ? ",fallback" : "");
	return len < size ? 0 : -ENOSPC;
}

/* update-fds.h; the strings borrowed but the option's. */
char **rv_update_argv(char *const argv[], const char *spec)
{
	size_t n = 0, k = 0;
	char **out;

	while (argv[n])
		n++;
	out = calloc(n + RV_UPDATE_ARGV_EXTRA + 1, sizeof(*out));
	if (!out || n < 2 || asprintf(&out[2], "--update-fds=%s", spec) < 0) {
		free(out);
		return NULL;
	}
	out[0] = argv[0];
	out[1] = argv[1];
	k = 3;
	for (size_t i = 2; i < n; i++) {
		if (!strncmp(argv[i], "--update-fds=", 13))
			continue;
		if (!strcmp(argv[i], "--update-fds")) {
			i++;
			continue;
		}
		out[k++] = argv[i];
	}
	out[k] = NULL;
	return out;
}

void rv_update_free_argv(char **argv)
{
	if (!argv)
		return;
	free(argv[2]);
	free(argv);
}
