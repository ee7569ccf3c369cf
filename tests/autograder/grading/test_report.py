"""report.md and results.json keep what a student controls as data: rendered as Jupyter
renders Markdown (mistune, HTML kept), no payload makes an element live or forges a line."""
import mistune

from autograder.grading.integrity import inspect
from autograder.grading.report import gradescope_results, markdown_report
from autograder.grading.results import CaseResult, SubmissionResult

LIVE = "<img src=x onerror=alert(1)>"
FENCE_BREAK = f"\n```\n{LIVE}\n# x: 100 / 100"
render = mistune.create_markdown(escape=False, plugins=["table"])


def hostile_result():
    case = CaseResult("conv_forward_naive", "stride 1, pad 1", "public", 3,
                      problem=f"your code raised ValueError: {FENCE_BREAK}",
                      traceback=f"Traceback (most recent call last):\nValueError: {FENCE_BREAK}",
                      printed=FENCE_BREAK)
    findings = inspect({"layers.py": f'import numpy as np\n\ndef f():\n    np.x["`{LIVE}`"].y = 1\n'})
    return SubmissionResult(f"{LIVE}\n# forged: 100 / 100\u202e", cases=[case],
                            integrity=findings,
                            notes=[f"several layers.py found; graded a/layers.py (ignored: "
                                   f"b\n# forged: 100 / 100\n{LIVE}/layers.py)"])


def test_report_md_renders_no_payload_live():
    result = hostile_result()
    assert result.integrity and "`" in result.integrity[0]  # the finding quotes the code
    page = render(markdown_report(result))
    assert "<img" not in page and "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
    assert page.count("<h1>") == 1 and "<h1>forged" not in page and "<h1>x:" not in page
    assert "\u202e" not in page and page.count("<pre>") == 1


def test_unescaped_the_same_result_would_render_live():
    """The check above can fail: the payloads, written as they were before, do harm."""
    result = hostile_result()
    before = "```\n" + result.cases[0].traceback + "\n```\n"
    assert "<img" in render(before) or "<h1>" in render(before)


def test_results_json_is_plain_text_with_controls_shown():
    results = gradescope_results(hostile_result())
    assert results["output_format"] == results["test_output_format"] == "text"
    assert "\u202e" not in results["output"] and "<U+202E>" in results["output"]
    assert "\n# forged" not in results["output"]  # a name's newline is shown, not a new line
