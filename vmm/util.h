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

static inline uint64_t rv_min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

#define RV_KiB (1024ULL)
#define RV_MiB (1024ULL * RV_KiB)
#define RV_GiB (1024ULL * RV_MiB)

/* Diagnostics to stderr; rv_debug only with --verbose. */
extern bool rv_verbose;
void rv_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rv_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Parse "512M", "1G", "4096", "64K" into bytes. Rejects empty strings,
 * negative numbers, trailing garbage and overflow. Returns 0 or -EINVAL /
 * -ERANGE.
 */
int rv_parse_size(const char *s, uint64_t *out);
/* Parse a plain unsigned decimal/hex number with the same strictness. */
int rv_parse_u64(const char *s, uint64_t *out);

/*
 * Command-line options, for every subcommand's parser. rv_opt_is(): does
 * @arg name option @name, alone or as "@name=..."? rv_opt_value(): the value
 * of the option at argv[*i], "--opt=value" or "--opt value" (then *i moves
 * past it); NULL with a message when it is missing.
 */
bool rv_opt_is(const char *arg, const char *name);
const char *rv_opt_value(int argc, char *const argv[], int *i, const char *name);

/* Read a whole file into a malloc'ed buffer (size capped at @max). */
int rv_read_file(const char *path, uint64_t max, uint8_t **buf, size_t *len);

/* write() all of @len bytes, retrying on EINTR and partial writes. */
int rv_write_all(int fd, const void *buf, size_t len);

/* Monotonic clock in nanoseconds. */
uint64_t rv_now_ns(void);

#endif
