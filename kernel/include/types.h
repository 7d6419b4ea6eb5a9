/* Fixed-width types and small helpers for the freestanding kernel. */
#ifndef HV_TYPES_H
#define HV_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define BIT(n)          (1ULL << (n))
/* Bits hi..lo of x, shifted down to bit 0. */
#define BITS(x, hi, lo) (((u64)(x) >> (lo)) & ((2ULL << ((hi) - (lo))) - 1))
#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)  (((x) + (a) - 1) & ~((u64)(a) - 1))
#define IS_ALIGNED(x, a) (((u64)(x) & ((u64)(a) - 1)) == 0)

#define PAGE_SIZE 4096ULL

#define __noreturn __attribute__((noreturn))
#define __printf(f, a) __attribute__((format(printf, f, a)))
#define __used __attribute__((used))

#endif
