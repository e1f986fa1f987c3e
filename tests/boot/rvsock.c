// SPDX-License-Identifier: GPL-2.0
/*
 * rvsock: both ends of the vsock boot test (tests/boot/scenarios.sh,
 * l2-init.sh), built statically into both initramfs images as rvmem is.
 *
 *   rvsock vsock-echo PORT            L2: accept one AF_VSOCK connection on
 *                                     PORT, echo it until EOF
 *   rvsock vsock-send CID PORT BYTES  L2: connect to CID:PORT, send BYTES of
 *                                     a fixed pattern, read them back
 *   rvsock unix-echo PATH             L1: the same echo on a UNIX listener
 *   rvsock unix-send PATH PORT BYTES  L1: connect to PATH, "CONNECT PORT\n",
 *                                     expect "OK <n>\n", then as vsock-send
 *
 * The senders write and read at once (poll), so an echo larger than all
 * the buffers on the way cannot deadlock, and end with one line:
 * "rvsock ok sent=N echoed=N" or "rvsock FAIL <why>" (exit 1).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
struct rv_sockaddr_vm {
	unsigned short svm_family;
	unsigned short svm_reserved1;
	unsigned int svm_port;
	unsigned int svm_cid;
	unsigned char svm_zero[4];
};

static int fail(const char *what)
{
	printf("rvsock FAIL %s: %s\n", what, strerror(errno));
	fflush(stdout);
	return 1;
}

/* Byte @i of the pattern: not periodic at any buffer size that matters. */
static uint8_t pat(uint64_t i)
{
	uint64_t x = i * 0x9e3779b97f4a7c15ULL;

	return (uint8_t)(x >> 56 ^ i >> 12);
}

static int echo(int lfd)
{
	char buf[65536];
	int fd = accept(lfd, NULL, NULL);
	ssize_t n;

	if (fd < 0)
		return fail("accept");
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, n - off);

			if (w <= 0)
				return fail("echo write");
			off += w;
		}
	}
	if (n < 0)
		return fail("echo read");
	close(fd);
	printf("rvsock echo done\n");
	return 0;
}

/* Send @total pattern bytes on @fd and check that the same come back. */
static int send_check(int fd, uint64_t total)
{
	uint64_t sent = 0, got = 0;
	uint8_t buf[32768];

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while (got < total) {
		struct pollfd p = { .fd = fd, .events = POLLIN | (sent < total ? POLLOUT : 0) };

		if (poll(&p, 1, 20000) <= 0)
			return fail("poll (20 s without progress)");
		if ((p.revents & POLLOUT) && sent < total) {
			size_t n = total - sent < sizeof(buf) ? total - sent : sizeof(buf);
			ssize_t w;

			for (size_t i = 0; i < n; i++)
				buf[i] = pat(sent + i);
			w = write(fd, buf, n);
			if (w < 0 && errno != EAGAIN)
				return fail("write");
			if (w > 0)
				sent += w;
			if (sent == total)
				shutdown(fd, SHUT_WR);
		}
		if (p.revents & (POLLIN | POLLHUP)) {
			ssize_t r = read(fd, buf, sizeof(buf));

			if (r < 0 && errno == EAGAIN)
				continue;
			if (r <= 0) {
				printf("rvsock FAIL EOF after %llu of %llu echoed bytes\n",
				       (unsigned long long)got, (unsigned long long)total);
				return 1;
			}
			for (ssize_t i = 0; i < r; i++)
				if (buf[i] != pat(got + i)) {
					printf("rvsock FAIL byte %llu differs\n",
					       (unsigned long long)(got + i));
					return 1;
				}
			got += r;
		}
	}
	printf("rvsock ok sent=%llu echoed=%llu\n", (unsigned long long)sent,
	       (unsigned long long)got);
	return 0;
}

/* "CONNECT PORT\n", then "OK <n>\n" read byte by byte (no more). */
static int unix_handshake(int fd, const char *port)
{
	char line[64];
	size_t n = 0;

	snprintf(line, sizeof(line), "CONNECT %s\n", port);
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		return fail("write CONNECT");
	while (n < sizeof(line) - 1) {
		if (read(fd, line + n, 1) != 1)
			return fail("read OK line");
		if (line[n++] == '\n')
			break;
	}
	line[n] = '\0';
	if (strncmp(line, "OK ", 3)) {
		printf("rvsock FAIL handshake answer \"%s\"\n", line);
		return 1;
	}
	printf("rvsock handshake %s", line);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un su = { .sun_family = AF_UNIX };
	struct rv_sockaddr_vm sv = { .svm_family = AF_VSOCK };
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "vsock-echo")) {
		sv.svm_cid = -1U; /* VMADDR_CID_ANY */
		sv.svm_port = strtoul(argv[2], NULL, 0);
		fd = socket(AF_VSOCK, SOCK_STREAM, 0);
		if (fd < 0 || bind(fd, (void *)&sv, sizeof(sv)) || listen(fd, 1))
			return fail("vsock listen");
		printf("rvsock listening\n");
		return echo(fd);
	}
	if (argc == 5 && !strcmp(argv[1], "vsock-send")) {
		sv.svm_cid = strtoul(argv[2], NULL, 0);
		sv.svm_port = strtoul(argv[3], NULL, 0);
		fd = socket(AF_VSOCK, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (void *)&sv, sizeof(sv)))
			return fail("vsock connect");
		return send_check(fd, strtoull(argv[4], NULL, 0));
	}
	if (argc == 3 && !strcmp(argv[1], "unix-echo")) {
		snprintf(su.sun_path, sizeof(su.sun_path), "%s", argv[2]);
		unlink(su.sun_path);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || bind(fd, (void *)&su, sizeof(su)) || listen(fd, 1))
			return fail("unix listen");
		printf("rvsock listening\n");
		return echo(fd);
	}
	if (argc == 5 && !strcmp(argv[1], "unix-send")) {
		snprintf(su.sun_path, sizeof(su.sun_path), "%s", argv[2]);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (void *)&su, sizeof(su)))
			return fail("unix connect");
		if (unix_handshake(fd, argv[3]))
			return 1;
		return send_check(fd, strtoull(argv[4], NULL, 0));
	}
	fprintf(stderr, "usage: rvsock vsock-echo PORT | vsock-send CID PORT BYTES |\n"
			"       unix-echo PATH | unix-send PATH PORT BYTES\n");
	return 2;
}
