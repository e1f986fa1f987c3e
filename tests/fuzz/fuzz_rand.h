/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pseudo-random inputs a fuzz target's standalone main() feeds it
 * (-DRV_FUZZ_STANDALONE, as the unit suite builds them): xorshift64,
 * deterministic, so a failure reproduces.
 */
#ifndef RV_FUZZ_RAND_H
#define RV_FUZZ_RAND_H

#include <stdint.h>

static inline uint64_t rv_fuzz_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#endif
