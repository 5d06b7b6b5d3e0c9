"""One place for figure style and the fonts, which figures take by file, never by family name.

A fresh machine has no font with Chinese glyphs, so matplotlib would draw
tofu boxes.  The ``mplfonts`` package (PyPI) ships Noto Sans CJK SC (SIL Open
Font License); we use that file, and never write into matplotlib's install
folder.  Latin glyphs the CJK font lacks fall back to the DejaVu Sans file
bundled with matplotlib, also by path.

By file, not by family name: a machine with Debian's ``fonts-noto-cjk``
installed has its own "Noto Sans CJK SC", and matplotlib, asked for that name,
may answer with the system's file (another version, other glyph shapes).  So
each file is registered under a private family name that no installed font
has (:data:`CJK_FAMILY`, :data:`LATIN_FAMILY`), and the figures ask for those
names only: font look-up can answer with nothing but the pinned files.

>>> from analysis.figures.style import cjk_font_path, use_cjk_font
>>> cjk_font_path().name
'NotoSansCJKsc-Regular.otf'
>>> from matplotlib import font_manager
>>> use_cjk_font() == CJK_FAMILY and font_manager.findfont(CJK_FAMILY) == str(cjk_font_path())
True
"""
from __future__ import annotations

import dataclasses
import importlib.util
from functools import lru_cache
from pathlib import Path

FONT_FILE = "NotoSansCJKsc-Regular.otf"
#: The family the CJK font file is registered under: private, so that no system font can match it.
CJK_FAMILY = "analysis Noto Sans CJK SC (mplfonts file)"
#: The family matplotlib's own DejaVu Sans file is registered under (Latin glyphs the CJK font lacks).
LATIN_FAMILY = "analysis DejaVu Sans (matplotlib file)"
#: Kept for callers of the old name: the family figures are drawn in.
FONT_FAMILY = CJK_FAMILY


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


def latin_font_path() -> Path:
    """Path of the DejaVu Sans file bundled with matplotlib (pinned with it in ``requirements.txt``)."""
    import matplotlib as mpl

    path = Path(mpl.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    if not path.is_file():
        raise RuntimeError(f"{path}: DejaVu Sans missing from matplotlib's data folder")
    return path


def _register(path: Path, family: str) -> None:
    """Make the font file ``path`` known to matplotlib under the family name ``family`` (idempotent)."""
    from matplotlib import font_manager, ft2font

    entries = [entry for entry in font_manager.fontManager.ttflist if entry.name == family]
    if any(entry.fname == str(path) for entry in entries):
        return
    if entries:
        raise RuntimeError(f"font family {family!r} is already registered for {entries[0].fname}, not {path}")
    entry = font_manager.ttfFontProperty(ft2font.FT2Font(str(path)))
    font_manager.fontManager.ttflist.append(dataclasses.replace(entry, name=family))


def use_cjk_font() -> str:
    """Register the pinned font files with matplotlib and make them the default family.

    Returns the family name (:data:`CJK_FAMILY`).  Call it before drawing; it
    is idempotent.  Also: text is never parsed as maths (``text.parse_math``
    off, since ``$`` is common in the news), saved figures have 200 dpi and, in
    a Jupyter kernel, inline figures are 2x ("retina") PNGs.
    """
    import matplotlib as mpl

    _register(cjk_font_path(), CJK_FAMILY)
    _register(latin_font_path(), LATIN_FAMILY)
    mpl.rcParams["font.family"] = [CJK_FAMILY, LATIN_FAMILY]
    mpl.rcParams["axes.unicode_minus"] = False
    mpl.rcParams["figure.dpi"] = 100
    # Twice the nominal resolution, so figures stay sharp on high-density screens and when zoomed.
    mpl.rcParams["savefig.dpi"] = 200
    mpl.rcParams["svg.hashsalt"] = "analysis"
    # Newspaper text has dollar signs (A$5与US$3, 收入增长$\frac{1}{$元): never parse it as maths.
    mpl.rcParams["text.parse_math"] = False
    _inline_retina()
    return CJK_FAMILY


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
