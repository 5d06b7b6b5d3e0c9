"""One place for figure style and the CJK font.

A fresh machine has no font with Chinese glyphs, so matplotlib would draw
tofu boxes.  The ``mplfonts`` package (PyPI) ships Noto Sans CJK SC (SIL Open
Font License); we use it by file path and never write into matplotlib's
install folder.

>>> from analysis.figures.style import cjk_font_path, use_cjk_font
>>> cjk_font_path().name
'NotoSansCJKsc-Regular.otf'
"""
from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

FONT_FILE = "NotoSansCJKsc-Regular.otf"
FONT_FAMILY = "Noto Sans CJK SC"


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    """Path of the Noto Sans CJK SC font shipped by ``mplfonts``."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the mplfonts package is not installed: pip install -r requirements.txt")
    path = Path(list(spec.submodule_search_locations)[0]) / "fonts" / FONT_FILE
    if not path.is_file():
        raise RuntimeError(f"{path}: CJK font file missing from the mplfonts package")
    return path


def use_cjk_font() -> str:
    """Register the CJK font with matplotlib and make it the default family.

    Returns the family name.  Call it before drawing; it is idempotent.
    Also: text is never parsed as maths (``text.parse_math`` off, since
    ``$`` is common in the news), saved figures have 200 dpi and, in a
    Jupyter kernel, inline figures are 2x ("retina") PNGs.
    """
    import matplotlib as mpl
    from matplotlib import font_manager

    path = str(cjk_font_path())
    if path not in {f.fname for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(path)
    mpl.rcParams["font.family"] = [FONT_FAMILY, "DejaVu Sans"]
    mpl.rcParams["axes.unicode_minus"] = False
    mpl.rcParams["figure.dpi"] = 100
    # Twice the nominal resolution, so figures stay sharp on high-density screens and when zoomed.
    mpl.rcParams["savefig.dpi"] = 200
    mpl.rcParams["svg.hashsalt"] = "analysis"
    # Newspaper text has dollar signs (A$5与US$3, 收入增长$\frac{1}{$元): never parse it as maths.
    mpl.rcParams["text.parse_math"] = False
    _inline_retina()
    return FONT_FAMILY


def _inline_retina() -> None:
    """In a Jupyter kernel, render inline (and glued) figures as PNG at 2x with their nominal size."""
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: nothing is displayed inline
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("retina")


def thin_ticks(ax, labels: list[str], max_ticks: int = 12) -> None:
    """Label every n-th bar so that at most ``max_ticks`` labels show (no overlap at phone width)."""
    step = max(1, -(-len(labels) // max_ticks))
    positions = list(range(0, len(labels), step))
    ax.set_xticks(positions, [labels[i] for i in positions], rotation=45 if len(labels) > 6 else 0,
                  ha="right" if len(labels) > 6 else "center")
