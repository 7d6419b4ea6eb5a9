"""The terminal model the screendump test compares QEMU's text screen with."""
import unittest

from grader.hvlabs import screen


def dump_of(rows):
    """A text buffer showing rows (grey on black), as pmemsave writes it."""
    return b"".join(bytes([ord(c), 0x07]) for r in rows for c in r.ljust(screen.COLS))


class ExpectedRowsTest(unittest.TestCase):
    def test_wraps_a_long_line_without_an_empty_row(self):
        rows = screen.expected_rows("x" * 80 + "\n" + "y" * 81 + "\n", last=None)
        self.assertEqual([r.rstrip() for r in rows], ["x" * 80, "y" * 80, "y", ""])

    def test_tab_and_carriage_return(self):
        rows = screen.expected_rows("a\tb\rc\n", last=None)
        self.assertEqual(rows[0].rstrip(), "c" + " " * 7 + "b")

    def test_scrolls_to_the_last_rows(self):
        rows = screen.expected_rows("".join(f"line {i}\n" for i in range(30)))
        self.assertEqual(rows[0].rstrip(), "line 6")
        self.assertEqual(rows[-2].rstrip(), "line 29")
        self.assertEqual(rows[-1].strip(), "")

    def test_a_screen_that_missed_a_scroll_differs(self):
        serial = "".join(f"line {i}\n" for i in range(30))
        stale = screen.rows_of(dump_of(screen.expected_rows(serial[:serial.index("line 29")])))
        self.assertEqual(screen.rows_of(dump_of(screen.expected_rows(serial))), screen.expected_rows(serial))
        self.assertTrue(screen.differences(stale, screen.expected_rows(serial)))


if __name__ == "__main__":
    unittest.main()
