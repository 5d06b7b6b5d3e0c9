"""Stage 3, the per-article map: one pass per article, cached by content, on worker processes or Dask.

``kinds`` (every per-article output, declared once: what computes it, what
its cache key covers, how it is stored), the functions that compute them
(``terms``: term counts and n-grams; ``formulations``: quoted phrases and
enumerations; ``mentions``: the registry and the mention finder), ``stage``
(the cache and the run over chunks of articles) and ``distributed`` (the
Dask client).

>>> from analysis.perarticle import KINDS
>>> list(KINDS)[:2]
['tokens', 'counts']
"""
from .kinds import KINDS, Kind
from .stage import Runner, StageResult, run_stage, stage_keys

__all__ = ["KINDS", "Kind", "Runner", "StageResult", "run_stage", "stage_keys"]
