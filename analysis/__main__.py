"""Command line: ``python -m analysis build --out DIR``.

Examples::

    python -m analysis build --out _build/data                      # the sample corpus (or $ANALYSIS_CORPUS)
    python -m analysis build --out out --corpus my_corpus/          # a corpus folder: text + facts
    python -m analysis build --out out --articles my_articles.parquet --paper 某某报
    python -m analysis registry-template --corpus my_corpus/        # a registry draft from titled names
    python -m analysis annotate --corpus my_corpus/ --sample 200    # a sample to check by hand
    python -m analysis synthetic --out gen/ --articles 2400         # the generated test corpus
    python -m analysis build --out out --corpus A/ --corpus B/      # a collection: each paper, then the comparison
    python -m analysis synthetic --collection --out col/            # a generated collection of three papers
    python -m analysis describe --corpus my_corpus/                 # a corpus.toml draft (guesses marked)
    python -m analysis publish --data _build/data --corpus my_corpus/   # the book's downloads and identity

The corpus is ``--corpus`` (else ``$ANALYSIS_CORPUS``, else the sample), opened
once here as an :class:`analysis.Corpus` and passed to every stage, so the
text and every fact (registry, dictionaries) come from that folder.  This
module and :mod:`analysis.api` are the only places that read the environment
(:mod:`analysis.settings` lists the variables).
"""
from __future__ import annotations

import argparse
import logging
import re
import signal
import sys
from pathlib import Path

from .errors import BuildError, InputError
from .io import write_csv

def _integer(low: int, what: str):
    """An argparse type: an integer of at least ``low`` (the message says which argument and why)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be {what}, not {value}")
        return value
    return parse


def _iso_date(text: str) -> str:
    from datetime import date

    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date of the form YYYY-MM-DD") from None


def _scheduler(text: str) -> str:
    from .perarticle.distributed import ADDRESS

    if not ADDRESS.match(text.strip()):
        raise argparse.ArgumentTypeError(f"{text!r} is not a Dask scheduler address (e.g. tcp://host:8786)")
    return text.strip()


POSITIVE = _integer(1, "at least 1")
NON_NEGATIVE = _integer(0, "0 or more")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="read a corpus and write every derived table")
    build.add_argument("--out", required=True,
                       help="output folder (created if missing; replaced as a whole when the build succeeds)")
    source = build.add_argument_group("corpus (default: the sample corpus, or $ANALYSIS_CORPUS)")
    source.add_argument("--corpus", action="append",
                        help="corpus folder (manifest.csv + pages, or articles.csv|jsonl|parquet, plus optional "
                             "facts: leaders.csv, userdict.csv …); give it twice or more (or a folder with a "
                             "collection.toml) to build a collection: each paper into OUT/<slug>/, and the "
                             "comparison tables into OUT")
    source.add_argument("--manifest", help="manifest CSV of the pages (default: CORPUS/manifest.csv)")
    source.add_argument("--articles", help="ready article table (.csv, .jsonl or .parquet) with date and text columns")
    build.add_argument("--paper", default="", help="paper name for an article table without a paper column")
    build.add_argument("--leaders", help="leader registry CSV (default: data/leaders.csv)")
    build.add_argument("--quiet", action="store_true", help="no progress bars or summary")
    build.add_argument("--force", action="store_true",
                       help="rebuild even when --out is up to date (same corpus, facts, code and settings)")
    build.add_argument("--workers", type=POSITIVE, default=None,
                       help="worker processes for the per-article stage (default: all cores)")
    build.add_argument("--scheduler", type=_scheduler, default=None,
                       help="run the per-article stage on this Dask scheduler (e.g. tcp://host:8786)")
    template = sub.add_parser("registry-template", help="write officials found by their titles as a registry draft")
    template.add_argument("--corpus", help="corpus folder (default: $ANALYSIS_CORPUS or the sample)")
    template.add_argument("--out", help="output CSV (default: CORPUS/leaders.draft.csv)")
    template.add_argument("--min-count", type=POSITIVE, default=1, help="keep names seen at least this often")
    template.add_argument("--force", action="store_true", help="overwrite an existing output file")
    annotate = sub.add_parser("annotate", help="write a stratified sample of candidate mentions to check by hand")
    annotate.add_argument("--corpus", help="corpus folder (default: $ANALYSIS_CORPUS or the sample)")
    annotate.add_argument("--sample", type=POSITIVE, default=200, help="size of the sample (default 200)")
    annotate.add_argument("--out", help="output CSV (default: CORPUS/annotation_sample.csv)")
    annotate.add_argument("--seed", type=NON_NEGATIVE, default=0)
    annotate.add_argument("--force", action="store_true", help="overwrite an existing output file")
    synthetic = sub.add_parser("synthetic", help="write the generated multi-year test corpus folder")
    synthetic.add_argument("--out", required=True, help="folder to write (new or empty)")
    synthetic.add_argument("--articles", type=POSITIVE, default=2400)
    synthetic.add_argument("--start", type=_iso_date, default="2019-01-01")
    synthetic.add_argument("--end", type=_iso_date, default="2022-12-31")
    synthetic.add_argument("--seed", type=NON_NEGATIVE, default=0)
    synthetic.add_argument("--force", action="store_true",
                           help="write into a folder that is not empty (the generator's files are replaced)")
    synthetic.add_argument("--collection", action="store_true",
                           help="write a collection instead: three papers (central, city, district) with planted "
                                "reprints and phrase diffusion, and collection.toml (--articles: the central paper's)")
    cache = sub.add_parser("cache", help="show what the build folder's caches hold, or prune them")
    cache.add_argument("--prune", action="store_true",
                       help="remove superseded entries unused for $ANALYSIS_CACHE_KEEP_DAYS days (default 7) and the "
                            "least recently used past $ANALYSIS_CACHE_MAX_MB (default 4096), then compact the file")
    cache.add_argument("--max-age", type=_integer(0, "0 or more days"), default=None, metavar="DAYS",
                       help="with --prune: also remove whatever was not used for DAYS days")
    manifest = sub.add_parser("manifest", help="write a manifest.csv template (with checksums) for a folder of pages")
    manifest.add_argument("folder", help="folder of page .txt files")
    manifest.add_argument("--paper", required=True, help="newspaper name for every row")
    manifest.add_argument("--force", action="store_true", help="overwrite an existing manifest.csv")
    _book_commands(sub)
    return parser


def _book_commands(sub) -> None:
    """``describe`` (a corpus.toml draft) and ``publish`` (the book's downloads and identity)."""
    describe = sub.add_parser("describe", help="write a corpus.toml draft for a corpus folder (guesses marked)")
    describe.add_argument("--corpus", help="corpus folder (default: $ANALYSIS_CORPUS or the sample)")
    describe.add_argument("--out", help="file to write (default: CORPUS/corpus.toml; -: print it)")
    describe.add_argument("--force", action="store_true", help="replace an existing file")
    publish = sub.add_parser("publish", help="write the book's downloads, identity and configuration "
                                             "(before jupyter-book build)")
    from .book.publish import add_arguments

    add_arguments(publish)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from .progress import LogHandler

    handler = LogHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    if args.command in ("describe", "publish"):
        return _guarded(_describe if args.command == "describe" else _publish, args)
    if args.command == "manifest":
        return _manifest(args)
    if args.command == "synthetic":
        return _guarded(_synthetic, args)
    if args.command == "cache":
        return _guarded(_cache, args)
    if args.command == "registry-template":
        return _guarded(_registry_template, args)
    if args.command == "annotate":
        return _guarded(_annotate, args)
    if args.articles and (args.corpus or args.manifest):
        print("error: give either --articles or --corpus/--manifest, not both", file=sys.stderr)
        return 2
    if args.corpus and (len(args.corpus) > 1 or _is_collection(args.corpus[0])):
        return _build_collection(args)
    args.corpus = args.corpus[0] if args.corpus else None
    return _guarded(_build, args, interrupted=f"{args.out} is unchanged")


def _build(args) -> int:
    """``build`` of one corpus, and what it wrote."""
    from .build import build
    from .tables import Tables

    tables = build(args.out, _corpus(args), progress=not args.quiet, workers=args.workers, scheduler=args.scheduler,
                   force=args.force)
    if not args.quiet:
        if isinstance(tables, Tables):
            print(f"{args.out} is up to date (same corpus, facts, code and settings; --force rebuilds)")
        rows = tables.rows if isinstance(tables, Tables) else {name: len(frame) for name, frame in tables.items()}
        for name, n in rows.items():
            print(f"{args.out}/{name}: {n} rows")
    return 0


def _is_collection(path) -> bool:
    from .collection.folder import is_collection_folder

    return is_collection_folder(path)


def _build_collection(args) -> int:
    """``build`` with several ``--corpus`` (or one collection folder): every paper, then the comparison."""
    if args.manifest or args.articles or args.paper:
        print("error: a collection takes --corpus folders only (no --manifest, --articles or --paper)",
              file=sys.stderr)
        return 2
    return _guarded(_collection, args,
                    interrupted=f"{args.out} is not complete (no collection.json); run the build again")


def _collection(args) -> int:
    """``build`` of a collection, and what it wrote."""
    from .api import collection_from
    from .collection_build import build_collection

    built = build_collection(args.out, collection_from(args.corpus, leaders=args.leaders), progress=not args.quiet,
                             workers=args.workers, scheduler=args.scheduler, force=args.force)
    if not args.quiet:
        manifest = built.manifest()
        for paper in manifest["papers"]:
            print(f"{args.out}/{paper['slug']}: {paper['paper']} ({paper['corpus']})")
        for name, n in manifest["rows"].items():
            print(f"{args.out}/{name}: {n} rows")
        print(f"seconds: {manifest['seconds'].get('total')}")
    return 0


def _corpus(args):
    """The corpus the arguments name (``--corpus``, ``--manifest``, ``--articles``, ``--paper``,
    ``--leaders``), else ``$ANALYSIS_CORPUS``, else the sample; settings from the environment."""
    from .api import Corpus, environment_corpus
    from .settings import Settings

    settings = Settings.from_environment()
    given = {name: getattr(args, name, None) for name in ("corpus", "manifest", "articles", "paper", "leaders")}
    if not any(given.values()):
        return environment_corpus()
    base = (Corpus(given["articles"], settings=settings) if given["articles"]
            else Corpus(given["corpus"], manifest=given["manifest"], settings=settings)
            if given["corpus"] or given["manifest"] else environment_corpus())
    if given["paper"]:
        base = base.with_paper(given["paper"])
    return base.with_registry(given["leaders"]) if given["leaders"] else base


def _tables(corpus):
    """The built tables of ``corpus`` (``$ANALYSIS_TABLES``, else ``<build>/data``), built first if needed."""
    from .api import environment_tables_folder

    return corpus.tables(environment_tables_folder())


def _guarded(command, args, *, interrupted: str | None = None) -> int:
    """``command(args)``, its errors as exit codes with the message on stderr: 2 for bad input or output
    (:class:`InputError`, OutputError included), 1 for a failed worker or Dask cluster.  With
    ``interrupted`` (what an interruption leaves behind), Ctrl-C and SIGTERM (a killed job, unwound like
    Ctrl-C so a staging folder is removed) end it with 130 and that message."""
    if interrupted is not None:
        signal.signal(signal.SIGTERM, _terminate)
    try:
        return command(args)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except BuildError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if interrupted is None:
            raise
        print(f"interrupted: {interrupted}", file=sys.stderr)
        return 130


def _synthetic(args) -> int:
    from .synthetic import generate_collection, generate_corpus

    if args.collection:
        folder = generate_collection(args.out, args.articles, seed=args.seed, force=args.force)
        print(f"wrote {folder}")
        return 0
    folder = generate_corpus(args.out, args.articles, start=args.start, end=args.end, seed=args.seed,
                             force=args.force)
    print(f"wrote {folder}")
    return 0


def _cache(args) -> int:
    from .perarticle.stage import ArticleCache
    from .settings import Settings

    settings = Settings.from_environment()
    folder = settings.build_path() / "cache" / "perarticle"
    if args.max_age is not None and not args.prune:
        raise InputError("--max-age", "goes with --prune")
    if args.prune:
        report = _prune(settings, args.max_age)
        if not report:
            print(f"nothing to prune: no cache in {settings.build_path() / 'cache'}")
    if not (folder / ArticleCache.FILE).is_file():
        if not args.prune:
            print(f"no per-article cache in {folder}")
        return 0
    summary = ArticleCache(folder).summary()
    corpora = {c for g in summary["generations"] for c in g["corpora"]}
    print(f"per-article cache {folder / ArticleCache.FILE}: {_mb(summary['bytes'])}, {summary['entries']} entries "
          f"in {len(summary['generations'])} generation(s) of {len(corpora)} corpus file(s)")
    return 0


def _prune(settings, max_age) -> dict:
    from .build import prune_caches

    report = prune_caches(settings, max_age_days=max_age)
    if "perarticle" in report:
        r = report["perarticle"]
        print(f"per-article cache {r['path']}: removed {r['entries']} entries of {r['generations']} superseded or "
              f"unused generation(s) ({_mb(r['bytes'])} of values); file {_mb(r['before'])} → {_mb(r['after'])}")
        if r["over_cap"]:
            print(f"  still over its cap of {settings.cache_max_mb:.0f} MB: every entry left was used by the latest "
                  "build of its corpus; raise $ANALYSIS_CACHE_MAX_MB or delete the file")
    if "corpus" in report:
        r = report["corpus"]
        print(f"corpus cache {r['path']}: removed {r['entries']} unused entr{'y' if r['entries'] == 1 else 'ies'} "
              f"({_mb(r['bytes'])})")
    return report


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def _output_file(out: Path, corpus, force: bool) -> Path:
    """``out`` checked before anything is computed: not one of the corpus's inputs (never, even with
    ``--force``), not a folder, and not an existing file unless ``force``."""
    from .corpus.folder import check_not_input
    from .io import OutputError

    check_not_input(out, corpus, "--out", file=True)
    if out.is_dir():
        raise OutputError(out, "--out names a folder; give a CSV file")
    if out.exists() and not force:
        raise OutputError(out, "exists; pass --force to overwrite it, or give another --out")
    return out


def _registry_template(args) -> int:
    from .leaders.registry_draft import registry_draft

    corpus = _corpus(args)
    out = _output_file(Path(args.out) if args.out else corpus.root / "leaders.draft.csv", corpus, args.force)
    tables = _tables(corpus)
    draft = registry_draft(tables.load("articles"), tables.load("registry"), min_count=args.min_count,
                           corpus=corpus)
    write_csv(draft, out)
    print(f"wrote {out}: {len(draft)} officials found by title; check each row, then save as leaders.csv")
    return 0


def _annotate(args) -> int:
    from .leaders.validation import annotation_sample

    corpus = _corpus(args)
    out = _output_file(Path(args.out) if args.out else corpus.root / "annotation_sample.csv", corpus, args.force)
    tables = _tables(corpus)
    sample = annotation_sample(tables.load("articles"), tables.load("mentions"), args.sample,
                               registry=tables.load("registry"), seed=args.seed)
    write_csv(sample, out)
    print(f"wrote {out}: {len(sample)} candidates; fill `correct` (yes/no), save as "
          f"{corpus.root / 'annotated_mentions.csv'}")
    return 0


def _describe(args) -> int:
    from .corpus.identity import write_description

    corpus = _corpus(args)
    if args.out == "-":
        from .corpus.identity import describe_draft

        sys.stdout.write(describe_draft(corpus))
        return 0
    out = Path(args.out) if args.out else corpus.root / "corpus.toml"
    write_description(corpus, out, force=args.force)
    print(f"wrote {out}: a draft; check every line marked 'guessed' and fill in the commented keys")
    return 0


def _publish(args) -> int:
    from .book.publish import run

    return run(args, _corpus(args))


def _terminate(signum, frame):
    raise KeyboardInterrupt


def _manifest(args) -> int:
    from .corpus.pages import write_manifest_template

    try:
        path, missing_dates = write_manifest_template(args.folder, args.paper, force=args.force)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    if missing_dates:
        print(f"fill in issue_date (YYYY-MM-DD) for {missing_dates} page(s): no date in their file names")
    return 0


if __name__ == "__main__":
    sys.exit(main())
