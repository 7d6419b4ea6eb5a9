/*
 * The VGA text-mode mirror. Every cell is kept in a shadow copy in RAM and written
 * to the screen once; scrolling moves the shadow and writes the screen out again,
 * so the kernel never reads video memory (slow in emulators, uncached on a PC).
 */
#include "vga.h"
#include "io.h"
#include "string.h"

#define VGA_TEXT 0xB8000UL              /* colour text mode buffer (mode 3) */
#define VGA_ATTR 0x0700                 /* light grey on black */
#define VGA_CRTC_INDEX 0x3D4
#define VGA_CRTC_DATA 0x3D5
#define VGA_CRTC_CURSOR_START 0x0A
#define VGA_CURSOR_DISABLE 0x20         /* bit 5 of the Cursor Start register */
#define VGA_TAB 8

static volatile u16 *screen;            /* NULL: the mirror is off */
static u16 shadow[VGA_ROWS * VGA_COLS];
static int row, col;

static u16 cell(char c)
{
	return (u16)(VGA_ATTR | (u8)c);
}

/* Writes the whole shadow to the screen. */
static void flush(void)
{
	for (int i = 0; i < VGA_ROWS * VGA_COLS; i++)
		screen[i] = shadow[i];
}

void vga_init(bool on)
{
	volatile u16 *text = (volatile u16 *)VGA_TEXT;
	u16 probe = cell('#') | 0x1000;

	if (!on)
		return;
	text[0] = probe;
	if (text[0] != probe)
		return;
	screen = text;
	for (int i = 0; i < VGA_ROWS * VGA_COLS; i++)
		shadow[i] = cell(' ');
	row = col = 0;
	flush();
	outb(VGA_CRTC_INDEX, VGA_CRTC_CURSOR_START);
	outb(VGA_CRTC_DATA, VGA_CURSOR_DISABLE);
}

/* Moves the cursor to the start of the next row, scrolling at the bottom. */
static void newline(void)
{
	col = 0;
	if (row < VGA_ROWS - 1) {
		row++;
		return;
	}
	memmove(shadow, shadow + VGA_COLS, sizeof(shadow) - VGA_COLS * sizeof(shadow[0]));
	for (int i = 0; i < VGA_COLS; i++)
		shadow[(VGA_ROWS - 1) * VGA_COLS + i] = cell(' ');
	flush();
}

/* Puts a visible character at the cursor, wrapping first if the row is full. */
static void put(char c)
{
	if (col == VGA_COLS)
		newline();
	int i = row * VGA_COLS + col++;
	shadow[i] = cell(c);
	screen[i] = shadow[i];
}

void vga_putc(char c)
{
	if (!screen)
		return;
	switch (c) {
	case '\n':
		newline();
		break;
	case '\r':
		col = 0;
		break;
	case '\t':
		do
			put(' ');
		while (col % VGA_TAB && col < VGA_COLS);
		break;
	default:
		put(c);
		break;
	}
}
