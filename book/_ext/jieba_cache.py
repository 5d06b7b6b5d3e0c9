"""Sphinx extension: the Chinese search index's jieba cache inside the build folder.

Sphinx's Chinese search (``html_search_language: zh``) segments every page with jieba's default tokenizer,
which caches its prefix dictionary in the system temp folder (``tempfile.gettempdir()``): a file outside the
build, which any later build on the machine reads, whoever wrote it.  This puts the cache in the Sphinx
build's own cache folder (its doctree folder: ``<output>/_build/.doctrees/jieba``) before the search index
starts jieba, and keeps jieba's progress lines (the dictionary's loading, and the cache's path on this
machine) out of the build's log, as the analysis package's own segmenter does.  Registered in
``_config.yml`` (``sphinx: local_extensions``).
"""
from __future__ import annotations

import logging
from pathlib import Path

#: The folder, inside the doctree folder, that holds jieba's cache.
FOLDER = "jieba"


def cache_in_build(app) -> None:
    try:
        import jieba
    except ImportError:  # Sphinx then indexes Chinese without jieba: nothing to cache
        return
    folder = Path(app.doctreedir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    jieba.dt.tmp_dir = str(folder)
    jieba.setLogLevel(logging.WARNING)


def setup(app):
    # The search index starts jieba when the HTML is written, after the builder is set up.
    app.connect("builder-inited", cache_in_build)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
