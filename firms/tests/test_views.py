from firms.models import AssociationMembership


def test_firm_page_visible_to_member_hidden_from_other_firm(client, firm, firm_member, other_firm_member):
    client.force_login(firm_member)
    assert client.get(f"/firms/{firm.pk}/").status_code == 200
    client.force_login(other_firm_member)
    assert client.get(f"/firms/{firm.pk}/").status_code == 404


def test_association_page_lists_members_only_to_its_staff(client, firm, association, association_staff, firm_member):
    AssociationMembership.objects.create(firm=firm, association=association)
    client.force_login(association_staff)
    assert firm.name in client.get(f"/firms/associations/{association.pk}/").content.decode()
    client.force_login(firm_member)
    assert firm.name not in client.get(f"/firms/associations/{association.pk}/").content.decode()


def test_firm_api_hides_other_firms(client, firm, other_firm_member):
    client.force_login(other_firm_member)
    assert client.get(f"/api/firms/{firm.pk}").status_code == 404


def test_brn_check_api_reports_validity(client, db):
    ok = client.post(
        "/api/firms/check-brn", {"business_registration_number": "116-82-00276"}, content_type="application/json"
    )
    assert ok.json() == {"valid": True, "formatted": "116-82-00276", "message": None, "registered": False}
    bad = client.post(
        "/api/firms/check-brn", {"business_registration_number": "116-82-00277"}, content_type="application/json"
    )
    assert bad.json()["valid"] is False and "검증 숫자" in bad.json()["message"]


def test_member_edits_firm_profile_but_not_its_number(client, firm, firm_member, sectors):
    client.force_login(firm_member)
    response = client.post(
        f"/firms/{firm.pk}/edit/",
        {"name": "새이름\u200b", "sectors": ["ai", "robots"], "size_class": "medium", "district": "mapo"},
    )
    assert response.status_code == 302
    firm.refresh_from_db()
    assert firm.name == "새이름" and firm.size_class == "medium"
    assert sorted(s.code for s in firm.sectors.all()) == ["ai", "robots"]


def test_other_firm_cannot_edit(client, firm, other_firm_member):
    client.force_login(other_firm_member)
    assert client.get(f"/firms/{firm.pk}/edit/").status_code == 404
    response = client.post(f"/firms/{firm.pk}/edit/", {"name": "x", "sectors": ["ai"], "size_class": "small"})
    assert response.status_code == 404
    firm.refresh_from_db()
    assert firm.name != "x"


def test_edit_with_blank_name_keeps_stored_data(client, firm, firm_member):
    client.force_login(firm_member)
    old = firm.name
    response = client.post(f"/firms/{firm.pk}/edit/", {"name": "\u3164", "sectors": ["ai"], "size_class": "small"})
    assert response.status_code == 400
    assert "기업명을 입력하세요" in response.content.decode()
    firm.refresh_from_db()
    assert firm.name == old
