"""The bundled demo estate, checked as the Rust tests (tests/demo.rs) check it."""

from __future__ import annotations

import os
from pathlib import Path

import lamina

from conftest import DEMO


def test_every_demo_host_renders(demo: lamina.Estate) -> None:
    hosts = demo.hosts()
    assert len(hosts) == 12
    assert len(demo) == 12
    assert hosts == sorted(hosts)
    for certname in hosts:
        doc = demo.enc(certname)
        assert set(doc) >= {"parameters", "classes"}


def test_open_accepts_str_and_pathlike() -> None:
    by_str = lamina.Estate.open(str(DEMO))
    by_path = lamina.Estate.open(Path(DEMO))

    class Custom(os.PathLike[str]):
        def __fspath__(self) -> str:
            return str(DEMO)

    by_custom = lamina.Estate.open(Custom())
    assert by_str.hosts() == by_path.hosts() == by_custom.hosts()
    assert "web01.demo.example.com" in by_str
    assert "nope.example.com" not in by_str
    assert "12 hosts" in repr(by_str)


def test_web01_fqdn_values_combined_matcher_and_layering(demo: lamina.Estate) -> None:
    d = demo.enc("web01.demo.example.com")
    assert d["classes"]["apache"]["listen_port"] == 8443
    assert d["classes"]["motd"]["message"] == "Public web tier (demo.example.com)"
    assert "shop" in d["classes"]["apache"]["vhosts"], "fqdn hash merged in"
    params = d["parameters"]
    assert params["tier"] == "gold"
    assert params["rack_power_kw"] == 16, '"0x10" cast to 16'
    assert params["http_port"] == 8080, "host beats host group"
    assert params["puppetmaster"] == "puppet-dmz.demo.example.com"
    assert d["classes"]["ntp"]["servers"].count("0.pool.ntp.org") == 1, "avoid_duplicates"
    assert d["environment"] == "production"


def test_combined_matcher_quirk_db01_vs_db02(demo: lamina.Estate) -> None:
    d1 = demo.enc("db01.demo.example.com")
    d2 = demo.enc("db02.ops.example.net")
    assert d1["classes"]["nrpe"]["command_timeout"] == 30
    assert d2["classes"]["nrpe"]["command_timeout"] == 120
    assert d2["classes"]["postgresql"]["version"] == "15", "key omit, value matched"
    assert "version" not in (d1["classes"]["postgresql"] or {}), "key omit, no match"


def test_nas01_has_no_environment(demo: lamina.Estate) -> None:
    d = demo.enc("nas01.ops.example.net")
    assert d["classes"] == []
    assert "environment" not in d


def test_lb01_omitted_value_and_config_group(demo: lamina.Estate) -> None:
    d = demo.enc("lb01.demo.example.com")
    assert "message" not in d["classes"]["motd"]
    assert "footer" in d["classes"]["motd"]
    assert "haproxy" in d["classes"], "edge config group brings haproxy"


def test_app02_development_drops_production_only_class(demo: lamina.Estate) -> None:
    d = demo.enc("app02.demo.example.com")
    assert d["environment"] == "development"
    assert "collectd" not in d["classes"]


def test_boolean_cast_from_string(demo: lamina.Estate) -> None:
    # organizations.yaml: support_contract "yes" with parameter_type boolean -> true
    found = [
        demo.enc(c)["parameters"].get("support_contract")
        for c in demo.hosts()
        if "support_contract" in demo.enc(c)["parameters"]
    ]
    assert found and all(v is True for v in found)


def test_explain_masks_hidden_values(demo: lamina.Estate) -> None:
    masked = demo.explain("web01.demo.example.com")
    shown = demo.explain("web01.demo.example.com", show_hidden=True)
    assert isinstance(masked, dict) and masked
    assert masked.keys() == shown.keys()
    assert "*****" in repr(masked)
    assert repr(masked) != repr(shown)

