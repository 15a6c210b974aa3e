from agencies.models import AgencyAlias
from agencies.tests.factories import AgencyFactory


def test_agency_directory_finds_by_former_name(client, db):
    agency = AgencyFactory(name="재정경제부", code="moef")
    AgencyAlias.objects.create(agency=agency, name="기획재정부", kind="former")
    response = client.get("/agencies/", {"q": "기획재정부"})
    assert "재정경제부" in response.content.decode()


def test_agency_search_fragment_for_htmx(client, db):
    AgencyFactory(name="금융위원회", code="fsc")
    response = client.get("/agencies/", {"q": "금융"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "금융위원회" in body and "<html" not in body


def test_agency_api_lists_and_404s(client, db):
    AgencyFactory(name="금융위원회", code="fsc")
    assert client.get("/api/agencies/", {"q": "금융"}).json()[0]["code"] == "fsc"
    missing = client.get("/api/agencies/nope")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_agency_api_rejects_absurd_limits(client, db):
    assert client.get("/api/agencies/", {"limit": 10**9}).status_code == 400
