"""Every figure of the book, one module per chapter (``corpus``, ``terms``, ``leaders``, ``topics``);
``style`` sets the CJK font (by file) and thins crowded ticks (one place); ``digest``
writes what a figure shows as text (its data and labels, not its pixels), which the
notebook tests compare.

Each function is named ``plot_<what>(data, …, ax=None)``: it draws on ``ax``
(a new figure when None) and returns the Axes, so that a notebook cell is
one line per figure.  Two return the Figure instead: ``plot_timelines``
(one panel per person, so no ``ax``) and ``plot_kinds`` (``None`` when
there is nothing to draw, which the leaders chapter then says in words).

>>> from analysis.figures import plot_top_terms
>>> import pandas as pd
>>> plot_top_terms(pd.DataFrame({"term": ["发展"], "count": [3]})).get_xlabel()
'Occurrences'
"""
from .corpus import plot_article_lengths, plot_articles_per_period, plot_length_histogram
from .leaders import plot_kinds, plot_network, plot_prominence, plot_timeline, plot_timelines
from .digest import describe, figure_digest
from .style import cjk_font_path, thin_ticks, use_cjk_font
from .terms import plot_keyness, plot_term_periods, plot_top_terms, plot_word_cloud, word_cloud
from .topics import plot_cluster_map, plot_cluster_shares, plot_k_selection

__all__ = ["plot_article_lengths", "plot_articles_per_period", "plot_length_histogram",
           "plot_kinds", "plot_network", "plot_prominence", "plot_timeline", "plot_timelines",
           "cjk_font_path", "thin_ticks", "use_cjk_font", "describe", "figure_digest",
           "plot_keyness", "plot_term_periods", "plot_top_terms", "plot_word_cloud", "word_cloud",
           "plot_cluster_map", "plot_cluster_shares", "plot_k_selection"]
