"""Debian's Alertmanager (`prometheus-alertmanager`), the real peer of Herald's matcher parser.

`amtool check-config` loads an alertmanager.yml as Alertmanager does (route `matchers:` included),
and `amtool config routes` prints the routing tree with each route's matchers as Alertmanager
renders them, so a test can compare both accept/reject decisions and the parsed matchers.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


def amtool_binary() -> str:
    found = shutil.which("amtool") or ("/usr/bin/amtool" if Path("/usr/bin/amtool").exists() else None)
    if found is None:
        raise RuntimeError(
            "amtool is missing: `make test` installs Debian's `prometheus-alertmanager` package "
            "(apt-get install --no-install-recommends prometheus-alertmanager)"
        )
    return found


def amtool_version() -> str:
    done = subprocess.run([amtool_binary(), "--version"], capture_output=True, text=True, check=True, timeout=30)
    return (done.stdout or done.stderr).splitlines()[0]


def yaml_quoted(text: str) -> str:
    """A YAML double-quoted scalar of `text`, every non-printable-ASCII character escaped."""
    out = ['"']
    for ch in text:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif " " <= ch <= "~":
            out.append(ch)
        elif ord(ch) <= 0xFF:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


@dataclass(frozen=True)
class AmtoolVerdict:
    accepted: bool
    output: str  # amtool's error when refused
    matchers: str | None  # the route's matchers as `amtool config routes` prints them, when accepted


def check_route_matchers(directory: Path, line: str) -> AmtoolVerdict:
    """Load a configuration whose one child route has `matchers: [line]`, as Alertmanager would."""
    config = directory / "alertmanager.yml"
    config.write_text(
        "route:\n  receiver: default\n  routes:\n    - receiver: matched\n"
        f"      matchers: [{yaml_quoted(line)}]\n"
        "receivers:\n  - name: default\n  - name: matched\n"
    )
    amtool = amtool_binary()
    checked = subprocess.run([amtool, "check-config", str(config)], capture_output=True, text=True, timeout=30)
    if checked.returncode != 0:
        return AmtoolVerdict(False, checked.stdout + checked.stderr, None)
    shown = subprocess.run(
        [amtool, "config", "routes", f"--config.file={config}"], capture_output=True, text=True, timeout=30, check=True
    )
    [route] = [row for row in shown.stdout.splitlines() if "receiver: matched" in row]
    return AmtoolVerdict(True, "", route.split("── ", 1)[1].rsplit("  receiver: matched", 1)[0])


def routes_to_matched(directory: Path, matchers: list[str], labels: dict[str, str]) -> bool:
    """Whether Alertmanager routes `labels` to a route with these `matchers:` lines
    (`amtool config routes test`, the labels given as `name="value"`)."""
    config = directory / "routes.yml"
    config.write_text(
        "route:\n  receiver: default\n  routes:\n    - receiver: matched\n"
        f"      matchers: [{', '.join(yaml_quoted(line) for line in matchers)}]\n"
        "receivers:\n  - name: default\n  - name: matched\n"
    )
    escaped = {
        name: value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"') for name, value in labels.items()
    }
    argv = [amtool_binary(), "config", "routes", "test", f"--config.file={config}"]
    done = subprocess.run(
        [*argv, *(f'{name}="{value}"' for name, value in escaped.items())],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    answer = done.stdout.strip()
    assert answer in ("matched", "default"), done.stdout + done.stderr
    return answer == "matched"
