"""`Estate.lookup`: Hiera 5 with the estate's hiera/hiera.yaml, the scope of an estate host."""

from __future__ import annotations

import textwrap
import threading
from pathlib import Path

import pytest

import lamina

FILES = {
    "estate.yaml": """\
        environments: [production]
        parameters: {tier: bronze}
        hosts:
          - name: web01.example.com
            environment: production
            parameters: {tier: gold}
            facts:
              os: {family: Debian, release: {major: "12"}}
              hostname: web01
          - name: db01.example.com
            environment: production
            facts: {os: {family: RedHat}}
        """,
    "hiera/hiera.yaml": """\
        version: 5
        defaults: {datadir: data, data_hash: yaml_data}
        hierarchy:
          - name: per node
            path: "nodes/%{trusted.certname}.yaml"
          - name: per tier
            path: "tiers/%{tier}.yaml"
          - name: per os
            path: "os/%{facts.os.family}.yaml"
          - name: per environment
            path: "env/%{environment}.yaml"
          - name: common
            path: common.yaml
        """,
    "hiera/data/nodes/web01.example.com.yaml": """\
        ntp::servers: [node.ntp]
        users: {alice: {shell: /bin/zsh}}
        tags: [--legacy, web]
        mounts: [{path: /, opts: ro}]
        """,
    "hiera/data/env/production.yaml": """\
        env_note: prod
        """,
    "hiera/data/env/staging.yaml": """\
        env_note: staging
        """,
    "hiera/data/tiers/gold.yaml": """\
        support_level: "24x7"
        """,
    "hiera/data/os/Debian.yaml": """\
        packages: [apt-transport-https]
        ntp::servers: [debian.ntp]
        """,
    "hiera/data/common.yaml": """\
        ntp::servers: [common.ntp]
        packages: [curl]
        users: {alice: {uid: 1000}, bob: {uid: 1001}}
        octal_string: "0755"
        answer: "no"
        greeting: "hello %{facts.hostname} on %{facts.os.release.major}"
        undefined_ref: "x%{nosuchvar}y"
        tags: [legacy, base, zeta]
        mounts: [{path: /, size: 10}, {path: /var}]
        lookup_options:
          packages: {merge: unique}
        """,
}


@pytest.fixture
def estate(tmp_path: Path) -> lamina.Estate:
    for name, text in FILES.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    return lamina.Estate.open(tmp_path)


def test_first_found_by_node(estate: lamina.Estate) -> None:
    assert estate.lookup("ntp::servers", node="web01.example.com") == ["node.ntp"]
    assert estate.lookup("ntp::servers", node="db01.example.com") == ["common.ntp"]
    assert estate.lookup("ntp::servers") == ["common.ntp"]


def test_enc_parameters_are_in_scope(estate: lamina.Estate) -> None:
    # The host parameter `tier: gold` selects tiers/gold.yaml.
    assert estate.lookup("support_level", node="web01.example.com") == "24x7"
    with pytest.raises(lamina.KeyNotFound):
        estate.lookup("support_level", node="db01.example.com")


def test_interpolation_and_yaml_11_strings(estate: lamina.Estate) -> None:
    assert estate.lookup("greeting", node="web01.example.com") == "hello web01 on 12"
    assert estate.lookup("octal_string") == "0755"
    assert estate.lookup("answer") == "no"


def test_merge_strategies(estate: lamina.Estate) -> None:
    # lookup_options: unique
    assert estate.lookup("packages", node="web01.example.com") == ["apt-transport-https", "curl"]
    assert estate.lookup("packages", node="web01.example.com", merge="first") == ["apt-transport-https"]
    assert estate.lookup("users", node="web01.example.com") == {"alice": {"shell": "/bin/zsh"}}
    assert estate.lookup("users", node="web01.example.com", merge="hash") == {
        "alice": {"shell": "/bin/zsh"},
        "bob": {"uid": 1001},
    }
    assert estate.lookup("users", node="web01.example.com", merge={"strategy": "deep"}) == {
        "alice": {"shell": "/bin/zsh", "uid": 1000},
        "bob": {"uid": 1001},
    }
    with pytest.raises(lamina.LaminaError, match="(?i)unknown merge strategy"):
        estate.lookup("users", merge="sideways")


def test_facts_override_the_host(estate: lamina.Estate) -> None:
    got = estate.lookup("ntp::servers", node="db01.example.com", facts={"os": {"family": "Debian"}})
    assert got == ["debian.ntp"]
    assert estate.lookup("ntp::servers", facts={"os": {"family": "Debian"}}) == ["debian.ntp"]
    # A node that is not in the estate is still the certname.
    assert estate.lookup("ntp::servers", node="web01.example.com") == ["node.ntp"]
    with pytest.raises(TypeError):
        estate.lookup("x", facts={"when": object()})


def test_not_found_and_default(estate: lamina.Estate) -> None:
    with pytest.raises(lamina.KeyNotFound) as info:
        estate.lookup("no::such::key")
    assert isinstance(info.value, KeyError)
    assert info.value.key == "no::such::key"
    assert "no::such::key" in str(info.value)
    assert estate.lookup("no::such::key", default=None) is None
    assert estate.lookup("no::such::key", default=[1]) == [1]
    sentinel = object()
    assert estate.lookup("no::such::key", default=sentinel) is sentinel
    with pytest.raises(TypeError):
        estate.lookup("x", nope=1)  # type: ignore[call-arg]


def test_lookup_from_threads(estate: lamina.Estate) -> None:
    want = estate.lookup("greeting", node="web01.example.com")
    bad: list[object] = []

    def work() -> None:
        for _ in range(200):
            got = estate.lookup("greeting", node="web01.example.com")
            if got != want:
                bad.append(got)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not bad
    assert estate.hiera_warnings() == []


def test_relative_path_survives_chdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "estate"
    for name, text in FILES.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    monkeypatch.chdir(tmp_path)
    estate = lamina.Estate.open("estate")
    monkeypatch.chdir("/")
    assert estate.lookup("ntp::servers", node="web01.example.com") == ["node.ntp"]
    assert estate.lookup("greeting", node="web01.example.com") == "hello web01 on 12"


def test_environment(estate: lamina.Estate) -> None:
    assert estate.lookup("env_note") == "prod"
    assert estate.lookup("env_note", environment="staging") == "staging"
    assert estate.lookup("env_note", node="web01.example.com", environment="staging") == "staging"
    assert estate.lookup("env_note", environment="qa", default=None) is None


def test_hiera_config(estate: lamina.Estate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other"
    (other / "d").mkdir(parents=True)
    (other / "hiera.yaml").write_text(
        "version: 5\ndefaults: {datadir: d, data_hash: yaml_data}\n"
        "hierarchy:\n  - {name: node, path: '%{trusted.certname}.yaml'}\n  - {name: all, path: all.yaml}\n"
    )
    (other / "d" / "web01.example.com.yaml").write_text("answer: web01's own\n")
    (other / "d" / "all.yaml").write_text("answer: other\nonly_here: 1\n")
    config = other / "hiera.yaml"
    assert estate.lookup("answer", hiera_config=config) == "other"
    assert estate.lookup("answer", node="web01.example.com", hiera_config=str(config)) == "web01's own"
    assert estate.lookup("answer") == "no"  # the estate's hiera.yaml is still the default
    with pytest.raises(lamina.KeyNotFound):
        estate.lookup("only_here")
    monkeypatch.chdir(other)
    assert estate.lookup("only_here", hiera_config="hiera.yaml") == 1
    assert estate.hiera_warnings(hiera_config="hiera.yaml") == []
    # A missing hiera.yaml is Puppet's default configuration: nothing of ours is found.
    assert estate.lookup("answer", hiera_config=tmp_path / "missing.yaml", default="d") == "d"


def test_ruby_integers_beyond_64_bits_are_python_ints(estate: lamina.Estate, tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "hiera.yaml").write_text(
        "version: 5\ndefaults: {datadir: d, data_hash: yaml_data}\nhierarchy:\n  - {name: all, path: all.yaml}\n"
    )
    (tmp_path / "d" / "all.yaml").write_text(
        "big: 123456789012345678901234567890\nh: {1: [-98765432109876543210, 7], s: '123456789012345678901234567890'}\n"
    )
    config = tmp_path / "hiera.yaml"
    assert estate.lookup("big", hiera_config=config) == 123456789012345678901234567890
    # Integer keys read as their text (as in the CLI's JSON); a quoted number stays a str.
    assert estate.lookup("h", hiera_config=config) == {
        "1": [-98765432109876543210, 7],
        "s": "123456789012345678901234567890",
    }


def test_deep_merge_options(estate: lamina.Estate) -> None:
    # Expected values as `lamina lookup KEY --merge deep [flags] --node web01.example.com` prints them.
    web = "web01.example.com"
    assert estate.lookup("tags", node=web, merge="deep") == ["legacy", "base", "zeta", "--legacy", "web"]
    assert estate.lookup("tags", node=web, merge="deep", knock_out_prefix="--") == ["base", "zeta", "web"]
    got = estate.lookup("tags", node=web, merge="deep", knock_out_prefix="--", sort_merged_arrays=True)
    assert got == ["base", "web", "zeta"]
    assert estate.lookup("mounts", node=web, merge="deep") == [
        {"path": "/", "size": 10},
        {"path": "/var"},
        {"path": "/", "opts": "ro"},
    ]
    assert estate.lookup("mounts", node=web, merge="deep", merge_hash_arrays=True) == [
        {"path": "/", "size": 10, "opts": "ro"},
        {"path": "/var"},
    ]
    # The flags add to a merge hash's options.
    merge = {"strategy": "deep", "knockout_prefix": "--"}
    assert estate.lookup("tags", node=web, merge=merge, sort_merged_arrays=True) == ["base", "web", "zeta"]
    for flags in ({"knock_out_prefix": "--"}, {"sort_merged_arrays": True}, {"merge_hash_arrays": True}):
        for m in (None, "unique", "hash", "first"):
            with pytest.raises(lamina.LaminaError, match="only available with merge 'deep'"):
                estate.lookup("tags", node=web, merge=m, **flags)


def test_options_match_the_cli(estate: lamina.Estate, lamina_bin: Path, tmp_path: Path) -> None:
    import json
    import subprocess

    cases: list[tuple[list[str], dict[str, object]]] = [
        (["tags", "--merge", "deep", "--knock-out-prefix=--"], {"merge": "deep", "knock_out_prefix": "--"}),
        (["mounts", "--merge", "deep", "--merge-hash-arrays"], {"merge": "deep", "merge_hash_arrays": True}),
        (["tags", "--merge", "deep", "--sort-merged-arrays"], {"merge": "deep", "sort_merged_arrays": True}),
        (["env_note", "--environment", "staging"], {"environment": "staging"}),
        (["greeting"], {}),
    ]
    for argv, kwargs in cases:
        cmd = [str(lamina_bin), "lookup", *argv, "--estate", str(tmp_path), "--node", "web01.example.com"]
        out = subprocess.run(cmd + ["--render-as", "json"], check=True, capture_output=True, text=True).stdout
        assert estate.lookup(argv[0], node="web01.example.com", **kwargs) == json.loads(out), argv  # type: ignore[arg-type]


def test_facts_are_read_from_the_host_file(tmp_path: Path) -> None:
    # Only matcher facts are compiled; a lookup reads the host's other facts from its file,
    # and refuses a file changed since the estate was opened.
    for name, text in FILES.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    estate = lamina.Estate.open(tmp_path)
    assert estate.lookup("greeting", node="web01.example.com") == "hello web01 on 12"
    estate2 = lamina.Estate.open(tmp_path)
    (tmp_path / "estate.yaml").write_text(textwrap.dedent(FILES["estate.yaml"]).replace("web01\n", "web999\n"))
    # Read before the change: kept.
    assert estate.lookup("greeting", node="web01.example.com") == "hello web01 on 12"
    with pytest.raises(lamina.LaminaError, match="changed since Estate.open"):
        estate2.lookup("greeting", node="web01.example.com")
    # Given facts replace the host's: its file is not needed.
    assert estate2.lookup("greeting", node="web01.example.com", facts={"hostname": "x"}) == "hello x on "
    assert lamina.Estate.open(tmp_path).lookup("greeting", node="web01.example.com") == "hello web999 on 12"


def test_estate_without_hiera_finds_nothing(demo: lamina.Estate) -> None:
    assert demo.lookup("surely::not::here", default="d") == "d"


def test_lookup_strict_is_puppets_setting(estate: lamina.Estate) -> None:
    # Puppet 8's default (Lamina's) refuses the undefined variable; Puppet 7's warns and
    # interpolates "".
    with pytest.raises(lamina.LaminaError, match="Undefined variable 'nosuchvar'"):
        estate.lookup("undefined_ref", "web01.example.com")
    with pytest.raises(lamina.LaminaError, match="Undefined variable 'nosuchvar'"):
        estate.lookup("undefined_ref", "web01.example.com", strict="error")
    assert estate.lookup("undefined_ref", "web01.example.com", strict="warning") == "xy"
    assert estate.lookup("undefined_ref", "web01.example.com", strict="off") == "xy"
    # Keys without undefined variables answer the same under every setting.
    assert estate.lookup("answer", "web01.example.com", strict="error") == "no"
    with pytest.raises(ValueError, match="strict must be"):
        estate.lookup("answer", "web01.example.com", strict="loud")
