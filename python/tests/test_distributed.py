"""ndgradient.dask.gradient on a dask.distributed LocalCluster with 2 worker processes."""

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
import dask.array as da  # noqa: E402

import ndgradient.dask as ndd  # noqa: E402
from conftest import same_bits  # noqa: E402


def test_local_cluster_two_processes():
    rng = np.random.default_rng(7)
    f = rng.normal(size=(40, 30, 20))
    x = np.cumsum(rng.uniform(0.5, 1.5, size=30))
    d = da.from_array(f, chunks=(7, (1, 2, 13, 14), 10))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        pids = set(client.run(lambda: __import__("os").getpid()).values())
        assert len(pids) == 2 and __import__("os").getpid() not in pids
        got = client.compute(ndd.gradient(d, 0.5, x, 2.0, edge_order=2), sync=True)
    assert same_bits(tuple(got), np.gradient(f, 0.5, x, 2.0, edge_order=2)) is None
