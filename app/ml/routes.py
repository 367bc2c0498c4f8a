"""ML endpoints under /api/ml/, plus the ticket-scoped ml_predict and similar routes."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.current import auth_required, current_user
from app.error_docs import errors
from app.extensions import commit_keeping_state
from app.idempotency.decorator import idempotent
from app.jobs.schemas import JobSchema, JobsQuerySchema
from app.ml import service
from app.ml.schemas import (
    VERSION_HEADER_DOC,
    ConfirmedSchema,
    MlPredictSchema,
    ModelInfoSchema,
    PerformanceQuerySchema,
    PredictionSchema,
    PromoteResultSchema,
    PromoteSchema,
    RunSchema,
    RunsQuerySchema,
    SimilarQuerySchema,
    SimilarTextSchema,
    SimilarTicketSchema,
    TextSchema,
    TrainSchema,
    VersionPerformanceSchema,
)

MODEL_VERSION_HEADER = "X-Model-Version"

blp = Blueprint(
    "ml",
    __name__,
    url_prefix="/api/ml",
    description="Train, promote and inspect the ticket classifier; predict and find similar text",
)
tickets_blp = Blueprint(
    "ml_tickets",
    __name__,
    url_prefix="/api/tickets",
    description="Model predictions and similar tickets for a ticket",
)


@blp.route("/train/")
class Train(MethodView):
    decorators = [auth_required("admin")]

    @idempotent
    @blp.arguments(TrainSchema(), required=False)
    @blp.response(
        202, JobSchema, headers={"Location": {"description": "The job's URL", "schema": {"type": "string"}}}
    )
    @blp.alt_response(
        409, description="A training job is already queued or running (its URL in `errors.url`)"
    )
    def post(self, data=None):
        """Queue a training job: train, gate, register, then build the similarity index (admin)

        Answers 202 at once with the job; poll its URL until `status` is `succeeded` (the result has the
        model name and version, run id, metrics, promotion decision, samples and classes) or `failed`.
        """
        job = service.start_training(user=current_user(), force=(data or {}).get("force", False))
        return job, 202, {"Location": job.url}


@blp.route("/jobs/")
class Jobs(MethodView):
    decorators = [auth_required("admin")]

    @blp.arguments(JobsQuerySchema, location="query")
    @blp.response(200, JobSchema(many=True))
    def get(self, args):
        """List background jobs, newest first (admin)"""
        return service.list_jobs(kind=args["kind"], limit=args["limit"])


@blp.route("/jobs/<int:job_id>/")
class JobById(MethodView):
    decorators = [auth_required("admin")]

    @blp.response(200, JobSchema)
    def get(self, job_id):
        """Show one background job: status, progress, result or error (admin)"""
        return service.get_job(job_id=job_id)


@blp.route("/promote/")
class Promote(MethodView):
    decorators = [auth_required("admin")]

    @blp.arguments(PromoteSchema)
    @blp.response(200, PromoteResultSchema)
    @errors(404, 503)
    def post(self, data):
        """Move the champion alias to an existing version, e.g. to roll back (admin)"""
        return service.promote(version=str(data["version"]))


@blp.route("/model/")
class Model(MethodView):
    decorators = [auth_required()]

    @blp.response(200, ModelInfoSchema)
    @errors(503)
    def get(self):
        """Show the registry's champion and the version this worker serves"""
        return service.model_info()


@blp.route("/runs/")
class Runs(MethodView):
    decorators = [auth_required("agent", "admin")]

    @blp.arguments(RunsQuerySchema, location="query")
    @blp.response(200, RunSchema(many=True))
    @errors(503)
    def get(self, args):
        """List recent training runs with their metrics (agent, admin)"""
        return service.list_runs(limit=args["limit"])


def _with_version(prediction: service.Prediction) -> tuple[service.Prediction, dict[str, str]]:
    return prediction, {MODEL_VERSION_HEADER: prediction.model_version}


@blp.route("/predict/")
class Predict(MethodView):
    decorators = [auth_required()]

    @blp.arguments(TextSchema)
    @blp.response(200, PredictionSchema, headers=VERSION_HEADER_DOC)
    @errors(503)
    def post(self, data):
        """Classify free text without writing anything (any authenticated user)"""
        return _with_version(service.predict_text(title=data["title"], description=data["description"]))


@blp.route("/performance/")
class Performance(MethodView):
    decorators = [auth_required("agent", "admin")]

    @blp.arguments(PerformanceQuerySchema, location="query")
    @blp.response(200, VersionPerformanceSchema(many=True))
    def get(self, args):
        """Live quality per model version and class: precision of applied answers, coverage, overrides"""
        return service.performance(days=args["days"])


@blp.route("/similar/")
class SimilarText(MethodView):
    decorators = [auth_required()]

    @blp.arguments(SimilarTextSchema)
    @blp.response(200, SimilarTicketSchema(many=True))
    @errors(503)
    def post(self, data):
        """Find the tickets you may see that read most like the given text"""
        return service.similar_to_text(
            user=current_user(), title=data["title"], description=data["description"], top=data["top"]
        )


@tickets_blp.route("/<int:ticket_id>/ml_predict/")
class TicketPredict(MethodView):
    decorators = [auth_required("agent", "admin")]

    @tickets_blp.arguments(MlPredictSchema(), required=False)
    @tickets_blp.response(200, PredictionSchema, headers=VERSION_HEADER_DOC)
    @errors(503)
    def post(self, data=None, ticket_id: int = 0):
        """Classify a ticket; a confident answer sets its category (source=model) (agent, admin)"""
        overwrite = (data or {}).get("overwrite", False)
        prediction = service.predict_ticket(user=current_user(), ticket_id=ticket_id, overwrite=overwrite)
        commit_keeping_state()
        return _with_version(prediction)


@tickets_blp.route("/<int:ticket_id>/category/confirm/")
class ConfirmCategory(MethodView):
    decorators = [auth_required("agent", "admin")]

    @tickets_blp.response(200, ConfirmedSchema)
    @errors(409)
    def post(self, ticket_id: int):
        """Confirm the category a model set: it becomes a human label and feedback (agent, admin)"""
        ticket = service.confirm_category(user=current_user(), ticket_id=ticket_id)
        commit_keeping_state()
        return {
            "ticket_id": ticket.id,
            "category": ticket.category,
            "category_source": ticket.category_source,
        }


@tickets_blp.route("/<int:ticket_id>/similar/")
class TicketSimilar(MethodView):
    decorators = [auth_required()]

    @tickets_blp.arguments(SimilarQuerySchema, location="query")
    @tickets_blp.response(200, SimilarTicketSchema(many=True))
    @errors(503)
    def get(self, args, ticket_id):
        """Find the tickets you may see that read most like this one"""
        return service.similar_to_ticket(user=current_user(), ticket_id=ticket_id, top=args["top"])
