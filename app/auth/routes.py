"""Token and current-user endpoints."""

from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth import service
from app.auth.current import auth_required, current_user
from app.auth.schemas import NewTokenSchema, TokenCreateSchema, TokenSchema, UserSchema
from app.idempotency.decorator import idempotent

blp = Blueprint("auth", __name__, url_prefix="/api", description="Users and API tokens")


@blp.route("/auth/tokens/")
class Tokens(MethodView):
    @auth_required()
    @blp.response(200, TokenSchema(many=True))
    def get(self):
        """List my API tokens"""
        return service.list_tokens(user=current_user())

    @auth_required(basic_only=True)
    @idempotent(withhold=("token",))
    @blp.arguments(TokenCreateSchema, required=False)
    @blp.response(201, NewTokenSchema)
    @blp.doc(security=[{"basicAuth": []}])
    @blp.alt_response(
        429, description="Too many failed password checks for this username or address; see Retry-After."
    )
    def post(self, args):
        """Create an API token (HTTP Basic only); the secret is returned once"""
        token, secret = service.issue_token(
            user=current_user(), name=args.get("name", "api"), ttl_days=args.get("ttl_days")
        )
        token.secret = secret  # type: ignore[attr-defined]  # shown once, never stored
        return token


@blp.route("/auth/tokens/<int:token_id>/")
class TokenById(MethodView):
    @auth_required()
    @blp.response(204)
    def delete(self, token_id):
        """Revoke one of my API tokens"""
        service.revoke_token(user=current_user(), token_id=token_id)


@blp.route("/users/me/")
class Me(MethodView):
    @auth_required()
    @blp.response(200, UserSchema)
    def get(self):
        """Show the authenticated user"""
        return current_user()
