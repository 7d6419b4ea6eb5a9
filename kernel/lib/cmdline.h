/* The kernel command line: space-separated key=value words, e.g. "lab=1 scenario=vmx nonce=1a2b3c4d". */
#ifndef HV_CMDLINE_H
#define HV_CMDLINE_H

#include "types.h"

/* Copies the value of key into buf (NUL-terminated); returns false if key is absent or too long. */
bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t size);

/* Parses a decimal value of key; returns fallback when absent or malformed. */
long cmdline_get_long(const char *cmdline, const char *key, long fallback);

#endif
