"""Every link of every built site resolves, and no site names a folder of the machine that built it.

``scripts/test.sh`` runs this after building the sample's book (``_build/html``) and the generated
corpus's (``_build/gen/_build/html``); a missing site fails (build it first), it is never skipped.
The checks are :func:`analysis.book.site.broken_links` and :func:`analysis.book.site.machine_paths`
(``tests/test_site.py`` shows they find what they look for).
"""
from __future__ import annotations

import pytest

from analysis.book.site import broken_links, machine_paths
from analysis.paths import PROJECT_ROOT

SITES = {"sample": PROJECT_ROOT / "_build" / "html", "generated": PROJECT_ROOT / "_build" / "gen" / "_build" / "html"}


def _site(which: str):
    site = SITES[which]
    if not (site / "index.html").is_file():
        pytest.fail(f"{site} is missing: build the book first (scripts/test.sh does)")
    return site


@pytest.mark.parametrize("which", list(SITES))
def test_every_href_and_src_of_the_site_resolves(which):
    site = _site(which)
    pages = [p for p in site.rglob("*.html") if p.relative_to(site).parts[0] != "_static"]
    assert len(pages) >= 10, f"only {len(pages)} pages in {site}"
    problems = broken_links(site)
    assert not problems, f"{len(problems)} broken link(s) in the {which} site:\n" + "\n".join(problems[:40])


@pytest.mark.parametrize("which", list(SITES))
def test_no_machine_path_in_the_site(which):
    problems = machine_paths(_site(which), [PROJECT_ROOT, PROJECT_ROOT.resolve()])
    assert not problems, "\n".join(problems[:20])
