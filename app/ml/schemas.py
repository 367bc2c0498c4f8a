"""Request and response schemas of the ML endpoints."""

from marshmallow import Schema, fields, validate

from app.fields import UTCDateTime
from app.tickets.models import CATEGORIES, STATUSES
from app.tickets.schemas import DESCRIPTION, TITLE, _TextFields

TOP = validate.Range(min=1, max=20)
VERSION_HEADER_DOC = {
    "X-Model-Version": {
        "description": "The registered model version that produced the answer.",
        "schema": {"type": "string"},
    }
}


class TrainSchema(Schema):
    force = fields.Boolean(
        load_default=False, metadata={"description": "Make the new version champion whatever its score."}
    )


class TrainResultSchema(Schema):
    run_id = fields.String(dump_only=True)
    experiment_id = fields.String(dump_only=True)
    model_name = fields.String(dump_only=True)
    model_version = fields.String(dump_only=True)
    promoted = fields.Boolean(dump_only=True)
    promotion_reason = fields.String(dump_only=True)
    metrics = fields.Dict(
        keys=fields.String(),
        values=fields.Float(),
        dump_only=True,
        metadata={
            "description": "On the per-ticket holdout: accuracy, macro_f1, log_loss, coverage and precision "
            "at the per-class thresholds, per-class precision/recall/f1."
        },
    )
    champion_metrics = fields.Dict(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "The champion's version and the gate's comparison on held-out tickets neither "
            "model trained on: macro F1 delta and its bootstrap interval, per-class recall deltas, coverages."
        },
    )
    candidate = fields.String(dump_only=True, metadata={"description": "The pipeline model selection chose."})
    thresholds = fields.Dict(
        dump_only=True,
        metadata={"description": "Per class: threshold, expected precision and coverage (out-of-fold)."},
    )
    n_samples = fields.Integer(dump_only=True)
    n_classes = fields.Integer(dump_only=True)
    classes = fields.List(fields.String(), dump_only=True)
    warnings = fields.List(fields.String(), dump_only=True)


class PromoteSchema(Schema):
    version = fields.Integer(
        required=True,
        validate=validate.Range(min=1),
        metadata={"description": "An existing registered version number."},
    )


class PromoteResultSchema(Schema):
    model_name = fields.String(dump_only=True)
    version = fields.String(dump_only=True)
    previous_version = fields.String(dump_only=True, allow_none=True)


class ChampionSchema(Schema):
    version = fields.String(dump_only=True)
    run_id = fields.String(dump_only=True, allow_none=True)
    created_at = UTCDateTime(dump_only=True)
    aliases = fields.List(fields.String(), dump_only=True)
    metrics = fields.Dict(keys=fields.String(), values=fields.Float(), dump_only=True)
    classes = fields.List(fields.String(), dump_only=True)
    candidate = fields.String(dump_only=True, allow_none=True)
    target_precision = fields.Float(dump_only=True, allow_none=True)
    thresholds = fields.Dict(
        dump_only=True,
        metadata={"description": "Per class: the abstain threshold, expected precision and coverage."},
    )


class ModelInfoSchema(Schema):
    name = fields.String(dump_only=True)
    champion = fields.Nested(ChampionSchema, dump_only=True, allow_none=True)
    worker = fields.Dict(
        dump_only=True, metadata={"description": "This worker's loaded version and last refresh."}
    )


class RunsQuerySchema(Schema):
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=100))


class RunSchema(Schema):
    run_id = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    start_time = UTCDateTime(dump_only=True)
    end_time = UTCDateTime(dump_only=True, allow_none=True)
    metrics = fields.Dict(keys=fields.String(), values=fields.Float(), dump_only=True)
    params = fields.Dict(keys=fields.String(), values=fields.String(), dump_only=True)
    tags = fields.Dict(keys=fields.String(), values=fields.String(), dump_only=True)


class TextSchema(_TextFields):
    title = fields.String(required=True, validate=TITLE)
    description = fields.String(required=True, validate=DESCRIPTION)


class SimilarTextSchema(TextSchema):
    top = fields.Integer(load_default=5, validate=TOP)


class SimilarQuerySchema(Schema):
    top = fields.Integer(load_default=5, validate=TOP)


class MlPredictSchema(Schema):
    overwrite = fields.Boolean(
        load_default=False, metadata={"description": "Replace a category set by a human."}
    )


class PredictionSchema(Schema):
    ticket_id = fields.Integer(dump_only=True, allow_none=True)
    category = fields.String(dump_only=True, metadata={"enum": list(CATEGORIES)})
    confidence = fields.Float(dump_only=True)
    probabilities = fields.Dict(keys=fields.String(), values=fields.Float(), dump_only=True)
    abstained = fields.Boolean(
        dump_only=True,
        metadata={
            "description": "Confidence below the class's threshold (or ML_MIN_CONFIDENCE): nothing written."
        },
    )
    threshold = fields.Float(
        dump_only=True, metadata={"description": "The threshold this answer was held to."}
    )
    explanation = fields.List(
        fields.String(),
        dump_only=True,
        metadata={"description": "The ticket's terms that pushed it most toward the category."},
    )
    applied = fields.Boolean(
        dump_only=True, metadata={"description": "The category was written to the ticket."}
    )
    model_name = fields.String(dump_only=True)
    model_version = fields.String(dump_only=True)


class SimilarTicketSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(dump_only=True)
    status = fields.String(dump_only=True, metadata={"enum": list(STATUSES)})
    category = fields.String(dump_only=True, allow_none=True)
    score = fields.Float(
        dump_only=True, metadata={"description": "Cosine similarity in the model's TF-IDF space."}
    )


class ConfirmedSchema(Schema):
    ticket_id = fields.Integer(dump_only=True)
    category = fields.String(dump_only=True)
    category_source = fields.String(dump_only=True)


class PerformanceQuerySchema(Schema):
    days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=365))


class LiveFiguresSchema(Schema):
    predictions = fields.Integer(dump_only=True)
    answered = fields.Integer(dump_only=True)
    applied = fields.Integer(dump_only=True)
    confirmed = fields.Integer(dump_only=True)
    overridden = fields.Integer(dump_only=True)
    live_precision = fields.Float(
        dump_only=True, allow_none=True, metadata={"description": "confirmed / (confirmed + overridden)"}
    )
    coverage = fields.Float(
        dump_only=True, allow_none=True, metadata={"description": "answered / predictions"}
    )
    abstain_rate = fields.Float(dump_only=True, allow_none=True)
    override_rate = fields.Float(
        dump_only=True, allow_none=True, metadata={"description": "overridden / applied"}
    )


class VersionPerformanceSchema(LiveFiguresSchema):
    model_version = fields.String(dump_only=True)
    classes = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(LiveFiguresSchema),
        dump_only=True,
        metadata={"description": "The same figures per predicted class."},
    )
