from __future__ import annotations

import gzip
import json

import pytest
from django.urls import reverse

from regulations.importer import ImportFailed, import_pending, import_statutes, index_articles
from regulations.models import Article, Statute
from regulations.tests.conftest import CORPUS, statute, write_corpus

pytestmark = pytest.mark.django_db


def test_import_creates_statutes_and_articles(sectors, agencies, corpus_path):
    report = import_statutes(path=corpus_path)

    assert report.statutes_created == len(CORPUS)
    assert Statute.objects.count() == len(CORPUS)
    assert report.articles_created == sum(len(s["articles"]) for s in CORPUS)
    assert Article.objects.get(statute_id="001638", number="제13조의2").title == "자전거등의 통행방법의 특례"


def test_import_twice_creates_no_duplicates(sectors, agencies, corpus_path):
    import_statutes(path=corpus_path)
    second = import_statutes(path=corpus_path)

    assert second.statutes_skipped == len(CORPUS)
    assert (second.statutes_created, second.articles_created, second.articles_updated) == (0, 0, 0)
    assert Statute.objects.count() == len(CORPUS)


def test_reimport_updates_changed_article_in_place(sectors, agencies, tmp_path):
    first = write_corpus(tmp_path / "a.jsonl.gz", CORPUS)
    import_statutes(path=first)
    before = Article.objects.get(statute_id="001788", number="제33조")
    changed = json.loads(json.dumps(CORPUS))
    changed[0]["articles"][1]["text"] = "① 의료인은 의료기관을 개설하여야 한다. <개정 2026.1.1>"
    changed[0]["articles"].pop(2)

    report = import_statutes(path=write_corpus(tmp_path / "b.jsonl.gz", changed))

    after = Article.objects.get(statute_id="001788", number="제33조")
    assert after.pk == before.pk  # barriers citing the article keep pointing at it
    assert "<개정 2026.1.1>" in after.text
    assert (report.statutes_updated, report.articles_updated, report.articles_deleted) == (1, 1, 1)


def test_malformed_line_stops_with_line_number_and_keeps_previous_import(sectors, agencies, corpus_path, tmp_path):
    import_statutes(path=corpus_path)
    rows = [json.dumps(CORPUS[0], ensure_ascii=False), '{"law_id": "1", "name": ']
    bad = write_corpus(tmp_path / "bad.jsonl.gz", rows)

    with pytest.raises(ImportFailed) as caught:
        import_statutes(path=bad)

    assert caught.value.line == 2
    assert "2번째 줄" in str(caught.value.message)
    assert Statute.objects.count() == len(CORPUS)


def test_wrong_field_type_is_refused_before_any_write(sectors, agencies, tmp_path):
    broken = statute("000001", "새법", "법률", "경찰청", [("제1조", "목적", "목적")])
    broken["articles"] = "not a list"
    path = write_corpus(tmp_path / "x.jsonl.gz", [CORPUS[2], broken])

    with pytest.raises(ImportFailed) as caught:
        import_statutes(path=path)

    assert caught.value.line == 2
    assert not Statute.objects.exists()


def test_duplicate_law_id_is_refused(sectors, agencies, tmp_path):
    path = write_corpus(tmp_path / "dup.jsonl.gz", [CORPUS[0], CORPUS[0]])

    with pytest.raises(ImportFailed) as caught:
        import_statutes(path=path)

    assert caught.value.line == 2
    assert not Statute.objects.exists()


def test_truncated_gzip_is_refused_and_nothing_written(sectors, agencies, corpus_path, tmp_path):
    data = corpus_path.read_bytes()
    truncated = tmp_path / "cut.jsonl.gz"
    truncated.write_bytes(data[: len(data) // 2])

    with pytest.raises(ImportFailed):
        import_statutes(path=truncated)

    assert not Statute.objects.exists()


def test_plain_jsonl_is_accepted(sectors, agencies, tmp_path):
    path = write_corpus(tmp_path / "plain.jsonl", CORPUS[:2], gz=False)

    assert import_statutes(path=path).statutes_created == 2


def test_decree_is_linked_to_its_act(sectors, agencies, corpus_path):
    import_statutes(path=corpus_path)

    decree = Statute.objects.get(name="의료법 시행령")
    assert decree.parent_id == "001788"
    assert decree.role == "시행령"


def test_ministry_is_mapped_to_agency_and_former_names_resolve(sectors, agencies, renamed_agency, tmp_path):
    row = statute("000123", "국가재정법", "법률", "기획재정부", [("제1조", "목적", "목적")])
    import_statutes(path=write_corpus(tmp_path / "f.jsonl.gz", [row, CORPUS[0]]))

    assert Statute.objects.get(pk="000123").agency == renamed_agency
    assert Statute.objects.get(pk="001788").agency == agencies["보건복지부"]


def test_corpus_sector_becomes_haechi_sector(sectors, agencies, corpus_path):
    import_statutes(path=corpus_path)

    assert list(Statute.objects.get(name="도로교통법").sectors.values_list("code", flat=True)) == ["mobility"]
    assert not Statute.objects.get(pk="011902").sectors.exists()


def test_index_analyses_only_changed_articles(imported):
    assert index_articles().articles == 0
    Article.objects.filter(number="제33조").update(text_hash="changed")

    assert index_articles().articles == 1


def test_empty_file_is_refused(db, tmp_path):
    path = tmp_path / "empty.jsonl.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("")

    with pytest.raises(ImportFailed):
        import_statutes(path=path)


def test_pending_version_attaches_changed_articles_and_shows_on_the_passport(client, imported, tmp_path):
    medical = next(row for row in CORPUS if row["law_id"] == "001788")
    articles = [dict(a) for a in medical["articles"]]
    articles[1]["text"] = "① 의료인은 이 법에 따른 의료기관을 개설하거나 비대면진료 기관으로 지정받아야 한다."
    articles.append({"no": "제99조", "title": "신설", "chapter": "", "text": "새로 생기는 조문."})
    newer = {**medical, "mst": 999, "promulgated": "2026-06-01", "effective": "2027-01-01", "in_force": False}
    path = write_corpus(tmp_path / "pending.jsonl.gz", [{**newer, "articles": articles}])

    first = import_pending(path=path)
    again = import_pending(path=path)

    assert (first.attached, again.attached, again.unchanged) == (1, 0, 1)
    pending = Statute.objects.get(pk="001788").pending
    assert pending["effective"] == "2027-01-01"
    assert [(c["no"], c["change"]) for c in pending["articles"]] == [("제33조", "changed"), ("제99조", "new")]
    page = client.get(reverse("regulations:article", args=["001788", "제33조"])).content.decode()
    assert "2027-01-01 시행 예정" in page and "비대면진료 기관으로 지정받아야" in page
    assert "제99조 (신설)" in client.get(reverse("regulations:statute", args=["001788"])).content.decode()


def test_pending_file_with_a_bad_line_changes_nothing(imported, tmp_path):
    path = write_corpus(tmp_path / "pending.jsonl.gz", ['{"law_id": "001788"'])

    with pytest.raises(ImportFailed):
        import_pending(path=path)

    assert Statute.objects.get(pk="001788").pending is None


def test_index_keeps_token_ids_in_step_with_tokens(imported):
    import numpy as np

    from regulations.search.analysis import TOKEN_ID_DTYPE, token_id

    article = Article.objects.get(statute__name="도로교통법", number="제8조")
    ids = np.frombuffer(bytes(article.token_ids), dtype=TOKEN_ID_DTYPE).tolist()

    assert ids == [token_id(t) for t in article.tokens.split()] and ids


def test_fill_token_ids_gives_ids_to_articles_indexed_without_them(imported):
    from regulations.importer import fill_token_ids

    Article.objects.update(token_ids=None)

    assert fill_token_ids() == Article.objects.exclude(tokens_hash="").count()
    assert not Article.objects.filter(token_ids__isnull=True).exclude(tokens_hash="").exists()


def test_citations_count_other_statutes_citing_by_name(imported):
    from regulations.importer import count_citations
    from regulations.search.names import name_table

    # The tiny corpus: 의료법 시행령 제1조 cites 「의료법」.
    assert Statute.objects.get(name="의료법").cited_by == 1
    road = Statute.objects.get(name="도로교통법")
    article = Article.objects.filter(statute__name="의료법").first()
    article.text += " 「의료법」과 「도로교통법」 및 「없는법」에 따른다."
    article.save()

    count_citations()

    assert Statute.objects.get(name="의료법").cited_by == 1  # citing itself does not count
    assert Statute.objects.get(pk=road.pk).cited_by == road.cited_by + 1
    assert name_table().statutes[road.pk].cited_by == road.cited_by + 1


def test_term_postings_list_every_article_containing_the_term(imported):
    import numpy as np

    from regulations.models import SearchTerm
    from regulations.search.backend import POSTING_DTYPE

    containing: dict[str, set[int]] = {}
    for pk, tokens in Article.objects.values_list("pk", "tokens"):
        for token in set(tokens.split()):
            containing.setdefault(token, set()).add(pk)
    stored = {
        term.token: np.frombuffer(bytes(term.article_ids), dtype=POSTING_DTYPE).tolist()
        for term in SearchTerm.objects.exclude(token__startswith="#")
    }

    assert stored == {token: sorted(ids) for token, ids in containing.items()}
    assert all(term.df == len(stored[term.token]) for term in SearchTerm.objects.exclude(token__startswith="#"))


def test_reindexing_a_changed_article_updates_the_postings(imported):
    from regulations.models import SearchTerm
    from regulations.search import backend

    article = Article.objects.get(statute_id="001638", number="제13조의2")
    assert "우주선" not in article.tokens
    Article.objects.filter(pk=article.pk).update(text=article.text + " 우주선", text_hash="changed")
    index_articles()
    term = SearchTerm.objects.get(token="우주선")

    assert term.df == 1
    assert backend.article_candidates(weighted_terms=[("우주선", 1)], filters=backend.Filters(), limit=5) == [
        (article.pk, 1)
    ]
