"""How a job is shown: status, progress, timestamps, and its result or error."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate


class JobSchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True, metadata={"description": "What the job does, e.g. `train`."})
    status = fields.String(
        dump_only=True,
        validate=validate.OneOf(("queued", "running", "succeeded", "failed")),
        metadata={"description": "queued, running, succeeded or failed"},
    )
    url = fields.String(dump_only=True, metadata={"description": "Where to read this job."})
    requested_by = fields.Method("_username", dump_only=True, allow_none=True)
    params = fields.Dict(dump_only=True)
    progress = fields.String(dump_only=True, allow_none=True, metadata={"description": "Last step reported."})
    result = fields.Dict(
        dump_only=True, allow_none=True, metadata={"description": "What the job produced, once it succeeded."}
    )
    error = fields.String(dump_only=True, allow_none=True, metadata={"description": "Why it failed."})
    created_at = fields.DateTime(dump_only=True)
    started_at = fields.DateTime(dump_only=True, allow_none=True)
    heartbeat_at = fields.DateTime(
        dump_only=True, allow_none=True, metadata={"description": "Last sign of life of the running job."}
    )
    finished_at = fields.DateTime(dump_only=True, allow_none=True)

    def _username(self, job: Any) -> str | None:
        return job.requested_by.username if job.requested_by else None


class JobsQuerySchema(Schema):
    kind = fields.String(load_default=None, metadata={"description": "Only jobs of this kind."})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
