"""A corpus is one folder: text + facts, opened once as a Corpus and passed to every stage."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis.__main__ import main
from analysis.api import notebook_tables
from analysis.corpus.folder import FACT_FILES, Corpus, fact_file
from analysis.errors import InputError
from analysis.leaders.validation import annotation_report, annotation_sample, read_annotation, wilson_interval
from analysis.paths import DATA_DIR
from analysis.perarticle.mentions import load_registry
from analysis.synthetic import OFFICIALS, generate_corpus


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A small generated multi-year corpus folder (300 articles, 2019-2022, its own registry)."""
    return generate_corpus(tmp_path_factory.mktemp("gen") / "changhe", 300)


def test_the_sample_is_a_corpus_folder_with_its_facts():
    folder = Corpus()
    assert folder.is_sample and folder.kind == "pages" and folder.paper == "丰台报"
    assert folder.pages_dir == DATA_DIR / "raw"
    assert folder.fact("leaders") == DATA_DIR / "leaders.csv"
    assert folder.fact("gold") == DATA_DIR / "gold_mentions.csv"
    assert "leaders" not in folder.defaulted and "userdict" not in folder.defaulted


def test_generator_is_deterministic_and_multi_year(tmp_path, generated):
    again = generate_corpus(tmp_path / "again", 300)
    for name in ("articles.csv", "leaders.csv", "corpus.toml"):
        assert (again / name).read_bytes() == (generated / name).read_bytes()
    articles = pd.read_csv(generated / "articles.csv", dtype=str)
    years = pd.to_datetime(articles["date"]).dt.year
    assert years.nunique() >= 3 and len(articles) == 300
    # Officials are named only while in office.
    truth = pd.read_csv(generated / "truth.csv", dtype=str, keep_default_na=False)
    dates = dict(zip(articles["id"], articles["date"]))
    terms = {(n, t): (s, e) for n, t, _, _, s, e in OFFICIALS}
    for row in truth[truth["kind"] == "coverage"].itertuples():
        start, end = terms[(row.name, row.title)]
        assert start <= dates[row.article_id] and (not end or dates[row.article_id] <= end)


def test_folder_facts_re_target_everything(generated):
    folder = Corpus(generated)
    assert folder.kind == "table" and folder.paper == "长河报" and not folder.is_sample
    assert fact_file("leaders", folder) == generated / "leaders.csv"
    # Facts the folder lacks fall back to the project's defaults, and say so.
    assert fact_file("stopwords", folder) == DATA_DIR / "defaults" / "stopwords.csv" and "stopwords" in folder.defaulted
    assert fact_file("gold", folder) is None


def test_a_folder_without_a_registry_uses_the_national_one_never_the_samples(tmp_path, generated):
    """Issue 19: a corpus without its own registry gets the dated national registry of data/defaults/;
    the sample's district registry is the sample's alone."""
    folder = tmp_path / "noreg"
    shutil.copytree(generated, folder)
    (folder / "leaders.csv").unlink()
    corpus = Corpus(folder)
    assert fact_file("leaders", corpus) == DATA_DIR / "defaults" / "leaders.csv" and "leaders" in corpus.defaulted
    registry = load_registry(corpus)
    assert {"习近平", "李强", "江泽民"} <= set(registry["name"]) and "王少峰" not in set(registry["name"])
    assert (registry["level"] == "national").all()


def test_cli_build_on_a_corpus_folder_uses_its_registry_and_description(tmp_path, generated, capsys):
    out = tmp_path / "out"
    assert main(["build", "--out", str(out), "--corpus", str(generated), "--quiet"]) == 0
    info = pd.read_parquet(out / "build_info.parquet").iloc[0]
    assert info["paper"] == "长河报" and info["n_articles"] == 300 and not info["is_sample"]
    assert info["first_date"][:4] == "2019" and info["last_date"][:4] == "2022"
    mentions = pd.read_parquet(out / "mentions.parquet")
    named = set(mentions.loc[mentions["kind"] == "coverage", "name"])
    assert {"林国栋", "周卫民", "顾明德"} <= named
    assert set(pd.read_parquet(out / "articles.parquet")["paper"]) == {"长河报"}
    # The run's corpus does not leak into the process afterwards.
    assert Corpus().is_sample


def test_tables_are_rebuilt_for_another_corpus(tmp_path, generated, monkeypatch):
    monkeypatch.setenv("ANALYSIS_TABLES", str(tmp_path / "tables"))
    assert notebook_tables().info["is_sample"]
    assert len(notebook_tables().load("articles")) == 9
    monkeypatch.setenv("ANALYSIS_CORPUS", str(generated))
    assert notebook_tables().info["paper"] == "长河报"
    assert len(notebook_tables().load("articles")) == 300


def test_two_corpora_are_built_and_read_in_one_process(tmp_path, generated):
    import analysis

    sample, other = analysis.Corpus(), analysis.Corpus(generated)
    first, second = sample.tables(tmp_path / "a"), other.tables(tmp_path / "b")
    assert first.info["paper"] == "丰台报" and second.info["paper"] == "长河报"
    # Each corpus's facts stay its own: the generated paper's registry names its officials.
    assert "林国栋" in set(second.load("registry")["name"]) and "林国栋" not in set(first.load("registry")["name"])
    assert len(first.load("articles")) == 9 and len(second.load("articles")) == 300


def test_registry_template_writes_discovered_officials(tmp_path, generated):
    folder = tmp_path / "noreg"
    shutil.copytree(generated, folder)
    (folder / "leaders.csv").unlink()
    out = tmp_path / "draft.csv"
    assert main(["registry-template", "--corpus", str(folder), "--out", str(out)]) == 0
    draft = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert {"林国栋", "周卫民"} <= set(draft["name"])
    row = draft[draft["name"] == "林国栋"].iloc[0]
    assert row["title"].endswith("书记") and row["first_seen"] <= row["last_seen"] and row["example"]


def test_annotation_sample_is_stratified_and_report_has_intervals(tmp_path, generated):
    out = tmp_path / "sample.csv"
    assert main(["annotate", "--corpus", str(generated), "--sample", "40", "--out", str(out)]) == 0
    sample = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert set(sample["kind"]) >= {"coverage", "ritual"}
    assert sample["correct"].eq("").all() and sample["sample_id"].tolist() == [str(i) for i in range(1, len(sample) + 1)]
    # Mark it: every coverage mention right, every ritual wrong (a made-up marking to check the arithmetic).
    sample["correct"] = sample["kind"].map({"coverage": "yes", "ritual": "no"}).fillna("yes")
    sample.to_csv(tmp_path / "marked.csv", index=False)
    per_kind, overall = annotation_report(read_annotation(tmp_path / "marked.csv"))
    coverage = per_kind.set_index("kind").loc["coverage"]
    assert coverage["precision"] == 1.0 and coverage["ci_low"] < 1.0
    assert per_kind.set_index("kind").loc["ritual", "precision"] == 0.0
    assert 0 < overall["precision"] < 1


def test_wilson_interval_matches_a_hand_computation():
    low, high = wilson_interval(45, 50)
    assert round(low, 4) == 0.7864 and round(high, 4) == 0.9565


@pytest.mark.parametrize("name, content, message", [
    ("leaders.csv", "name,aliases,title,organisation,level,start,end,source\n林国栋,,区委书记,x,nowhere,,,s\n",
     "level 'nowhere'"),
    ("userdict.csv", "word,freq,tag,category,source\n长河区,abc,ns,place,s\n", "freq"),
    ("annotated_mentions.csv", "sample_id,candidate,kind,article_id,correct,note\n1,mention,coverage,nope,yes,\n",
     "not in this corpus"),
    ("annotated_mentions.csv", "sample_id,candidate,kind,article_id,correct,note\n1,mention,coverage,x,maybe,\n",
     "yes or no"),
    ("corpus.toml", 'paper = "长河报\n', "TOML"),
])
def test_bad_facts_stop_before_anything_is_written(tmp_path, generated, capsys, name, content, message):
    folder = tmp_path / "bad"
    shutil.copytree(generated, folder)
    (folder / name).write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", "--out", str(out), "--corpus", str(folder), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert name in err and message in err
    assert not out.exists() or not any(out.iterdir())


def test_unknown_fact_name_is_refused():
    with pytest.raises(KeyError):
        Corpus().fact("nonsense")
    assert set(FACT_FILES) >= {"leaders", "userdict", "stopwords", "gold", "annotation"}


def test_not_a_corpus_folder(tmp_path):
    with pytest.raises(InputError, match="not a corpus folder"):
        Corpus(tmp_path)
