/* A small printf: one formatter writing through a sink, to the console (COM1, the screen) or to a buffer. */
#include "printf.h"
#include "serial.h"
#include "vga.h"

struct sink {
	void (*put)(struct sink *s, char c);
	char *buf;
	size_t size;
	size_t len;     /* characters produced, including those that did not fit */
};

struct spec {
	bool left, zero, alt, plus, space;
	int width;
	int prec;       /* -1: none */
	int length;     /* 0, 'H' (hh), 'h', 'l', 'L' (ll), 'z' */
};

static void emit(struct sink *s, char c)
{
	s->put(s, c);
	s->len++;
}

static void emit_pad(struct sink *s, char c, int n)
{
	while (n-- > 0)
		emit(s, c);
}

/* Emits a number in base with the sign, prefix, precision and padding of sp. */
static void emit_number(struct sink *s, const struct spec *sp, u64 v, bool negative,
			unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;
	bool nonzero = v != 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (sp->prec == 0 && n == 1 && tmp[0] == '0')
		n = 0;

	const char *prefix = "";
	if (negative)
		prefix = "-";
	else if (sp->plus)
		prefix = "+";
	else if (sp->space)
		prefix = " ";
	else if (sp->alt && base == 16 && nonzero)
		prefix = upper ? "0X" : "0x";
	else if (sp->alt && base == 8)
		prefix = "0";

	int plen = 0;
	while (prefix[plen])
		plen++;
	int zeros = sp->prec > n ? sp->prec - n : 0;
	int pad = sp->width - plen - zeros - n;
	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += pad > 0 ? pad : 0;
		pad = 0;
	}
	if (!sp->left)
		emit_pad(s, ' ', pad);
	for (int i = 0; i < plen; i++)
		emit(s, prefix[i]);
	emit_pad(s, '0', zeros);
	while (n)
		emit(s, tmp[--n]);
	if (sp->left)
		emit_pad(s, ' ', pad);
}

static void emit_string(struct sink *s, const struct spec *sp, const char *str)
{
	int n = 0;
	if (!str)
		str = "(null)";
	while (str[n] && (sp->prec < 0 || n < sp->prec))
		n++;
	if (!sp->left)
		emit_pad(s, ' ', sp->width - n);
	for (int i = 0; i < n; i++)
		emit(s, str[i]);
	if (sp->left)
		emit_pad(s, ' ', sp->width - n);
}

static int parse_int(const char **p, va_list *ap)
{
	if (**p == '*') {
		(*p)++;
		return va_arg(*ap, int);
	}
	int v = 0;
	while (**p >= '0' && **p <= '9')
		v = v * 10 + (*(*p)++ - '0');
	return v;
}

static s64 arg_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'l': return va_arg(*ap, long);
	case 'L': return va_arg(*ap, long long);
	case 'z': return va_arg(*ap, s64);
	case 'h': return (short)va_arg(*ap, int);
	case 'H': return (signed char)va_arg(*ap, int);
	default: return va_arg(*ap, int);
	}
}

static u64 arg_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'l': return va_arg(*ap, unsigned long);
	case 'L': return va_arg(*ap, unsigned long long);
	case 'z': return va_arg(*ap, size_t);
	case 'h': return (unsigned short)va_arg(*ap, unsigned);
	case 'H': return (unsigned char)va_arg(*ap, unsigned);
	default: return va_arg(*ap, unsigned);
	}
}

static void format(struct sink *s, const char *fmt, va_list ap_in)
{
	va_list ap;
	va_copy(ap, ap_in);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			emit(s, *p);
			continue;
		}
		struct spec sp = { .prec = -1 };
		for (;; p++) {
			char f = p[1];
			if (f == '-') sp.left = true;
			else if (f == '0') sp.zero = true;
			else if (f == '#') sp.alt = true;
			else if (f == '+') sp.plus = true;
			else if (f == ' ') sp.space = true;
			else break;
		}
		p++;
		sp.width = parse_int(&p, &ap);
		if (sp.width < 0) {
			sp.left = true;
			sp.width = -sp.width;
		}
		if (*p == '.') {
			p++;
			sp.prec = parse_int(&p, &ap);
		}
		if (*p == 'h' || *p == 'l') {
			sp.length = *p++;
			if (*p == sp.length) {
				sp.length = sp.length == 'h' ? 'H' : 'L';
				p++;
			}
		} else if (*p == 'z') {
			sp.length = *p++;
		}

		switch (*p) {
		case 'd':
		case 'i': {
			s64 v = arg_signed(&sp, &ap);
			emit_number(s, &sp, v < 0 ? -(u64)v : (u64)v, v < 0, 10, false);
			break;
		}
		case 'u': emit_number(s, &sp, arg_unsigned(&sp, &ap), false, 10, false); break;
		case 'x': emit_number(s, &sp, arg_unsigned(&sp, &ap), false, 16, false); break;
		case 'X': emit_number(s, &sp, arg_unsigned(&sp, &ap), false, 16, true); break;
		case 'o': emit_number(s, &sp, arg_unsigned(&sp, &ap), false, 8, false); break;
		case 'p':
			sp.alt = true;
			emit_number(s, &sp, (u64)va_arg(ap, void *), false, 16, false);
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);
			struct spec one = sp;
			char str[2] = { c, 0 };
			one.prec = 1;
			emit_string(s, &one, str);
			break;
		}
		case 's': emit_string(s, &sp, va_arg(ap, const char *)); break;
		case '%': emit(s, '%'); break;
		case '\0': p--; break;     /* a lone '%' at the end */
		default: emit(s, '%'); emit(s, *p); break;
		}
	}
	va_end(ap);
}

/* The console's tee (console_set_tee()), or NULL. */
static console_tee_fn *tee;
static void *tee_ctx;

void console_set_tee(console_tee_fn *fn, void *ctx)
{
	tee = fn;
	tee_ctx = ctx;
}

static void put_serial(struct sink *s, char c)
{
	(void)s;
	if (tee)
		tee(c, tee_ctx);
	serial_putc(c);
	vga_putc(c);
}

static void put_buffer(struct sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
}

/* Prints to COM1; returns the number of characters printed. */
int kvprintf(const char *fmt, va_list ap)
{
	struct sink s = { .put = put_serial };
	format(&s, fmt, ap);
	return (int)s.len;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

/* Formats into buf (always NUL-terminated when size > 0); returns the full length. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { .put = put_buffer, .buf = buf, .size = size };
	format(&s, fmt, ap);
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void kdiag(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kprintf(DIAG_TAG);
	kvprintf(fmt, ap);
	kprintf("\n");
	va_end(ap);
}
