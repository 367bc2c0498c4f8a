"""Request and response schemas of the ML endpoints."""

from marshmallow import Schema, fields, validate

from app.fields import UTCDateTime
from app.tickets.models import CATEGORIES, STATUSES
from app.tickets.schemas import DESCRIPTION, TITLE, _TextFields

TOP = validate.Range(min=1, max=20)


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
            "description": "accuracy, macro_f1, log_loss, per-class precision/recall/f1, "
            "cross-validation scores on small data."
        },
    )
    champion_metrics = fields.Dict(
        dump_only=True,
        allow_none=True,
        metadata={"description": "The previous champion's macro F1 on this holdout."},
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
        dump_only=True, metadata={"description": "Confidence below ML_MIN_CONFIDENCE: nothing written."}
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
