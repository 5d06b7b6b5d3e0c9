"""The book's helpers: tables and figures in the chapters, the published files, the reproducibility page.

``helpers`` (tables, concordances, figure captions, links to the raw
pages), ``chapters/`` (the prose each chapter computes), ``publish`` (raw
pages with line anchors, the tables for download; ``python -m
analysis.book.publish``) and ``reproducibility``; ``escape``, the one rule by
which every corpus value enters generated Markdown or HTML as text.

>>> from analysis.book import figure_markdown
>>> figure_markdown("fig-x", "A caption.", "Bars of counts.").splitlines()[0]
'```{glue:figure} fig-x'
"""
from .helpers import (DATA_URL_DIR, RAW_URL_DIR, GluedFigure, HTMLTable, article_anchor, article_link, caption_figure,
                      check_alt, check_label, concordance, data_anchor, data_anchor_href, figure_markdown, publishing,
                      raw_page_url, repository_url, set_publishing, show_table, source_href, source_link, table_href)

__all__ = ["DATA_URL_DIR", "RAW_URL_DIR", "GluedFigure", "HTMLTable", "article_anchor", "article_link", "caption_figure",
           "check_alt", "check_label", "concordance", "data_anchor", "data_anchor_href", "figure_markdown", "publishing",
           "raw_page_url", "repository_url", "set_publishing", "show_table", "source_href", "source_link",
           "table_href"]
