"""Stage 3, the per-article map: one pass per article, cached by content, on worker processes or Dask.

``stage`` (tokens, term counts, quotes and leader mentions of each article,
cached in SQLite) and ``distributed`` (the Dask client).

>>> from analysis.perarticle import code_version
>>> len(code_version("tokens"))
16
"""
from .stage import KINDS, Runner, StageConfig, code_version, run_stage

__all__ = ["KINDS", "Runner", "StageConfig", "code_version", "run_stage"]
