"""The Lambda package build: what it copies, how it installs, and how its size is measured."""

from __future__ import annotations

import subprocess

import pytest

from infra import bundle
from infra.config import LAMBDA_PLATFORM, LAMBDA_PYTHON_VERSION, REPO_ROOT
from infra.functions import RUNTIME


def test_the_source_package_is_resolvers_without_caches_or_tests(tmp_path):
    # GIVEN a build without dependencies (no package index needed)
    package = bundle.build_lambda_package(tmp_path / "pkg", with_dependencies=False)

    # THEN the resolvers package sits at the root, with its migrations and wiring...
    assert (package / "resolvers" / "__init__.py").is_file()
    assert (package / "resolvers" / "wiring.toml").is_file()
    assert list((package / "resolvers" / "store" / "migrations").glob("*.sql"))
    # ... and nothing that only a developer's machine needs
    assert not list(package.rglob("__pycache__"))
    assert not list(package.rglob("*.pyc"))
    assert not list(package.rglob("test_*.py"))


def test_the_unzipped_size_counts_every_file(tmp_path):
    # GIVEN a package with known contents
    package = bundle.build_lambda_package(tmp_path / "pkg", with_dependencies=False)
    (package / "extra.bin").write_bytes(b"x" * 1000)

    # WHEN it is measured
    size = bundle.unzipped_size(package)

    # THEN the size is the sum of the file sizes (what Lambda's 250 MB limit counts)
    expected = sum(p.stat().st_size for p in package.rglob("*") if p.is_file())
    assert size == expected
    assert size > 1000


def test_a_rebuild_replaces_an_earlier_build(tmp_path):
    package = bundle.build_lambda_package(tmp_path / "pkg", with_dependencies=False)
    (package / "stale.py").write_text("")

    rebuilt = bundle.build_lambda_package(tmp_path / "pkg", with_dependencies=False)

    assert not (rebuilt / "stale.py").exists()


def test_a_build_never_deletes_a_directory_it_did_not_make(tmp_path):
    # GIVEN a directory with someone's files in it
    (tmp_path / "precious.txt").write_text("keep me")

    # WHEN a build is pointed at it, THEN it refuses and the files stay
    with pytest.raises(bundle.BuildError, match="refusing"):
        bundle.build_lambda_package(tmp_path, with_dependencies=False)
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_dependencies_install_as_wheels_for_the_lambda_runtime(tmp_path):
    # GIVEN the install command the build runs
    command = bundle.install_command(tmp_path / "requirements.txt", tmp_path / "out")

    # THEN it targets Lambda's arm64 platform and the stack's Python, binary wheels only
    assert command[command.index("--python-platform") + 1] == LAMBDA_PLATFORM
    assert command[command.index("--python-version") + 1] == LAMBDA_PYTHON_VERSION
    assert RUNTIME.name == f"python{LAMBDA_PYTHON_VERSION}"
    assert LAMBDA_PLATFORM.startswith("aarch64-")
    assert command[command.index("--only-binary") + 1] == ":all:"
    assert "--no-deps" in command  # the lock export is the full, pinned closure


def test_requirements_come_from_the_lock_without_dev_groups(tmp_path):
    command = bundle.export_requirements_command(tmp_path / "requirements.txt")

    assert "--frozen" in command
    assert "--no-default-groups" in command  # dev, local and infra stay out of the Lambda
    assert "--no-emit-project" in command


def test_only_the_thumbnail_package_carries_pillow(tmp_path):
    # GIVEN the lock export of each package, run offline from uv.lock
    requirements = {}
    for name, groups in (("api", ()), ("thumbnails", (bundle.THUMBNAILS_GROUP,))):
        out = tmp_path / f"{name}.txt"
        command = bundle.export_requirements_command(out, groups)
        subprocess.run(command, cwd=REPO_ROOT, check=True)  # noqa: S603 - uv, argv built here
        requirements[name] = out.read_text()
    # THEN Pillow is pinned for the thumbnail function and absent from the API's package
    assert "\npillow==" in requirements["thumbnails"]
    assert "pillow" not in requirements["api"].lower()
    assert "boto3==" in requirements["api"]


def test_the_package_is_byte_compiled_for_the_lambda_python(tmp_path):
    # GIVEN the compile step of a deploy build
    command = bundle.compile_command(tmp_path / "out")

    # THEN it runs compileall under the runtime's Python version, with hashes Lambda never checks
    assert command[command.index("--python") + 1] == LAMBDA_PYTHON_VERSION
    assert command[-1] == str(tmp_path / "out")
    assert "compileall" in command
    assert command[command.index("--invalidation-mode") + 1] == "unchecked-hash"
