"""The book's identity comes from the corpus (corpus.toml, else guessed from its text), never from the sample."""
from __future__ import annotations

import subprocess
import sys
import tomllib

import pandas as pd
import pytest

from analysis.corpus.folder import Corpus, DESCRIPTION_KEYS
from analysis.corpus.identity import corpus_identity, describe_draft, identity
from analysis.errors import InputError
from analysis.paths import DATA_DIR, PROJECT_ROOT

#: What names the sample: none of it may stand in for another corpus's identity.
SAMPLE_WORDS = ("丰台", "Fengtai", "district", "fengtai-analysis")


def _table(folder, papers=("某某报",), **extra):
    folder.mkdir(parents=True, exist_ok=True)
    n = len(papers)
    frame = pd.DataFrame({"date": [f"2021-0{1 + k % 9}-0{1 + k % 9}" for k in range(n)],
                          "title": [f"标题{k}" for k in range(n)],
                          "text": [f"第{k}篇正文，内容充实。" for k in range(n)], **extra})
    if any(papers):
        frame["paper"] = list(papers)
    frame.to_csv(folder / "articles.csv", index=False)
    return folder


def _fields(ident) -> str:
    return " ".join(str(getattr(ident, f)) for f in ident.__dataclass_fields__)


def test_the_sample_declares_its_whole_identity():
    ident = corpus_identity(Corpus())
    assert ident.guessed == ()
    assert ident.full_title == "丰台报: a computational reading of a district party newspaper"
    assert ident.publish_text == "full" and ident.authors == ("The fengtai-analysis authors",)


def test_the_sample_repository_is_the_projects_address():
    import yaml

    config = yaml.safe_load((PROJECT_ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert corpus_identity(Corpus()).repository == config["repository"]["url"]


def test_a_corpus_without_corpus_toml_is_named_from_its_paper_column(tmp_path):
    folder = _table(tmp_path / "my_corpus", papers=("长江日报",) * 3)
    ident = corpus_identity(Corpus(folder))
    assert (ident.paper, ident.title) == ("长江日报", "长江日报")
    assert ident.publish_text == "excerpts", "the default policy publishes no full text"
    guessed = dict(ident.guessed)
    assert set(guessed) == {"title", "subtitle", "paper", "licence", "authors"}
    assert "paper" in guessed["paper"]
    assert not [w for w in SAMPLE_WORDS if w in _fields(ident)], _fields(ident)
    assert ident.repository == "" and ident.place == ""


def test_a_table_without_paper_column_is_named_after_its_folder(tmp_path):
    folder = _table(tmp_path / "河口电视新闻", papers=("",) * 2)
    ident = corpus_identity(Corpus(folder))
    assert ident.paper == "河口电视新闻" and dict(ident.guessed)["paper"] == "from the corpus folder's name"


def test_a_table_mixing_papers_names_them_all_most_frequent_first(tmp_path):
    folder = _table(tmp_path / "mixed", papers=("乙报", "甲报", "甲报", "丙报", "丁报", "戊报", "甲报"))
    assert corpus_identity(Corpus(folder)).paper == "甲报 / 乙报 / 丙报 and 2 more"


def test_identity_is_pure_and_says_how_each_field_was_guessed():
    ident = identity({}, folder_name="x", papers=["某报"], first_date="2020-01-01", last_date="2020-12-31",
                     year="2030")
    assert ident.period == "2020-01-01 to 2020-12-31" and ident.year == "2030"
    assert dict(ident.guessed)["year"] == "the year of the build"
    given = identity({"title": "T", "subtitle": "S", "paper": "P", "licence": "L", "authors": ["A"],
                      "year": "2001", "period": "p"}, folder_name="x")
    assert given.guessed == () and given.full_title == "T: S"


@pytest.mark.parametrize("line, message", [
    ('publish_text = "everything"', "publish_text 'everything' is not one of full, excerpts, none"),
    ('repository = "javascript:alert(1)"', "is not an http(s):// address"),
    ('doi = "not a doi"', "is not a DOI"),
    ('year = "26"', "is not a year"),
    ('authors = "A"\ntitel = "x"', "unknown key 'titel'"),
    ('authors = [1, 2]', "'authors' must be a list of strings"),
])
def test_a_bad_corpus_toml_is_refused_naming_the_file(tmp_path, line, message):
    folder = _table(tmp_path / "c")
    (folder / "corpus.toml").write_text(line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="corpus.toml") as err:
        Corpus(folder)
    assert message in str(err.value)


def test_corpus_toml_lists_and_doi_are_normalised(tmp_path):
    folder = _table(tmp_path / "c")
    (folder / "corpus.toml").write_text('authors = "Ann Li"\ndoi = "https://doi.org/10.5281/zenodo.42"\n'
                                        'publish_columns = ["url"]\n', encoding="utf-8")
    corpus = Corpus(folder)
    assert corpus.description["authors"] == ["Ann Li"] and corpus.description["doi"] == "10.5281/zenodo.42"
    assert corpus_identity(corpus).publish_columns == ("url",)


def test_describe_writes_a_draft_that_marks_its_guesses_and_reads_back(tmp_path):
    folder = _table(tmp_path / "c", papers=("长江日报",) * 2)
    draft = describe_draft(Corpus(folder))
    data = tomllib.loads(draft)
    assert data["paper"] == "长江日报" and data["title"] == "长江日报"
    assert data["period"] == "2021-01-01 to 2021-02-02"
    assert "# guessed: from the `paper` column" in draft
    for key in DESCRIPTION_KEYS:
        assert f"{key} = " in draft, f"the draft does not mention {key}"
    (folder / "corpus.toml").write_text(draft, encoding="utf-8")
    assert Corpus(folder).description["paper"] == "长江日报"
    assert not [w for w in SAMPLE_WORDS if w in draft]


def test_describe_command_refuses_to_overwrite_without_force(tmp_path):
    folder = _table(tmp_path / "c")
    run = [sys.executable, "-m", "analysis", "describe", "--corpus", str(folder)]
    first = subprocess.run(run, capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert first.returncode == 0, first.stderr
    target = folder / "corpus.toml"
    target.write_text('paper = "mine"\n', encoding="utf-8")
    second = subprocess.run(run, capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert second.returncode == 2 and "--force" in second.stderr
    assert target.read_text(encoding="utf-8") == 'paper = "mine"\n', "an existing corpus.toml was overwritten"
    forced = subprocess.run(run + ["--force"], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert forced.returncode == 0 and 'paper = "mine"' in target.read_text(encoding="utf-8")


def test_build_info_records_the_guesses_the_policy_and_no_machine_path(tmp_path):
    from analysis.build import build_info_table
    from analysis.corpus.read import load_articles

    folder = _table(tmp_path / "elsewhere" / "c", papers=("长江日报",) * 2)
    corpus = Corpus(folder)
    info = build_info_table(corpus, load_articles(corpus, cache=False)).iloc[0]
    assert info["guessed"] == "title;subtitle;paper;period;licence;authors"
    assert info["publish_text"] == "excerpts" and info["paper"] == "长江日报"
    assert info["corpus_path"] == "c", "build_info names the corpus folder, not where the machine keeps it"
    sample = build_info_table(Corpus(), load_articles(cache=False)).iloc[0]
    assert sample["corpus_path"] == "data" and sample["guessed"] == "" and sample["publish_text"] == "full"
    assert str(tmp_path) not in info.to_string()


def test_the_sample_data_folder_has_a_corpus_toml():
    assert (DATA_DIR / "corpus.toml").is_file()


def test_describe_command_prints_the_draft_with_out_dash(tmp_path):
    folder = _table(tmp_path / "c", papers=("长江日报",) * 2)
    run = [sys.executable, "-m", "analysis", "describe", "--corpus", str(folder), "--out", "-"]
    done = subprocess.run(run, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert tomllib.loads(done.stdout)["paper"] == "长江日报"
    assert not (tmp_path / "-").exists() and not (folder / "corpus.toml").exists(), "'-' was taken for a file name"
