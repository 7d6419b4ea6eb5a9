/* CRC-32 as zlib, Ethernet and busybox's crc32 compute it: a short proof of who wrote a line. */
#ifndef HV_CRC32_H
#define HV_CRC32_H

#include "types.h"

/* The CRC-32 (reflected polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF) of n bytes at p. */
u32 crc32(const void *p, size_t n);

#endif
