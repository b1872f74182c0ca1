"""The JavaScript a browser downloads to first show the console, gzipped: the target is ≤ 250 KB.

Reads the build in api/console_dist (`make console` first): the entry script of index.html and every
module it preloads, each gzipped at level 9 (what a server or CDN sends), plus the CSS for reference.
Usage: `python bench/console_size.py [dist dir]`; exits 1 if the JavaScript is over the target.
"""

from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path

DIST = Path(__file__).resolve().parents[1] / "api" / "console_dist"
TARGET_KB = 250
FIRST_LOAD = re.compile(r'<(?:script[^>]*\bsrc|link[^>]*rel="(?:modulepreload|stylesheet)"[^>]*\bhref)="/([^"]+)"')


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def main(dist: Path = DIST) -> int:
    page = dist / "index.html"
    if not page.is_file():
        print(f"{page} is missing: run `make console` first", file=sys.stderr)
        return 2
    files = [dist / name for name in FIRST_LOAD.findall(page.read_text())]
    js = [f for f in files if f.suffix == ".js"]
    for f in files:
        print(f"{f.relative_to(dist)}: {f.stat().st_size / 1024:.1f} KB, {gzipped(f) / 1024:.1f} KB gzipped")
    total = sum(gzipped(f) for f in js) / 1024
    verdict = "within" if total <= TARGET_KB else "OVER"
    print(f"first-load JavaScript: {total:.1f} KB gzipped in {len(js)} file(s) ({verdict} the {TARGET_KB} KB target)")
    return 0 if total <= TARGET_KB else 1


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DIST))
