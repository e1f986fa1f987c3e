/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-net (virtio 1.2, "Network Device"): the pure parts, unit-tested
 * without a backend or a guest. The --net value; the checks on the
 * virtio_net_hdr a guest puts before each frame it sends; and the
 * accounting that spreads one received frame over the guest's receive
 * buffers (VIRTIO_NET_F_MRG_RXBUF) or refuses it.
 */
#ifndef RV_VIRTIO_NET_H
#define RV_VIRTIO_NET_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

/*
 * The header in front of every frame, both ways: struct virtio_net_hdr_v1,
 * 12 bytes whatever was negotiated, because VIRTIO_F_VERSION_1 makes
 * num_buffers always present (virtio 1.2, "Device Operation" of "Network
 * Device").
 */
#define RV_NET_HDR_LEN 12
/*
 * The largest frame either way, header excluded: a 64 KiB GSO packet behind
 * an Ethernet and a VLAN header. Whoever sends (the guest on TX, the host
 * on RX) may claim more; that frame is dropped and counted.
 */
#define RV_NET_MAX_FRAME (65536 + 18)
/* The smallest: an Ethernet header. */
#define RV_NET_MIN_FRAME 14

/*
 * The most queue pairs (VIRTIO_NET_F_MQ) a device offers: receive and
 * transmit queue of each pair, and the control queue, within the
 * transport's RV_VIRTIO_MAX_QUEUES (16).
 */
#define RV_NET_MAX_PAIRS 7

enum rv_net_kind { RV_NET_TAP, RV_NET_PASST };

/* --net tap=NAME[,mac=M][,queues=N] | passt[=SOCKET][,mac=M] */
struct rv_net_spec {
	enum rv_net_kind kind;
	char ifname[IFNAMSIZ];					  /* tap */
	char socket[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* passt=; "" = start one */
	bool has_mac;
	uint8_t mac[6];
	/* Queue pairs, 1..RV_NET_MAX_PAIRS; 0: the default (a tap: one per vCPU). */
	unsigned int queues;
};

/*
 * Parse a --net value. 0, or -EINVAL with a one-line message about the
 * value (the CLI prefixes the option). Checks nothing on the host.
 */
int rv_net_parse_spec(const char *arg, struct rv_net_spec *spec);

/*
 * The default MAC: locally administered, unicast, and stable for the same
 * backend (tap name, or passt socket) and device name, so a guest keeps
 * its address (and its DHCP lease) across runs.
 */
void rv_net_default_mac(const struct rv_net_spec *spec, const char *dev_name, uint8_t mac[6]);

/* What the device accepts from the guest on TX (the negotiated features). */
struct rv_net_tx_caps {
	bool csum;	    /* VIRTIO_NET_F_CSUM: NEEDS_CSUM allowed */
	bool tso4, tso6;    /* VIRTIO_NET_F_HOST_TSO4/6 */
	uint32_t max_frame; /* header excluded */
};

enum rv_net_tx_verdict {
	RV_NET_TX_OK = 0,
	RV_NET_TX_SHORT,    /* no whole header, or a frame under RV_NET_MIN_FRAME */
	RV_NET_TX_OVERSIZE, /* a frame over caps->max_frame */
	RV_NET_TX_BAD_HDR,  /* an offload not negotiated, or offsets outside the frame */
};

/*
 * Check the header @hdr (RV_NET_HDR_LEN bytes, copied out of guest memory
 * first: the guest may change its copy at any time) of a frame of @out_len
 * bytes, header included, the guest's chain length. Every field is the
 * guest's.
 */
enum rv_net_tx_verdict rv_net_tx_check(const uint8_t *hdr, uint64_t out_len,
				       const struct rv_net_tx_caps *caps);

/*
 * Receive accounting: one frame of @frame_len bytes (header included) is
 * spread over the writable part of one chain, or several with
 * VIRTIO_NET_F_MRG_RXBUF. The guest chose each chain's length.
 */
struct rv_net_rx_acct {
	uint64_t frame_len; /* header included */
	uint64_t placed;    /* bytes given to buffers so far */
	unsigned int nbufs; /* chains used */
	unsigned int max_bufs;
	bool mrg;
};

void rv_net_rx_begin(struct rv_net_rx_acct *a, uint64_t frame_len, bool mrg, unsigned int max_bufs);
/*
 * The next chain has @in_len writable bytes. Returns how many of the
 * frame's bytes go into it (> 0), or:
 *   -EMSGSIZE  without MRG_RXBUF, the chain cannot hold the whole frame;
 *              or it cannot hold the header;
 *   -ENOBUFS   with MRG_RXBUF, more than max_bufs chains would be needed.
 * Either way the frame is dropped; the chains are not consumed.
 */
long rv_net_rx_take(struct rv_net_rx_acct *a, uint64_t in_len);
static inline bool rv_net_rx_done(const struct rv_net_rx_acct *a)
{
	return a->placed >= a->frame_len;
}

/*
 * One control queue command (virtio 1.2, "Control Virtqueue"): @cmd holds
 * the first bytes of the chain's device-readable part (class, command,
 * command-specific data), copied out of guest memory; @out_len is that
 * part's whole length. Both are the guest's. @mq: VIRTIO_NET_F_MQ was
 * negotiated; @max_pairs: max_virtqueue_pairs. Returns the ack,
 * VIRTIO_NET_OK or VIRTIO_NET_ERR; *@pairs is the new number of queue
 * pairs for an accepted VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, 0 otherwise.
 * Every other class or command is refused (VIRTIO_NET_ERR).
 */
#define RV_NET_CTRL_CMD_MAX 8 /* bytes of @cmd looked at: the longest command we take */
uint8_t rv_net_ctrl_parse(const uint8_t *cmd, uint64_t out_len, bool mq, unsigned int max_pairs,
			  unsigned int *pairs);

#endif
