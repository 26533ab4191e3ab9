"""The clips and analysed-assessment fixtures live in tests/clip_fixtures.py (a plugin of the root
conftest, one definition for every folder); the helpers stay importable from here."""

from tests.clip_fixtures import CAM03, DATA, SIDE_VIEW, upload_of

__all__ = ["CAM03", "DATA", "SIDE_VIEW", "upload_of"]
