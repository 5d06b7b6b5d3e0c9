"""Command line: ``python -m analysis build --out DIR``.

Examples::

    python -m analysis build --out _build/data                      # the sample corpus
    python -m analysis build --out out --corpus pages/ --manifest pages/manifest.csv
    python -m analysis build --out out --articles my_articles.parquet --paper 某某报
"""
from __future__ import annotations

import argparse
import logging
import sys

from .errors import InputError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="read a corpus and write every derived table")
    build.add_argument("--out", required=True, help="output folder (created if missing)")
    source = build.add_argument_group("corpus (default: the sample corpus, or $ANALYSIS_CORPUS)")
    source.add_argument("--corpus", help="folder of page text files")
    source.add_argument("--manifest", help="manifest CSV of the pages (default: CORPUS/manifest.csv)")
    source.add_argument("--articles", help="ready article table (.csv, .jsonl or .parquet) with date and text columns")
    build.add_argument("--paper", default="", help="paper name for an article table without a paper column")
    build.add_argument("--leaders", help="leader registry CSV (default: data/leaders.csv)")
    build.add_argument("--quiet", action="store_true", help="no progress bars or summary")
    build.add_argument("--workers", type=int, default=None,
                       help="worker processes for the per-article stage (default: all cores)")
    build.add_argument("--scheduler", default=None,
                       help="run the per-article stage on this Dask scheduler (e.g. tcp://host:8786)")
    manifest = sub.add_parser("manifest", help="write a manifest.csv template (with checksums) for a folder of pages")
    manifest.add_argument("folder", help="folder of page .txt files")
    manifest.add_argument("--paper", required=True, help="newspaper name for every row")
    manifest.add_argument("--force", action="store_true", help="overwrite an existing manifest.csv")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    if args.command == "manifest":
        return _manifest(args)
    if args.articles and (args.corpus or args.manifest):
        print("error: give either --articles or --corpus/--manifest, not both", file=sys.stderr)
        return 2
    from .build import build

    try:
        tables = build(args.out, args.corpus, args.manifest, args.articles, paper=args.paper,
                       leaders=args.leaders, progress=not args.quiet,
                       workers=args.workers, scheduler=args.scheduler)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if not args.quiet:
        for name, frame in tables.items():
            print(f"{args.out}/{name}: {len(frame)} rows")
    return 0


def _manifest(args) -> int:
    from .pages import write_manifest_template

    try:
        path, missing_dates = write_manifest_template(args.folder, args.paper, force=args.force)
    except (InputError, FileExistsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    if missing_dates:
        print(f"fill in issue_date (YYYY-MM-DD) for {missing_dates} page(s): no date in their file names")
    return 0


if __name__ == "__main__":
    sys.exit(main())
