/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-vsock, `--vsock cid=N,uds=PATH`, in Firecracker's "hybrid" style:
 * no vhost, the host side is UNIX stream sockets.
 *
 *   guest connect(CID 2, port P)  ->  connect(PATH_P)    (a host listener)
 *   host connect(PATH), "CONNECT P\n" -> guest listener on port P,
 *                                     "OK <host port>\n" once it accepted
 *
 * Two files: virtio-vsock.c speaks the virtio side (the queues, the
 * packets, the credit), vsock-host.c the UNIX side (the listener, the
 * connections' sockets, all non-blocking and polled through one epoll fd
 * that the io_uring event loop watches). Everything runs on the loop
 * thread under the transport's lock, except a driver reset, which drops
 * every connection from the vCPU thread under the same lock.
 *
 * Bounds, each with who controls it: RV_VSOCK_MAX_CONNS connections at
 * once (guest requests and host clients alike: one more is refused, unless
 * a handshake has been stuck for RV_VSOCK_HANDSHAKE_NS: it gives way);
 * RV_VSOCK_BUF_ALLOC bytes buffered per connection from the guest (its
 * credit: a guest that sends more is reset); nothing buffered towards the
 * guest (the socket is read straight into the guest's receive buffer, and
 * only while the guest gives credit); RV_VSOCK_MAX_RST resets waiting for
 * a receive buffer (more are dropped, and counted).
 */
#ifndef RV_VIRTIO_VSOCK_H
#define RV_VIRTIO_VSOCK_H

#include "devices/virtio/transport.h"
#include "devices/vsock-proto.h"

#define RV_VSOCK_MAX_CONNS 64
/*
 * A connection still in its handshake after this long (a host client that
 * never finishes its CONNECT line, a guest that never answers a REQUEST)
 * gives its slot up when all 64 are taken and another one is wanted.
 */
#define RV_VSOCK_HANDSHAKE_NS (5ULL * 1000000000ULL)
#define RV_VSOCK_MAX_RST 64
/* Host ports of host-initiated connections: from 2^30 up, as Firecracker does. */
#define RV_VSOCK_HOST_PORT_BASE (1u << 30)

#define RV_VSOCK_RXQ 0
#define RV_VSOCK_TXQ 1
#define RV_VSOCK_EVQ 2

enum rv_vsock_state {
	RV_VC_FREE = 0,
	RV_VC_HANDSHAKE,  /* a host client: waiting for its CONNECT line */
	RV_VC_CONNECTING, /* REQUEST for the guest, waiting for its RESPONSE */
	RV_VC_ESTABLISHED,
};

/* Control packets a connection owes the guest (rv_vsock_conn.owe). */
#define RV_VC_OWE_REQUEST (1u << 0)
#define RV_VC_OWE_RESPONSE (1u << 1)
#define RV_VC_OWE_CREDIT (1u << 2) /* CREDIT_UPDATE */

struct rv_vsock_conn {
	enum rv_vsock_state state;
	uint32_t gen; /* bumped at each reuse: stale epoll events are ignored */
	uint64_t born_ns;
	int fd;
	uint32_t guest_port, host_port;
	unsigned int owe;
	uint32_t ep_events; /* what epoll watches now (0: not registered) */

	/* Guest to host: the ring the guest's credit bounds. */
	struct rv_vsock_ring ring;
	uint32_t fwd_cnt;      /* bytes of the guest's written to the socket */
	uint32_t fwd_cnt_told; /* fwd_cnt in the last packet to the guest */
	bool out_blocked;      /* the socket said EAGAIN: wait for EPOLLOUT */
	bool guest_shut_send, guest_shut_rcv;
	bool host_shut_wr; /* shutdown(SHUT_WR) done after the guest's SEND */

	/* Host to guest: the guest's credit, from its last header. */
	uint32_t peer_buf_alloc, peer_fwd_cnt;
	uint32_t tx_cnt;   /* payload bytes sent to the guest */
	bool readable;	   /* EPOLLIN seen and not read dry yet */
	bool host_eof;	   /* the socket read 0 */
	bool asked_credit; /* CREDIT_REQUEST sent, no update since */
};

struct rv_vsock_stats {
	uint64_t tx_pkts, rx_pkts, tx_bytes, rx_bytes;
	uint64_t bad[RV_VSOCK_E_NR];
	uint64_t conns_guest, conns_host, refused, credit_violations, expired;
	uint64_t rst_sent, rst_dropped, rx_starved, bad_rx_buffers, events;
};

struct rv_vsock {
	struct rv_device dev;
	struct rv_virtio t;
	struct virtio_vsock_config config;
	uint64_t cid;
	char path[RV_VSOCK_PATH_MAX + 1];

	int listen_fd, ep_fd;
	struct rv_loop_watch ep_watch;
	struct rv_vsock_conn conns[RV_VSOCK_MAX_CONNS];
	unsigned int rr; /* round robin over connections when sending */
	uint32_t next_port;

	/* Resets owed to the guest for connections that are gone. */
	struct {
		uint32_t guest_port, host_port;
	} rst[RV_VSOCK_MAX_RST];
	unsigned int rst_head, rst_len;

	/* A receive chain popped and not used yet (no packet was ready). */
	struct rv_vq_chain rxc;
	bool rxc_held;
	struct rv_vq_chain txc;
	bool event_owed;       /* VIRTIO_VSOCK_EVENT_TRANSPORT_RESET */
	uint64_t handshake_ns; /* RV_VSOCK_HANDSHAKE_NS; tests shorten it */
	uint8_t *scratch;      /* RV_VSOCK_MAX_PKT: a payload on its way to a ring */

	struct rv_vsock_stats stats;
};

/* vsock-host.c, all with the transport lock held. */
int rv_vsock_host_init(struct rv_vsock *v);
void rv_vsock_host_fini(struct rv_vsock *v);
/* A REQUEST from the guest: connect(PATH_<dst port>); 0 or -errno (refused). */
int rv_vsock_host_connect(struct rv_vsock *v, uint32_t guest_port, uint32_t host_port);
/* Close @c's socket and free it; owe the guest a RST when @rst. */
void rv_vsock_conn_close(struct rv_vsock *v, struct rv_vsock_conn *c, bool rst);
/* Write what @c's ring holds to its socket; closes @c on a dead socket. */
void rv_vsock_conn_flush(struct rv_vsock *v, struct rv_vsock_conn *c);
/* Make epoll watch what @c needs now. */
void rv_vsock_conn_watch(struct rv_vsock *v, struct rv_vsock_conn *c);
/* The guest accepted a host client's connection: tell the client. */
int rv_vsock_host_accepted(struct rv_vsock *v, struct rv_vsock_conn *c);
struct rv_vsock_conn *rv_vsock_conn_find(struct rv_vsock *v, uint32_t guest_port,
					 uint32_t host_port);
struct rv_vsock_conn *rv_vsock_conn_alloc(struct rv_vsock *v);
/* Owe the guest a RST for a connection that does not (or no longer) exist. */
void rv_vsock_owe_rst(struct rv_vsock *v, uint32_t guest_port, uint32_t host_port);

/* virtio-vsock.c: send what is owed and what the sockets have, while the guest takes it. */
void rv_vsock_rx_pump(struct rv_vsock *v);

#endif
