"""Stage 5, topics: TF-IDF, k-means with k chosen by silhouette, NMF as a check (``model``); how k is
chosen, on a sample, cached (``selection``); ``labels`` names each cluster by the terms that distinguish it
(and each NMF topic by its heaviest terms).

>>> from analysis.topics import fit_topics
>>> callable(fit_topics)
True
"""
from .labels import nmf_topic_terms, top_terms
from .selection import SelectionCache
from .model import (NmfTopics, Tfidf, TopicInputError, TopicModel, article_label, choose_k, cluster_overview,
                    cluster_period_shares, cluster_sizes, cluster_terms, clusters_table, fit_topics, map_agreement,
                    nmf_partition, nmf_topics, partition_agreement, partition_crosstab, period_shares,
                    representative_articles, tfidf_from_arrays, tfidf_from_counts, tfidf_matrix, tfidf_summary)

__all__ = ["NmfTopics", "SelectionCache", "Tfidf", "TopicInputError", "TopicModel", "article_label", "choose_k",
           "cluster_overview", "cluster_period_shares", "cluster_sizes", "cluster_terms", "clusters_table",
           "fit_topics", "map_agreement", "nmf_partition", "nmf_topics", "partition_agreement",
           "partition_crosstab", "period_shares", "representative_articles", "tfidf_from_arrays",
           "tfidf_from_counts", "tfidf_matrix", "tfidf_summary", "nmf_topic_terms", "top_terms"]
