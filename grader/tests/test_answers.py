"""Unit tests of the questions' grading (grader/hvlabs/answers.py)."""
import tempfile
import unittest
from pathlib import Path

import skel
from hvlabs import answers, labs
from hvlabs.states import Status

TABLE = '''LAB(1, x, .after = 0)
QUESTION(1, q1, 1, NUMBER, "a number")
QUESTION(1, q2, 2, NUMBERS, "some numbers")
QUESTION(1, q3, 1, CHOICE, "options")
QUESTION(1, q4, 1, WORDS, "names")
QUESTION(1, q5, 0, TEXT, "in your words")
'''
MODEL = """Lab 1 (x): questions

[q1]
How many?
answer: 0x2b
Explained.

[q2]
Which bits?
answer: 9, 10
[q3]
a) one b) two c) three
answer: a, c
[q4]
Which controls?
answer: CR3-load exiting, CR3-store exiting
[q5]
Why?
answer: Because
it is so.
"""


def lab_of(table: str, model: str) -> labs.Lab:
    """The lab of a made-up table whose keys are those of the model answers."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "checks.def"
        path.write_text(table)
        lab = labs.load(path)[1]
        keys = answers.keys(lab, model, "model")
        path.write_text(skel.keyed_table(table, {(1, q): k for q, k in keys.items()}))
        return labs.load(path)[1]


LAB = lab_of(TABLE, MODEL)


def scored(text):
    results, free = answers.score(LAB, text)
    return {r.id: r for r in results}, dict((q.id, a) for q, a in free)


class AnswersTest(unittest.TestCase):
    def test_the_questions_are_a_scenario(self):
        self.assertEqual([q.id for q in LAB.questions], ["q1", "q2", "q3", "q4", "q5"])
        self.assertEqual([c.id for c in LAB.scenario(labs.ANSWERS).checks], ["q1", "q2", "q3", "q4"])
        self.assertEqual(LAB.max_points, 5)

    def test_canonical_spellings(self):
        for kind, a, b in (("NUMBER", "0x2B", "43"), ("NUMBER", "0_43", "43"),
                           ("NUMBERS", "10 9", "0x9,0xa"), ("NUMBERS", "9, 9, 10", "10,9"),
                           ("CHOICE", "c) A", "a,c"), ("CHOICE", "(c), a", "A C"),
                           ("WORDS", "CR3-store  Exiting,cr3-load exiting", "cr3-load exiting, cr3-store exiting")):
            self.assertEqual(answers.canonical(kind, a), answers.canonical(kind, b), (kind, a, b))
        for kind, bad in (("NUMBER", ""), ("NUMBER", "43 or 44"), ("NUMBER", "forty"),
                          ("NUMBERS", "9, ten"), ("CHOICE", "ab"), ("CHOICE", "a or b")):
            with self.assertRaises(answers.Unreadable, msg=(kind, bad)):
                answers.canonical(kind, bad)

    def test_the_model_answers_pass_and_free_text_is_kept(self):
        results, free = scored(MODEL)
        self.assertTrue(all(r.status == Status.PASS and r.earned == r.points for r in results.values()))
        self.assertEqual(free["q5"], "Because\nit is so.")

    def test_each_wrong_answer_fails_its_question_only(self):
        for qid, old, new in (("q1", "0x2b", "0x2c"), ("q2", "9, 10", "9"), ("q3", "a, c", "a"),
                              ("q4", "CR3-load exiting, CR3-store exiting", "CR3-load exiting")):
            results, _ = scored(MODEL.replace(f"answer: {old}", f"answer: {new}"))
            self.assertEqual({r.id for r in results.values() if r.status == Status.FAIL}, {qid})
            self.assertIn("not the expected one", results[qid].why)

    def test_blank_missing_and_unreadable(self):
        blank = answers.student_copy(LAB, MODEL, "model")
        results, free = scored(blank)
        self.assertEqual({r.why for r in results.values()}, {"no answer yet"})
        self.assertEqual(free["q5"], "")
        results, _ = scored(None)
        self.assertTrue(all("is missing" in r.why for r in results.values()))
        results, _ = scored(MODEL.replace("answer: 0x2b", "answer: 43 I think"))
        self.assertIn("one number, nothing else", results["q1"].why)
        results, _ = scored(MODEL.replace("[q3]", "[q9]"))
        self.assertIn("no [q3] block", results["q3"].why)

    def test_the_student_copy_says_how_each_is_graded(self):
        copy = answers.student_copy(LAB, MODEL, "model")
        self.assertIn("[q2] graded by make grade, 2 points: numbers separated by commas", copy)
        self.assertIn("[q5] for your instructor", copy)
        self.assertNotIn("Explained", copy)
        self.assertEqual(answers.student_copy(LAB, copy, "copy"), copy)

    def test_a_model_that_does_not_fit_the_table_is_refused(self):
        for bad in (MODEL.replace("[q4]", "[q6]"), MODEL.replace("answer: a, c", "a, c"),
                    MODEL.replace("answer: 0x2b", "answer: lots")):
            with self.assertRaises(answers.AnswersError):
                answers.keys(LAB, bad, "model")


if __name__ == "__main__":
    unittest.main()
