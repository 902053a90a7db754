"""Run the axe-core accessibility and offline check on HTML pages in headless Chromium.

Needs Node.js (>= 18), the packages in ``tests/e2e/axe`` (installed here on first use
with ``npm ci``) and Chromium at ``/usr/bin/chromium`` (``apt-get install -y chromium``)
or at ``$CHROMIUM_PATH``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

AXE_DIR = Path(__file__).parent / "axe"
SCRIPT = AXE_DIR / "run-axe.mjs"
DEFAULT_CHROMIUM = "/usr/bin/chromium"


class BrowserHarnessError(RuntimeError):
    """The browser check could not run (missing Chromium, Node.js or npm packages)."""


def chromium_path() -> str:
    """Path of the Chromium executable; raises if it is missing."""
    path = os.environ.get("CHROMIUM_PATH", DEFAULT_CHROMIUM)
    if not Path(path).is_file():
        raise BrowserHarnessError(
            f"Chromium not found at {path}. Install it with `apt-get install -y chromium` "
            "or set CHROMIUM_PATH."
        )
    return path


def ensure_node_deps() -> None:
    """Install axe-core and puppeteer-core into tests/e2e/axe/node_modules if missing."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise BrowserHarnessError("Node.js and npm are needed for the browser tests (Node >= 18).")
    if (AXE_DIR / "node_modules" / "axe-core").is_dir() and (
        AXE_DIR / "node_modules" / "puppeteer-core"
    ).is_dir():
        return
    command = ["npm", "ci"] if (AXE_DIR / "package-lock.json").is_file() else ["npm", "install"]
    done = subprocess.run(
        [*command, "--no-audit", "--no-fund"],
        cwd=AXE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BrowserHarnessError(f"`{' '.join(command)}` in {AXE_DIR} failed:\n{done.stderr}")


def run_axe(
    paths: list[Path], screenshot_dir: Path | None = None, width: int = 1280
) -> dict[str, dict]:
    """Check pages with axe-core (WCAG 2.0/2.1 A+AA) and record external requests.

    Returns ``{str(path): result}`` where result has ``violations`` (list of
    ``{id, impact, help, nodes}``), ``external_requests``, ``page_errors``, ``incomplete``,
    ``title``, ``lang``, ``screenshot`` (PNG path when ``screenshot_dir`` is given),
    ``map_links`` (``{title, href, focusable}`` of every area link in an inline SVG map)
    and ``link_names`` (the accessible names of all links, as Chromium exposes them).
    """
    chromium = chromium_path()
    ensure_node_deps()
    command = ["node", str(SCRIPT), "--chromium", chromium, "--width", str(width)]
    if screenshot_dir is not None:
        command += ["--screenshot", str(screenshot_dir)]
    command += [str(Path(p).resolve()) for p in paths]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    if done.returncode not in (0, 1):
        raise BrowserHarnessError(f"run-axe.mjs failed (exit {done.returncode}):\n{done.stderr}")
    return {result["path"]: result for result in json.loads(done.stdout)}


def summarize(results: dict[str, dict]) -> list[str]:
    """One line per problem (violation, external request, page error); empty when clean."""
    lines = []
    for path, result in sorted(results.items()):
        name = Path(path).name
        for violation in result["violations"]:
            nodes = ", ".join(violation["nodes"][:3])
            lines.append(
                f"{name}: {violation['id']} ({violation['impact']}) – {violation['help']} [{nodes}]"
            )
        for url in result["external_requests"]:
            lines.append(f"{name}: external request {url}")
        for error in result["page_errors"]:
            lines.append(f"{name}: page error {error}")
    return lines


LAYOUT_SCRIPT = AXE_DIR / "check-layout.mjs"
TABLE_SCRIPT = AXE_DIR / "check-table-script.mjs"
#: a table may be this many CSS pixels wider than its container (rounding)
TOLERANCE_PX = 1


def _node(script: Path, args: list[str]) -> object:
    chromium = chromium_path()
    ensure_node_deps()
    done = subprocess.run(["node", str(script), "--chromium", chromium, *args],
                          capture_output=True, text=True, check=False, timeout=900)
    if done.returncode != 0:
        raise BrowserHarnessError(f"{script.name} failed (exit {done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout)


def run_layout(paths: list[Path], modes: tuple[str, ...] = ("screen:1280", "screen:390", "print"),
               screenshot_dir: Path | None = None, js: bool = True) -> list[dict]:
    """Measure every table of every page in each mode (``screen:<width>`` or ``print``,
    A4 portrait's printable width); see ``check-layout.mjs`` for the fields."""
    args = [arg for mode in modes for arg in ("--mode", mode)]
    if screenshot_dir is not None:
        args += ["--screenshot", str(screenshot_dir)]
    if not js:
        args.append("--no-js")
    return _node(LAYOUT_SCRIPT, args + [str(Path(p).resolve()) for p in paths])  # type: ignore[return-value]


def overflowing(result: dict) -> list[dict]:
    """Tables of one measured page that are wider than their container."""
    return [t for t in result["tables"] if t["overflow"] > TOLERANCE_PX]


def run_table_script(path: Path, filter_text: str) -> dict:
    """Sort every enhanced table of ``path`` by each column (click, then keyboard) and
    filter it with ``filter_text``; see ``check-table-script.mjs``."""
    return _node(TABLE_SCRIPT, ["--filter", filter_text, str(Path(path).resolve())])  # type: ignore[return-value]
