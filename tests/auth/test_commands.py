"""`flask create-user`."""

from app.auth.models import User
from app.auth.passwords import verify_password
from app.extensions import db

GOOD = "a long enough passphrase"


def test_create_user_reads_password_from_stdin(runner):
    result = runner.invoke(
        args=["create-user", "alice", "--role", "admin", "--email", "a@example.com", "--password-stdin"],
        input=GOOD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created admin 'alice'" in result.output
    user = db.session.query(User).filter_by(username="alice").one()
    assert user.role == "admin" and verify_password(user.password_hash, GOOD)


def test_create_user_prompts_for_password(runner):
    result = runner.invoke(args=["create-user", "bob", "--role", "agent"], input=f"{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert db.session.query(User).filter_by(username="bob").one().role == "agent"


def test_create_user_refuses_weak_password_and_duplicates(runner):
    weak = runner.invoke(
        args=["create-user", "carol", "--role", "agent", "--password-stdin"], input="short\n"
    )
    assert weak.exit_code != 0 and "at least 12 characters" in weak.output
    assert db.session.query(User).count() == 0
    runner.invoke(args=["create-user", "carol", "--role", "agent", "--password-stdin"], input=GOOD + "\n")
    dup = runner.invoke(
        args=["create-user", "carol", "--role", "agent", "--password-stdin"], input=GOOD + "\n"
    )
    assert dup.exit_code != 0 and "already exists" in dup.output


def test_create_user_refuses_unknown_role(runner):
    result = runner.invoke(args=["create-user", "dave", "--role", "root", "--password-stdin"], input=GOOD)
    assert result.exit_code != 0
