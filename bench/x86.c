// SPDX-License-Identifier: GPL-2.0
/*
 * The x86_64 benchmark guest (guest-x86.S) asks to run at CPL3: a KVM that
 * emulates CPL0 code (docs/platform.md) runs it natively there.
 */
#include "guest.h"

const struct rv_bench_levels rv_bench_levels = { .user = "CPL3", .kernel = "CPL0" };
