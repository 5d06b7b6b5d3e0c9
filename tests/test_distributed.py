"""The per-article stage on a Dask cluster gives the local run's tables."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis.aggregate import per_article_tables
from analysis.perarticle.distributed import get_client, submit_ordered


def test_local_cluster_equals_local_run(articles, tmp_path):
    from distributed import Client, LocalCluster

    local = per_article_tables(articles, workers=1, cache=False)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        remote = per_article_tables(articles, scheduler=client, cache=tmp_path / "c")
        # The address form (what --scheduler passes) connects a Client of its own.
        by_address = per_article_tables(articles, scheduler=cluster.scheduler_address, cache=False)
        assert client.status == "running"  # a Client passed in is left open
    for name, frame in local.items():
        if not isinstance(frame, pd.DataFrame):  # the tokens: an Arrow table
            assert remote[name].equals(frame) and by_address[name].equals(frame), name
            continue
        pd.testing.assert_frame_equal(remote[name], frame, check_exact=True, obj=name)
        pd.testing.assert_frame_equal(by_address[name], frame, check_exact=True, obj=name)
    assert len(local["mentions"]) > 0


def test_results_come_back_in_submission_order():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        assert submit_ordered(client, divmod, [(n, 7) for n in range(40, 0, -1)])() == [divmod(n, 7) for n in range(40, 0, -1)]


def test_bad_scheduler_address_is_a_clear_error():
    with pytest.raises(ValueError, match="scheduler address"):
        get_client("")
