"""The banner and the ready file name the HTTPS listener, its CA and the web app."""

from __future__ import annotations

from devserver.banner import Announcement


def _announcement(tmp_path, **https):
    return Announcement(
        project="Demo",
        base_url="http://127.0.0.1:4000",
        api_key="da2-abc",
        users=(),
        iam=None,
        region="us-east-1",
        root=tmp_path,
        watched=(),
        snapshot_interval=2.0,
        token_hours=24,
        cli_name="scripts/dev",
        **https,
    )


def test_the_https_listener_and_the_ca_to_trust_are_announced(tmp_path) -> None:
    # GIVEN a server with an HTTPS listener and the example frontend
    announcement = _announcement(
        tmp_path,
        https_url="https://127.0.0.1:4443",
        ca_file=tmp_path / "tls" / "ca.pem",
        amplify={"API": {"GraphQL": {"endpoint": "https://127.0.0.1:4443/graphql"}}},
        web_app=True,
    )
    # WHEN it is announced
    text = announcement.render()
    ready = announcement.to_json()
    # THEN the banner names the HTTPS URL, the CA to trust and the web app, on one line each
    https_line = next(line for line in text.splitlines() if "HTTPS" in line)
    assert "https://127.0.0.1:4443/graphql" in https_line
    assert "ca.pem" in https_line
    assert any("https://127.0.0.1:4443/web/" in line for line in text.splitlines())
    # AND the ready file carries what tools need to connect
    assert ready["httpsGraphqlUrl"] == "https://127.0.0.1:4443/graphql"
    assert ready["httpsRealtimeUrl"] == "wss://127.0.0.1:4443/graphql/realtime"
    assert ready["caFile"] == str(tmp_path / "tls" / "ca.pem")
    assert ready["webAppUrl"] == "https://127.0.0.1:4443/web/"
    assert ready["amplifyConfig"]["API"]["GraphQL"]["endpoint"].startswith("https://")


def test_without_https_nothing_about_it_is_announced(tmp_path) -> None:
    # GIVEN a server started with --no-https
    announcement = _announcement(tmp_path)
    # WHEN it is announced
    # THEN no HTTPS row, and the ready file says there is no listener
    assert "HTTPS" not in announcement.render()
    assert announcement.to_json()["httpsGraphqlUrl"] is None
