// SPDX-License-Identifier: GPL-2.0
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int rv_log_level = RV_LOG_WARN;

/* Per thread: a vCPU thread's failure must not overwrite main's context. */
static __thread char rv_err_buf[512];

int rv_err(int err, const char *fmt, ...)
{
	va_list ap;

	if (rv_err_buf[0])
		return err;
	va_start(ap, fmt);
	vsnprintf(rv_err_buf, sizeof(rv_err_buf), fmt, ap);
	va_end(ap);
	return err;
}

int rv_err_wrap(int err, const char *fmt, ...)
{
	char msg[sizeof(rv_err_buf)];
	size_t n, room, inner;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = strlen(msg);
	/* "prefix: inner message", keeping as much of the inner one as fits. */
	if (rv_err_buf[0] && n + 3 < sizeof(msg)) {
		memcpy(msg + n, ": ", 2);
		room = sizeof(msg) - n - 3;
		inner = strnlen(rv_err_buf, room);
		memcpy(msg + n + 2, rv_err_buf, inner);
		msg[n + 2 + inner] = '\0';
	}
	memcpy(rv_err_buf, msg, sizeof(msg));
	return err;
}

const char *rv_err_msg(void)
{
	return rv_err_buf;
}

void rv_err_clear(void)
{
	rv_err_buf[0] = '\0';
}

static const char *const rv_log_level_names[] = {
	[RV_LOG_ERROR] = "error",
	[RV_LOG_WARN] = "warn",
	[RV_LOG_INFO] = "info",
	[RV_LOG_DEBUG] = "debug",
};

int rv_log_level_parse(const char *s, int *level)
{
	for (unsigned int i = 0; s && i < RV_ARRAY_SIZE(rv_log_level_names); i++) {
		if (!strcmp(s, rv_log_level_names[i])) {
			*level = i;
			return 0;
		}
	}
	return -EINVAL;
}

static void rv_log(int level, const char *fmt, va_list ap)
{
	if (rv_log_level < level)
		return;
	fputs("ringvmm: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void rv_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rv_log(RV_LOG_WARN, fmt, ap);
	va_end(ap);
}

void rv_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rv_log(RV_LOG_INFO, fmt, ap);
	va_end(ap);
}

void rv_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rv_log(RV_LOG_DEBUG, fmt, ap);
	va_end(ap);
}

static int rv_parse_number(const char *s, uint64_t *out, const char **end)
{
	unsigned long long v;
	int base = 10;
	char *e;

	/*
	 * strtoull would skip leading whitespace, accept a sign and read a
	 * leading 0 as octal ("010" = 8): a size or count starts with a digit
	 * and is decimal, or hex with an explicit 0x.
	 */
	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		if (!isxdigit((unsigned char)s[2]))
			return -EINVAL;
	}
	errno = 0;
	v = strtoull(s, &e, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (e == s)
		return -EINVAL;
	*out = v;
	*end = e;
	return 0;
}

int rv_parse_u64(const char *s, uint64_t *out)
{
	const char *end;
	uint64_t v;
	int ret = rv_parse_number(s, &v, &end);

	if (ret)
		return ret;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int rv_parse_size(const char *s, uint64_t *out)
{
	const char *end;
	uint64_t v, mult = 1;
	int ret = rv_parse_number(s, &v, &end);

	if (ret)
		return ret;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		mult = RV_KiB;
		end++;
		break;
	case 'm':
	case 'M':
		mult = RV_MiB;
		end++;
		break;
	case 'g':
	case 'G':
		mult = RV_GiB;
		end++;
		break;
	case 't':
	case 'T':
		mult = 1024 * RV_GiB;
		end++;
		break;
	default:
		return -EINVAL;
	}
	/* Accept "512M" and "512MiB"/"512MB" alike, nothing else. */
	if (mult != 1 && (!strcmp(end, "iB") || !strcmp(end, "B")))
		end += strlen(end);
	if (*end)
		return -EINVAL;
	if (v > UINT64_MAX / mult)
		return -ERANGE;
	*out = v * mult;
	return 0;
}

/* "a FIFO", "a directory": what @m is, for a message. */
static const char *rv_path_kind(mode_t m)
{
	if (S_ISREG(m))
		return "a regular file";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	return "not a file";
}

/* "--kernel FILE" but "--passthrough path=FILE". */
static const char *rv_path_sep(const char *opt)
{
	size_t n = strlen(opt);

	return n && opt[n - 1] == '=' ? "" : " ";
}

static int rv_path_check(const char *opt, const char *path, mode_t m, unsigned int allow)
{
	if ((S_ISREG(m) && (allow & RV_PATH_REG)) || (S_ISCHR(m) && (allow & RV_PATH_CHR)) ||
	    (S_ISBLK(m) && (allow & RV_PATH_BLK)))
		return 0;
	return rv_err(S_ISDIR(m) ? -EISDIR : -EINVAL, "%s%s%s: %s, not a regular file%s", opt,
		      rv_path_sep(opt), path, rv_path_kind(m),
		      allow & RV_PATH_CHR ? " or character device" :
		      allow & RV_PATH_BLK ? " or block device" :
					    "");
}

int rv_path_open(const char *opt, const char *path, int flags, unsigned int mode,
		 unsigned int allow, int *fd)
{
	struct stat st;
	int ret, fl;

	*fd = -1;
	if (!path || !*path)
		return rv_err(-EINVAL, "%s: an empty path", opt);
	if (stat(path, &st) == 0) {
		ret = rv_path_check(opt, path, st.st_mode, allow);
		if (ret)
			return ret;
	} else if (errno != ENOENT || !(flags & O_CREAT)) {
		return rv_err(-errno, "%s%s%s: %s", opt, rv_path_sep(opt), path, strerror(errno));
	}
	*fd = open(path, flags | O_NONBLOCK | O_CLOEXEC, mode);
	if (*fd < 0)
		return rv_err(-errno, "%s%s%s: %s", opt, rv_path_sep(opt), path, strerror(errno));
	if (fstat(*fd, &st) < 0) {
		ret = rv_err(-errno, "%s%s%s: %s", opt, rv_path_sep(opt), path, strerror(errno));
		goto out_close;
	}
	ret = rv_path_check(opt, path, st.st_mode, allow);
	if (ret)
		goto out_close;
	/* Blocking again: a character device's reads should wait as usual. */
	fl = fcntl(*fd, F_GETFL);
	if (fl < 0 || fcntl(*fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		ret = rv_err(-errno, "%s%s%s: %s", opt, rv_path_sep(opt), path, strerror(errno));
		goto out_close;
	}
	return 0;

out_close:
	close(*fd);
	*fd = -1;
	return ret;
}

int rv_read_file(const char *opt, const char *path, uint64_t max, uint8_t **buf, size_t *len)
{
	struct stat st;
	uint8_t *p = NULL;
	size_t done = 0;
	int fd, ret;

	ret = rv_path_open(opt, path, O_RDONLY, 0, RV_PATH_REG, &fd);
	if (ret)
		return ret;
	if (fstat(fd, &st) < 0) {
		ret = rv_err(-errno, "%s %s: %s", opt, path, strerror(errno));
		goto out_close;
	}
	if ((uint64_t)st.st_size > max) {
		ret = rv_err(-EFBIG, "%s %s: %" PRIu64 " bytes, more than the %" PRIu64 " allowed",
			     opt, path, (uint64_t)st.st_size, max);
		goto out_close;
	}
	p = malloc(st.st_size ? st.st_size : 1);
	if (!p) {
		ret = rv_err(-ENOMEM, "%s %s: out of memory", opt, path);
		goto out_close;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, p + done, st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = rv_err(n < 0 ? -errno : -EIO, "%s %s: short read", opt, path);
			goto out_free;
		}
		done += n;
	}
	*buf = p;
	*len = done;
	close(fd);
	return 0;

out_free:
	free(p);
out_close:
	close(fd);
	return ret;
}

int rv_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

uint64_t rv_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}
