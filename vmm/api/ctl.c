// SPDX-License-Identifier: GPL-2.0
/* ringvmm ctl (ctl.h): one request, one reply line, bounded in time. */
#include "ctl.h"

#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "proto.h"
#include "vmm/util.h"

/* Read up to the first newline, or fail at the deadline. */
static int rv_api_ctl_read(int fd, const char *path, char *buf, size_t size, size_t *len)
{
	uint64_t deadline = rv_now_ns() + RV_API_CTL_TIMEOUT_MS * 1000000ULL;

	*len = 0;
	while (!memchr(buf, '\n', *len)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t now = rv_now_ns();
		ssize_t n;

		if (now >= deadline)
			return rv_err(-ETIMEDOUT, "%s: no reply within %d ms", path,
				      RV_API_CTL_TIMEOUT_MS);
		if (poll(&p, 1, (int)((deadline - now) / 1000000ULL) + 1) < 0 && errno != EINTR)
			return rv_err(-errno, "%s: poll: %s", path, strerror(errno));
		if (!p.revents)
			continue;
		if (*len == size)
			return rv_err(-EMSGSIZE, "%s: reply longer than %zu bytes", path, size);
		n = read(fd, buf + *len, size - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return rv_err(-errno, "%s: %s", path, strerror(errno));
		if (n == 0)
			return rv_err(-ECONNRESET, "%s: closed without a reply", path);
		*len += (size_t)n;
	}
	return 0;
}

int rv_api_ctl(const char *path, const char *cmd, FILE *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static char reply[1 << 20];
	struct json_object *req, *r, *ok;
	const char *line;
	size_t len;
	char *nl;
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return rv_err(-ENAMETOOLONG, "ctl %s: longer than a socket path may be", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rv_err(-errno, "ctl: socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = rv_err(-errno, "ctl %s: %s", path, strerror(errno));
		goto out_close;
	}
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	line = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	ret = rv_write_all(fd, line, strlen(line));
	if (!ret)
		ret = rv_write_all(fd, "\n", 1);
	json_object_put(req);
	if (ret) {
		ret = rv_err(ret, "ctl %s: sending the request: %s", path, strerror(-ret));
		goto out_close;
	}
	ret = rv_api_ctl_read(fd, path, reply, sizeof(reply), &len);
	if (ret)
		goto out_close;
	nl = memchr(reply, '\n', len);
	fwrite(reply, 1, (size_t)(nl - reply) + 1, out);
	*nl = '\0';
	r = json_tokener_parse(reply);
	if (!r || !json_object_object_get_ex(r, "ok", &ok)) {
		ret = rv_err(-EPROTO, "%s: the reply is not the control protocol's", path);
	} else {
		ret = json_object_get_boolean(ok) ? 0 : 1;
	}
	json_object_put(r);
out_close:
	close(fd);
	return ret;
}
