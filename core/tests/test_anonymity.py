"""k-anonymity for barriers filed without the firm's name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.anonymity import K_ANONYMITY, Disclosure, Level, disclosable_profile, population_counts


def test_sector_and_size_shown_when_the_cell_is_large_enough():
    counts = {("fintech", "small", "yeouido"): 5}

    shown = disclosable_profile(sector="fintech", size="small", cluster="yeouido", counts=counts)

    assert shown == Disclosure(Level.SECTOR_AND_SIZE, "fintech", "small")


def test_size_dropped_when_the_cell_is_small_but_the_sector_in_the_cluster_is_not():
    counts = {
        ("fintech", "middle", "yeouido"): 1,
        ("fintech", "small", "yeouido"): 3,
        ("fintech", "medium", "yeouido"): 1,
    }

    shown = disclosable_profile(sector="fintech", size="middle", cluster="yeouido", counts=counts)

    assert shown == Disclosure(Level.SECTOR, "fintech", None)


def test_nothing_shown_when_even_the_sector_in_the_cluster_is_small():
    counts = {("robot", "small", "yangjae"): 2, ("robot", "small", "magok"): 40, ("fintech", "small", "yangjae"): 40}

    shown = disclosable_profile(sector="robot", size="small", cluster="yangjae", counts=counts)

    assert shown == Disclosure(Level.NOTHING, None, None)


def test_other_clusters_do_not_hide_a_firm():
    counts = {("ai", "large", "sangam"): 1, ("ai", "large", "magok"): 100}

    assert disclosable_profile(sector="ai", size="large", cluster="sangam", counts=counts).level is Level.NOTHING


def test_firms_without_a_cluster_form_their_own_cell():
    counts = {("biohealth", "small", None): 6, ("biohealth", "small", "hongneung"): 1}

    shown = disclosable_profile(sector="biohealth", size="small", cluster=None, counts=counts)

    assert shown.level is Level.SECTOR_AND_SIZE


def test_unknown_cell_shows_nothing():
    assert disclosable_profile(sector="ai", size="small", cluster="x", counts={}).level is Level.NOTHING


@pytest.mark.parametrize("k", [0, -1])
def test_k_must_be_positive(k):
    with pytest.raises(ValueError):
        disclosable_profile(sector="ai", size="small", cluster=None, counts={}, k=k)


def test_k_is_five_by_default():
    counts = {("ai", "small", "c"): 4}

    assert K_ANONYMITY == 5
    assert disclosable_profile(sector="ai", size="small", cluster="c", counts=counts).level is Level.NOTHING
    assert (
        disclosable_profile(sector="ai", size="small", cluster="c", counts=counts, k=4).level is Level.SECTOR_AND_SIZE
    )


SECTORS = ["fintech", "mobility", "robot"]
SIZES = ["small", "medium", "middle", "large"]
CLUSTERS = ["yeouido", "magok", None]
cells = st.tuples(st.sampled_from(SECTORS), st.sampled_from(SIZES), st.sampled_from(CLUSTERS))
count_maps = st.dictionaries(cells, st.integers(0, 12), max_size=20)


@given(count_maps, cells, st.integers(1, 8))
def test_what_is_shown_always_hides_the_firm_among_k(counts, cell, k):
    sector, size, cluster = cell

    shown = disclosable_profile(sector=sector, size=size, cluster=cluster, counts=counts, k=k)

    if shown.level is Level.SECTOR_AND_SIZE:
        assert counts[cell] >= k
    elif shown.level is Level.SECTOR:
        assert shown.size is None
        assert sum(n for (s, _z, c), n in counts.items() if s == sector and c == cluster) >= k
    else:
        assert shown.sector is None and shown.size is None


@given(count_maps, cells, st.integers(1, 8), st.integers(1, 5))
def test_more_firms_never_show_less(counts, cell, k, extra):
    order = [Level.NOTHING, Level.SECTOR, Level.SECTOR_AND_SIZE]
    before = disclosable_profile(sector=cell[0], size=cell[1], cluster=cell[2], counts=counts, k=k)
    grown = {**counts, cell: counts.get(cell, 0) + extra}

    after = disclosable_profile(sector=cell[0], size=cell[1], cluster=cell[2], counts=grown, k=k)

    assert order.index(after.level) >= order.index(before.level)


@pytest.mark.django_db
def test_population_counts_by_sector_size_and_cluster(sectors):
    from firms.models import Cluster, SizeClass
    from firms.tests.factories import FirmFactory

    yeouido = Cluster.objects.create(slug="yeouido-test", name="여의도 테스트", theme="핀테크")
    FirmFactory.create_batch(2, cluster=yeouido, size_class=SizeClass.SMALL, sectors=["fintech"])
    FirmFactory(cluster=yeouido, size_class=SizeClass.MEDIUM, sectors=["fintech", "ai"])
    FirmFactory(cluster=None, size_class=SizeClass.SMALL, sectors=["fintech"])

    counts = population_counts()

    assert counts[("fintech", "small", "yeouido-test")] == 2
    assert counts[("fintech", "medium", "yeouido-test")] == 1
    assert counts[("ai", "medium", "yeouido-test")] == 1
    assert counts[("fintech", "small", None)] == 1
    shown = disclosable_profile(sector="fintech", size="medium", cluster="yeouido-test", counts=counts, k=3)
    assert shown == Disclosure(Level.SECTOR, "fintech", None)
