"""What a figure shows, as text: its data and labels, never its pixels (:func:`figure_digest`).

A figure's PNG depends on the machine as much as on the numbers: the font
file, the FreeType version and the layout engine move every pixel.  What a
reader takes from a figure does not: the titles and axis labels, the
categories on an axis, the numbers behind each bar, line, point, cell and
annotation, the legend.  :func:`figure_digest` writes those down, one line
per element, numbers to 4 significant digits (as the book's tables show
them), so that

* the notebook test (strict nbval) compares the digest, not the pixels: a
  different font or FreeType keeps it green, a changed number turns it red
  (the book glues each figure with its digest as the ``text/plain`` form,
  :func:`analysis.book.helpers.caption_figure`; ``tests/nbval_sanitize.cfg``
  hides the PNG bytes from the comparison);
* a reviewer reads in the notebook's diff what changed in a figure.

Nothing that depends on fonts enters it: no positions of axes or text on the
canvas, no automatic tick positions (their number follows the axis length
after layout); an axis with automatic ticks gives its limits instead, an axis
with ticks placed by the code (categories, :func:`~analysis.figures.style.thin_ticks`)
its tick labels.  An image whose pixels are drawn with a font (the word cloud)
carries its own description (:func:`describe`).

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots(figsize=(4, 3))
>>> _ = ax.bar(["甲", "乙"], [3, 1.5], label="articles")
>>> _ = ax.set_ylabel("Articles")
>>> print(figure_digest(fig))
figure 4 x 3 in, 1 axes
axes 1
  y label: Articles
  x ticks: 0 '甲' | 1 '乙'
  y limits: 0 to 3.15
  bars 'articles' (2; x, y, width, height): (-0.4, 0, 0.8, 3) (0.6, 0, 0.8, 1.5)
>>> plt.close(fig)
"""
from __future__ import annotations

import hashlib
import math

import numpy as np

#: Attribute of an artist holding what it shows, in words, when its pixels depend on fonts (:func:`describe`).
DESCRIPTION = "analysis_digest"
#: Up to this many numbers of one element are written out; above, the first ones and a checksum of all.
MAX_VALUES = 60
DIGITS = 4


def describe(artist, text: str):
    """Say what ``artist`` shows (for its digest) instead of its pixels; returns the artist."""
    setattr(artist, DESCRIPTION, " ".join(str(text).split()))
    return artist


def word_weights(weights: dict) -> str:
    """``word weight | …`` for a word cloud's words (largest first), shortened as :func:`_values` does.

    >>> word_weights({"发展": 1.0, "丰台": 0.5})
    '发展 1 | 丰台 0.5'
    """
    items = [f"{word} {_num(weight)}" for word, weight in weights.items()]
    if len(items) <= MAX_VALUES:
        return " | ".join(items)
    checksum = hashlib.sha256(" | ".join(items).encode()).hexdigest()[:16]
    return " | ".join(items[:MAX_VALUES]) + f" … ({len(items)} in all, sha256 {checksum})"


def _num(value, digits: int = DIGITS) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return repr(value)
    if math.isnan(number):
        return "nan"
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    if abs(number) < 1e-9:  # rounding noise around zero (a sum of shares, a centred coordinate)
        return "0"
    return format(number, f".{digits}g")


def _values(values, width: int = 1) -> str:
    """Numbers as text: tuples of ``width``; all of them up to MAX_VALUES numbers, else the first and a checksum."""
    flat = [_num(v) for v in np.asarray(values, dtype=float).ravel()]
    groups = [flat[i:i + width] for i in range(0, len(flat), width)]
    text = [("(" + ", ".join(g) + ")") if width > 1 else g[0] for g in groups]
    if len(flat) <= MAX_VALUES:
        return " ".join(text)
    shown = " ".join(text[: MAX_VALUES // width])
    checksum = hashlib.sha256(" ".join(flat).encode()).hexdigest()[:16]
    return f"{shown} … ({len(groups)} in all, sha256 {checksum})"


def _label(artist) -> str:
    label = artist.get_label() if hasattr(artist, "get_label") else ""
    return "" if not label or str(label).startswith("_") else f" {str(label)!r}"


def _axis_lines(ax, name: str) -> list[str]:
    from matplotlib.category import StrCategoryLocator
    from matplotlib.ticker import FixedLocator, NullLocator

    axis = getattr(ax, f"{name}axis")
    scale = axis.get_scale()
    prefix = f"  {name} " + ("" if scale == "linear" else f"({scale}) ")
    locator = axis.get_major_locator()
    if isinstance(locator, NullLocator):
        ticks = "none"
    elif isinstance(locator, (FixedLocator, StrCategoryLocator)):
        # Ticks the code placed: their labels are what the axis shows.
        pairs = [(_num(loc), label.get_text()) for loc, label in zip(axis.get_ticklocs(), axis.get_majorticklabels())]
        ticks = " | ".join(f"{loc} {text!r}" for loc, text in pairs) or "none"
    else:
        ticks = ""
    low, high = (ax.get_xlim() if name == "x" else ax.get_ylim())
    lines = [prefix + f"ticks: {ticks}"] if ticks else []
    if not isinstance(locator, StrCategoryLocator):
        lines.append(prefix + f"limits: {_num(low)} to {_num(high)}")
    return lines


def _patch_line(patch) -> str:
    from matplotlib.patches import Rectangle

    if isinstance(patch, Rectangle):
        return _values([patch.get_x(), patch.get_y(), patch.get_width(), patch.get_height()], 4)
    vertices = patch.get_patch_transform().transform(patch.get_path().vertices)
    return _values(vertices, 2)


def _bars(patches) -> str:
    """Bars as ``(x, y, width, height)``, all of them shortened together (:func:`_values`)."""
    from matplotlib.patches import Rectangle

    if all(isinstance(p, Rectangle) for p in patches):
        return _values([[p.get_x(), p.get_y(), p.get_width(), p.get_height()] for p in patches], 4)
    return " ".join(_patch_line(p) for p in patches)


def _axes_lines(ax, number: int) -> list[str]:
    from matplotlib.collections import PathCollection
    from matplotlib.image import AxesImage
    from matplotlib.text import Annotation

    if ax.get_label() == "<colorbar>":
        label = ax.get_ylabel() or ax.get_xlabel()
        low, high = ax.get_ylim() if ax.get_ylabel() or not ax.get_xlabel() else ax.get_xlim()
        return [f"colorbar {label!r}: {_num(low)} to {_num(high)}"]
    lines = [f"axes {number}"]
    for loc in ("left", "center", "right"):
        if ax.get_title(loc):
            lines.append(f"  title{'' if loc == 'center' else ' (' + loc + ')'}: {ax.get_title(loc)}")
    for name, text in (("x", ax.get_xlabel()), ("y", ax.get_ylabel())):
        if text:
            lines.append(f"  {name} label: {text}")
    if ax.axison:
        lines += _axis_lines(ax, "x") + _axis_lines(ax, "y")
    in_containers = set()
    for container in ax.containers:
        patches = [p for p in container.patches] if hasattr(container, "patches") else []
        if not patches:
            continue
        in_containers.update(map(id, patches))
        lines.append(f"  bars{_label(container)} ({len(patches)}; x, y, width, height): " + _bars(patches))
    others = [p for p in ax.patches if id(p) not in in_containers]
    if others:
        lines.append(f"  shapes ({len(others)}): " + "; ".join(f"{type(p).__name__} {_patch_line(p)}" for p in others))
    for line in ax.get_lines():
        x, y = line.get_data()
        lines.append(f"  line{_label(line)} ({len(np.atleast_1d(x))} points; x, y): "
                     + _values(np.column_stack([np.atleast_1d(x).astype(float), np.atleast_1d(y).astype(float)]), 2))
    for collection in ax.collections:
        kind = "points" if isinstance(collection, PathCollection) else type(collection).__name__
        offsets = np.asarray(collection.get_offsets(), dtype=float).reshape(-1, 2)
        text = f"  {kind}{_label(collection)} ({len(offsets)}; x, y): {_values(offsets, 2)}"
        sizes = np.asarray(collection.get_sizes(), dtype=float)
        if isinstance(collection, PathCollection) and len(sizes) and len(offsets):
            text += f"; sizes {_values(sizes)}"
        lines.append(text)
    for image in ax.get_images():
        described = getattr(image, DESCRIPTION, None)
        if described is not None:
            lines.append(f"  image{_label(image)}: {described}")
        elif isinstance(image, AxesImage):
            array = np.ma.filled(np.ma.asarray(image.get_array(), dtype=float), np.nan)
            lines.append(f"  image{_label(image)} ({' x '.join(map(str, array.shape))}): {_values(array)}")
    for text in ax.texts:
        where = text.xy if isinstance(text, Annotation) else text.get_position()
        lines.append(f"  text {text.get_text()!r} at {_values(where, 2)}")
    legend = ax.get_legend()
    if legend is not None:
        title = legend.get_title().get_text()
        lines.append("  legend" + (f" {title!r}" if title else "") + ": "
                     + " | ".join(t.get_text() for t in legend.get_texts()))
    return lines


def figure_digest(fig) -> str:
    """The text of what ``fig`` (a matplotlib Figure or Axes) shows: see the module's docstring."""
    figure = getattr(fig, "figure", fig) if not hasattr(fig, "savefig") else fig
    width, height = figure.get_size_inches()
    axes = list(figure.axes)
    lines = [f"figure {_num(width)} x {_num(height)} in, {len(axes)} axes"]
    for what, text in (("title", figure.get_suptitle()), ("x label", figure.get_supxlabel()),
                       ("y label", figure.get_supylabel())):
        if text:
            lines.append(f"{what}: {text}")
    for text in figure.texts:
        if text.get_text() and text.get_text() not in (figure.get_suptitle(), figure.get_supxlabel(),
                                                       figure.get_supylabel()):
            lines.append(f"text {text.get_text()!r}")
    number = 0
    for ax in axes:
        if ax.get_label() != "<colorbar>":
            number += 1
        lines += _axes_lines(ax, number)
    return "\n".join(lines)
