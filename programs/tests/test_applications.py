import datetime as dt

import pytest
import time_machine
from django.core import mail

from accounts.models import Role
from accounts.tests.factories import MembershipFactory
from core.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from firms.models import Cluster, SizeClass
from firms.tests.factories import FirmFactory
from programs import selectors, services
from programs.models import ApplicationEvent, ApplicationStatus, ProgramApplication, ProgramNotice
from programs.tests.factories import SupportProgramFactory

TODAY = dt.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 6, 15, 3, 0, tzinfo=dt.UTC), tick=False):
        yield


def test_firm_member_applies_once(firm, firm_member):
    program = SupportProgramFactory()
    application = services.apply_to_program(program_id=program.pk, firm=firm, actor=firm_member)
    assert application.status == ApplicationStatus.SUBMITTED and application.applied_on == TODAY
    assert ApplicationEvent.objects.filter(application=application, to_status="submitted").count() == 1
    with pytest.raises(Conflict) as exc:
        services.apply_to_program(program_id=program.pk, firm=firm, actor=firm_member)
    assert exc.value.code == "already_applied"
    assert ProgramApplication.objects.count() == 1


def test_apply_after_withdrawal_is_allowed(firm, firm_member):
    program = SupportProgramFactory()
    first = services.apply_to_program(program_id=program.pk, firm=firm, actor=firm_member)
    services.withdraw_application(application_id=first.pk, actor=firm_member)
    services.apply_to_program(program_id=program.pk, firm=firm, actor=firm_member)
    assert ProgramApplication.objects.count() == 2


def test_applying_outside_the_period_is_refused(firm, firm_member):
    program = SupportProgramFactory(closes_on=TODAY - dt.timedelta(days=1), opens_on=dt.date(2026, 1, 1))
    with pytest.raises(Conflict) as exc:
        services.apply_to_program(program_id=program.pk, firm=firm, actor=firm_member)
    assert exc.value.code == "outside_period"
    assert not ProgramApplication.objects.exists()


def test_ineligible_firm_is_refused_with_reasons(firm, firm_member):
    program = SupportProgramFactory(size_classes=["medium"])
    with pytest.raises(ValidationFailed) as exc:
        services.apply_to_program(program_id=program.pk, firm=firm, actor=firm_member)
    assert exc.value.code == "not_eligible"
    assert "중기업 대상인데 소기업입니다" in str(exc.value.message)


def test_application_made_elsewhere_is_recorded_for_an_archived_program(firm, firm_member):
    program = SupportProgramFactory(
        archived=True, source="bizinfo", opens_on=dt.date(2021, 3, 1), closes_on=dt.date(2021, 3, 31)
    )
    firm.founded_on = dt.date(2019, 1, 1)
    firm.save()
    application = services.apply_to_program(
        program_id=program.pk, firm=firm, actor=firm_member, made_elsewhere=True, applied_on=dt.date(2021, 3, 10)
    )
    assert application.made_elsewhere and application.applied_on == dt.date(2021, 3, 10)
    with pytest.raises(Conflict):
        services.apply_to_program(
            program_id=SupportProgramFactory(
                archived=True, closes_on=dt.date(2021, 3, 31), opens_on=dt.date(2021, 3, 1)
            ).pk,
            firm=firm,
            actor=firm_member,
            made_elsewhere=True,
            applied_on=dt.date(2021, 5, 1),
        )


def test_future_application_date_refused(firm, firm_member):
    program = SupportProgramFactory()
    with pytest.raises(ValidationFailed):
        services.apply_to_program(
            program_id=program.pk, firm=firm, actor=firm_member, made_elsewhere=True, applied_on=TODAY + dt.timedelta(1)
        )


def test_only_members_apply_for_their_firm(firm, other_firm_member, outsider, city_official):
    program = SupportProgramFactory()
    for user in (other_firm_member, outsider, city_official):
        with pytest.raises(NotPermitted):
            services.apply_to_program(program_id=program.pk, firm=firm, actor=user)


def test_unknown_program_is_not_found(firm, firm_member):
    with pytest.raises(NotFound):
        services.apply_to_program(program_id=999999, firm=firm, actor=firm_member)


def test_states_move_only_along_the_table(firm, firm_member, city_official):
    program = SupportProgramFactory()
    application = services.apply_to_program(program_id=program.pk, firm=firm, actor=firm_member)
    with pytest.raises(NotPermitted):
        services.decide_application(application_id=application.pk, to_status="selected", actor=firm_member)
    with pytest.raises(Conflict):
        services.decide_application(application_id=application.pk, to_status="completed", actor=city_official)
    services.decide_application(application_id=application.pk, to_status="selected", actor=city_official)
    services.decide_application(application_id=application.pk, to_status="completed", actor=city_official)
    with pytest.raises(Conflict):
        services.withdraw_application(application_id=application.pk, actor=firm_member)
    moves = list(ApplicationEvent.objects.filter(application=application).values_list("from_status", "to_status"))
    assert moves == [("", "submitted"), ("submitted", "selected"), ("selected", "completed")]


@pytest.mark.parametrize("terminal", ["not_selected", "withdrawn"])
def test_terminal_states_stay_terminal(firm, firm_member, city_official, terminal):
    application = services.apply_to_program(program_id=SupportProgramFactory().pk, firm=firm, actor=firm_member)
    if terminal == "withdrawn":
        services.withdraw_application(application_id=application.pk, actor=firm_member)
    else:
        services.decide_application(application_id=application.pk, to_status=terminal, actor=city_official)
    for target in ("selected", "not_selected", "completed"):
        with pytest.raises(Conflict):
            services.decide_application(application_id=application.pk, to_status=target, actor=city_official)


def test_uptake_by_program_sector_size_stage_cluster(sectors, city_official):
    cluster = Cluster.objects.create(slug="c1", name="클러스터1", theme="t")
    program = SupportProgramFactory(title="가 사업")
    firms = [
        FirmFactory(sectors=["robots"], size_class=SizeClass.SMALL, cluster=cluster),
        FirmFactory(sectors=["ai"], size_class=SizeClass.MEDIUM, founded_on=dt.date(2015, 1, 1)),
    ]
    for firm in firms:
        user = MembershipFactory(role=Role.FIRM_MEMBER, firm=firm).user
        services.apply_to_program(program_id=program.pk, firm=firm, actor=user)
    first = ProgramApplication.objects.get(firm=firms[0])
    services.decide_application(application_id=first.pk, to_status="selected", actor=city_official)
    assert [(r.label, r.applied, r.selected) for r in selectors.uptake(by="program")] == [("가 사업", 2, 1)]
    by_size = {r.label: (r.applied, r.selected) for r in selectors.uptake(by="size")}
    assert by_size == {"소기업": (1, 1), "중기업": (1, 0)}
    by_stage = {r.label for r in selectors.uptake(by="stage")}
    assert by_stage == {"도약기 (3~7년)", "성장기 (7년 초과)"}
    assert {r.label for r in selectors.uptake(by="cluster")} == {"클러스터1", "클러스터 밖"}
    assert {r.label for r in selectors.uptake(by="sector")} == {"로봇", "AI"}


def test_notices_are_created_and_mailed_once(firm, firm_member, other_firm):
    other_firm.size_class = SizeClass.LARGE
    other_firm.save()
    program = SupportProgramFactory(size_classes=["small"])
    assert services.notify_matching_firms() == 1
    assert ProgramNotice.objects.filter(program=program, firm=firm).count() == 1
    assert len(mail.outbox) == 1 and program.title in mail.outbox[0].body
    assert services.notify_matching_firms() == 0
    assert len(mail.outbox) == 1


def test_unreached_firms_exclude_those_notified_or_applied(firm, firm_member, other_firm):
    program = SupportProgramFactory()
    assert {f.pk for f, _m in selectors.unreached_firms(program=program)} == {firm.pk, other_firm.pk}
    services.apply_to_program(program_id=program.pk, firm=firm, actor=firm_member)
    assert {f.pk for f, _m in selectors.unreached_firms(program=program)} == {other_firm.pk}


def test_programs_for_firm_lists_open_eligible_with_reasons(firm):
    SupportProgramFactory(title="맞는 사업", sectors=["fintech"])
    SupportProgramFactory(title="다른 분야", sectors=["robots"])
    SupportProgramFactory(title="지난 사업", archived=True)
    matches = selectors.programs_for_firm(firm=firm)
    assert [m.rule.title for m in matches] == ["맞는 사업"]
    assert "핀테크 분야를 지원합니다." in matches[0].reasons


def test_open_barrier_about_demonstration_puts_testbeds_first(firm):
    factories = pytest.importorskip("barriers.tests.factories")
    SupportProgramFactory(title="가 자금 지원", kind="funding", sectors=["fintech"])
    SupportProgramFactory(title="나 실증 테스트베드", kind="testbed")
    assert selectors.programs_for_firm(firm=firm)[0].rule.title == "가 자금 지원"
    factories.BarrierFactory(firm=firm, status="submitted")
    selectors.forget_compiled()
    top = selectors.programs_for_firm(firm=firm)[0]
    assert top.rule.title == "나 실증 테스트베드"
    assert top.reasons[0].startswith("실증 규제로 막힌 애로가 있어")


def test_database_allows_one_live_application_per_firm(firm):
    from django.db import IntegrityError, transaction

    program = SupportProgramFactory()
    ProgramApplication.objects.create(program=program, firm=firm, status="submitted", applied_on=TODAY)
    ProgramApplication.objects.create(program=program, firm=firm, status="withdrawn", applied_on=TODAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgramApplication.objects.create(program=program, firm=firm, status="selected", applied_on=TODAY)


@pytest.mark.django_db(transaction=True)
def test_concurrent_applications_by_two_members_store_one(sectors):
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks need a server database")
    firm = FirmFactory()
    members = [MembershipFactory(role=Role.FIRM_MEMBER, firm=firm).user for _ in range(4)]
    program = SupportProgramFactory()
    barrier = threading.Barrier(len(members))
    outcomes = []

    def attempt(user):
        try:
            barrier.wait()
            services.apply_to_program(program_id=program.pk, firm=firm, actor=user)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(u,)) for u in members]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 3 + ["ok"]
    assert ProgramApplication.objects.filter(program=program, firm=firm).count() == 1
