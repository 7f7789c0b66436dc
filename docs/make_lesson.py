"""Regenerate docs/lesson.md, docs/lesson.zh.md and their figures in docs/images/lesson/.

python docs/make_lesson.py

Runs the lesson of ``logitkit lesson`` (src/logitkit/lesson/) and writes it as Markdown, in
English and in Simplified Chinese, with one SVG file per figure panel. Every number but the
timings comes out the same on every run; tests/test_lesson.py checks the page's numbers
against what the code computes now.
"""

from pathlib import Path

from logitkit.lesson.markdown import write_docs

if __name__ == "__main__":
    for path in write_docs(Path(__file__).resolve().parent):
        print(path)
