/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RV_CAPS_H
#define RV_CAPS_H

#include <stdbool.h>
#include <stdio.h>

/* Print the capability table (text or JSON). 0 or -errno. */
int rv_caps_print(FILE *out, bool json);

#endif
