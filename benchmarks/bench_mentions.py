"""Throughput of leader-mention extraction: one automaton pass versus a loop over names.

Builds a synthetic corpus (the sample articles repeated, with titled and bare
mentions of 1,000 synthetic officials spliced in, seeded) and a registry of
1,000 names, then measures in the same run:

* ``scan``      the Aho–Corasick pass alone (every name at once), on the whole corpus;
* ``extract``   :func:`analysis.perarticle.mentions.leader_mentions` (scan + anchoring,
                titles, kinds, lines), on the whole corpus;
* ``loop``      the baseline: one ``str.find`` loop per name, on a slice
                (it is slow; the slice keeps the run short), throughput
                extrapolated per MB.

Usage::

    .venv/bin/python benchmarks/bench_mentions.py            # 50 MB, 1,000 names
    .venv/bin/python benchmarks/bench_mentions.py --mb 5     # quick
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.corpus.read import load_articles  # noqa: E402
from analysis.perarticle.mentions import leader_mentions, load_registry, matcher  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵钱严覃武戴莫孔"
GIVEN = "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘"
TITLES = ["区委副书记", "副区长", "区人大常委会副主任", "区政协副主席", "区委常委", "街道工委书记"]


def synthetic_registry(n: int, seed: int = 0) -> pd.DataFrame:
    """The shipped registry plus synthetic officials up to ``n`` names (distinct, seeded)."""
    rng = random.Random(seed)
    base = load_registry().drop(columns="row")
    names = set(base["name"])
    rows = []
    while len(names) < n:
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        if name in names:
            continue
        names.add(name)
        rows.append({"name": name, "aliases": "", "title": rng.choice(TITLES), "organisation": "synthetic",
                     "level": "district", "category": "official", "needs_anchor": "no", "start": "2020-01-01",
                     "end": "", "source": "synthetic (benchmark)", "note": ""})
    return pd.concat([base, pd.DataFrame(rows)], ignore_index=True)


def synthetic_corpus(mb: float, registry: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Sample articles repeated to ``mb`` megabytes of UTF-8, with synthetic mentions spliced in."""
    rng = random.Random(seed)
    sample = load_articles()
    synthetic = registry[registry["organisation"] == "synthetic"][["name", "title"]].values.tolist()
    target = int(mb * 1_000_000)
    rows, size, i = [], 0, 0
    while size < target:
        art = sample.iloc[i % len(sample)].to_dict()
        paragraphs = art["text"].split("\n")
        for _ in range(3):
            name, title = rng.choice(synthetic)
            k = rng.randrange(len(paragraphs))
            paragraphs[k] = paragraphs[k] + f"{title}{name}出席活动。{name}表示，要抓好落实。"
        art["text"] = "\n".join(paragraphs)
        art["article_id"] = f"syn-{i:07d}"
        art["line_map"] = ""
        rows.append(art)
        size += len(art["text"].encode("utf-8"))
        i += 1
    return pd.DataFrame(rows)


def per_name_loop(texts: list[str], names: list[str]) -> int:
    """Baseline: scan every text once per name."""
    found = 0
    for text in texts:
        for name in names:
            start = text.find(name)
            while start != -1:
                found += 1
                start = text.find(name, start + len(name))
    return found


def automaton_scan(texts: list[str], automaton) -> int:
    return sum(1 for text in texts for _ in automaton.iter_long(text))


def timed(function, *args) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=50.0, help="corpus size in MB of UTF-8 (default 50)")
    parser.add_argument("--names", type=int, default=1000, help="registry size (default 1000)")
    parser.add_argument("--loop-mb", type=float, default=1.0, help="slice for the per-name loop (default 1 MB)")
    args = parser.parse_args(argv)

    registry = synthetic_registry(args.names)
    corpus = synthetic_corpus(args.mb, registry)
    texts = corpus["text"].tolist()
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    names = sorted(set(registry["name"]))
    build_s, m = timed(matcher, registry)

    scan_s, scan_hits = timed(automaton_scan, texts, m.automaton)
    extract_s, mentions = timed(leader_mentions, corpus, m)

    slice_texts, slice_mb = [], 0.0
    for text in texts:
        if slice_mb >= args.loop_mb:
            break
        slice_texts.append(text)
        slice_mb += len(text.encode("utf-8")) / 1e6
    loop_s, loop_hits = timed(per_name_loop, slice_texts, names)
    slice_scan_s, slice_hits = timed(automaton_scan, slice_texts, m.automaton)

    print(f"corpus: {megabytes:.1f} MB in {len(texts)} articles; registry: {len(names)} names "
          f"(automaton built in {build_s:.2f} s)")
    print(f"automaton scan     : {megabytes / scan_s:8.1f} MB/s  ({scan_s:6.2f} s, {scan_hits} matches)")
    print(f"leader_mentions    : {megabytes / extract_s:8.1f} MB/s  ({extract_s:6.2f} s, {len(mentions)} mentions)")
    print(f"per-name loop      : {slice_mb / loop_s:8.2f} MB/s  ({loop_s:6.2f} s on a {slice_mb:.1f} MB slice, "
          f"{loop_hits} raw hits)")
    print(f"automaton, slice   : {slice_mb / slice_scan_s:8.1f} MB/s  ({slice_hits} matches)")
    print(f"speed-up of the scan over the per-name loop: {loop_s / slice_scan_s:.0f}x; "
          f"full extraction vs loop: {(megabytes / extract_s) / (slice_mb / loop_s):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
