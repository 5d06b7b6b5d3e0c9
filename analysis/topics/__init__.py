"""Stage 5, topics: TF-IDF, k-means with k chosen by silhouette, NMF as a check (``model``); how k is
chosen, on a sample, cached (``selection``); ``labels`` names each cluster by the terms that distinguish it.

>>> from analysis.topics import fit_topics
>>> callable(fit_topics)
True
"""
from .labels import top_terms
from .selection import SelectionCache
from .model import (NmfTopics, Tfidf, TopicInputError, TopicModel, article_label, choose_k, cluster_sizes,
                    cluster_terms, clusters_table, fit_topics, nmf_topics, partition_agreement, period_shares,
                    representative_articles, tfidf_from_arrays, tfidf_from_counts, tfidf_matrix, tfidf_summary)

__all__ = ["NmfTopics", "SelectionCache", "Tfidf", "TopicInputError", "TopicModel", "article_label", "choose_k",
           "cluster_sizes", "cluster_terms", "clusters_table", "fit_topics", "nmf_topics", "partition_agreement",
           "period_shares", "representative_articles", "tfidf_from_arrays", "tfidf_from_counts", "tfidf_matrix",
           "tfidf_summary", "top_terms"]
