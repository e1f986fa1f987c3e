/* SPDX-License-Identifier: GPL-2.0 */
/* ringvmm ctl: the control socket's client (server.h is the other end). */
#ifndef RV_API_CTL_H
#define RV_API_CTL_H

#include <stdio.h>

/* How long ctl waits for a reply (a pause waits for vCPUs, bounded far lower). */
#define RV_API_CTL_TIMEOUT_MS 30000

/*
 * Send the request for command @cmd to the socket at @path and print the
 * reply line to @out: 0 when it says "ok":true, 1 when it says false,
 * -errno with a message when there is no reply. snapshot takes its
 * directory in @arg: created if missing, and the two files in it created
 * here (they must not exist) and passed with the request; removed again
 * when the VMM refuses. update takes the new binary's path in @arg (NULL:
 * the VMM's own): checked here (`PATH --version`), opened and passed.
 */
int rv_api_ctl(const char *path, const char *cmd, const char *arg, FILE *out);

#endif
