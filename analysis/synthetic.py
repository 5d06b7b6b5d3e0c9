"""A generated multi-year corpus folder, made from the sample's own material.

Nine articles hide every scaling and validity problem, so the tests and the
benchmarks also run on a corpus written by :func:`generate_corpus`: a
fictional district paper, the 长河报 of 长河区, with its own registry of
officials whose posts change over the years.  It is built deterministically
(one seed) from the sample pages:

* **sentences** are those of the nine sample articles, with the district's
  name replaced (丰台 → 长河) and every sentence that names a person of the
  sample registry left out, so that no sample official leaks in;
* **headlines** are the sample headlines treated the same way, or a templated
  headline naming the article's main official;
* **officials** come from :data:`OFFICIALS` (fictional names, checked not to
  occur in the sample text): each article names zero to three officials *in
  office on its date*, with their title before the name (区委书记林国栋), and
  some articles use a bare title (区委书记主持会议) or the national
  leadership's citation ritual (传达学习习近平总书记重要讲话精神);
* **dates**: two issues a week (Tuesday and Friday) over the years asked for,
  a few articles per issue.

The folder holds ``articles.csv`` (id, date, title, page, text),
``leaders.csv`` (the registry, with a ``source`` column naming this
generator), ``userdict.csv`` (its officials, and the sample's places,
institutions and formulations with the district renamed), ``corpus.toml`` and ``truth.csv``: for each article, which
officials it names (the planted truth, for tests).

>>> import tempfile
>>> folder = generate_corpus(tempfile.mkdtemp(), n_articles=60, start="2020-01-01", end="2021-12-31")
>>> sorted(p.name for p in folder.iterdir())
['articles.csv', 'corpus.toml', 'leaders.csv', 'truth.csv', 'userdict.csv']

Command line: ``python -m analysis synthetic --out FOLDER [--articles 2400]``.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.io import write_csv, write_text

PAPER = "长河报"
PLACE = "长河区"
SOURCE = "synthetic: analysis.synthetic.generate_corpus (seed {seed}), fictional officials"

#: Fictional officials of 长河区: (name, title, organisation, level, start, end).
OFFICIALS = [
    ("林国栋", "区委书记", "中共长河区委员会", "district", "2019-01-01", "2021-06-30"),
    ("周卫民", "区委书记", "中共长河区委员会", "district", "2021-07-01", ""),
    ("沈志远", "区长", "长河区人民政府", "district", "2019-01-01", "2022-03-31"),
    ("周卫民", "区委副书记", "中共长河区委员会", "district", "2019-01-01", "2021-06-30"),
    ("梁思齐", "区长", "长河区人民政府", "district", "2022-04-01", ""),
    ("顾明德", "区人大常委会主任", "长河区人民代表大会常务委员会", "district", "2019-01-01", ""),
    ("韩立新", "区政协主席", "中国人民政治协商会议长河区委员会", "district", "2019-01-01", "2022-12-31"),
    ("方晓燕", "副区长", "长河区人民政府", "district", "2020-03-01", ""),
    ("唐振华", "区委副书记", "中共长河区委员会", "district", "2019-01-01", "2021-12-31"),
]

ACTIVITY = [
    "{title}{name}出席活动并讲话。",
    "{title}{name}主持会议并讲话。",
    "{title}{name}带队调研重点项目建设情况。",
    "{title}{name}指出，要抓好各项工作落实。",
    "{title}{name}强调，要持续推进高质量发展。",
    "{title}{name}一行走访慰问了困难群众。",
]
BARE_TITLE = ["{title}主持会议并讲话。", "{title}出席活动。"]
RITUAL = [
    "会议传达学习了习近平总书记重要讲话精神。",
    "要深入学习贯彻习近平新时代中国特色社会主义思想。",
    "会议认真学习贯彻习近平总书记重要指示精神。",
]
HEADLINES = ["{name}调研重点项目建设", "{name}出席{place}工作会议", "{name}主持召开专题会议", "{name}走访慰问困难群众"]


def _material(seed: int):
    """Sentences and headlines of the sample, with the district renamed and sample officials removed."""
    from analysis.corpus.read import read_corpus
    from analysis.perarticle.mentions import load_registry
    from analysis.paths import DATA_DIR

    sample = read_corpus(DATA_DIR, cache=True).articles
    names = set(load_registry(DATA_DIR / "leaders.csv")["name"])
    names |= {"蒋达峰", "苏和", "于吉顺", "安娜·帕拉希奥", "习近平"}

    def keep(s: str) -> bool:
        return len(s) >= 8 and not any(n in s for n in names)

    sentences = []
    for text in sample["text"]:
        for piece in re.findall(r"[^。！？\n]+[。！？]", text.replace("丰台", "长河")):
            if keep(piece.strip()):
                sentences.append(piece.strip())
    headlines = [h.replace("丰台", "长河") for h in sample["headline"] if h and keep(h)]
    return sorted(set(sentences)), sorted(set(headlines))


def _in_office(date: str) -> list[tuple]:
    return [o for o in OFFICIALS if o[4] <= date and (not o[5] or date <= o[5])]


def issue_dates(start: str, end: str) -> list[str]:
    """Tuesdays and Fridays from ``start`` to ``end`` (YYYY-MM-DD)."""
    days = pd.date_range(start, end, freq="D")
    return [d.strftime("%Y-%m-%d") for d in days if d.weekday() in (1, 4)]


def generate_articles(n_articles: int = 2400, *, start: str = "2019-01-01", end: str = "2022-12-31",
                      seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The article table and the planted truth (article id, name, title, kind) as DataFrames."""
    rng = np.random.default_rng(seed)
    sentences, headlines = _material(seed)
    dates = issue_dates(start, end)
    if not dates:
        raise ValueError(f"no issue day between {start} and {end}")
    # Articles spread evenly over the issues, in date order.
    issue_of = np.sort(rng.integers(0, len(dates), n_articles))
    rows, truth = [], []
    for k, issue in enumerate(issue_of):
        date = dates[issue]
        article_id = f"chb-{date.replace('-', '')}-{k:05d}"
        officials = _in_office(date)
        body = [sentences[i] for i in rng.choice(len(sentences), int(rng.integers(4, 11)), replace=False)]
        named = []
        if officials and rng.random() < 0.7:
            count = int(rng.integers(1, min(3, len(officials)) + 1))
            for j in rng.choice(len(officials), count, replace=False):
                name, title = officials[j][0], officials[j][1]
                sentence = ACTIVITY[int(rng.integers(len(ACTIVITY)))].format(title=title, name=name)
                body.insert(int(rng.integers(0, len(body) + 1)), sentence)
                named.append((name, title))
                truth.append({"article_id": article_id, "name": name, "title": title, "kind": "coverage"})
        if officials and rng.random() < 0.1:
            title = officials[int(rng.integers(len(officials)))][1]
            body.insert(int(rng.integers(0, len(body) + 1)), BARE_TITLE[int(rng.integers(len(BARE_TITLE)))]
                        .format(title=title))
            truth.append({"article_id": article_id, "name": "", "title": title, "kind": "title-only"})
        if rng.random() < 0.25:
            body.insert(0, RITUAL[int(rng.integers(len(RITUAL)))])
            truth.append({"article_id": article_id, "name": "习近平", "title": "总书记", "kind": "ritual"})
        if named and rng.random() < 0.5:
            name = named[0][0]
            headline = HEADLINES[int(rng.integers(len(HEADLINES)))].format(name=name, place=PLACE)
            truth.append({"article_id": article_id, "name": name, "title": "", "kind": "headline"})
        else:
            headline = headlines[int(rng.integers(len(headlines)))]
        paragraphs, size = [], int(rng.integers(2, 4))
        for i in range(0, len(body), size):
            paragraphs.append("".join(body[i:i + size]))
        rows.append({"id": article_id, "date": date, "title": headline, "page": str(int(rng.integers(1, 5))),
                     "text": "\n".join(paragraphs)})
    return pd.DataFrame(rows), pd.DataFrame(truth, columns=["article_id", "name", "title", "kind"])


def registry(seed: int = 0) -> pd.DataFrame:
    """The registry of :data:`OFFICIALS` plus the General Secretary, in ``data/leaders.csv`` form."""
    rows = [{"name": "习近平", "aliases": "", "title": "总书记", "organisation": "中国共产党中央委员会",
             "level": "national", "category": "official", "needs_anchor": "no", "start": "2012-11-15", "end": "",
             "source": "elected General Secretary 2012-11-15", "note": ""}]
    for name, title, organisation, level, start, end in OFFICIALS:
        rows.append({"name": name, "aliases": "", "title": title, "organisation": organisation, "level": level,
                     "category": "official", "needs_anchor": "no", "start": start, "end": end,
                     "source": SOURCE.format(seed=seed), "note": "fictional"})
    return pd.DataFrame(rows)


def user_dictionary(seed: int = 0) -> pd.DataFrame:
    """The paper's own segmentation dictionary: its officials, and the sample's places and formulations renamed.

    A corpus folder with its own ``userdict.csv`` is what a scholar would
    bring; without it the officials' names would be cut apart (沈 + 志远).
    """
    from analysis.paths import DATA_DIR
    from analysis.tokens import read_user_dictionary

    sample = read_user_dictionary(DATA_DIR / "userdict.csv")
    rows = [{"word": w.replace("丰台", "长河"), "freq": "" if not f else str(f), "tag": t, "category": c,
             "source": f"renamed from data/userdict.csv ({w})"}
            for w, f, t, c in zip(sample["word"], sample["freq"], sample["tag"], sample["category"])
            if c != "person"]
    rows += [{"word": name, "freq": "", "tag": "nr", "category": "person", "source": SOURCE.format(seed=seed)}
             for name in sorted({o[0] for o in OFFICIALS})]
    frame = pd.DataFrame(rows).drop_duplicates("word", keep="first")
    return frame[["word", "freq", "tag", "category", "source"]]


def check_arguments(n_articles: int, start: str, end: str, seed: int = 0) -> None:
    """Refuse arguments that cannot make a corpus, naming the option (``--articles``, ``--start`` …).

    >>> check_arguments(0, "2020-01-01", "2020-12-31")
    Traceback (most recent call last):
    ...
    analysis.errors.InputError: --articles: must be a positive number of articles, not 0
    """
    from datetime import date

    from analysis.errors import InputError

    if isinstance(n_articles, bool) or not isinstance(n_articles, (int, np.integer)) or n_articles < 1:
        raise InputError("--articles", f"must be a positive number of articles, not {n_articles!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError("--seed", f"must be a non-negative integer, not {seed!r}")
    days = {}
    for option, value in (("--start", start), ("--end", end)):
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
                raise ValueError
            days[option] = date.fromisoformat(value)
        except ValueError:
            raise InputError(option, f"{value!r} is not a date of the form YYYY-MM-DD") from None
    if days["--end"] < days["--start"]:
        raise InputError("--end", f"{end} is before --start {start}")
    if not issue_dates(start, end):
        raise InputError("--end", f"no issue day (Tuesday or Friday) between {start} and {end}; "
                                  "give a longer period")


def generate_corpus(folder: str | Path, n_articles: int = 2400, *, start: str = "2019-01-01",
                    end: str = "2022-12-31", seed: int = 0, force: bool = False) -> Path:
    """Write a corpus folder (see the module docstring); return its path. Same arguments, same bytes.

    The arguments are checked first (:func:`check_arguments`).  An existing file, or a folder that
    is not empty, is refused unless ``force`` (then the generator's files in it are replaced, and
    nothing else is touched).  The files are written into a fresh folder beside ``folder`` first,
    so an interrupted run leaves no half-written corpus.
    """
    import os
    import shutil
    import tempfile

    from analysis.io import OutputError

    check_arguments(n_articles, start, end, seed)
    folder = Path(folder).expanduser()
    if folder.exists() and not folder.is_dir():
        raise OutputError(folder, "--out names a file, not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        shown = ", ".join(sorted(p.name for p in folder.iterdir())[:5])
        raise OutputError(folder, f"--out is not empty ({shown}); pass --force to replace the generated "
                                  "corpus's files in it, or give a new folder")
    articles, truth = generate_articles(n_articles, start=start, end=end, seed=seed)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
    try:
        write_csv(registry(seed), staging / "leaders.csv")
        write_csv(user_dictionary(seed), staging / "userdict.csv")
        write_csv(truth, staging / "truth.csv")
        years = f"{start[:4]}–{end[:4]}"
        write_text(
            "# Generated by analysis.synthetic.generate_corpus: a fictional paper for tests and benchmarks.\n"
            f'title = "{PAPER} (generated, {years})"\n'
            f'paper = "{PAPER}"\n'
            f'place = "{PLACE}, a fictional district"\n'
            f'period = "{start} to {end}"\n'
            f'source = "generated by analysis.synthetic (seed {seed}, {n_articles} articles) from the sentences of the 丰台报 '
            'sample pages, shuffled without regard to date or headline: a test corpus, so its trends, topics and '
            'representative headlines carry no meaning about any paper"\n'
            'licence = "same terms as the sample pages it is made from"\n',
            staging / "corpus.toml")
        write_csv(articles, staging / "articles.csv")
        os.chmod(staging, 0o777 & ~_umask())
        if not folder.is_dir() or not any(folder.iterdir()):
            if folder.is_dir():
                folder.rmdir()
            os.rename(staging, folder)
        else:
            # The table last: a folder with articles.csv is complete.
            for name in ("leaders.csv", "userdict.csv", "truth.csv", "corpus.toml", "articles.csv"):
                os.replace(staging / name, folder / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _umask() -> int:
    import os

    umask = os.umask(0)
    os.umask(umask)
    return umask
