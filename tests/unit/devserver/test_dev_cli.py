"""The dev CLI's pieces that need no backends: project loading, tokens, banner, seed state."""

from __future__ import annotations

import os
from pathlib import Path

import jwt
import pytest

from devserver.auth import IamCredentials
from devserver.auth.keys import SigningKey
from devserver.banner import Announcement, UserToken
from devserver.cli import main
from devserver.local_stack import LocalStack, StackInUseError
from devserver.project import LocalProject, SampleUser, load_project
from devserver.running import server_file


def project(seed=None) -> LocalProject:
    return LocalProject(
        name="Demo",
        schema_path=Path("schema.graphql"),
        wiring_path=Path("wiring.toml"),
        provision=lambda _env: {},
        seed=seed,
    )


def test_projects_load_by_import_path() -> None:
    assert load_project("localdev:PROJECT").name == "Potluck"
    with pytest.raises(ValueError, match=r"package\.module:ATTRIBUTE"):
        load_project("localdev")
    with pytest.raises(TypeError, match="not a LocalProject"):
        load_project("localdev:REPO")


def running_root(root: Path, **facts) -> Path:
    """A root as a running devserver leaves it: its keys and its server.json."""
    SigningKey.load_or_create(root / "auth")
    server_file.write(
        root / server_file.SERVER_FILE,
        {"pid": os.getpid(), "region": "us-east-1", "apiKey": "da2-key", **facts},
    )
    return root


def files_under(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


def test_token_prints_a_token_signed_with_the_roots_key(tmp_path, capsys) -> None:
    # GIVEN a devserver running on a root
    root = running_root(tmp_path / "root")
    before = files_under(tmp_path)
    # WHEN `scripts/dev token zoe --groups admins --root <root>` runs
    argv = ["--project", "localdev:PROJECT", "token", "zoe", "--groups", "admins"]
    assert main([*argv, "--root", str(root)]) == 0
    # THEN it prints zoe's token, signed with that root's key, and writes nothing
    token = capsys.readouterr().out.strip()
    public = jwt.PyJWK(SigningKey.load_or_create(root / "auth").public_jwk())
    verified = jwt.decode(token, public, algorithms=["RS256"], options={"verify_aud": False})
    assert verified["cognito:username"] == "zoe"
    assert verified["cognito:groups"] == ["admins"]
    assert files_under(tmp_path) == before


@pytest.mark.parametrize("command", ["token", "env"])
def test_tools_refuse_a_root_without_a_running_server(tmp_path, monkeypatch, capsys, command):
    args = ["zoe"] if command == "token" else []
    stopped = tmp_path / "stopped"
    (stopped / "auth").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POTLUCK_ROOT", "")  # empty: the default root, never the working dir
    for root, reason in (
        (tmp_path / "nowhere", "does not exist"),
        (stopped, "no devserver is running"),
        (None, "does not exist"),
    ):
        rooted = [] if root is None else ["--root", str(root)]
        # WHEN the tool is pointed at a root no devserver runs on
        with pytest.raises(SystemExit) as exit_:
            main(["--project", "localdev:PROJECT", command, *args, *rooted])
        # THEN it refuses, says why and how to start one, and prints nothing to use
        assert exit_.value.code == 1
        captured = capsys.readouterr()
        assert reason in captured.err
        assert "start it with `scripts/dev`" in captured.err
        assert captured.out == ""
    # AND it wrote nothing anywhere
    assert files_under(tmp_path) == ["stopped", "stopped/auth"]


def test_token_refuses_a_running_root_without_its_key(tmp_path, capsys) -> None:
    root = running_root(tmp_path)
    (root / "auth" / "signing-key.pem").unlink()
    with pytest.raises(SystemExit):
        main(["--project", "localdev:PROJECT", "token", "zoe", "--root", str(root)])
    assert "signing-key.pem is missing" in capsys.readouterr().err
    assert not (root / "auth" / "signing-key.pem").exists()


def test_env_prints_exports_for_the_running_server(tmp_path, capsys) -> None:
    # GIVEN a devserver running on a root
    root = running_root(
        tmp_path,
        graphqlUrl="http://127.0.0.1:4001/graphql",
        websocketUrl="ws://127.0.0.1:4001/graphql",
    )
    # WHEN `scripts/dev env --root <root>` runs
    assert main(["--project", "localdev:PROJECT", "env", "--root", str(root)]) == 0
    # THEN it prints what `eval` needs to call that server
    assert capsys.readouterr().out.splitlines() == [
        "export GRAPHQL_URL=http://127.0.0.1:4001/graphql",
        "export REALTIME_URL=ws://127.0.0.1:4001/graphql",
        "export API_KEY=da2-key",
    ]


def test_the_banner_lists_everything_needed_to_call_the_api(tmp_path) -> None:
    (tmp_path / "pkg").mkdir()
    announcement = Announcement(
        project="Demo",
        base_url="http://127.0.0.1:4000",
        api_key="da2-abc",
        users=(UserToken(SampleUser("ana", ("admins",), "Ana"), "tok.en.ana"),),
        iam=IamCredentials("AKIA", "SECRET"),
        region="us-east-1",
        root=tmp_path,
        watched=(tmp_path / "pkg", tmp_path / "pkg" / "wiring.toml", tmp_path / "schema.graphql"),
        snapshot_interval=2.0,
        token_hours=24,
        cli_name="scripts/dev",
    )
    text = announcement.render()
    for expected in (
        "http://127.0.0.1:4000/graphql",
        "ws://127.0.0.1:4000/graphql",
        "da2-abc",
        "AKIA / SECRET",
        "ana (admins)",
        "scripts/dev token <user>",
        'eval "$(scripts/dev env)"',
        "saved every 2 s",
    ):
        assert expected in text, expected
    # AND it fits one screen: no tokens (they are in server.json and come from `token`)
    assert "tok.en.ana" not in text
    assert len(text.splitlines()) <= 20
    assert "wiring.toml" not in text  # inside a watched package already
    ready = announcement.to_json()
    assert ready["users"][0] == {
        "username": "ana",
        "groups": ["admins"],
        "displayName": "Ana",
        "token": "tok.en.ana",
    }


def test_reset_keeps_the_keys_and_drops_the_data(tmp_path) -> None:
    stack = LocalStack(project(), tmp_path)
    for directory in ("auth", "postgres"):
        (tmp_path / directory).mkdir()
        (tmp_path / directory / "file").write_text("x")
    (tmp_path / "dynamodb.json").write_text("{}")
    (tmp_path / "seed.json").write_text('{"status": "done"}')
    wiped = stack.reset()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["auth"]
    assert sorted(p.name for p in wiped) == ["dynamodb.json", "postgres", "seed.json"]
    assert stack.reset() == []  # nothing left to say it wiped
    assert (tmp_path / "auth" / "file").exists()


def test_a_seed_is_done_only_once_it_finished(tmp_path, monkeypatch) -> None:
    calls: list[str] = []

    def failing_seed(endpoint) -> None:
        calls.append(endpoint)
        raise RuntimeError("the API refused")

    stack = LocalStack(project(seed=failing_seed), tmp_path)
    monkeypatch.setattr(stack.backends, "snapshot", lambda: None)
    assert stack.needs_seed
    # WHEN the seed fails halfway
    with pytest.raises(RuntimeError):
        stack.seed("endpoint")
    # THEN the stack still needs one, and says the last one was interrupted
    assert stack.needs_seed
    assert stack.seed_status == "running"
    # WHEN a seed succeeds
    stack = LocalStack(project(seed=calls.append), tmp_path)
    monkeypatch.setattr(stack.backends, "snapshot", lambda: None)
    stack.seed("endpoint")
    # THEN it is never needed again
    assert stack.seed_status == "done"
    assert not stack.needs_seed
    assert not LocalStack(project(), tmp_path).needs_seed  # no seed function: nothing to do


def test_one_devserver_per_root(tmp_path) -> None:
    # GIVEN a devserver holding the root
    first = LocalStack(project(), tmp_path)
    first.lock()
    # WHEN a second one starts on it
    # THEN it is refused, naming the holder
    with pytest.raises(StackInUseError, match=str(os.getpid())):
        LocalStack(project(), tmp_path).lock()
    # AND once the first stops, the root is free again
    first.stop()
    LocalStack(project(), tmp_path).lock()


def test_an_unknown_data_api_error_type_is_refused_with_the_choices(capsys) -> None:
    # WHEN scripts/dev is asked for a Data API error type that no Aurora cluster reports
    with pytest.raises(SystemExit) as exit_:
        main(["--project", "localdev:PROJECT", "--data-api-sql-errors", "Oops"])
    # THEN it stops before starting anything and names both real choices
    assert exit_.value.code == 2
    message = capsys.readouterr().err
    assert "BadRequestException" in message
    assert "DatabaseErrorException" in message
