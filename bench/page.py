"""First paint of `/` with a cold cache, and the size of our own JS and CSS.

    .venv/bin/python -m bench.page [--loads N]

Starts the real site, then for each load opens a fresh Chromium context (empty HTTP cache) and
reads the browser's own paint timing (`performance.getEntriesByType("paint")`) and navigation
timing. Every load carries the first load's session cookie, as a returning visitor with a
cleared cache: one kernel for the whole run, so kernel starts (forks on a 2-core machine) do
not compete with the page being measured. Figures go in
docs/benchmarks.md ("The page").
"""

from __future__ import annotations

import argparse
import asyncio
import statistics

from .site import ROOT, running_site

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
TIMING = """() => {
  const paint = Object.fromEntries(performance.getEntriesByType('paint').map((e) => [e.name, e.startTime]));
  const nav = performance.getEntriesByType('navigation')[0];
  return {fp: paint['first-paint'], fcp: paint['first-contentful-paint'],
          dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd};
}"""


def own_asset_sizes() -> dict[str, int]:
    """Bytes of every JS and CSS file of ours (static/vendor aside), before compression."""
    files = sorted((ROOT / "static" / "js").glob("*.js")) + sorted((ROOT / "static" / "css").glob("*.css"))
    return {str(path.relative_to(ROOT)): path.stat().st_size for path in files}


def vendor_sizes() -> dict[str, int]:
    vendor = ROOT / "static" / "vendor"
    files = [p for p in sorted(vendor.rglob("*")) if p.suffix in (".js", ".css")]
    return {str(p.relative_to(ROOT)): p.stat().st_size for p in files}


async def measure(base: str, loads: int) -> list[dict]:
    from playwright.async_api import async_playwright

    figures = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        cookies: list = []
        for _ in range(loads + 1):  # the first load warms the server, not the browser: dropped
            context = await browser.new_context(viewport={"width": 1280, "height": 800})
            await context.add_cookies(cookies)
            page = await context.new_page()
            await page.goto(base + "/", wait_until="load")
            # A function, not an expression: Playwright evaluates a string with eval, which the page's CSP refuses.
            await page.wait_for_function("() => performance.getEntriesByType('paint').length >= 2")
            figures.append(await page.evaluate(TIMING))
            cookies = cookies or [c for c in await context.cookies() if c["name"] == "sessionid"]
            await context.close()
        await browser.close()
    return figures[1:]


def summary(values: list[float]) -> str:
    return f"p50 {statistics.median(values):.0f} ms, max {max(values):.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loads", type=int, default=10)
    args = parser.parse_args()
    with running_site({"PLAYGROUND_MAX_KERNELS_PER_CLIENT": str(args.loads + 5)}, quiet=True) as base:
        figures = asyncio.run(measure(base, args.loads))
    for key, label in (
        ("fp", "first paint"),
        ("fcp", "first contentful paint"),
        ("dcl", "DOMContentLoaded"),
        ("load", "load event"),
    ):
        print(f"{label:24} {summary([f[key] for f in figures])}  ({args.loads} cold loads)")
    own = own_asset_sizes()
    for name, size in own.items():
        print(f"  {size:>8,} B  {name}")
    print(f"own JS + CSS: {sum(own.values()):,} B ({sum(own.values()) / 1024:.1f} KiB) before compression")
    vendor = vendor_sizes()
    print(f"vendored JS + CSS: {sum(vendor.values()):,} B in {len(vendor)} files")


if __name__ == "__main__":
    main()
