// SPDX-License-Identifier: GPL-2.0
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int rv_image_open(struct rv_image *img, const char *opt, const char *path, uint64_t max)
{
	struct stat st;
	int ret;

	img->size = 0;
	img->name = path;
	ret = rv_path_open(opt, path, O_RDONLY, 0, RV_PATH_REG, &img->fd);
	if (ret)
		return ret;
	if (fstat(img->fd, &st) < 0) {
		ret = rv_err(-errno, "%s %s: %s", opt, path, strerror(errno));
		goto out_close;
	}
	img->size = st.st_size;
	/* Say so now, naming the file, rather than as a placement failure. */
	if (img->size > max) {
		ret = rv_err(-EFBIG, "%s %s: %llu bytes, more than the %llu MiB of guest RAM", opt,
			     path, (unsigned long long)img->size, (unsigned long long)(max >> 20));
		goto out_close;
	}
	return 0;

out_close:
	rv_image_close(img);
	return ret;
}

void rv_image_close(struct rv_image *img)
{
	if (img->fd >= 0)
		close(img->fd);
	img->fd = -1;
}

int rv_image_pread(const struct rv_image *img, uint64_t off, void *dst, uint64_t len)
{
	uint8_t *p = dst;
	uint64_t end;

	if (__builtin_add_overflow(off, len, &end) || end > img->size)
		return rv_err(-EINVAL,
			      "%s: 0x%llx bytes at 0x%llx extend past the end of the %llu-byte file",
			      img->name, (unsigned long long)len, (unsigned long long)off,
			      (unsigned long long)img->size);
	while (len) {
		/* Linux moves at most 0x7ffff000 bytes per call (read(2) NOTES). */
		ssize_t n = pread(img->fd, p, rv_min_u64(len, SSIZE_MAX), (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return rv_err(-errno, "%s: reading 0x%llx bytes at 0x%llx: %s", img->name,
				      (unsigned long long)len, (unsigned long long)off,
				      strerror(errno));
		if (!n)
			return rv_err(
				-EIO,
				"%s: the file ends at 0x%llx, short of the %llu bytes it had when opened",
				img->name, (unsigned long long)off, (unsigned long long)img->size);
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}
