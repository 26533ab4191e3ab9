"""Writes to assessments: upload (checked before queueing), analysis jobs, notes.

Callers import from here; each subject lives in its own module (``upload``, ``jobs``, ``notes``).
"""

from django.core.exceptions import ValidationError

from assessments.analysis.video import human_size
from assessments.services.jobs import (
    UNREACHABLE,
    JobSuperseded,
    TransientAnalysisError,
    VideoChanged,
    _delete_files,
    _local_copy,
    _output_paths,
    _send,
    _store_outputs,
    assessment_claim,
    assessment_fail,
    assessment_process,
    assessment_reanalyse,
    assessment_release,
    assessment_report_progress,
    assessment_requeue_stuck,
    assessment_resend_lost,
    assessment_store_result,
    attempts_cap,
    file_sha256,
    queue_analysis,
    stopped_too_often,
    summary_columns,
)
from assessments.services.notes import assessment_set_interpretation
from assessments.services.upload import (
    CheckedVideo,
    UploadTooLarge,
    assessment_create,
    checked_video,
    declared_too_large,
    display_filename,
    max_upload_bytes,
    parse_capture_fps,
    validate_can_upload,
)

__all__ = [
    "UNREACHABLE",
    "CheckedVideo",
    "JobSuperseded",
    "TransientAnalysisError",
    "UploadTooLarge",
    "ValidationError",
    "VideoChanged",
    "_delete_files",
    "_local_copy",
    "_output_paths",
    "_send",
    "_store_outputs",
    "assessment_claim",
    "assessment_create",
    "assessment_fail",
    "assessment_process",
    "assessment_reanalyse",
    "assessment_release",
    "assessment_report_progress",
    "assessment_requeue_stuck",
    "assessment_resend_lost",
    "assessment_set_interpretation",
    "assessment_store_result",
    "attempts_cap",
    "checked_video",
    "declared_too_large",
    "display_filename",
    "file_sha256",
    "human_size",
    "max_upload_bytes",
    "parse_capture_fps",
    "queue_analysis",
    "stopped_too_often",
    "summary_columns",
    "validate_can_upload",
]
