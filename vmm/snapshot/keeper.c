// SPDX-License-Identifier: GPL-2.0
/*
 * The keeper process (keeper.h, docs/live-update.md).
 *
 * WHY IT IS NOT SANDBOXED. Its one job is to exec a new ringvmm for a live
 * update, and seccomp filters survive execve(2): a sandboxed process could
 * never start a binary that must open /dev/kvm, make a VM and threads. So
 * the keeper stays outside the sandbox and does as little as possible: it
 * holds the pid the user started, forwards SIGINT, SIGTERM and SIGHUP to
 * its current VMM child, exits with that child's status, and puts the
 * terminal's mode back at the end. It never reads stdin, parses no JSON,
 * opens no path, maps nothing, and runs no guest.
 *
 * WHAT IT TRUSTS. Its argv and environment (the user's), and nothing a
 * child says: each message is checked (keeper-msg.c) for its size, kind,
 * the number of fds with it, and a spec that names exactly the fds sent.
 * The fds themselves are passed on unread, except the binary, which must
 * be a named, read-only, executable ELF file (rv_keeper_check_binary()).
 * What a compromised child can still make it do is in
 * docs/threat-model.md ("The keeper").
 */
#include "keeper.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "vmm/util.h"

extern char **environ;

struct rv_keeper_child {
	pid_t pid; /* 0: none */
	int sock;  /* the keeper's end */
};

struct rv_keeper {
	char *const *argv;
	sigset_t old_mask;
	struct rv_keeper_child cur, next; /* next: an update's new child */
	uint64_t deadline_ns;		  /* next's time to take over */
	char why[RV_KEEPER_TEXT_MAX];	  /* next's FAILED reason */
	int cur_status;			  /* -1 while cur lives */
	bool next_took_over;		  /* next said TOOK_OVER */
	int pending_sig;		  /* forwarded to cur during an update, owed to next */
};

/* A child's end of a new socketpair to RV_KEEPER_FD, signals as they were. */
static void rv_keeper_child_setup(struct rv_keeper *k, pid_t keeper, int sock)
{
	/* A keeper killed (SIGKILL) takes the VM with it, as ringvmm did before. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != keeper)
		_exit(127);
	if (dup2(sock, RV_KEEPER_FD) < 0)
		_exit(127);
	sigprocmask(SIG_SETMASK, &k->old_mask, NULL);
}

static int rv_keeper_pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return rv_err(-errno, "keeper: socketpair: %s", strerror(errno));
	/* The keeper's end: it reads what is there, and never waits on a child. */
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK)) {
		close(sv[0]);
		close(sv[1]);
		return rv_err(-errno, "keeper: O_NONBLOCK: %s", strerror(errno));
	}
	return 0;
}

/*
 * The new child: the fds the old one sent, each to the number the spec
 * gives it, the socket to RV_KEEPER_FD, and exec. Moved above every target
 * first, so that no dup2() lands on an fd still to be moved.
 */
static void rv_keeper_exec(struct rv_keeper *k, pid_t keeper, const struct rv_keeper_msg *m,
			   int *fds, unsigned int nr, int sock, char **argv)
{
	int base = RV_KEEPER_FD + 1;

	for (unsigned int i = 0; i < nr; i++)
		if (m->target[i] >= base)
			base = m->target[i] + 1;
	for (unsigned int i = 0; i < nr; i++)
		if ((fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, base)) < 0)
			_exit(127);
	if ((sock = fcntl(sock, F_DUPFD_CLOEXEC, base)) < 0)
		_exit(127);
	rv_keeper_child_setup(k, keeper, sock);
	for (unsigned int i = 0; i < nr; i++)
		if (i != m->bin && dup2(fds[i], m->target[i]) < 0)
			_exit(127);
	execveat(fds[m->bin], "", argv, environ, AT_EMPTY_PATH);
	_exit(127);
}

/* An UPDATE from the current child: checked, then a new child started. */
static int rv_keeper_start_update(struct rv_keeper *k, const struct rv_keeper_msg *m, size_t len,
				  int *fds, unsigned int nr)
{
	struct rv_update_fds u;
	char **argv = NULL;
	int sv[2], ret;
	pid_t keeper = getpid(), pid;

	ret = rv_keeper_check_update(m, len, nr, &u);
	if (!ret)
		ret = rv_keeper_check_binary(fds[m->bin]);
	if (!ret)
		ret = rv_keeper_pair(sv);
	if (ret)
		return ret;
	argv = rv_update_argv(k->argv, m->text);
	pid = argv ? fork() : -1;
	if (pid == 0) {
		close(sv[0]);
		rv_keeper_exec(k, keeper, m, fds, nr, sv[1], argv);
	}
	ret = pid < 0 ? rv_err(-errno, "keeper: fork: %s", strerror(errno)) : 0;
	rv_update_free_argv(argv);
	close(sv[1]);
	if (ret) {
		close(sv[0]);
		return ret;
	}
	k->next = (struct rv_keeper_child){ .pid = pid, .sock = sv[0] };
	k->deadline_ns = rv_now_ns() + RV_KEEPER_TAKEOVER_MS * 1000000ull;
	k->why[0] = '\0';
	k->next_took_over = false;
	return 0;
}

static void rv_keeper_on_cur(struct rv_keeper *k)
{
	struct rv_keeper_msg m;
	int fds[RV_KEEPER_MAX_FDS];
	unsigned int nr;
	long len = rv_keeper_recv(k->cur.sock, &m, fds, &nr);
	int ret;

	if (len == -EAGAIN)
		return;
	if (len == 0 || (len < 0 && len != -EPROTO)) {
		/* It closed its end: it is ending; its exit status comes by SIGCHLD. */
		close(k->cur.sock);
		k->cur.sock = -1;
		return;
	}
	/* Whatever it was, the child waits for an answer with its guest paused. */
	rv_err_clear();
	if (len < 0)
		ret = rv_err(-EPROTO, "keeper: a message with a truncated or foreign control part");
	else if (k->next.pid)
		ret = rv_err(-EBUSY, "keeper: an update is under way");
	else
		ret = rv_keeper_start_update(k, &m, (size_t)len, fds, nr);
	if (ret)
		rv_keeper_send(k->cur.sock, RV_KEEPER_RESUME, rv_err_msg());
	/* Passed on to the new child (it has its copies), or refused. */
	for (unsigned int i = 0; i < nr; i++)
		close(fds[i]);
}

/* The new child took over: the old one goes, the new one is current. */
static void rv_keeper_took_over(struct rv_keeper *k)
{
	if (k->cur.sock >= 0) {
		rv_keeper_send(k->cur.sock, RV_KEEPER_EXIT, NULL);
		close(k->cur.sock);
	}
	k->cur = k->next;
	k->next.pid = 0;
	k->next_took_over = false;
	k->cur_status = -1;
	if (k->pending_sig)
		kill(k->cur.pid, k->pending_sig);
	k->pending_sig = 0;
}

/*
 * One message from the new child: a FAILED reason kept, TOOK_OVER noted.
 * The length read, 0 at EOF, -EAGAIN when there is none (non-blocking).
 */
static long rv_keeper_read_next(struct rv_keeper *k)
{
	struct rv_keeper_msg m;
	int fds[RV_KEEPER_MAX_FDS];
	unsigned int nr;
	long len = rv_keeper_recv(k->next.sock, &m, fds, &nr);

	for (unsigned int i = 0; i < nr; i++)
		close(fds[i]);
	if (len != (long)sizeof(m) || m.magic != RV_KEEPER_MAGIC)
		return len;
	m.text[sizeof(m.text) - 1] = '\0';
	if (m.type == RV_KEEPER_TOOK_OVER)
		k->next_took_over = true;
	else if (m.type == RV_KEEPER_FAILED)
		snprintf(k->why, sizeof(k->why), "%s", m.text);
	return len;
}

static void rv_keeper_on_next(struct rv_keeper *k)
{
	long len = rv_keeper_read_next(k);

	/* Gone or garbling: it does not take over; its exit follows (not reaped yet). */
	if (len == 0 || (len < 0 && len != -EAGAIN))
		kill(k->next.pid, SIGKILL);
	else if (k->next_took_over)
		rv_keeper_took_over(k);
}

/* The new child ended before it took over: the old one resumes. */
static void rv_keeper_fall_back(struct rv_keeper *k, int status)
{
	char why[RV_KEEPER_TEXT_MAX + 64];

	if (k->why[0])
		snprintf(why, sizeof(why), "%s", k->why);
	else if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "it was killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(why, sizeof(why), "it exited with status %d at start-up",
			 WEXITSTATUS(status));
	close(k->next.sock);
	k->next.pid = 0;
	if (k->cur.sock >= 0)
		rv_keeper_send(k->cur.sock, RV_KEEPER_RESUME, why);
	/* The signal reached the old child, which goes on. */
	k->pending_sig = 0;
}

static int rv_keeper_status(int status)
{
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* Children that ended. Returns true when the keeper is done. */
static bool rv_keeper_reap(struct rv_keeper *k)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == k->cur.pid) {
			k->cur_status = rv_keeper_status(status);
		} else if (pid == k->next.pid) {
			/* What it said before it ended: why, or even that it took over. */
			while (rv_keeper_read_next(k) > 0)
				;
			if (k->next_took_over) {
				/* Reaped: its pid may be another process's now. */
				k->pending_sig = 0;
				rv_keeper_took_over(k);
				k->cur_status = rv_keeper_status(status);
			} else {
				rv_keeper_fall_back(k, status);
			}
		}
		/* Else an old child that left after EXIT. */
	}
	return k->cur_status >= 0 && !k->next.pid;
}

static bool rv_keeper_on_signal(struct rv_keeper *k, int sfd)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			continue;
		if (k->cur_status < 0)
			kill(k->cur.pid, (int)si.ssi_signo);
		if (k->next.pid)
			k->pending_sig = (int)si.ssi_signo;
	}
	return rv_keeper_reap(k);
}

static int rv_keeper_loop(struct rv_keeper *k, int sfd)
{
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = k->cur.sock, .events = POLLIN },
			{ .fd = k->next.pid ? k->next.sock : -1, .events = POLLIN },
		};
		int timeout = -1;

		if (k->next.pid) {
			uint64_t now = rv_now_ns();

			if (now >= k->deadline_ns) {
				snprintf(k->why, sizeof(k->why), "it did not take over within %d s",
					 RV_KEEPER_TAKEOVER_MS / 1000);
				kill(k->next.pid, SIGKILL);
				k->deadline_ns = UINT64_MAX;
			} else {
				timeout = (int)((k->deadline_ns - now) / 1000000 + 1);
			}
		}
		if (poll(p, 3, timeout) < 0 && errno != EINTR)
			return 1;
		if ((p[0].revents & POLLIN) && rv_keeper_on_signal(k, sfd))
			return k->cur_status;
		if (p[1].revents && k->cur_status < 0)
			rv_keeper_on_cur(k);
		else if (p[1].revents && k->cur.sock >= 0) {
			close(k->cur.sock);
			k->cur.sock = -1;
		}
		if (p[2].revents && k->next.pid)
			rv_keeper_on_next(k);
	}
}

int rv_keeper_run(char *const argv[])
{
	struct rv_keeper k = { .argv = argv, .cur_status = -1 };
	struct termios tio, now;
	bool tty = isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &tio);
	sigset_t set;
	int sv[2], sfd, ret, status;
	pid_t keeper = getpid(), pid;

	/* The fixed number must be free: an inherited fd there would be lost. */
	if (fcntl(RV_KEEPER_FD, F_GETFD) >= 0)
		return rv_err(-EBUSY, "keeper: fd %d is already open", RV_KEEPER_FD);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	ret = rv_keeper_pair(sv);
	if (ret)
		return ret;
	sigprocmask(SIG_BLOCK, &set, &k.old_mask);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		rv_keeper_child_setup(&k, keeper, sv[1]);
		fcntl(RV_KEEPER_FD, F_SETFD, FD_CLOEXEC);
		if (sv[1] != RV_KEEPER_FD)
			close(sv[1]);
		return 0;
	}
	close(sv[1]);
	sfd = pid > 0 ? signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK) : -1;
	if (sfd < 0) {
		ret = rv_err(-errno, "keeper: %s: %s", pid < 0 ? "fork" : "signalfd",
			     strerror(errno));
		if (pid > 0)
			kill(pid, SIGKILL);
		sigprocmask(SIG_SETMASK, &k.old_mask, NULL);
		close(sv[0]);
		return ret;
	}
	k.cur = (struct rv_keeper_child){ .pid = pid, .sock = sv[0] };
	status = rv_keeper_loop(&k, sfd);
	/* The last child's console may have left raw mode behind (an update's records it). */
	if (tty && !tcgetattr(STDIN_FILENO, &now) && memcmp(&now, &tio, sizeof(now)))
		tcsetattr(STDIN_FILENO, TCSADRAIN, &tio);
	_exit(status);
}
