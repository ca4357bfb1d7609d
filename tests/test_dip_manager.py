"""The DIP Manager's console operations through the DIP portal API."""
import requests

from tests.dip_helpers import invite, manager, onboard_member


def test_dcp_requests_are_approved_or_rejected(dip):
    boss = manager(dip)
    org = invite(boss, "pat@fabrikam.example")
    admin, _ = onboard_member(dip, "pat@fabrikam.example")
    assert boss.ok("GET", "/manager/dcp-requests")["organisations"] == []
    early = boss.call("POST", f"/manager/organisations/{org['id']}/dcp-status", json={"decision": "approve"})
    assert early.status_code == 409 and "has not requested DCP status" in early.json()["error"]["message"]
    admin.ok("POST", "/organisation/details", json={"company_name": "Fabrikam Connection Provider Ltd",
                                                    "description": "A DCP", "company_number": "09999004",
                                                    "request_dcp_status": True})
    assert [o["id"] for o in boss.ok("GET", "/manager/dcp-requests")["organisations"]] == [org["id"]]
    assert boss.call("POST", f"/manager/organisations/{org['id']}/dcp-status",
                     json={"decision": "maybe"}).status_code == 422
    assert admin.call("POST", f"/manager/organisations/{org['id']}/dcp-status",
                      json={"decision": "approve"}).status_code == 403
    approved = boss.ok("POST", f"/manager/organisations/{org['id']}/dcp-status", json={"decision": "approve"})
    assert approved["dcp_status"] == "approved"
    mail = requests.get(dip.control + "/mail", params={"to": "pat@fabrikam.example", "subject": "Connection Provider"},
                        timeout=10).json()["emails"]
    assert mail and "approved" in mail[0]["text"]


def test_central_services_and_effective_dates(dip):
    boss = manager(dip)
    vas = boss.ok("POST", "/manager/central-services", 201, json={"role_code": "VAS", "effective_from": "2026-12-01"})
    assert vas["role_code"] == "VAS" and vas["mpid"] is None and vas["organisation"]["kind"] == "central"
    again = boss.ok("POST", "/manager/central-services", 201, json={"role_code": "MDS", "effective_from": "2026-12-01"})
    assert again["organisation"]["id"] != vas["organisation"]["id"]
    assert boss.call("POST", "/manager/central-services", json={"role_code": "XYZ"}).status_code == 422
    dated = boss.ok("PATCH", f"/manager/dip-ids/{vas['dip_id']}", json={"effective_from": "2027-01-01"})
    assert dated["effective_from"] == "2027-01-01"
    assert boss.call("PATCH", f"/manager/dip-ids/{vas['dip_id']}", json={"mpid": "ABCD"}).status_code == 400
    assert boss.call("PATCH", "/manager/dip-ids/1111111111", json={"effective_from": "2027-01-01"}).status_code == 404
    kinds = {o["kind"] for o in boss.ok("GET", "/manager/organisations")["organisations"]}
    assert kinds == {"central"}
    prod_boss = manager(dip, "prod")
    assert prod_boss.ok("GET", "/manager/organisations")["organisations"] == []
