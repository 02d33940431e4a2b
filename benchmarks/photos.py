"""10. Photos: upload-to-READY latency locally, the thumbnail function's cold start and package.

- Latency: a devserver with its event sources on (as `scripts/dev` runs it) while a client asks
  for an upload, POSTs a 1600 x 1200 JPEG to the local S3 and attaches it to a recipe; timed
  from the POST until `recipe { photo { status } }` says READY. It measures the local design
  (S3's notification through the local queue, polling, delivery, rendering, two puts, the
  record update), not the cloud, where S3 invokes Lambda asynchronously within about a second.
- Cold start: fresh processes from a tree holding only the deployed package's contents; the
  thumbnail function imports Pillow and renders one upload, the API function imports and serves
  one `recipe(id)` (the cold start benchmark's own handler mode), in alternating order.
- Package size: both packages built as `scripts/deploy` builds them (arm64 wheels); the API's
  must not carry Pillow.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from PIL import Image, ImageDraw

from benchmarks import seed
from benchmarks.child import REPO_ROOT
from benchmarks.cold_start import child_env, run_child, runtime_tree
from benchmarks.report import MET, MISSED, Section, Table, percentile, spread, summarize
from devserver.auth.handler_role import handler_role_env
from devserver.config import DevServerConfig
from devserver.events.settings import EventsConfig
from infra.bundle import THUMBNAILS_GROUP, BuildError, build_lambda_package, unzipped_size
from resolvers.clock import aws_datetime, utc_now
from resolvers.images.models import ImagePurpose, ImageRecord, ImageStatus, upload_key
from resolvers.images.repository import expiry_epoch
from resolvers.recipes.repository import _key
from resolvers.store.dynamo import to_item
from tests.e2e.running_server import bind_free_port, start_devserver
from tests.support import events
from tests.support.inputs import recipe_input

if TYPE_CHECKING:
    from benchmarks.backends import AppEnv

TITLE = "10. Photos"
TARGET = (
    "the API function's package carries no Pillow and stays the size it was; upload-to-READY"
    " latency and the thumbnail function's cold start are reported"
)
MB = 1_000_000
OFFER = """mutation { createImageUpload(purpose: RECIPE_PHOTO, contentType: "image/jpeg") {
  imageKey uploadUrl fields } }"""
CREATE = "mutation($input: CreateRecipeInput!) { createRecipe(input: $input) { id } }"
STATUS = "query($id: ID!) { recipe(id: $id) { photo { status } } }"


def photo(width: int = 1600, height: int = 1200) -> bytes:
    image = Image.new("RGB", (width, height), (181, 136, 99))
    draw = ImageDraw.Draw(image)
    draw.ellipse((200, 100, width - 200, height - 100), fill=(250, 250, 247))
    draw.ellipse((500, 350, width - 500, height - 350), fill=(214, 69, 65))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def measure(
    app_env: AppEnv, container: Any, state_dir: Path, *, samples: int, cold_rounds: int
) -> Section:
    latencies = _upload_to_ready(app_env, container, state_dir, samples)
    cold = _cold_starts(app_env, container, cold_rounds)
    sizes = _package_sizes()
    latency = summarize(latencies)
    tables = [
        Table(
            ["uploads", "p50", "p90", "min-max"],
            [
                [
                    str(len(latencies)),
                    f"{percentile(latencies, 50):.0f} ms",
                    f"{percentile(latencies, 90):.0f} ms",
                    f"{latency.min:.0f}-{latency.max:.0f} ms",
                ]
            ],
        ),
        Table(
            ["Cold start (fresh process)", "Imports (ms)", "Import + first event (ms)", "Peak RSS"],
            [
                [
                    name,
                    spread(summarize([r["import_s"] * 1000 for r in runs]), digits=0),
                    spread(summarize([r["total_s"] * 1000 for r in runs]), digits=0),
                    f"{max(r['peak_rss_mib'] for r in runs):.0f} MiB",
                ]
                for name, runs in cold.items()
            ],
        ),
    ]
    pillow_free = sizes.get("api_has_pillow") is False
    if "error" in sizes:
        tables.append(Table(["Package", "Unzipped"], [["not built", str(sizes["error"])]]))
    else:
        tables.append(
            Table(
                ["Package", "Unzipped", "Largest parts"],
                [
                    [name, f"{sizes[name]['bytes'] / MB:.1f} MB", sizes[name]["parts"]]
                    for name in ("api", "thumbnails")
                ],
            )
        )
    return Section(
        key="photos",
        title=TITLE,
        target=TARGET,
        verdict=MET if pillow_free else MISSED,
        headline=(
            f"upload to READY p50 {percentile(latencies, 50):.0f} ms; thumbnail cold start"
            f" {summarize([r['total_s'] * 1000 for r in cold['thumbnail function']]).median:.0f} ms"
            f" vs API {summarize([r['total_s'] * 1000 for r in cold['API function']]).median:.0f} ms"
            + (
                f"; packages {sizes['thumbnails']['bytes'] / MB:.1f} MB vs"
                f" {sizes['api']['bytes'] / MB:.1f} MB"
                if "error" not in sizes
                else ""
            )
        ),
        tables=tables,
        notes=[
            (
                "Latency: POST accepted by the local S3 to READY seen through the API; the"
                " devserver polls the notification queue every 0.25 s (1 s when idle), so most"
                " of the figure is that wait, not the rendering."
            ),
            (
                "Cold start: the same method as section 1 (python -S from a package-only tree,"
                " local backends); the thumbnail figure includes Pillow's import and rendering"
                " one 1600 x 1200 JPEG, the API figure one GetItem."
            ),
        ],
        data={"upload_to_ready_ms": latencies, "cold": cold, "packages": sizes},
    )


def _upload_to_ready(app_env: AppEnv, container: Any, state_dir: Path, samples: int) -> list[float]:
    prefix = container.settings.photos_bucket.removesuffix("photos")
    sock = bind_free_port()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/graphql"
    config = DevServerConfig(
        schema_path=REPO_ROOT / "schema.graphql",
        wiring_path=REPO_ROOT / "resolvers" / "wiring.toml",
        python_path=(REPO_ROOT,),
        auth_state_dir=state_dir / "auth",
        handler_env={
            **app_env.env,
            **handler_role_env(url),
            "WELCOME_SENDER": "bench@example.com",
            # The welcome e-mail runs too; nothing here may reach the real SES.
            "AWS_ENDPOINT_URL_SESV2": "http://127.0.0.1:9",
        },
        events=EventsConfig(
            state_dir=state_dir / "events",
            dynamodb_endpoint_url=app_env.env["AWS_ENDPOINT_URL_DYNAMODB"],
            s3_endpoint_url=app_env.env["AWS_ENDPOINT_URL_S3"],
            resource_prefix=prefix,
        ),
    )
    picture = photo()
    latencies: list[float] = []
    with start_devserver(config, sock=sock) as server:
        authenticator = server.app.state.devserver.authenticator
        token = authenticator.mint_token(str(uuid.uuid4()), "bench", "bench@example.com", ())
        headers = {"authorization": token}

        def call(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
            body = {"query": query, "variables": variables or {}}
            answer = server.client.post(url, json=body, headers=headers).json()
            assert "errors" not in answer, answer
            data: dict[str, Any] = answer["data"]
            return data

        for _ in range(samples):
            offer = call(OFFER)["createImageUpload"]
            started = time.perf_counter()
            posted = httpx.post(
                offer["uploadUrl"],
                data=json.loads(offer["fields"]),
                files={"file": ("photo.jpg", picture)},
                timeout=30,
            )
            assert posted.status_code == 204, posted.text
            recipe = call(CREATE, {"input": recipe_input(photoKey=offer["imageKey"])})
            recipe_id = recipe["createRecipe"]["id"]
            while call(STATUS, {"id": recipe_id})["recipe"]["photo"]["status"] != "READY":
                time.sleep(0.01)
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def _thumbnail_work(container: Any, picture: bytes) -> dict[str, Any]:
    """An uploaded object with its record, and the S3 event that announces it."""
    owner, key = "bench-cold", str(uuid.uuid4())
    record = ImageRecord(
        key=key,
        owner_id=owner,
        purpose=ImagePurpose.RECIPE_PHOTO,
        content_type="image/jpeg",
        status=ImageStatus.AWAITING_UPLOAD,
        created_at=aws_datetime(utc_now()),
    )
    container.images.create(record, expiry_epoch(3600))
    s3_key = upload_key(owner, key)
    container.s3.put_object(Bucket=container.settings.photos_bucket, Key=s3_key, Body=picture)
    event = {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Post",
                "s3": {
                    "bucket": {"name": container.settings.photos_bucket},
                    "object": {"key": s3_key, "size": len(picture)},
                },
            }
        ]
    }
    return {"event": event}


def _cold_starts(app_env: AppEnv, container: Any, rounds: int) -> dict[str, list[dict[str, Any]]]:
    recipe = seed.create_recipe(seed.new_user())
    api_work = {
        "event": events.event("Query", "recipe", {"id": recipe["id"]}),
        "table": app_env.env["RECIPES_TABLE"],
        "key": to_item(_key(recipe["id"])),
    }
    picture = photo()
    thumbnail_env = {
        "IMAGES_TABLE": container.settings.images_table,
        "PHOTOS_BUCKET": container.settings.photos_bucket,
        "APPSYNC_GRAPHQL_URL": "http://127.0.0.1:9/graphql",  # nothing attached: never called
    }
    scratch = Path(tempfile.mkdtemp(prefix="potluck-bench-photos-"))
    results: dict[str, list[dict[str, Any]]] = {"API function": [], "thumbnail function": []}
    try:
        tree = runtime_tree(scratch, (THUMBNAILS_GROUP,))
        # One unmeasured run each writes the bytecode, as a deploy build ships it.
        run_child("handler", child_env(app_env, tree, api_work))
        for index in range(rounds + 1):
            work = _thumbnail_work(container, picture)
            env = {**child_env(app_env, tree, work), **thumbnail_env}
            thumbnails = run_child("thumbnails", env)
            api = run_child("handler", child_env(app_env, tree, api_work))
            if index:  # the first thumbnail run compiled its bytecode
                results["thumbnail function"].append(thumbnails)
                results["API function"].append(api)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return results


def _package_sizes() -> dict[str, Any]:
    scratch = Path(tempfile.mkdtemp(prefix="potluck-bench-pkg-"))
    sizes: dict[str, Any] = {}
    try:
        for name, groups in (("api", ()), ("thumbnails", (THUMBNAILS_GROUP,))):
            package = build_lambda_package(
                scratch / name, with_dependencies=True, bytecode=False, groups=groups
            )
            parts: dict[str, int] = {}
            for path in package.rglob("*"):
                if path.is_file():
                    top = path.relative_to(package).parts[0].split("-")[0]
                    parts[top] = parts.get(top, 0) + path.stat().st_size
            largest = sorted(parts.items(), key=lambda item: -item[1])[:3]
            sizes[name] = {
                "bytes": unzipped_size(package),
                "parts": ", ".join(f"{n} {b / MB:.1f} MB" for n, b in largest),
                "has_pillow": (package / "PIL").is_dir(),
            }
        sizes["api_has_pillow"] = sizes["api"]["has_pillow"]
    except BuildError as error:
        sizes = {"error": str(error)}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return sizes
