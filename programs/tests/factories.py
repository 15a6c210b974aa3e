import datetime as dt

import factory

from programs.models import DemonstrationSite, PeriodKind, ProgramSource, SiteKind, SupportProgram
from programs.search import search_document


class SupportProgramFactory(factory.django.DjangoModelFactory):
    """An open city program with no restrictions (tests add the ones they need)."""

    class Meta:
        model = SupportProgram
        skip_postgeneration_save = True

    source = ProgramSource.CITY
    external_id = factory.Sequence(lambda n: f"TEST-{n:05d}")
    title = factory.Sequence(lambda n: f"테스트 지원사업 {n}")
    summary = "기업의 성장을 지원합니다."
    kind = "funding"
    period_kind = PeriodKind.DATED
    opens_on = dt.date(2026, 1, 1)
    closes_on = dt.date(2026, 12, 31)
    search_document = factory.LazyAttribute(lambda o: search_document(o.title, o.summary))

    @factory.post_generation
    def sectors(obj, create, extracted, **kwargs):
        if create and extracted:
            from firms.models import Sector

            obj.sectors.set(Sector.objects.filter(code__in=extracted))

    @factory.post_generation
    def clusters(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.clusters.set(extracted)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DemonstrationSite

    name = factory.Sequence(lambda n: f"실증 장소 {n}")
    kind = SiteKind.ROBOT_FIELD
    operator_name = "테스트 운영기관"
    capacity = 3
    slot_minutes = 60
    opens_at = dt.time(9)
    closes_at = dt.time(18)
