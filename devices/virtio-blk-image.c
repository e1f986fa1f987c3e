// SPDX-License-Identifier: GPL-2.0
/*
 * A --disk's host side (virtio-blk.h): the image opened, or taken over from
 * the previous process in a live update, checked for what it is, locked,
 * and measured. The device (virtio-blk.c) only reads and writes it.
 */
#include "virtio-blk.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "vmm/device.h"
#include "vmm/util.h"

int rv_blk_image_open(struct rv_blk_image *img, const struct rv_blk_spec *spec,
		      struct rv_device_env *env)
{
	const char *path = spec->path;
	int flags = (spec->ro ? O_RDONLY : O_RDWR) | O_CLOEXEC | (spec->direct ? O_DIRECT : 0);
	struct flock lk = { .l_type = spec->ro ? F_RDLCK : F_WRLCK, .l_whence = SEEK_SET };
	struct statfs sfs;
	struct stat st;
	uint64_t size;
	int ret;

	/*
	 * A live update: the previous process's open file, whose OFD lock
	 * (below) is that open file's and so still held: no moment where
	 * another process could take the image. Its mode must be the one
	 * this command line asks for; O_DIRECT is set to it.
	 */
	ret = rv_device_adopt_fds(env, &img->fd, 1);
	if (ret < 0)
		return ret;
	if (ret) {
		int fl = fcntl(img->fd, F_GETFL);

		if (fl < 0 || (fl & O_ACCMODE) != (flags & O_ACCMODE))
			return rv_err(-EINVAL, "--disk %s: the handed-over file is not open %s",
				      path, spec->ro ? "read-only" : "read-write");
		if ((fl & O_DIRECT) != (flags & O_DIRECT) &&
		    fcntl(img->fd, F_SETFL, (fl & ~O_DIRECT) | (flags & O_DIRECT)))
			return rv_err(-errno, "--disk %s: O_DIRECT on the handed-over file: %s",
				      path, strerror(errno));
		ret = 0;
	} else {
		/*
		 * Checked for what it is before an open that could block (a
		 * FIFO waits in open() for a writer): regular files and block
		 * devices only.
		 */
		ret = rv_path_open("--disk", path, flags, 0, RV_PATH_REG | RV_PATH_BLK, &img->fd);
	}
	if (ret == -EINVAL && spec->direct && !stat(path, &st) &&
	    (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)))
		return rv_err(ret, "--disk %s: %s (cache=none: the file system has no O_DIRECT)",
			      path, strerror(EINVAL));
	if (ret)
		return ret;
	if (fstat(img->fd, &st))
		return rv_err(-errno, "--disk %s: %s", path, strerror(errno));
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(img->fd, BLKGETSIZE64, &size))
			return rv_err(-errno, "--disk %s: BLKGETSIZE64: %s", path, strerror(errno));
	} else if (S_ISREG(st.st_mode)) {
		size = st.st_size;
	} else {
		return rv_err(-EINVAL, "--disk %s: %s, not a disk image or block device", path,
			      S_ISDIR(st.st_mode) ? "a directory" : "a special file");
	}
	if (fcntl(img->fd, F_OFD_SETLK, &lk))
		return rv_err(-errno, "--disk %s: %s (is another ringvmm using it?)", path,
			      errno == EAGAIN || errno == EACCES ? "locked by another process" :
								   strerror(errno));
	if (size % RV_BLK_SECTOR)
		rv_warn("--disk %s: the last %" PRIu64 " bytes are not a whole sector: unused",
			path, (uint64_t)(size % RV_BLK_SECTOR));
	img->geom.sectors = size / RV_BLK_SECTOR;
	/* A memory file system: writes inline (rv_blk_write_inline()). */
	if (S_ISREG(st.st_mode) && !spec->direct && !fstatfs(img->fd, &sfs))
		img->mem_fs = sfs.f_type == TMPFS_MAGIC || sfs.f_type == RAMFS_MAGIC;
	img->geom.ro = spec->ro;
	img->geom.align = spec->direct ? RV_BLK_DIRECT_ALIGN : 0;
	/* GET_ID: stable for the same file, what a guest's /dev/disk/by-id uses. */
	snprintf(img->serial, sizeof(img->serial), "rv%" PRIx64 "-%" PRIx64, (uint64_t)st.st_dev,
		 (uint64_t)st.st_ino);
	return 0;
}
