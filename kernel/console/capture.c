/* One capture at a time, into the caller's buffer. */
#include "capture.h"

static char *cap_buf;
static size_t cap_size, cap_len;

void capture_begin(char *buf, size_t size)
{
	cap_buf = buf;
	cap_size = size;
	cap_len = 0;
	if (size)
		buf[0] = '\0';
}

size_t capture_end(void)
{
	cap_buf = NULL;
	return cap_len;
}

void capture_putc(char c)
{
	if (!cap_buf || cap_len + 1 >= cap_size)
		return;
	cap_buf[cap_len++] = c;
	cap_buf[cap_len] = '\0';
}
