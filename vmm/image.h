/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Files a guest is loaded from (kernel, initrd), read on demand: headers
 * into small buffers, payloads straight into guest RAM. The x86 loader
 * (arch/x86/boot.c) reads through it; arm64's reads the whole Image and
 * initrd with rv_read_file() (vmm/util.h) and places them from memory.
 */
#ifndef RV_IMAGE_H
#define RV_IMAGE_H

#include <stdint.h>

/*
 * A kernel or initrd file, read on demand: headers go into small buffers and
 * the payload straight from the file into guest RAM with pread(), so the VMM
 * never holds a heap copy of a 14 MB bzImage. @size is fixed when the file is
 * opened; a file that shrinks while loading fails with -EIO, never a crash.
 */
struct rv_image {
	int fd; /* read with pread() only: the file offset is not used */
	uint64_t size;
	const char *name; /* the path, for messages */
};

/*
 * Open @path, the value of option @opt ("--kernel"), read-only as a
 * regular file (rv_path_open(): a FIFO, socket or directory is refused
 * before anything can block) and take its size, which must be at most @max
 * (guest RAM: nothing larger can be loaded into it; -EFBIG); on failure records
 * "@opt @path: <reason>", leaves @img->fd at -1 and returns -errno.
 * rv_image_close() closes and sets fd to -1, so it may be called on any
 * image open() was given.
 */
int rv_image_open(struct rv_image *img, const char *opt, const char *path, uint64_t max);
void rv_image_close(struct rv_image *img);

/*
 * Read @len bytes at @off of @img into @dst, retrying short reads and EINTR.
 * [off, off + len) must lie inside the image (overflow checked; -EINVAL);
 * callers check the bounds first with a message of their own, this is the
 * backstop. -EIO if the file ended early, -errno if pread() failed.
 */
int rv_image_pread(const struct rv_image *img, uint64_t off, void *dst, uint64_t len);

#endif
