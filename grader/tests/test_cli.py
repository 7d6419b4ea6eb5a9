"""Unit tests of the command line's plumbing: usage errors, the typed states, grade.py's
subcommands, seeding a stage directory and the emulator slots (no emulator needed)."""
import io
import json
import os
import tempfile
import threading
import time
import unittest
from contextlib import redirect_stderr
from pathlib import Path
from unittest import mock

import grade
from hvlabs import boot, emulators, labs, stage
from hvlabs.errors import UsageError, main_exit
from hvlabs.paths import GRADER, ROOT
from hvlabs.states import Ended, Status


class UsageErrorTest(unittest.TestCase):
    def exit_status(self, fn, *args):
        err = io.StringIO()
        with redirect_stderr(err):
            code = main_exit(lambda argv: fn(*args))
        return code, err.getvalue()

    def test_library_raises_usage_errors(self):
        for fn, arg in ((labs.get, 99), (labs.get(1).scenario, "nope"), (emulators.make, "foo")):
            code, err = self.exit_status(fn, arg)
            self.assertEqual(code, 2)
            self.assertTrue(err.startswith("hvlabs: ") and err.count("\n") == 1, err)

    def test_grade_py_lab_99_exits_2(self):
        # labs are numbered by topic and may land out of order: 99 is one no lab will take
        code, err = self.exit_status(grade.main, ["--lab", "99"])
        known = ", ".join(map(str, labs.STUDENT_LABS))
        self.assertEqual((code, err), (2, f"hvlabs: there is no lab 99 (labs: {known})\n"))


class StatesTest(unittest.TestCase):
    def test_states_print_and_serialize_as_their_text(self):
        self.assertEqual(f"{Status.PASS:<6}|{Status.FAIL}|{Ended.TIMEOUT}", "PASS  |FAIL|timeout")
        self.assertEqual(json.dumps({"s": Status.SKIP}, indent=2), '{\n  "s": "SKIP"\n}')
        self.assertEqual(json.dumps([Ended.EXITED]), '["exited"]')
        self.assertTrue(Status.PASS == "PASS" and "FAIL" == Status.FAIL)
        self.assertEqual(Status("SKIP"), Status.SKIP)


class GradeCommandLineTest(unittest.TestCase):
    def test_plain_options_grade_labs(self):
        args = grade.parse_args(["--lab", "3", "--jobs", "1"])
        self.assertIs(args.command, grade.grade_main)
        self.assertEqual((args.lab, args.jobs), (3, 1))

    def test_batch_is_a_subcommand_with_its_own_defaults(self):
        args = grade.parse_args(["batch", "a", "b.tar", "--csv", "g.csv"])
        self.assertIs(args.command, grade.batch_main)
        self.assertEqual(args.submissions, [Path("a"), Path("b.tar")])
        self.assertEqual((args.jobs, args.csv, args.labs), (os.cpu_count() or 1, Path("g.csv"),
                                                            ",".join(map(str, labs.STUDENT_LABS))))

    def test_lab_options_do_not_go_with_batch(self):
        with redirect_stderr(io.StringIO()), self.assertRaises(SystemExit) as e:
            grade.parse_args(["--lab", "3", "batch", "a"])
        self.assertEqual(e.exception.code, 2)


class SeedTest(unittest.TestCase):
    def test_seed_copies_objects_and_renames_their_dependencies(self):
        with tempfile.TemporaryDirectory() as d:
            src, dest = Path(d) / "stage7-sol", Path(d) / "b" / "stage1-labs"
            (src / "obj/kernel").mkdir(parents=True)
            (src / "obj/kernel/main.o").write_bytes(b"\x7fELF")
            (src / "obj/kernel/main.d").write_text(f"{src}/obj/kernel/main.o: kernel/main.c kernel/x.h\n")
            os.utime(src / "obj/kernel/main.o", (1000, 1000))
            self.assertTrue(stage.seed(src, dest))
            self.assertEqual((dest / "obj/kernel/main.d").read_text(),
                             f"{dest.resolve()}/obj/kernel/main.o: kernel/main.c kernel/x.h\n")
            self.assertEqual((dest / "obj/kernel/main.o").stat().st_mtime, 1000)
            self.assertFalse(stage.seed(src, dest), "a directory with objects is left alone")


class SlotsTest(unittest.TestCase):
    def test_no_more_emulators_than_slots(self):
        running, most, lock = [0], [0], threading.Lock()

        def one():
            with boot.emulator_slot():
                with lock:
                    running[0] += 1
                    most[0] = max(most[0], running[0])
                time.sleep(0.05)
                with lock:
                    running[0] -= 1

        with tempfile.TemporaryDirectory() as d, mock.patch.dict(os.environ, {boot.SLOTS_ENV: f"{d}:2"}):
            threads = [threading.Thread(target=one) for _ in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        self.assertEqual(most[0], 2)


class PathsTest(unittest.TestCase):
    def test_root_is_the_course(self):
        self.assertTrue((ROOT / "Makefile").is_file() and (GRADER / "grade.py").is_file())


if __name__ == "__main__":
    unittest.main()
