// SPDX-License-Identifier: GPL-2.0
/* ringvmm ctl (ctl.h): one request, one reply line, bounded in time. */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <spawn.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proto.h"
#include "vmm/snapshot/snapshot.h"
#include "vmm/util.h"

extern char **environ;

/* The snapshot's files in @dir: created, never overwritten. */
static int rv_api_ctl_files(const char *dir, int fds[2], char paths[2][PATH_MAX])
{
	static const char *const names[2] = { RV_SNAP_STATE_FILE, RV_SNAP_MEMORY_FILE };

	if (mkdir(dir, 0700) && errno != EEXIST)
		return rv_err(-errno, "ctl snapshot %s: %s", dir, strerror(errno));
	for (int i = 0; i < 2; i++) {
		if (snprintf(paths[i], PATH_MAX, "%s/%s", dir, names[i]) >= PATH_MAX)
			return rv_err(-ENAMETOOLONG, "ctl snapshot %s: path too long", dir);
		fds[i] = open(paths[i], O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fds[i] < 0)
			return rv_err(-errno, "ctl snapshot %s: %s%s", paths[i], strerror(errno),
				      errno == EEXIST ? " (a snapshot is there already)" : "");
	}
	return 0;
}

/*
 * update --binary PATH: the file, opened here (the VMM opens no path), once
 * it answers `PATH --version` as a ringvmm does. A binary that is not one,
 * or does not start here (a missing library, /bin/false), is refused
 * before the guest is paused.
 */
static int rv_api_ctl_binary(const char *path, int *fd)
{
	char out[256] = "", *const argv[] = { (char *)path, "--version", NULL };
	posix_spawn_file_actions_t fa;
	int pipefd[2], status = -1, ret;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return rv_err(-errno, "ctl update --binary %s: %s", path, strerror(errno));
	if (pipe2(pipefd, O_CLOEXEC))
		return rv_err(-errno, "ctl update: pipe: %s", strerror(errno));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	ret = posix_spawn(&pid, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	while (!ret && len < sizeof(out) - 1 &&
	       (n = read(pipefd[0], out + len, sizeof(out) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
	}
	close(pipefd[0]);
	if (ret)
		return rv_err(-ret, "ctl update --binary %s: cannot run it: %s", path,
			      strerror(ret));
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	out[len] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status) || strncmp(out, "ringvmm ", 8))
		return rv_err(-ENOEXEC,
			      "ctl update --binary %s: not a ringvmm (`%s --version` %s); "
			      "nothing was done",
			      path, path,
			      WIFEXITED(status) && WEXITSTATUS(status) ? "failed" :
			      WIFEXITED(status)			       ? "printed something else" :
									 "died");
	return 0;
}

/* The request line, with @fds (nr of them) attached to its first byte. */
static int rv_api_ctl_send(int fd, const char *line, const int *fds, unsigned int nr)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { (void *)line, strlen(line) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (nr) {
		struct cmsghdr *cm;

		msg.msg_control = cbuf.buf;
		msg.msg_controllen = CMSG_SPACE(nr * sizeof(int));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nr * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nr * sizeof(int));
	}
	do {
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	/* The rest, if any, without the fds (a line is far below a socket buffer). */
	return rv_write_all(fd, line + n, iov.iov_len - (size_t)n);
}

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

int rv_api_ctl(const char *path, const char *cmd, const char *arg, FILE *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static char reply[1 << 20];
	static char paths[2][PATH_MAX];
	struct json_object *req, *r, *ok;
	int fd, ret, fds[2] = { -1, -1 };
	bool snapshot = !strcmp(cmd, "snapshot"), update = !strcmp(cmd, "update");
	char *line;
	size_t len;
	char *nl;

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
	if (snapshot) {
		ret = rv_api_ctl_files(arg, fds, paths);
		if (ret)
			goto out_close;
	}
	if (update && arg) {
		ret = rv_api_ctl_binary(arg, &fds[0]);
		if (ret)
			goto out_close;
	}
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	ret = asprintf(&line, "%s\n", json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
	json_object_put(req);
	if (ret < 0) {
		ret = rv_err(-ENOMEM, "ctl: out of memory");
		goto out_close;
	}
	ret = rv_api_ctl_send(fd, line, fds, snapshot ? 2 : update && arg ? 1 : 0);
	free(line);
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
	if (!r || !json_object_object_get_ex(r, "ok", &ok))
		ret = rv_err(-EPROTO, "%s: the reply is not the control protocol's", path);
	else
		ret = json_object_get_boolean(ok) ? 0 : 1;
	json_object_put(r);
out_close:
	for (int i = 0; i < 2; i++) {
		if (fds[i] < 0)
			continue;
		close(fds[i]);
		/* Refused or failed: no half snapshot is left behind. */
		if (ret && snapshot)
			unlink(paths[i]);
	}
	close(fd);
	return ret;
}
