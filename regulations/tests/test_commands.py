from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from core.errors import Conflict, NotPermitted
from regulations.core_regulations import load_core_regulations
from regulations.models import CoreRegulation, SandboxTrack, Statute, StatuteAlias
from regulations.sandbox import load_sandbox
from regulations.selectors import search_statutes, statute_by_name_or_alias
from regulations.services import add_statute_alias
from regulations.tests.conftest import CORPUS, write_corpus

pytestmark = pytest.mark.django_db


def test_command_imports_indexes_and_reports_counts(sectors, agencies, corpus_path):
    out = StringIO()
    call_command("import_statutes", str(corpus_path), stdout=out, stderr=StringIO())

    text = out.getvalue()
    assert f"법령 {len(CORPUS)}건: 새로 {len(CORPUS)}" in text
    assert "색인: 조문" in text
    assert search_statutes("자본시장법")[0].statute.law_id == "009015"


def test_command_second_run_reports_everything_unchanged(sectors, agencies, corpus_path):
    call_command("import_statutes", str(corpus_path), stdout=StringIO(), stderr=StringIO())
    out = StringIO()
    call_command("import_statutes", str(corpus_path), stdout=out, stderr=StringIO())

    assert f"변경 없음 {len(CORPUS)}" in out.getvalue()
    assert "색인: 조문 0" in out.getvalue()


def test_command_stops_on_bad_line_with_its_number(sectors, agencies, tmp_path):
    path = write_corpus(tmp_path / "bad.jsonl.gz", [json.dumps(CORPUS[0], ensure_ascii=False), "[1, 2]"])

    with pytest.raises(CommandError, match="2번째 줄"):
        call_command("import_statutes", str(path), stdout=StringIO(), stderr=StringIO())
    assert not Statute.objects.exists()


def test_command_refuses_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="파일이 없습니다"):
        call_command("import_statutes", str(tmp_path / "none.jsonl.gz"), stdout=StringIO(), stderr=StringIO())


def test_loading_sandbox_twice_keeps_admin_edits(imported):
    SandboxTrack.objects.filter(code="ict").update(scope="담당자가 고친 설명")
    load_sandbox()

    assert SandboxTrack.objects.get(code="ict").scope == "담당자가 고친 설명"
    assert SandboxTrack.objects.count() == 7


def test_core_regulations_are_seeded_from_labelled_barriers(imported):
    report = load_core_regulations()

    assert report.created > 0
    assert CoreRegulation.objects.filter(sector__code="biohealth", statute__name="의료법").exists()
    assert load_core_regulations().created == 0


def test_city_official_adds_alias_and_search_finds_it(imported, city_official):
    statute = Statute.objects.get(name="도로교통법")
    add_statute_alias(statute=statute, name="도교법", actor=city_official)

    assert statute_by_name_or_alias("도교법") == statute
    assert search_statutes("도교법")[0].statute == statute


def test_alias_taken_by_another_statute_is_refused(imported, city_official):
    with pytest.raises(Conflict):
        add_statute_alias(statute=Statute.objects.get(name="도로교통법"), name="자본시장법", actor=city_official)


def test_firm_member_may_not_add_alias(imported, firm_member):
    with pytest.raises(NotPermitted):
        add_statute_alias(statute=Statute.objects.get(name="도로교통법"), name="도교법", actor=firm_member)
    assert not StatuteAlias.objects.filter(name="도교법").exists()
