/* Command-line lookups: no allocation, no mutation of the original string. */
#include "cmdline.h"
#include "string.h"

bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);
	const char *p = cmdline;

	while (p && *p) {
		while (*p == ' ')
			p++;
		const char *word = p;
		while (*p && *p != ' ')
			p++;
		size_t wlen = (size_t)(p - word);
		if (wlen > klen && word[klen] == '=' && strncmp(word, key, klen) == 0) {
			size_t vlen = wlen - klen - 1;
			if (vlen + 1 > size)
				return false;
			memcpy(buf, word + klen + 1, vlen);
			buf[vlen] = '\0';
			return true;
		}
	}
	return false;
}

long cmdline_get_long(const char *cmdline, const char *key, long fallback)
{
	char buf[24];
	if (!cmdline_get(cmdline, key, buf, sizeof(buf)) || !buf[0])
		return fallback;
	long v = 0;
	for (const char *p = buf; *p; p++) {
		if (*p < '0' || *p > '9')
			return fallback;
		v = v * 10 + (*p - '0');
	}
	return v;
}
