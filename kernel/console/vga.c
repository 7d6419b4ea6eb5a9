/*
 * The VGA text-mode mirror. The screen is a window of VGA_ROWS rows onto the 32 KiB
 * text buffer, which starts at the CRTC's start address: scrolling moves the start
 * address down a row and clears the row that comes into view (the way Linux's vgacon
 * scrolls), so a line costs about one write per character. When the window reaches
 * the end of the buffer, the rows on screen are written again at its start, from a
 * copy in RAM (the kernel never reads video memory: slow in emulators, uncached on a
 * PC). The copy is a ring of rows too, so that scrolling moves nothing in RAM either.
 */
#include "vga.h"
#include "io.h"

#define VGA_TEXT 0xB8000UL              /* colour text mode buffer (mode 3) */
#define VGA_TEXT_CELLS (0x8000 / 2)     /* its 32 KiB, as 16-bit cells */
#define VGA_ATTR 0x0700                 /* light grey on black */
#define VGA_MISC_READ 0x3CC            /* Miscellaneous Output register, read port */
#define VGA_MISC_COLOR 0x01             /* CRTC at 0x3D4 and text at 0xB8000 (not monochrome) */
#define VGA_CRTC_INDEX 0x3D4
#define VGA_CRTC_DATA 0x3D5
#define VGA_CRTC_CURSOR_START 0x0A
#define VGA_CRTC_START_HI 0x0C          /* start address: the cell shown top left */
#define VGA_CRTC_START_LO 0x0D
#define VGA_CURSOR_DISABLE 0x20         /* bit 5 of the Cursor Start register */
#define VGA_TAB 8
#define VGA_CELLS (VGA_ROWS * VGA_COLS)

static volatile u16 *text;              /* NULL: the mirror is off */
static u16 shown[VGA_CELLS];            /* what the screen shows, a ring of rows: */
static int top;                         /* screen row r is ring row (top + r) % VGA_ROWS */
static int origin;                      /* the cell of text[] shown top left */
static int row, col;                    /* the cursor, on the screen */

static u16 cell(char c)
{
	return (u16)(VGA_ATTR | (u8)c);
}

static void crtc_write(u8 index, u8 value)
{
	outb(VGA_CRTC_INDEX, index);
	outb(VGA_CRTC_DATA, value);
}

static void set_origin(int cell_index)
{
	origin = cell_index;
	crtc_write(VGA_CRTC_START_HI, (u8)(origin >> 8));
	crtc_write(VGA_CRTC_START_LO, (u8)origin);
}

/* Where screen row r, column c is kept in RAM. */
static u16 *kept(int r, int c)
{
	return &shown[(top + r) % VGA_ROWS * VGA_COLS + c];
}

/* Shows ch at screen row r, column c, and keeps it in RAM. */
static void show(int r, int c, u16 ch)
{
	*kept(r, c) = ch;
	text[origin + r * VGA_COLS + c] = ch;
}

/* Blanks screen row r. */
static void clear_row(int r)
{
	for (int c = 0; c < VGA_COLS; c++)
		show(r, c, cell(' '));
}

void vga_init(bool on)
{
	volatile u16 *buffer = (volatile u16 *)VGA_TEXT;
	u16 probe = cell('#') | 0x1000;

	if (!on)
		return;
	u8 misc = inb(VGA_MISC_READ);           /* 0xFF: no VGA decodes the port */
	if (misc == 0xFF || !(misc & VGA_MISC_COLOR))
		return;
	buffer[0] = probe;
	if (buffer[0] != probe)
		return;
	text = buffer;
	top = row = col = 0;
	set_origin(0);
	for (int r = 0; r < VGA_ROWS; r++)
		clear_row(r);
	crtc_write(VGA_CRTC_CURSOR_START, VGA_CURSOR_DISABLE);
}

/* Moves the cursor to the start of the next row, scrolling at the bottom. */
static void newline(void)
{
	col = 0;
	if (row < VGA_ROWS - 1) {
		row++;
		return;
	}
	top = (top + 1) % VGA_ROWS;
	if (origin + VGA_COLS + VGA_CELLS <= VGA_TEXT_CELLS) {
		origin += VGA_COLS;
	} else {
		origin = 0;
		for (int r = 0; r < VGA_ROWS - 1; r++)
			for (int c = 0; c < VGA_COLS; c++)
				text[r * VGA_COLS + c] = *kept(r, c);
	}
	clear_row(VGA_ROWS - 1);
	set_origin(origin);
}

/* Puts a visible character at the cursor, wrapping first if the row is full. */
static void put(char c)
{
	if (col == VGA_COLS)
		newline();
	show(row, col++, cell(c));
}

void vga_putc(char c)
{
	if (!text)
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
