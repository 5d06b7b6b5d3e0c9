"""The docstring examples' namespace (``pytest --doctest-modules analysis``): a build folder of their
own, the sample's tables built there once, and the default settings pointing at it, so the examples
never touch the project's ``_build``."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def _sample_tables(tmp_path_factory):
    import analysis
    import analysis.settings

    folder = tmp_path_factory.mktemp("doctest-build")
    analysis.settings.DEFAULT = analysis.settings.Settings(build_dir=folder)
    return folder, analysis.Corpus().tables(folder / "data")


@pytest.fixture(autouse=True)
def _doctest_names(request, doctest_namespace):
    if request.node.__class__.__name__ == "DoctestItem":
        folder, tables = request.getfixturevalue("_sample_tables")
        doctest_namespace["build_folder"] = folder
        doctest_namespace["tables"] = tables
