"""`make prairielearn`: dist/prairielearn/, a question and the course files that grade it.

    questions/convnetLayers/info.json      external grading: image, entrypoint, files, timeout
    questions/convnetLayers/question.html  one pl-file-upload (layers.py, cnn.py or
                                           submission.zip) and the grader's results
    serverFilesCourse/convnet_layers/      run_grader, the grader's sources (grader_bundle.py:
                                           what Gradescope's zip holds, no reference) and the
                                           requirements for an image that lacks them
    README.md                              how to add them to a course and try them

The question has no tests/ folder: everything grading needs is course-wide, in
serverFilesCourse/. The grading itself is grading/prairielearn.py, which travels in the bundle.
"""
import json
import shutil
import uuid
from pathlib import Path

from ..grading.limits_check import refuse_limits_too_low
from ..grading.prairielearn import fitted_limits, timeout_seconds
from ..paths import ROOT
from .grader_bundle import grader_sources, grading_requirements

DIST = ROOT / "dist" / "prairielearn"
HERE = Path(__file__).resolve().parent / "prairielearn_files"
QUESTION = "convnetLayers"
COURSE_FILES = "convnet_layers"
IMAGE = "prairielearn/grader-python"
# One uuid for good: PrairieLearn keeps a question's submissions by it across syncs.
QUESTION_UUID = str(uuid.uuid5(uuid.NAMESPACE_URL, "convnet-layers-kit/prairielearn/" + QUESTION))


def question_info(timeout):
    return {
        "uuid": QUESTION_UUID,
        "title": "Convolutional network layers (CS231n assignment 2)",
        "topic": "Convolutional networks",
        "tags": ["code", "externally graded"],
        "type": "v3",
        "gradingMethod": "External",
        "singleVariant": True,
        "externalGradingOptions": {
            "enabled": True,
            "image": IMAGE,
            "serverFilesCourse": [COURSE_FILES + "/"],
            "entrypoint": f"/grade/serverFilesCourse/{COURSE_FILES}/run_grader",
            "timeout": timeout,
        },
    }


def copy_grader(dest):
    for path, rel in grader_sources():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, dest / rel)
    shutil.copy(HERE / "run_grader", dest / "run_grader")
    (dest / "run_grader").chmod(0o755)  # PrairieLearn chmods it too; a local run need not
    (dest / "requirements.txt").write_text("\n".join(grading_requirements()) + "\n")


def build_prairielearn(target=DIST):
    """Write dist/prairielearn/ afresh; return the folder."""
    target = Path(target)
    limits = fitted_limits()
    refuse_limits_too_low(limits)  # the reference must pass under the time PrairieLearn allows
    if target.exists():
        shutil.rmtree(target)
    question = target / "questions" / QUESTION
    question.mkdir(parents=True)
    info = question_info(timeout_seconds(limits))
    (question / "info.json").write_text(json.dumps(info, indent=2) + "\n")
    shutil.copy(HERE / "question.html", question / "question.html")
    copy_grader(target / "serverFilesCourse" / COURSE_FILES)
    shutil.copy(HERE / "README.md", target / "README.md")
    return target
