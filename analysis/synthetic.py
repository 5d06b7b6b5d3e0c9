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
  a few articles per issue;
* **openings** (``openings=True``; off by default, so that the planted
  mentions keep their issue dates): a dateline or source credit in one of
  the forms of :data:`OPENINGS` (本报讯（记者…）, ``本报长河１月５日讯``,
  ``新华社北京１２月３１日电``, ``新华社北京5日电``, ``据新华社…电``, 中新社,
  央视网消息, Chinese numerals, and look-alikes that are no dateline such as
  ``今天（1月5日）`` or ``1月1日起``), in full- or half-width digits, dated
  the issue day or a day or two before; the planted truth is
  ``openings.csv`` (:func:`plant_openings`).

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

from analysis.corpus.read import read_corpus
from analysis.errors import InputError
from analysis.io import OutputError, write_csv, write_text
from analysis.paths import DATA_DIR
from analysis.perarticle.mentions import load_registry
from analysis.tokens import read_user_dictionary

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

#: Fictional reporters of the openings (not officials, not in the sample).
REPORTERS = ["程晓岚", "吕思航", "季文博", "龚雨桐", "葛立群", "骆嘉言"]
#: Openings: (form, template, source_agency).  ``{m}``/``{d}`` are the dateline's month and day
#: (in the width given by the form: full-width for most national forms, Chinese numerals for
#: "(zh)"), ``{r}`` a reporter, ``{t}`` a time of day; the dateline, when there is one, is
#: between [ and ] (the planted truth; the brackets are removed).
OPENINGS = [
    ("none", "", "none"),
    ("本报讯+date", "本报讯（记者 {r}）[{m}月{d}日{t}]，", "本报"),
    ("本报讯", "本报讯（记者 {r}）", "本报"),
    ("本报…讯 (full)", "[本报长河{m}月{d}日讯]　记者{r}报道：", "本报"),
    ("新华社…电 (full)", "[新华社北京{m}月{d}日电]（记者 {r}）", "新华社"),
    ("新华社…日电", "[新华社北京{d}日电]　", "新华社"),
    ("据新华社…电 (full)", "[据新华社北京{m}月{d}日电]　", "新华社"),
    ("中新社…电 (full)", "[中新社北京{m}月{d}日电]　", "other"),
    ("（记者）+date", "（记者 {r}）[{m}月{d}日]，", "本报"),
    ("本报记者", "本报记者　{r}　", "本报"),
    ("据新华社报道", "据新华社报道，", "新华社"),
    ("央视网消息+date", "央视网消息：[{m}月{d}日{t}]，", "other"),
    ("新华社…电 (zh)", "[新华社北京{m}月{d}日电]　", "新华社"),
    ("day+date (full)", "[{d}日{t}]，", "none"),
    ("今天（date）", "今天（{m}月{d}日），", "none"),
    ("date起 (full)", "{m}月{d}日起，", "none"),
    ("记者今天", "记者今天从区发展改革委获悉，", "none"),
]


def _material(seed: int):
    """Sentences and headlines of the sample, with the district renamed and sample officials removed."""
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


def _numeral(n: int, width: str) -> str:
    if width == "full":
        return str(n).translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)})
    if width == "zh":
        digits = "〇一二三四五六七八九"
        return (("" if n < 20 else digits[n // 10]) + "十" + (digits[n % 10] if n % 10 else "")) if n >= 10 else digits[n]
    return str(n)


def plant_openings(articles: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Prefix each article's text with an opening of :data:`OPENINGS`; return the articles and the truth.

    The truth has one row per article: ``article_id, form, dateline`` (as
    printed; '' for none), ``date`` (YYYY-MM-DD the dateline means; '' for
    none) and ``source_agency``.  A dateline is dated the issue day or up to
    two days before, never before a change of post in :data:`OFFICIALS` (so
    the planted mentions stay in office).  A date that opened the text (a
    sample sentence such as 11月28日，…) is removed first, so that the planted
    opening is the only one.  Its own random stream: the articles are
    otherwise unchanged.
    """
    rng = np.random.default_rng([seed, 7])
    times = ["", "", "上午", "下午", "晚"]
    changes = sorted({pd.Timestamp(o[4]) for o in OFFICIALS}
                     | {pd.Timestamp(o[5]) + pd.Timedelta(days=1) for o in OFFICIALS if o[5]})
    leading_date = re.compile(r"^\d{1,2}月\d{1,2}日[^，。]{0,6}，")
    rows, truth = [], []
    for record in articles.to_dict("records"):
        form, template, agency = OPENINGS[int(rng.integers(len(OPENINGS)))]
        width = "full" if "(full)" in form else "zh" if "(zh)" in form else "half"
        issue = pd.Timestamp(record["date"])
        day = issue - pd.Timedelta(days=int(rng.integers(0, 3)))
        day = max([day] + [c for c in changes if c <= issue])
        reporter = REPORTERS[int(rng.integers(len(REPORTERS)))]
        when = times[int(rng.integers(len(times)))]
        text = template.format(m=_numeral(day.month, width), d=_numeral(day.day, width), r=reporter, t=when)
        dated = re.search(r"\[(.*)\]", text)
        body = leading_date.sub("", record["text"])
        rows.append(dict(record, text=text.replace("[", "").replace("]", "") + body))
        truth.append({"article_id": record["id"], "form": form, "dateline": dated.group(1) if dated else "",
                      "date": day.strftime("%Y-%m-%d") if dated else "", "source_agency": agency})
    return pd.DataFrame(rows, columns=articles.columns), pd.DataFrame(
        truth, columns=["article_id", "form", "dateline", "date", "source_agency"])


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
                    end: str = "2022-12-31", seed: int = 0, force: bool = False,
                    openings: bool = False) -> Path:
    """Write a corpus folder (see the module docstring); return its path. Same arguments, same bytes.

    The arguments are checked first (:func:`check_arguments`).  An existing file, or a folder that
    is not empty, is refused unless ``force`` (then the generator's files in it are replaced, and
    nothing else is touched).  The files are written into a fresh folder beside ``folder`` first,
    so an interrupted run leaves no half-written corpus.

    ``openings``: prefix the articles with datelines and source credits
    (:func:`plant_openings`) and write their truth to ``openings.csv``.
    """
    import os
    import shutil
    import tempfile

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
        written = ["leaders.csv", "userdict.csv", "truth.csv", "corpus.toml", "articles.csv"]
        if openings:
            articles, opening_truth = plant_openings(articles, seed)
            write_csv(opening_truth, staging / "openings.csv")
            written.insert(0, "openings.csv")
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
            'licence = "the terms of the 丰台报 sample text it is made from"\n',
            staging / "corpus.toml")
        write_csv(articles, staging / "articles.csv")
        os.chmod(staging, 0o777 & ~_umask())
        if not folder.is_dir() or not any(folder.iterdir()):
            if folder.is_dir():
                folder.rmdir()
            os.rename(staging, folder)
        else:
            # The table last: a folder with articles.csv is complete.
            for name in written:
                os.replace(staging / name, folder / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _umask() -> int:
    import os

    umask = os.umask(0)
    os.umask(umask)
    return umask


# --------------------------------------------------------------------------- a national paper across eras

NATIONAL_PAPER = "全国日报（生成）"
NATIONAL_SOURCE = "synthetic: analysis.synthetic.generate_national_articles; dates of posts from public record"
#: Posts of the national registry of the generated national paper: (name, title, organisation, start, end).
#: Real persons and dates (public record), so that the eras, rituals and roll calls are those of real papers.
NATIONAL_POSTS = [
    ("邓小平", "中央军委主席", "中国共产党中央军事委员会", "1981-06-29", "1989-11-09"),
    ("江泽民", "总书记", "中国共产党中央委员会", "1989-06-24", "2002-11-15"),
    ("江泽民", "国家主席", "中华人民共和国", "1993-03-27", "2003-03-15"),
    ("李鹏", "国务院总理", "国务院", "1988-04-09", "1998-03-17"),
    ("李鹏", "全国人大常委会委员长", "全国人民代表大会常务委员会", "1998-03-16", "2003-03-15"),
    ("朱镕基", "国务院总理", "国务院", "1998-03-17", "2003-03-16"),
    ("李瑞环", "全国政协主席", "中国人民政治协商会议全国委员会", "1993-03-27", "2003-03-13"),
    ("胡锦涛", "国家副主席", "中华人民共和国", "1998-03-16", "2003-03-15"),
    ("胡锦涛", "总书记", "中国共产党中央委员会", "2002-11-15", "2012-11-15"),
    ("胡锦涛", "国家主席", "中华人民共和国", "2003-03-15", "2013-03-14"),
    ("温家宝", "国务院总理", "国务院", "2003-03-16", "2013-03-15"),
    ("吴邦国", "全国人大常委会委员长", "全国人民代表大会常务委员会", "2003-03-15", "2013-03-14"),
    ("习近平", "总书记", "中国共产党中央委员会", "2012-11-15", ""),
    ("习近平", "国家主席", "中华人民共和国", "2013-03-14", ""),
    ("李克强", "国务院总理", "国务院", "2013-03-15", "2023-03-11"),
    ("李强", "国务院总理", "国务院", "2023-03-11", ""),
    ("栗战书", "全国人大常委会委员长", "全国人民代表大会常务委员会", "2018-03-17", "2023-03-10"),
    ("赵乐际", "全国人大常委会委员长", "全国人民代表大会常务委员会", "2023-03-10", ""),
    ("汪洋", "全国政协主席", "中国人民政治协商会议全国委员会", "2018-03-14", "2023-03-10"),
    ("王沪宁", "全国政协主席", "中国人民政治协商会议全国委员会", "2023-03-10", ""),
]
#: Politburo Standing Committees in protocol order, from the first plenum that elected them.
PBSC = [
    ("1997-09-19", ["江泽民", "李鹏", "朱镕基", "李瑞环", "胡锦涛", "尉健行", "李岚清"]),
    ("2002-11-15", ["胡锦涛", "吴邦国", "温家宝", "贾庆林", "曾庆红", "黄菊", "吴官正", "李长春", "罗干"]),
    ("2007-10-22", ["胡锦涛", "吴邦国", "温家宝", "贾庆林", "李长春", "习近平", "李克强", "贺国强", "周永康"]),
    ("2012-11-15", ["习近平", "李克强", "张德江", "俞正声", "刘云山", "王岐山", "张高丽"]),
    ("2017-10-25", ["习近平", "李克强", "栗战书", "汪洋", "王沪宁", "赵乐际", "韩正"]),
    # The 20th Party Congress's first plenum: 赵乐际 now before 王沪宁 (the planted order change).
    ("2022-10-23", ["习近平", "李强", "赵乐际", "王沪宁", "蔡奇", "丁薛祥", "李希"]),
]
#: The General Secretary's ritual formula by era (以…同志为核心的党中央; Hu's era wrote 为总书记).
CORE = {"江泽民": "以江泽民同志为核心的党中央", "胡锦涛": "以胡锦涛同志为总书记的党中央",
        "习近平": "以习近平同志为核心的党中央"}
AFTER_TITLE = {"总书记": "总书记", "国家主席": "主席", "国务院总理": "总理", "全国人大常委会委员长": "委员长"}
FILLER = ["各项工作取得新进展。", "会议研究了下一阶段重点工作。", "与会同志进行了认真讨论。",
          "各地区各部门要抓好贯彻落实。", "会议审议通过了有关文件。"]


def _pbsc(date: str) -> list[str]:
    members: list[str] = []
    for start, names in PBSC:
        if start <= date:
            members = names
    return members


def _posts_on(date: str) -> list[tuple]:
    return [p for p in NATIONAL_POSTS if p[3] <= date and (not p[4] or date < p[4])]


def national_registry() -> pd.DataFrame:
    """The generated national paper's registry: :data:`NATIONAL_POSTS` and the PBSC memberships of :data:`PBSC`."""
    rows = [{"name": n, "aliases": "", "title": t, "organisation": o, "level": "national", "category": "official",
             "needs_anchor": "no", "start": s, "end": e, "source": NATIONAL_SOURCE, "note": "",
             "org_forms": {"中国共产党中央委员会": "中共中央;党中央", "中华人民共和国": "国家"}.get(o, "")}
            for n, t, o, s, e in NATIONAL_POSTS]
    spans: dict[str, list[str]] = {}
    for i, (start, names) in enumerate(PBSC):
        end = PBSC[i + 1][0] if i + 1 < len(PBSC) else ""
        for name in names:
            span = spans.get(name)
            if span and span[1] == start:
                span[1] = end                                 # re-elected: one continuous term
            else:
                spans[name] = [start, end]
    for name, (start, end) in spans.items():
        rows.append({"name": name, "aliases": "", "title": "中央政治局常委", "organisation": "中国共产党中央政治局常务委员会",
                     "level": "national", "category": "official", "needs_anchor": "no", "start": start, "end": end,
                     "source": NATIONAL_SOURCE, "note": "", "org_forms": ""})
    return pd.DataFrame(rows)


def generate_national_articles(n_articles: int = 1200, *, start: str = "1997-10-01", end: str = "2025-12-31",
                               seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A national paper across eras: the article table and the planted truth.

    Each article holds some of: a roll call of the Politburo Standing
    Committee in force (习近平、李强、赵乐际…; the order of 王沪宁 and 赵乐际
    flips at the 20th Party Congress, 2022-10-23), a sentence naming two of
    them in the other order that is no list (…主持会议，…出席), the General
    Secretary's ritual formula of the era (以江泽民同志为核心的党中央, 以胡锦涛
    同志为总书记的党中央 …), a citation (…同志最近强调指出, 学习贯彻…总书记重要讲话
    精神, 在…的领导下), a doctrine (邓小平理论, 习近平新时代中国特色社会主义思想,
    《江泽民文选》), a titled act (国务院总理李强出席…), a name before its title
    (李强总理指出…) and title traps (…年元旦由国家主席…, 访华时他受到了中国国家主席…,
    …当选国家主席…当选…). Dates and full-width digits as in a real daily.

    Truth columns: ``article_id``, ``name``, ``kind`` (coverage, ritual,
    doctrine), ``title`` (the registry post the title must normalise to,
    '' when none), ``what`` (which template).
    """
    rng = np.random.default_rng(seed)
    days = pd.date_range(start, end, freq="D")
    picks = np.sort(rng.choice(len(days), n_articles, replace=len(days) < n_articles))
    rows, truth = [], []

    def plant(article_id, name, kind, title, what):
        truth.append({"article_id": article_id, "name": name, "kind": kind, "title": title, "what": what})

    for k, index in enumerate(picks):
        date = days[index].strftime("%Y-%m-%d")
        article_id = f"nat-{date.replace('-', '')}-{k:05d}"
        posts = _posts_on(date)
        members = _pbsc(date)
        leader = next((p[0] for p in posts if p[1] == "总书记"), "")
        body: list[str] = []
        if members and rng.random() < 0.6:
            body.append("、".join(members) + "等出席会议。")
            for name in members:
                plant(article_id, name, "coverage", "", "roll call")
            if rng.random() < 0.3:
                a, b = members[1], members[2]
                body.append(f"{b}主持会议，{a}出席并讲话。")   # both orders in one sentence, but no list
                plant(article_id, b, "coverage", "", "no list")
                plant(article_id, a, "coverage", "", "no list")
        if leader in CORE and rng.random() < 0.5:
            body.append(f"更加紧密地团结在{CORE[leader]}周围。")
            plant(article_id, leader, "ritual", "", "core formula")
        if leader and rng.random() < 0.4:
            choice = int(rng.integers(3))
            sentence = [f"认真学习贯彻{leader}总书记重要讲话精神。", f"{leader}同志最近强调指出，要抓好各项工作。",
                        f"在{leader}同志的领导下，各项事业取得新成就。"][choice]
            body.append(sentence)
            plant(article_id, leader, "ritual", "", ["citation", "editorial", "leadership"][choice])
        if "1997-09-12" <= date < "2012-11-08" and rng.random() < 0.3:
            body.append("高举邓小平理论伟大旗帜。")
            plant(article_id, "邓小平", "doctrine", "", "theory")
        if date >= "2017-10-24" and rng.random() < 0.3:
            body.append("深入学习贯彻习近平新时代中国特色社会主义思想。")
            plant(article_id, "习近平", "doctrine", "", "thought")
        if date >= "2006-08-10" and rng.random() < 0.1:
            body.append("《江泽民文选》第一卷至第三卷在各地发行。")
            plant(article_id, "江泽民", "doctrine", "", "works")
        titled = [p for p in posts if p[1] in AFTER_TITLE]
        if titled and rng.random() < 0.6:
            name, title = titled[int(rng.integers(len(titled)))][:2]
            form = int(rng.integers(4))
            if form == 0:
                body.append(f"{title}{name}出席会议并讲话。")
            elif form == 1:
                body.append(f"{name}{AFTER_TITLE[title]}指出，要坚持稳中求进。")
            elif form == 2:
                body.append(f"{fold_digits(date[:4])}年元旦由{title}{name}发表讲话。")
            else:
                body.append(f"访华时他受到了中国{title}{name}的接见。")
            plant(article_id, name, "coverage", title, ["title first", "name first", "date before", "clause before"][form])
        people = list(dict.fromkeys(t[0] for t in titled))
        if len(people) >= 2 and rng.random() < 0.1:
            (a, ta), (b, tb) = (next(t[:2] for t in titled if t[0] == who) for who in people[:2])
            body.append(f"{a}当选{ta}{b}当选{tb}后首次亮相。")    # two headlines run together
            plant(article_id, a, "coverage", "", "predicate")
            plant(article_id, b, "coverage", "", "predicate")
        body.insert(int(rng.integers(0, len(body) + 1)), FILLER[int(rng.integers(len(FILLER)))])
        month, day = int(date[5:7]), int(date[8:10])
        text = fold_digits(f"新华社北京{month}月{day}日电　") + "".join(body)
        rows.append({"id": article_id, "date": date, "title": "", "page": "1", "text": text, "paper": NATIONAL_PAPER})
    return pd.DataFrame(rows), pd.DataFrame(truth, columns=["article_id", "name", "kind", "title", "what"])


def fold_digits(text: str) -> str:
    """ASCII digits as full-width (１９９７年), as national dailies print them."""
    return text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))


def generate_national_corpus(folder: str | Path, n_articles: int = 1200, *, start: str = "1997-10-01",
                             end: str = "2025-12-31", seed: int = 0) -> Path:
    """Write the generated national paper (:func:`generate_national_articles`) as a corpus folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    articles, truth = generate_national_articles(n_articles, start=start, end=end, seed=seed)
    write_csv(national_registry(), folder / "leaders.csv")
    write_csv(truth, folder / "truth.csv")
    write_text(
        "# Generated by analysis.synthetic.generate_national_corpus: a national paper across eras, for tests.\n"
        f'title = "{NATIONAL_PAPER} ({start[:4]}–{end[:4]})"\n'
        f'paper = "{NATIONAL_PAPER}"\n'
        f'period = "{start} to {end}"\n'
        f'source = "generated by analysis.synthetic (seed {seed}, {n_articles} articles): templated sentences about '
        'real leaders on real dates of their posts; a test corpus"\n',
        folder / "corpus.toml")
    write_csv(articles, folder / "articles.csv")
    return folder


# --------------------------------------------------------------------------- a collection of three papers

#: The generated collection's papers: (folder, paper, level, place that replaces 长河, issue days, start).
#: Issue days: weekday numbers (Monday 0).  Overlapping dates: the central paper starts first.
COLLECTION_PAPERS = [
    ("central", "中华日报（生成）", "central", "全国", (0, 1, 2, 3, 4, 5, 6), 0),
    ("city", "江城日报（生成）", "city", "江城", (0, 1, 2, 3, 4), 31),
    ("district", PAPER, "district", "长河", (1, 4), 60),
]
#: Planted phrases: phrase → lag in days after the central paper's first use, per local paper (None: the
#: paper never uses it).  The lag is measured to the local paper's first issue on or after it, and the
#: truth (``diffusion.csv``) records the lag that results.
PLANTED_PHRASES = {
    "数智赋能新赛道": {"city": 7, "district": 21},
    "生态绿廊惠民工程": {"city": 3, "district": 45},
    "五链融合发展格局": {"city": 30, "district": None},
}
#: Used by the central paper before the district paper starts, and by the district paper from its first
#: issue on: left-censored there (the city paper adopts it with a lag).
CENSORED_PHRASE = ("城乡共富示范带", {"city": 5})
_UNIQUE = (["产业园", "科创中心", "物流枢纽", "文化街区", "养老驿站", "口袋公园", "智慧社区", "创新工场", "便民市场",
            "康养基地", "数据中心", "滨河步道"],
           ["完成投资", "新增就业", "服务群众", "引进企业", "改造面积", "接待游客"],
           ["亿元", "人次", "家", "平方米", "个岗位", "万件"])


def _rename(text: str, level: str, place: str) -> str:
    """The district's name in the generated text made the paper's own: 长河区 → 江城市 for the city paper,
    → 全国 for the central one."""
    whole = {"central": "全国", "city": place + "市"}.get(level, place + "区")
    return text.replace("长河区", whole).replace("长河", place)


def _unique_sentence(rng, place: str) -> str:
    a, b, c = (words[int(rng.integers(len(words)))] for words in _UNIQUE)
    return f"{place}{a}第{int(rng.integers(1, 40))}期{b}{int(rng.integers(2, 9999))}{c}，同比增长{int(rng.integers(1, 99))}%。"


def generate_collection(folder: str | Path, n_articles: int = 600, *, start: str = "2021-01-01",
                        end: str = "2021-12-31", seed: int = 0, reprint_share: float = 0.1,
                        force: bool = False) -> Path:
    """Write a collection folder: three corpus folders and ``collection.toml``; return its path.

    A central paper (daily, ``n_articles``), a city paper (weekdays, starting a
    month later, 0.8 × as many) and the district 长河报 (Tuesdays and Fridays,
    two months later, 0.6 ×), over overlapping dates, from the generator of
    :func:`generate_articles` (each paper its own seed and place name, and three
    sentences of its own per article).  Planted, with their truth in the
    collection folder:

    * ``reprints.csv`` -- central articles reprinted by a local paper the
      same day or up to three days later (``verbatim``, or ``edited``: another
      opening, a sentence added and one changed), a few reprinted by both local
      papers (so the two copies are a pair too), and articles printed twice in
      one issue of the district paper (``same-paper``); one row per pair:
      ``paper_a, article_id_a, paper_b, article_id_b, kind``;
    * ``diffusion.csv`` -- the phrases of :data:`PLANTED_PHRASES` and
      :data:`CENSORED_PHRASE`: first use per paper (``first_date``, ``""``
      never), ``lag_days`` behind the central paper, ``status`` as
      :func:`analysis.collection.diffusion` must find it.

    Same arguments, same bytes.  A folder that is not empty is refused unless ``force``;
    ``collection.toml`` is written last (a folder with it is complete).
    """
    from analysis.io import OutputError

    check_arguments(n_articles, start, end, seed)
    folder = Path(folder).expanduser()
    if folder.exists() and not folder.is_dir():
        raise OutputError(folder, "--out names a file, not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise OutputError(folder, "--out is not empty; pass --force to replace the generated collection's files "
                                  "in it, or give a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "collection.toml").unlink(missing_ok=True)
    rng = np.random.default_rng([seed, 23])
    first_day = pd.Timestamp(start)
    papers = {}
    for k, (slug, paper, level, place, weekdays, offset) in enumerate(COLLECTION_PAPERS):
        begin = first_day + pd.Timedelta(days=offset)
        days = [d.strftime("%Y-%m-%d") for d in pd.date_range(begin, end, freq="D") if d.weekday() in weekdays]
        n = max(len(days) // 4, int(n_articles * (1.0, 0.8, 0.6)[k]))
        base, _ = generate_articles(n, start=start, end=end, seed=seed * 10 + k)
        # The paper's own schedule: articles spread over its issue days, every issue day at least one.
        if n >= len(days):
            order = np.sort(np.concatenate([np.arange(len(days)), rng.integers(0, len(days), n - len(days))]))
        else:  # the first issue day always has an article: it is the paper's first covered date
            order = np.concatenate([[0], np.sort(rng.choice(np.arange(1, len(days)), n - 1, replace=False))])
        rows = []
        for j, (record, day) in enumerate(zip(base.to_dict("records"), order)):
            date = days[int(day)]
            text = _rename(record["text"], level, place)
            paragraphs = text.split("\n") + [_unique_sentence(rng, place) + _unique_sentence(rng, place)]
            paragraphs.insert(int(rng.integers(0, len(paragraphs))), _unique_sentence(rng, place))
            rows.append({"id": f"{slug}-{date.replace('-', '')}-{j:05d}", "date": date,
                         "title": _rename(record["title"], level, place), "page": record["page"],
                         "text": "\n".join(paragraphs)})
        frame = pd.DataFrame(rows)
        if slug == "central":
            credit = ["新华社北京{m}月{d}日电　" if rng.random() < 0.6 else "本报讯　" for _ in range(len(frame))]
            frame["text"] = [c.format(m=int(d[5:7]), d=int(d[8:10])) + t
                             for c, d, t in zip(credit, frame["date"], frame["text"])]
        else:
            frame, _ = plant_openings(frame, seed * 10 + k)
            frame["text"] = [_rename(t, level, place) for t in frame["text"]]
        papers[slug] = {"paper": paper, "level": level, "place": place, "days": days, "frame": frame,
                        "extra": []}
    truth = _plant_reprints(papers, rng, reprint_share)
    diffusion = _plant_phrases(papers, rng)
    for slug, paper, level, place, _, _ in COLLECTION_PAPERS:
        info = papers[slug]
        frame = pd.concat([info["frame"], pd.DataFrame(info["extra"], columns=info["frame"].columns)],
                          ignore_index=True)
        frame = frame.sort_values(["date", "id"], kind="mergesort").reset_index(drop=True)
        frame["paper"] = paper
        sub = folder / slug
        sub.mkdir(parents=True, exist_ok=True)
        write_csv(registry(seed), sub / "leaders.csv")
        write_csv(user_dictionary(seed), sub / "userdict.csv")
        write_text(
            "# Generated by analysis.synthetic.generate_collection: one paper of a test collection.\n"
            f'title = "{paper} (generated)"\n'
            f'paper = "{paper}"\n'
            f'place = "{place}, fictional ({level} level)"\n'
            f'period = "{frame["date"].min()} to {frame["date"].max()}"\n'
            f'source = "generated by analysis.synthetic.generate_collection (seed {seed}) from the sentences of the '
            '丰台报 sample pages: a test corpus with planted reprints and phrases"\n'
            'licence = "same terms as the sample pages it is made from"\n',
            sub / "corpus.toml")
        write_csv(frame, sub / "articles.csv")
    write_csv(truth, folder / "reprints.csv")
    write_csv(diffusion, folder / "diffusion.csv")
    phrases = ", ".join(f'"{p}"' for p in [*PLANTED_PHRASES, CENSORED_PHRASE[0]])
    write_text(
        "# Generated by analysis.synthetic.generate_collection: three papers of different levels, overlapping\n"
        "# dates, planted reprints (reprints.csv) and planted phrase diffusion (diffusion.csv).\n"
        f'title = "Three generated papers (seed {seed})"\n'
        f'corpora = [{", ".join(repr(s[0]).replace(chr(39), chr(34)) for s in COLLECTION_PAPERS)}]\n'
        f"phrases = [{phrases}]\n",
        folder / "collection.toml")
    return folder


def _next_issue(days: list[str], date: str, after: int = 0) -> str | None:
    """The first of ``days`` on or after ``date`` + ``after`` days (None: past the end)."""
    target = (pd.Timestamp(date) + pd.Timedelta(days=after)).strftime("%Y-%m-%d")
    return next((d for d in days if d >= target), None)


def _edit(text: str, rng, place: str) -> str:
    """An edited reprint: another opening, one sentence changed, one added."""
    body = re.sub(r"^(新华社北京\d+月\d+日电|本报讯)\s*", "", text)
    sentences = re.findall(r"[^。！？]+[。！？]?", body)
    if len(sentences) > 3:
        i = int(rng.integers(1, len(sentences) - 1))
        sentences[i] = sentences[i].replace("要", "必须", 1).replace("的", "之", 1)
    return "据新华社电　" + "".join(sentences) + f"\n{place}各部门认真抓好贯彻落实。"


def _plant_reprints(papers: dict, rng, share: float) -> pd.DataFrame:
    central = papers["central"]["frame"]
    locals_ = ["city", "district"]
    latest_start = max(papers[s]["days"][0] for s in locals_)
    eligible = central[central["date"] >= latest_start].index.to_numpy()
    chosen = np.sort(rng.choice(eligible, max(1, int(share * len(eligible))), replace=False))
    truth = []
    for k, index in enumerate(chosen):
        source = central.loc[index]
        both = rng.random() < 0.2
        targets = locals_ if both else [locals_[int(rng.integers(2))]]
        copies = [("central", source["id"])]
        for slug in targets:
            info = papers[slug]
            date = _next_issue(info["days"], source["date"], int(rng.integers(0, 4)))
            if date is None:
                continue
            kind = "verbatim" if rng.random() < 0.5 else "edited"
            text = source["text"] if kind == "verbatim" else _edit(source["text"], rng, info["place"])
            new_id = f"{slug}-{date.replace('-', '')}-r{k:04d}"
            info["extra"].append({"id": new_id, "date": date, "title": source["title"], "page": "2", "text": text})
            copies.append((slug, new_id, kind))
        for i in range(len(copies)):
            for j in range(i + 1, len(copies)):
                kind = copies[j][2] if i == 0 else "copy-of-copy"
                truth.append((papers[copies[i][0]]["paper"], copies[i][1], papers[copies[j][0]]["paper"],
                              copies[j][1], kind))
    district = papers["district"]
    frame = district["frame"]
    for k, index in enumerate(np.sort(rng.choice(frame.index.to_numpy(), 5, replace=False))):
        source = frame.loc[index]
        new_id = f"district-{source['date'].replace('-', '')}-d{k:04d}"
        # The same article on another page, with a line of its own (an identical text on the same date is one
        # article to the reader: it counts it once).
        district["extra"].append({"id": new_id, "date": source["date"], "title": source["title"], "page": "4",
                                  "text": source["text"] + "\n（详见本报第4版）"})
        truth.append((district["paper"], source["id"], district["paper"], new_id, "same-paper"))
    return pd.DataFrame(truth, columns=["paper_a", "article_id_a", "paper_b", "article_id_b", "kind"])


def _phrase_article(info: dict, slug: str, date: str, phrase: str, rng, tag: str, sentences: list[str]) -> None:
    body = [sentences[i].replace("长河", info["place"]) for i in rng.choice(len(sentences), 4, replace=False)]
    body.insert(int(rng.integers(1, len(body))), f"会议提出，要加快推进{phrase}建设。")
    body.append(_unique_sentence(rng, info["place"]))
    info["extra"].append({"id": f"{slug}-{date.replace('-', '')}-{tag}", "date": date,
                          "title": f"{info['place']}召开专题会议", "page": "3", "text": "".join(body)})


def _plant_phrases(papers: dict, rng) -> pd.DataFrame:
    rows = []
    central_days = papers["central"]["days"]
    plans = [(phrase, lags, False) for phrase, lags in PLANTED_PHRASES.items()]
    plans.append((CENSORED_PHRASE[0], CENSORED_PHRASE[1], True))
    district_start = papers["district"]["days"][0]
    sentences, _ = _material(0)
    for p, (phrase, lags, censored) in enumerate(plans):
        if censored:  # the central and the city paper use it before the district paper starts
            first = _next_issue(central_days, papers["city"]["days"][0], 3)
        else:
            first = central_days[len(central_days) // 3 + 17 * p]
        uses = {"central": first}
        for slug in ("city", "district"):
            lag = lags.get(slug)
            if censored and slug == "district":
                uses[slug] = district_start
            elif lag is not None:
                uses[slug] = _next_issue(papers[slug]["days"], first, lag)
        for slug, date in uses.items():
            info = papers[slug]
            later = [d for d in info["days"] if d > date]
            dates = [date] + [later[int(i)] for i in np.sort(rng.choice(len(later), 3, replace=False))]
            for n, day in enumerate(dates):
                _phrase_article(info, slug, day, phrase, rng, f"p{p}{n}", sentences)
        for slug, _, _, _, _, _ in COLLECTION_PAPERS:
            date = uses.get(slug, "")
            is_censored = bool(date) and date == papers[slug]["days"][0]
            if not date:
                status, lag = "never", ""
            elif slug == "central":
                status, lag = "first", "0"
            elif is_censored:
                status, lag = "left-censored", ""
            else:
                status, lag = "adopted", str((pd.Timestamp(date) - pd.Timestamp(first)).days)
            rows.append({"phrase": phrase, "paper": papers[slug]["paper"], "first_date": date, "lag_days": lag,
                         "status": status})
    return pd.DataFrame(rows, columns=["phrase", "paper", "first_date", "lag_days", "status"])
