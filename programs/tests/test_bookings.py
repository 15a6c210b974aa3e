import datetime as dt
import threading

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from accounts.models import Role
from accounts.tests.factories import MembershipFactory
from core.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from firms.tests.factories import FirmFactory
from programs import bookings
from programs.ical import site_calendar
from programs.models import BookingSlot, BookingStatus, SiteBooking
from programs.tests.factories import SiteFactory

KST = dt.timezone(dt.timedelta(hours=9))
NOW = dt.datetime(2026, 6, 1, 10, 0, tzinfo=KST)


def at(day, hour, minute=0):
    return dt.datetime(2026, 6, day, hour, minute, tzinfo=KST)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def site(db):
    return SiteFactory()


def book(site, firm, user, start, end, participants=1, purpose="배달 로봇 보도 주행 실증"):
    return bookings.request_booking(
        site_id=site.pk, firm=firm, actor=user, starts_at=start, ends_at=end, participants=participants, purpose=purpose
    )


def test_firm_member_books_free_slots(site, firm, firm_member):
    booking = book(site, firm, firm_member, at(2, 10), at(2, 12))
    assert booking.status == BookingStatus.REQUESTED
    assert BookingSlot.objects.filter(booking=booking).count() == 2


def test_overlapping_request_is_refused(site, firm, firm_member, other_firm, other_firm_member):
    book(site, firm, firm_member, at(2, 10), at(2, 12))
    with pytest.raises(Conflict) as exc:
        book(site, other_firm, other_firm_member, at(2, 11), at(2, 13))
    assert exc.value.code == "slot_taken"
    assert SiteBooking.objects.count() == 1
    # adjacent is fine
    book(site, other_firm, other_firm_member, at(2, 12), at(2, 13))


@pytest.mark.parametrize(
    ("_case", "start", "end", "participants", "code"),
    [
        ("past", dt.datetime(2026, 6, 1, 9, tzinfo=KST), dt.datetime(2026, 6, 1, 10, tzinfo=KST), 1, "past"),
        ("before opening", at(2, 8), at(2, 10), 1, "outside_hours"),
        ("after closing", at(2, 17), at(2, 19), 1, "outside_hours"),
        ("off grid", at(2, 10, 30), at(2, 11, 30), 1, "off_grid"),
        ("too long", at(2, 9), at(2, 18), 1, "too_long"),
        ("capacity exceeded", at(2, 10), at(2, 11), 4, "capacity_exceeded"),
        ("zero participants", at(2, 10), at(2, 11), 0, "capacity_exceeded"),
        ("reversed", at(2, 11), at(2, 10), 1, "validation_failed"),
        ("too far", dt.datetime(2027, 7, 1, 10, tzinfo=KST), dt.datetime(2027, 7, 1, 11, tzinfo=KST), 1, "too_far"),
    ],
)
def test_bad_requests_are_refused_and_nothing_saved(site, firm, firm_member, _case, start, end, participants, code):
    site.max_slots_per_booking = 8
    site.save()
    with pytest.raises(ValidationFailed) as exc:
        book(site, firm, firm_member, start, end, participants=participants)
    assert exc.value.code == code
    assert not SiteBooking.objects.exists() and not BookingSlot.objects.exists()


def test_naive_datetimes_refused(site, firm, firm_member):
    with pytest.raises(ValidationFailed):
        book(site, firm, firm_member, dt.datetime(2026, 6, 2, 10), dt.datetime(2026, 6, 2, 11))


def test_blank_purpose_refused(site, firm, firm_member):
    with pytest.raises(ValidationFailed):
        book(site, firm, firm_member, at(2, 10), at(2, 11), purpose="\u200b ")


def test_only_members_book_for_their_firm(site, firm, other_firm_member, outsider):
    for user in (other_firm_member, outsider):
        with pytest.raises(NotPermitted):
            book(site, firm, user, at(2, 10), at(2, 11))


def test_cancel_frees_the_slots(site, firm, firm_member, other_firm, other_firm_member):
    booking = book(site, firm, firm_member, at(2, 10), at(2, 12))
    bookings.cancel_booking(booking_id=booking.pk, actor=firm_member)
    assert not BookingSlot.objects.exists()
    book(site, other_firm, other_firm_member, at(2, 10), at(2, 12))
    with pytest.raises(Conflict):
        bookings.cancel_booking(booking_id=booking.pk, actor=firm_member)


def test_outsider_cannot_cancel(site, firm, firm_member, other_firm_member):
    booking = book(site, firm, firm_member, at(2, 10), at(2, 12))
    with pytest.raises(NotFound):
        bookings.cancel_booking(booking_id=booking.pk, actor=other_firm_member)


def test_operator_agency_approves_and_rejects(site, firm, firm_member, agency, agency_official, other_agency):
    site.operator_agency = agency
    site.save()
    first = book(site, firm, firm_member, at(2, 10), at(2, 11))
    second = book(site, firm, firm_member, at(2, 11), at(2, 12))
    stranger = MembershipFactory(role=Role.AGENCY_OFFICIAL, agency=other_agency).user
    with pytest.raises(NotPermitted):
        bookings.approve_booking(booking_id=first.pk, actor=stranger)
    with pytest.raises(NotPermitted):
        bookings.approve_booking(booking_id=first.pk, actor=firm_member)
    assert bookings.approve_booking(booking_id=first.pk, actor=agency_official).status == BookingStatus.APPROVED
    with pytest.raises(Conflict):
        bookings.approve_booking(booking_id=first.pk, actor=agency_official)
    with pytest.raises(ValidationFailed):
        bookings.reject_booking(booking_id=second.pk, actor=agency_official, note="")
    bookings.reject_booking(booking_id=second.pk, actor=agency_official, note="안전 점검 일정과 겹칩니다")
    assert BookingSlot.objects.filter(booking=second).count() == 0


def test_database_refuses_a_double_slot_even_without_the_service(site, firm):
    booking = SiteBooking.objects.create(site=site, firm=firm, starts_at=at(2, 10), ends_at=at(2, 11), purpose="x")
    BookingSlot.objects.create(site=site, booking=booking, starts_at=at(2, 10))
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingSlot.objects.create(site=site, booking=booking, starts_at=at(2, 10))


def test_ics_feed_lists_held_bookings_without_firm_names(site, firm, firm_member):
    booking = book(site, firm, firm_member, at(2, 10), at(2, 12))
    bookings.approve_booking(booking_id=booking.pk, actor=MembershipFactory(role=Role.CITY_OFFICIAL).user)
    book(site, firm, firm_member, at(3, 10), at(3, 11))
    feed = site_calendar(site)
    assert feed.startswith("BEGIN:VCALENDAR\r\n") and feed.endswith("END:VCALENDAR\r\n")
    assert feed.count("BEGIN:VEVENT") == 2
    assert "DTSTART:20260602T010000Z" in feed
    assert "STATUS:CONFIRMED" in feed and "STATUS:TENTATIVE" in feed
    assert firm.name not in feed
    assert all(len(line.encode()) <= 75 for line in feed.split("\r\n"))


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need a server database")
def test_concurrent_requests_for_one_slot_book_it_once(sectors):
    site = SiteFactory()
    firms = [FirmFactory() for _ in range(6)]
    users = [MembershipFactory(role=Role.FIRM_MEMBER, firm=f).user for f in firms]
    barrier = threading.Barrier(len(firms))
    outcomes: list[str] = []

    def attempt(firm, user):
        try:
            barrier.wait()
            book(site, firm, user, at(2, 10), at(2, 12))
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(firms, users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 5 + ["ok"]
    assert SiteBooking.objects.filter(status__in=["requested", "approved"]).count() == 1
    assert BookingSlot.objects.count() == 2
