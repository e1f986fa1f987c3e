/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by every part of ringvmm. Errors follow the protocol
 * in vmm/err.h (included here: every user of rv_err() has util.h).
 */
#ifndef RV_UTIL_H
#define RV_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define RV_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define rv_container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#define RV_ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define RV_IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)

/*
 * *@out = @x rounded up to a multiple of @a (a power of two); false, and
 * *@out untouched, when that would pass 2^64: RV_ALIGN_UP() wraps to 0
 * there. Every align-up of a guest address whose inputs an image or a user
 * picks goes through this.
 */
static inline bool rv_align_up_u64(uint64_t x, uint64_t a, uint64_t *out)
{
	uint64_t t;

	if (__builtin_add_overflow(x, a - 1, &t))
		return false;
	*out = t & ~(a - 1);
	return true;
}

static inline uint64_t rv_min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

#define RV_KiB (1024ULL)
#define RV_MiB (1024ULL * RV_KiB)
#define RV_GiB (1024ULL * RV_MiB)

/*
 * Diagnostics to stderr, each shown from its --log-level on: rv_warn from
 * warn (the default), rv_info from info, rv_debug from debug (--verbose).
 * Errors are main's to print, at every level.
 */
enum rv_log_level { RV_LOG_ERROR, RV_LOG_WARN, RV_LOG_INFO, RV_LOG_DEBUG };
extern int rv_log_level;
/* "error", "warn", "info", "debug" -> enum; -EINVAL for anything else. */
int rv_log_level_parse(const char *s, int *level);
void rv_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rv_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rv_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Parse "512M", "1G", "4096", "64K" into bytes. Rejects empty strings,
 * negative numbers, trailing garbage and overflow. Returns 0 or -EINVAL /
 * -ERANGE.
 */
int rv_parse_size(const char *s, uint64_t *out);
/* Parse a plain unsigned decimal/hex number with the same strictness. */
int rv_parse_u64(const char *s, uint64_t *out);

/* What rv_path_open() lets a path be: a mask of these. */
#define RV_PATH_REG (1u << 0) /* a regular file */
#define RV_PATH_CHR (1u << 1) /* a character device (/dev/mem, a VFIO BAR) */
#define RV_PATH_BLK (1u << 2) /* a block device (a --disk) */

/*
 * Open @path, named by the option @opt in messages ("--kernel"), with
 * open(2) @flags and @mode, into *@fd, but only if it is a kind @allow
 * (RV_PATH_*) names. Every path a user gives goes through here, because an
 * open that can block must never be reached: a FIFO blocks open() until a
 * writer comes, a socket cannot be opened at all (ENXIO, a puzzling
 * message), a directory is never what an option means. So: stat() first
 * for a clear "@opt @path: a FIFO, not a regular file", then the open with
 * O_NONBLOCK (a FIFO swapped in between still cannot block it), fstat() of
 * what was opened, and O_NONBLOCK cleared again. A path that does not exist
 * yet is fine when @flags has O_CREAT. 0, or -errno with the message.
 */
int rv_path_open(const char *opt, const char *path, int flags, unsigned int mode,
		 unsigned int allow, int *fd);

/*
 * Read a whole regular file into a malloc'ed buffer (size capped at @max);
 * @path is checked by rv_path_open() with @opt in its messages.
 */
int rv_read_file(const char *opt, const char *path, uint64_t max, uint8_t **buf, size_t *len);

/* write() all of @len bytes, retrying on EINTR and partial writes. */
int rv_write_all(int fd, const void *buf, size_t len);

/* Monotonic clock in nanoseconds. */
uint64_t rv_now_ns(void);

#endif
