// SPDX-License-Identifier: GPL-2.0
/*
 * rvmem: copy between a file and physical memory through an mmap() of
 * /dev/mem, for the PFNMAP boot tests (scenarios.sh, l2-init.sh). Built
 * statically by lib.sh and shipped in both initramfs images.
 *
 * Why not dd: read() and write() on /dev/mem stop at the end of RAM on
 * x86 (valid_phys_addr_range() in drivers/char/mem.c checks against
 * high_memory), and a passthrough slot sits above it, in the MMIO hole.
 * mmap() has no such limit; CONFIG_STRICT_DEVMEM still allows ranges that
 * are not System RAM.
 *
 *   rvmem read ADDR LEN     LEN bytes at physical ADDR to stdout
 *   rvmem write ADDR FILE   FILE's bytes to physical ADDR, read back and
 *                           compared; prints "ok N" (exit 0) or where the
 *                           first difference is (exit 1)
 *
 * ADDR and LEN: decimal or 0x hex. Exit 2 for usage and system errors.
 *
 * It is also the boot tests' raw client of ringvmm's control socket (busybox
 * nc speaks no UNIX sockets), for what `ringvmm ctl` would never send:
 *
 *   rvmem sock PATH SECS [BYTES]   connect, send BYTES as they are (none:
 *                                  a silent client), hold the connection
 *                                  SECS seconds or until the server closes
 *                                  it; print what came back, then
 *                                  "closed-by-server" or "held"
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t number(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || !*s || *end) {
		fprintf(stderr, "rvmem: \"%s\" is not a number\n", s);
		exit(2);
	}
	return v;
}

/* Map [addr, addr + len) of physical memory; *base and *maplen for munmap(). */
static volatile uint8_t *map_phys(uint64_t addr, size_t len, void **base, size_t *maplen)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t start = addr & ~(uint64_t)(page - 1);
	int fd = open("/dev/mem", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		perror("rvmem: /dev/mem");
		exit(2);
	}
	*maplen = (addr - start) + len;
	*base = mmap(NULL, *maplen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)start);
	if (*base == MAP_FAILED) {
		fprintf(stderr, "rvmem: mmap /dev/mem at 0x%llx (%zu bytes): %s\n",
			(unsigned long long)start, *maplen, strerror(errno));
		exit(2);
	}
	close(fd);
	return (volatile uint8_t *)*base + (addr - start);
}

static int do_read(uint64_t addr, size_t len)
{
	uint8_t *buf = malloc(len ? len : 1);
	volatile uint8_t *p;
	size_t maplen;
	void *base;

	if (!buf)
		return 2;
	p = map_phys(addr, len, &base, &maplen);
	for (size_t i = 0; i < len; i++)
		buf[i] = p[i];
	if (fwrite(buf, 1, len, stdout) != len)
		return 2;
	munmap(base, maplen);
	free(buf);
	return 0;
}

static int do_write(uint64_t addr, const char *path)
{
	volatile uint8_t *p;
	uint8_t *buf;
	struct stat st;
	size_t maplen, len;
	void *base;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(path);
		return 2;
	}
	len = st.st_size;
	buf = malloc(len ? len : 1);
	if (!buf || read(fd, buf, len) != (ssize_t)len) {
		fprintf(stderr, "rvmem: cannot read %s\n", path);
		return 2;
	}
	close(fd);
	p = map_phys(addr, len, &base, &maplen);
	for (size_t i = 0; i < len; i++)
		p[i] = buf[i];
	for (size_t i = 0; i < len; i++) {
		if (p[i] != buf[i]) {
			printf("differs at +0x%zx: 0x%02x, wrote 0x%02x\n", i, p[i], buf[i]);
			return 1;
		}
	}
	printf("ok %zu\n", len);
	munmap(base, maplen);
	free(buf);
	return 0;
}

static int sock(const char *path, int secs, const char *bytes)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	char buf[512];

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror(path);
		return 2;
	}
	if (bytes && write(fd, bytes, strlen(bytes)) < 0)
		perror("write");
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, secs * 1000) != 1) {
			printf("held\n");
			return 0;
		}
		n = read(fd, buf, sizeof(buf));
		if (n <= 0) {
			printf("closed-by-server\n");
			return 0;
		}
		fwrite(buf, 1, (size_t)n, stdout);
	}
}

int main(int argc, char **argv)
{
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "sock"))
		return sock(argv[2], atoi(argv[3]), argc == 5 ? argv[4] : NULL);
	if (argc == 4 && !strcmp(argv[1], "read"))
		return do_read(number(argv[2]), number(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "write"))
		return do_write(number(argv[2]), argv[3]);
	fprintf(stderr,
		"usage: rvmem read ADDR LEN | rvmem write ADDR FILE | rvmem sock PATH SECS [BYTES]\n");
	return 2;
}
