/* CRC-32 (crc32.h), a bit at a time: small, and fast enough for a few lines. */
#include "crc32.h"

u32 crc32(const void *p, size_t n)
{
	const u8 *b = p;
	u32 crc = 0xFFFFFFFF;
	while (n--) {
		crc ^= *b++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320 & -(crc & 1));
	}
	return ~crc;
}
