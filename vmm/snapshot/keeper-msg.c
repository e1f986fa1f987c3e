// SPDX-License-Identifier: GPL-2.0
/*
 * The keeper's messages (keeper.h): sent, received and checked. The checks
 * run in the keeper, which is not sandboxed, on what a VMM child sent: the
 * child runs the guest's devices and may be compromised, so nothing it
 * sends is trusted (docs/threat-model.md, "The keeper").
 */
#include "keeper.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/util.h"

int rv_keeper_check_update(const struct rv_keeper_msg *m, size_t len, unsigned int nr_fds,
			   struct rv_update_fds *u)
{
	int named[RV_KEEPER_MAX_FDS];
	int n;

	if (len != sizeof(*m) || m->magic != RV_KEEPER_MAGIC || m->type != RV_KEEPER_UPDATE)
		return rv_err(-EPROTO, "keeper: not an update message (%zu bytes)", len);
	if (!nr_fds || m->nr_fds != nr_fds || nr_fds > RV_KEEPER_MAX_FDS || m->bin >= nr_fds)
		return rv_err(-EPROTO, "keeper: %u fds received, %u announced, binary #%u", nr_fds,
			      m->nr_fds, m->bin);
	if (!memchr(m->text, '\0', sizeof(m->text)))
		return rv_err(-EPROTO, "keeper: the spec is not terminated");
	if (rv_update_fds_parse(m->text, u))
		return rv_err_wrap(-EPROTO, "keeper");
	if (u->keeper != RV_KEEPER_FD)
		return rv_err(-EPROTO, "keeper: the spec names keeper=%d, not %d", u->keeper,
			      RV_KEEPER_FD);
	n = rv_update_fds_list(u, named, RV_KEEPER_MAX_FDS);
	if (n < 0 || (unsigned int)n != nr_fds - 1)
		return rv_err(-EPROTO,
			      "keeper: the spec names %d fds, %u were sent besides the binary", n,
			      nr_fds - 1);
	for (unsigned int i = 0; i < nr_fds; i++) {
		int32_t t = m->target[i];
		bool found = false;

		if (i == m->bin) {
			if (t != -1)
				return rv_err(-EPROTO, "keeper: the binary goes to fd %d", t);
			continue;
		}
		/* The spec parser bounds every number it names (3..RV_UPDATE_FD_MAX, no repeat). */
		for (int k = 0; k < n && !found; k++)
			found = named[k] == t;
		if (!found)
			return rv_err(-EPROTO,
				      "keeper: fd #%u goes to %d, which the spec does not name", i,
				      t);
		for (unsigned int k = 0; k < i; k++)
			if (k != m->bin && m->target[k] == t)
				return rv_err(-EPROTO, "keeper: two fds go to %d", t);
	}
	return 0;
}

int rv_keeper_check_binary(int fd)
{
	char magic[4];
	struct stat st;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fstat(fd, &st))
		return rv_err(-EPERM, "the new binary: %s", strerror(errno));
	if (!S_ISREG(st.st_mode) || !st.st_nlink)
		return rv_err(-EPERM, "the new binary is not a file with a name (a memfd, a "
				      "deleted file, a socket...)");
	/* O_PATH, or a descriptor the child could write the file through. */
	if ((fl & O_PATH) || (fl & O_ACCMODE) != O_RDONLY)
		return rv_err(-EPERM, "the new binary is not opened read-only");
	if (!(st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)))
		return rv_err(-EPERM, "the new binary is not executable");
	if (pread(fd, magic, sizeof(magic), 0) != (ssize_t)sizeof(magic) ||
	    memcmp(magic, "\177ELF", 4))
		return rv_err(-EPERM, "the new binary is not an ELF executable");
	return 0;
}

int rv_keeper_send(int sock, uint32_t type, const char *text)
{
	struct rv_keeper_msg m = { .magic = RV_KEEPER_MAGIC, .type = type };

	for (unsigned int i = 0; i < RV_KEEPER_MAX_FDS; i++)
		m.target[i] = -1;
	if (text)
		snprintf(m.text, sizeof(m.text), "%s", text);
	if (send(sock, &m, sizeof(m), MSG_NOSIGNAL) != (ssize_t)sizeof(m))
		return errno ? -errno : -EIO;
	return 0;
}

long rv_keeper_recv(int sock, struct rv_keeper_msg *m, int *fds, unsigned int *nr_fds)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * RV_KEEPER_MAX_FDS)];
	} c;
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = c.buf,
			     .msg_controllen = sizeof(c.buf) };
	bool bad = false;
	ssize_t n;

	*nr_fds = 0;
	memset(m, 0, sizeof(*m));
	n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h)) {
		size_t k;

		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS) {
			bad = true;
			continue;
		}
		k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(fd));
			if (*nr_fds < RV_KEEPER_MAX_FDS)
				fds[(*nr_fds)++] = fd;
			else
				close(fd);
		}
	}
	if (bad || (mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC))) {
		for (unsigned int i = 0; i < *nr_fds; i++)
			close(fds[i]);
		*nr_fds = 0;
		return -EPROTO;
	}
	return n;
}

int rv_keeper_update(int bin_fd, const int *fds, unsigned int nr_fds, const char *spec, char *why,
		     size_t why_size)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * RV_KEEPER_MAX_FDS)];
	} c;
	struct rv_keeper_msg m = { .magic = RV_KEEPER_MAGIC, .type = RV_KEEPER_UPDATE };
	struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf };
	int all[RV_KEEPER_MAX_FDS];
	unsigned int n = 0, got;
	long len;

	if (nr_fds + 1 > RV_KEEPER_MAX_FDS || strlen(spec) >= sizeof(m.text))
		return rv_err(-ENOSPC, "%u fds, more than the keeper takes", nr_fds);
	for (unsigned int i = 0; i < RV_KEEPER_MAX_FDS; i++)
		m.target[i] = -1;
	for (; n < nr_fds; n++) {
		all[n] = fds[n];
		m.target[n] = fds[n];
	}
	m.bin = n;
	all[n++] = bin_fd;
	m.nr_fds = n;
	snprintf(m.text, sizeof(m.text), "%s", spec);
	memset(c.buf, 0, sizeof(c.buf));
	mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
	c.h.cmsg_level = SOL_SOCKET;
	c.h.cmsg_type = SCM_RIGHTS;
	c.h.cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(&c.h), all, sizeof(int) * n);
	if (sendmsg(RV_KEEPER_FD, &mh, MSG_NOSIGNAL) != (ssize_t)sizeof(m))
		return rv_err(-errno, "the fds to the keeper: %s", strerror(errno));
	/*
	 * The verdict. This thread (the loop) waits here with every vCPU
	 * parked: nothing here touches a device or guest memory meanwhile.
	 */
	do
		len = rv_keeper_recv(RV_KEEPER_FD, &m, all, &got);
	while (len == -EINTR);
	for (unsigned int i = 0; i < got; i++)
		close(all[i]);
	if (len == (long)sizeof(m) && m.magic == RV_KEEPER_MAGIC && m.type == RV_KEEPER_EXIT)
		_exit(0);
	m.text[sizeof(m.text) - 1] = '\0';
	if (len == (long)sizeof(m) && m.magic == RV_KEEPER_MAGIC && m.type == RV_KEEPER_RESUME)
		snprintf(why, why_size, "%s", m.text);
	else
		snprintf(why, why_size, "the keeper process did not answer (%s)",
			 len < 0 ? strerror((int)-len) : "it closed its end");
	return -EAGAIN;
}
