// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the control socket (vmm/api/server.c) on a real io_uring
 * loop in a thread, with a fake command handler, no KVM. The socket is
 * created mode 0600 and removed at close; a stale one is replaced, a
 * regular file is not; requests get their handler's reply, garbage an
 * error reply on a connection that stays usable; a line over
 * RV_API_LINE_MAX gets an error and the close; a silent client is closed
 * after the idle time while another is served; a ninth client is turned
 * away and its slot comes back when one leaves; a client that floods
 * without reading its replies is closed, not waited for.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/api/server.h"
#include "vmm/util.h"

struct fx {
	char dir[64], path[96];
	struct rv_loop loop;
	struct rv_api_server srv;
	pthread_t thread;
	unsigned int calls; /* loop thread only, read after the join */
};

static int fake_handle(void *opaque, const struct rv_api_req *req, struct json_object *reply)
{
	struct fx *fx = opaque;

	fx->calls++;
	if (req->cmd == RV_API_RESUME)
		return rv_err(-EAGAIN, "not paused, says the fake");
	json_object_object_add(reply, "cmd", json_object_new_string(rv_api_cmd_name(req->cmd)));
	return 0;
}

static void *loop_thread(void *arg)
{
	struct fx *fx = arg;

	rv_loop_run(&fx->loop);
	return NULL;
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	strcpy(fx->dir, "/tmp/rv-api-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/api.sock", fx->dir);
	assert_int_equal(rv_loop_init(&fx->loop, 64), 0);
	*state = fx;
	return 0;
}

static void start(struct fx *fx, unsigned int idle_ms)
{
	assert_int_equal(rv_api_open(&fx->srv, "--api", fx->path), 0);
	fx->srv.idle_ms = idle_ms;
	assert_int_equal(rv_api_start(&fx->srv, &fx->loop, fake_handle, fx), 0);
	assert_int_equal(pthread_create(&fx->thread, NULL, loop_thread, fx), 0);
}

static void stop(struct fx *fx)
{
	rv_loop_stop(&fx->loop);
	pthread_join(fx->thread, NULL);
	rv_api_close(&fx->srv);
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	rv_loop_destroy(&fx->loop);
	unlink(fx->path);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static int client(const struct fx *fx)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(sa.sun_path, fx->path);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* One reply line within @ms, "" at EOF; fails the test on a timeout. */
static void read_line(int fd, char *buf, size_t size, int ms)
{
	size_t len = 0;

	while (len < size - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, ms) != 1)
			fail_msg("no reply within %d ms", ms);
		n = read(fd, buf + len, 1);
		if (n <= 0)
			break;
		len++;
		if (buf[len - 1] == '\n')
			break;
	}
	buf[len] = '\0';
}

static void request(int fd, const char *line, char *reply, size_t size)
{
	assert_int_equal(rv_write_all(fd, line, strlen(line)), 0);
	read_line(fd, reply, size, 5000);
}

static bool closed_within(int fd, int ms)
{
	char c;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	/* Replies already queued are read first. */
	for (;;) {
		if (poll(&p, 1, ms) != 1)
			return false;
		if (read(fd, &c, 1) <= 0)
			return true;
	}
}

static void test_socket_file(void **state)
{
	struct fx *fx = *state;
	struct rv_api_server other;
	struct stat st;
	int fd;

	start(fx, RV_API_IDLE_MS);
	assert_int_equal(lstat(fx->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	/* In use: a second server on the path is refused. */
	rv_err_clear();
	assert_int_equal(rv_api_open(&other, "--api", fx->path), -EEXIST);
	assert_non_null(strstr(rv_err_msg(), "in use"));
	rv_err_clear();
	stop(fx);
	assert_int_equal(lstat(fx->path, &st), -1);

	/* A stale socket (bound, nobody listening) is replaced. */
	start(fx, RV_API_IDLE_MS);
	fx->srv.keep_path = true;
	stop(fx);
	assert_int_equal(lstat(fx->path, &st), 0);
	assert_int_equal(rv_api_open(&other, "--api", fx->path), 0);
	rv_api_close(&other);

	/* A regular file is never removed. */
	fd = open(fx->path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(rv_api_open(&other, "--api", fx->path), -EEXIST);
	assert_non_null(strstr(rv_err_msg(), "not a socket"));
	rv_err_clear();
	unlink(fx->path);
}

static void test_requests(void **state)
{
	struct fx *fx = *state;
	char reply[512];
	int fd;

	start(fx, RV_API_IDLE_MS);
	fd = client(fx);
	request(fd, "{\"cmd\":\"stats\"}\n", reply, sizeof(reply));
	assert_string_equal(reply, "{\"ok\":true,\"cmd\":\"stats\"}\n");
	/* Garbage: an error, and the connection still serves. */
	request(fd, "}{ garbage\n", reply, sizeof(reply));
	assert_non_null(strstr(reply, "{\"ok\":false,\"error\":\"malformed JSON"));
	request(fd, "{\"cmd\":\"fly\"}\n", reply, sizeof(reply));
	assert_non_null(strstr(reply, "unknown command \\\"fly\\\""));
	/* The handler's error, prefixed with the command. */
	request(fd, "{\"cmd\":\"resume\"}\n", reply, sizeof(reply));
	assert_string_equal(reply,
			    "{\"ok\":false,\"error\":\"resume: not paused, says the fake\"}\n");
	/* Two requests in one write: two replies, in order. */
	request(fd, "{\"cmd\":\"pause\"}\n{\"cmd\":\"stop\"}\n", reply, sizeof(reply));
	assert_non_null(strstr(reply, "\"pause\""));
	read_line(fd, reply, sizeof(reply), 5000);
	assert_non_null(strstr(reply, "\"stop\""));
	close(fd);
	stop(fx);
	/* Only parsed requests reach the handler. */
	assert_int_equal(fx->calls, 4);
	assert_int_equal(fx->srv.requests, 6);
}

static void test_huge_line(void **state)
{
	struct fx *fx = *state;
	size_t n = RV_API_LINE_MAX * 4;
	char *big = malloc(n), reply[256];
	int fd;

	start(fx, RV_API_IDLE_MS);
	fd = client(fx);
	memset(big, 'x', n);
	/* The server stops reading at the bound: the rest may not be taken. */
	(void)send(fd, big, n, MSG_DONTWAIT);
	read_line(fd, reply, sizeof(reply), 5000);
	assert_non_null(strstr(reply, "\"ok\":false"));
	assert_non_null(strstr(reply, "longer than"));
	assert_true(closed_within(fd, 5000));
	close(fd);
	free(big);
	stop(fx);
	assert_int_equal(fx->calls, 0);
}

static void test_silent_client(void **state)
{
	struct fx *fx = *state;
	uint64_t t0 = rv_now_ns();
	char reply[256];
	int silent, fd;

	start(fx, 300);
	silent = client(fx);
	/* A half request, then nothing. */
	assert_int_equal(rv_write_all(silent, "{\"cmd\":", 7), 0);
	fd = client(fx);
	request(fd, "{\"cmd\":\"stats\"}\n", reply, sizeof(reply));
	assert_non_null(strstr(reply, "\"ok\":true"));
	close(fd);
	assert_true(closed_within(silent, 3000));
	/* Not before the idle time. */
	assert_true(rv_now_ns() - t0 >= 300 * 1000000ULL);
	close(silent);
	stop(fx);
}

static void test_too_many_clients(void **state)
{
	struct fx *fx = *state;
	int fds[RV_API_MAX_CLIENTS], extra;
	char reply[256];

	start(fx, RV_API_IDLE_MS);
	for (unsigned int i = 0; i < RV_API_MAX_CLIENTS; i++) {
		fds[i] = client(fx);
		/* Each one served: its slot is taken before the next connects. */
		request(fds[i], "{\"cmd\":\"stats\"}\n", reply, sizeof(reply));
		assert_non_null(strstr(reply, "\"ok\":true"));
	}
	extra = client(fx);
	read_line(extra, reply, sizeof(reply), 5000);
	assert_non_null(strstr(reply, "too many control connections"));
	assert_true(closed_within(extra, 5000));
	close(extra);
	/* One leaves: its slot comes back. */
	close(fds[0]);
	for (int tries = 0;; tries++) {
		extra = client(fx);
		assert_int_equal(rv_write_all(extra, "{\"cmd\":\"pause\"}\n", 16), 0);
		read_line(extra, reply, sizeof(reply), 5000);
		if (strstr(reply, "\"ok\":true"))
			break;
		close(extra);
		assert_true(tries < 50);
		usleep(20000);
	}
	close(extra);
	for (unsigned int i = 1; i < RV_API_MAX_CLIENTS; i++)
		close(fds[i]);
	stop(fx);
	assert_true(fx->srv.refused >= 1);
}

static void test_flood_without_reading(void **state)
{
	struct fx *fx = *state;
	static const char req[] = "{\"cmd\":\"stats\"}\n";
	char reply[256];
	int flood, fd, sz = 4096;
	size_t sent = 0;
	uint64_t t0;

	start(fx, RV_API_IDLE_MS);
	flood = client(fx);
	/* A small receive buffer: the replies back up quickly. */
	setsockopt(flood, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	t0 = rv_now_ns();
	while (rv_now_ns() - t0 < 3000000000ULL) {
		ssize_t n = send(flood, req, sizeof(req) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EAGAIN) {
			usleep(1000);
			continue;
		}
		if (n < 0)
			break; /* closed by the server */
		sent += (size_t)n;
	}
	/* Closed, while it never read a reply. */
	assert_true(sent > 0);
	assert_true(rv_now_ns() - t0 < 3000000000ULL);
	/* And the server still serves others. */
	fd = client(fx);
	request(fd, req, reply, sizeof(reply));
	assert_non_null(strstr(reply, "\"ok\":true"));
	close(fd);
	close(flood);
	stop(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_socket_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_client, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_without_reading, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
