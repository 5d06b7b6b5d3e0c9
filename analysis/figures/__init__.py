"""Every figure of the book, one module per chapter; ``style`` sets the CJK font (one place).

Each function is named ``plot_<what>(data, …, ax=None)``: it draws on ``ax``
(a new figure when None) and returns the Axes, so that a notebook cell is
one line per figure.

>>> from analysis.figures import plot_top_terms
>>> import pandas as pd
>>> plot_top_terms(pd.DataFrame({"term": ["发展"], "count": [3]})).get_xlabel()
'Occurrences'
"""
from .style import cjk_font_path, use_cjk_font
from .terms import plot_keyness, plot_term_periods, plot_top_terms, plot_word_cloud, word_cloud

__all__ = ["cjk_font_path", "use_cjk_font", "plot_keyness", "plot_term_periods", "plot_top_terms",
           "plot_word_cloud", "word_cloud"]
