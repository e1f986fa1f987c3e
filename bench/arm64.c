// SPDX-License-Identifier: GPL-2.0
/* The arm64 benchmark guest (guest-arm64.S): KVM runs EL1 natively, nothing to gain from EL0. */
#include "guest.h"

const struct rv_bench_levels rv_bench_levels = { .kernel = "EL1" };
