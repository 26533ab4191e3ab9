"""The analysed-assessment fixtures of tests/assessments, for the export and erasure tests."""

from tests.assessments.conftest import analysed_a, cam03_analysis, finish, uploaded  # noqa: F401
