import factory

from agencies.models import Agency, AgencyKind


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    code = factory.Sequence(lambda n: f"agency-{n}")
    name = factory.Sequence(lambda n: f"테스트부{n}")
    kind = AgencyKind.MINISTRY
