import datetime as dt

import factory

from firms.brn import check_digit
from firms.models import Association, Firm, Sector, SizeClass


def brn_for(n: int) -> str:
    prefix = f"{101 + n % 800:03d}{81 + n % 18:02d}{1000 + n:04d}"[:9]
    return prefix + str(check_digit(prefix))


class FirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Firm
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"테스트기업{n}")
    business_registration_number = factory.Sequence(brn_for)
    size_class = SizeClass.SMALL
    founded_on = dt.date(2022, 1, 1)

    @factory.post_generation
    def sectors(obj, create, extracted, **kwargs):
        if create:
            codes = extracted or ["fintech"]
            obj.sectors.set(Sector.objects.filter(code__in=codes))


class AssociationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Association

    name = factory.Sequence(lambda n: f"테스트협회{n}")
    founded_year = 2016
