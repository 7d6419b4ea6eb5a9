/* One capture at a time, into the caller's buffer, through the console's tee. */
#include "capture.h"
#include "printf.h"

static char *cap_buf;
static size_t cap_size, cap_len;

/* The tee: appends c to the buffer while there is room. */
static void capture_putc(char c, void *ctx)
{
	(void)ctx;
	if (cap_len + 1 >= cap_size)
		return;
	cap_buf[cap_len++] = c;
	cap_buf[cap_len] = '\0';
}

void capture_begin(char *buf, size_t size)
{
	cap_buf = buf;
	cap_size = size;
	cap_len = 0;
	if (size)
		buf[0] = '\0';
	console_set_tee(capture_putc, NULL);
}

size_t capture_end(void)
{
	console_set_tee(NULL, NULL);
	cap_buf = NULL;
	return cap_len;
}
