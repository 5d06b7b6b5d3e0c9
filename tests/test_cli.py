"""The command line: ``python -m analysis build``."""
import os
import subprocess
import sys

import pandas as pd

from analysis.__main__ import main
from analysis.corpus.read import ARTICLE_COLUMNS


def test_build_sample_corpus(tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "ANALYSIS_BUILD_DIR": str(tmp_path / "build")}
    result = subprocess.run([sys.executable, "-m", "analysis", "build", "--out", str(out)],
                            capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    articles = pd.read_parquet(out / "articles.parquet")
    assert list(articles.columns) == ARTICLE_COLUMNS and len(articles) == 9
    copy = pd.read_csv(out / "articles.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(copy["article_id"]) == list(articles["article_id"])
    assert list(copy["text"]) == list(articles["text"])
    assert len(pd.read_parquet(out / "captions.parquet")) == 2
    assert "articles: 9 rows" in result.stdout


def test_build_twice_gives_identical_files(tmp_path):
    for name in ("a", "b"):
        assert main(["build", "--out", str(tmp_path / name), "--quiet"]) == 0
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert {"articles.csv", "term_frequency.csv", "clusters.csv", "mentions.csv"} <= set(names)
    for name in names:
        if name.endswith(".csv"):  # Parquet embeds writer metadata; its content is compared elsewhere
            assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_bad_input_writes_nothing(tmp_path, corpus_copy, capsys):
    (corpus_copy / "001_37b71d2a634c19f4.txt").write_text("改过了", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", "--out", str(out), "--corpus", str(corpus_copy), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "checksum mismatch" in err and "manifest.csv, line 3" in err
    assert not out.exists() or not any(out.iterdir())


def test_article_table_from_command_line(tmp_path):
    table = tmp_path / "mine.csv"
    pd.DataFrame({"date": ["2024-05-01"], "text": ["区委书记王少峰出席。"], "title": ["标题"]}).to_csv(table, index=False)
    assert main(["build", "--out", str(tmp_path / "out"), "--articles", str(table), "--paper", "某报", "--quiet"]) == 0
    articles = pd.read_parquet(tmp_path / "out" / "articles.parquet")
    assert list(articles["headline"]) == ["标题"] and list(articles["paper"]) == ["某报"]
    # One article cannot be clustered: the other tables are still written, without topic files.
    assert (tmp_path / "out" / "term_frequency.csv").exists()
    assert not (tmp_path / "out" / "clusters.csv").exists()


def test_articles_and_corpus_are_exclusive(tmp_path, capsys):
    assert main(["build", "--out", str(tmp_path), "--articles", "a.csv", "--corpus", "x"]) == 2
    assert "either --articles or --corpus" in capsys.readouterr().err


def test_manifest_template_round_trip(tmp_path, corpus_copy, capsys):
    folder = tmp_path / "pages"
    folder.mkdir()
    for k, page in enumerate(sorted(corpus_copy.glob("*.txt"))):
        (folder / f"2024-12-0{k + 1}_p1.txt").write_bytes(page.read_bytes())
    assert main(["manifest", str(folder), "--paper", "丰台报"]) == 0
    assert main(["manifest", str(folder), "--paper", "丰台报"]) == 2  # no silent overwrite
    assert "exists" in capsys.readouterr().err
    assert main(["build", "--out", str(tmp_path / "out"), "--corpus", str(folder), "--quiet"]) == 0
    articles = pd.read_parquet(tmp_path / "out" / "articles.parquet")
    assert len(articles) == 9 and set(articles["issue_date"]) == {"2024-12-01", "2024-12-02"}


def test_bad_leader_registry_names_row_and_writes_nothing(tmp_path, capsys):
    from analysis.paths import DATA_DIR

    rows = (DATA_DIR / "leaders.csv").read_text(encoding="utf-8-sig").splitlines()
    header = rows[0].split(",")
    broken = rows[1].split(",")
    broken[header.index("start")] = "2024-02-30"
    bad = tmp_path / "leaders.csv"
    bad.write_text("\n".join([rows[0], rows[1], ",".join(broken)]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", "--out", str(out), "--quiet", "--leaders", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "leaders.csv" in err and "row" in err and "2024-02-30" in err
    assert not out.exists() or not any(out.iterdir())


def test_build_writes_mentions(tmp_path):
    assert main(["build", "--out", str(tmp_path), "--quiet"]) == 0
    mentions = pd.read_parquet(tmp_path / "mentions.parquet")
    assert {"article_id", "date", "name", "title", "level", "kind", "location", "offset", "order", "context"} <= set(mentions.columns)
    assert set(mentions["article_id"]) <= set(pd.read_parquet(tmp_path / "articles.parquet")["article_id"])
    assert (mentions["name"] == "王少峰").sum() >= 5


def test_build_writes_tokens_terms_and_topics(tmp_path):
    assert main(["build", "--out", str(tmp_path), "--quiet"]) == 0
    articles = pd.read_parquet(tmp_path / "articles.parquet")
    tokens = pd.read_parquet(tmp_path / "tokens.parquet")
    assert list(tokens.columns) == ["article_id", "tokens"]
    assert list(tokens["article_id"]) == list(articles["article_id"])
    assert not (tmp_path / "tokens.csv").exists()  # a list column does not fit CSV
    terms = pd.read_csv(tmp_path / "term_frequency.csv", encoding="utf-8-sig", keep_default_na=False)
    n_tokens = sum(len(t) for t in tokens["tokens"])
    assert terms["count"].sum() <= n_tokens and "王少峰" in set(terms["term"])
    assert "本报讯" not in set(terms["term"])
    clusters = pd.read_csv(tmp_path / "clusters.csv", encoding="utf-8-sig")
    assert list(clusters.columns) == ["article_id", "cluster", "x", "y"]
    assert sorted(clusters["article_id"]) == sorted(articles["article_id"])
    cluster_terms = pd.read_csv(tmp_path / "cluster_terms.csv", encoding="utf-8-sig")
    assert set(cluster_terms["cluster"]) == set(clusters["cluster"])
