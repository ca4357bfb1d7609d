"""A person never sees JSON or a traceback (issue 17, item 4): wrong addresses and refusals under the pages answer a
styled page with a way back, while the machine interfaces keep their JSON error shape; downloads and email links
are pages; a step that cannot be undone asks first (item 6); data is rendered for people (item 7)."""
import re

import requests
from cryptography import x509

from tests.conftest import BROWSER
from tests.dip_helpers import DipPortal
from tests.message_helpers import onboard



def _is_page(response, status: int) -> str:
    assert response.status_code == status, response.text[:300]
    assert response.headers["Content-Type"].startswith("text/html"), response.headers["Content-Type"]
    text = response.text
    assert "sandbox.css" in text, "not one of the styled pages"
    assert "Traceback" not in text and not text.lstrip().startswith("{")
    return text


def test_wrong_addresses_under_the_pages_answer_a_styled_page_with_a_way_back(shared_running):
    web = shared_running.endpoints["web"]
    for path, home in (("/dip/", "/"), ("/dip/uit/no-such-page", "/dip/uit/"), ("/atlas/no-such-page", "/atlas/"),
                       ("/console/no-such-page", "/console/"), ("/no-such-page", "/")):
        text = _is_page(requests.get(web + path, headers=BROWSER, timeout=10), 404)
        assert "Not Found" in text and f'href="{home}"' in text, path
    came_from = _is_page(requests.get(web + "/dip/uit/missing", timeout=10,
                                      headers={**BROWSER, "Referer": web + "/dip/uit/sign-in"}), 404)
    assert 'href="/dip/uit/sign-in"' in came_from and "Back to the page you came from" in came_from
    elsewhere = _is_page(requests.get(web + "/dip/uit/missing", timeout=10,
                                      headers={**BROWSER, "Referer": "https://evil.example/dip/uit/sign-in"}), 404)
    assert "evil.example" not in elsewhere
    # a wrong method on a page is a page too, and still says what is allowed
    wrong_method = requests.delete(web + "/atlas/sign-in", headers=BROWSER, timeout=10)
    _is_page(wrong_method, 405)
    assert "POST" in wrong_method.headers["Allow"]


def test_the_machine_interfaces_keep_their_json_error_shape(shared_running):
    web = shared_running.endpoints["web"]
    for path in ("/_sandbox/no-such-thing", "/atlas/api/no-such-thing", "/dip/uit/api/no-such-thing",
                 "/atlas/hvca/no-such-thing"):
        response = requests.get(web + path, headers=BROWSER, timeout=10)
        assert response.status_code == 404, path
        assert response.json()["error"]["status"] == 404, path


def _page_session(running, organisation) -> requests.Session:
    """A browser-like session signed in to the DIP UIT pages as the organisation's first member."""
    member = organisation["members"][0]
    portal = DipPortal(running)
    portal.first_sign_in(member["email"], member["password"])
    token = portal.session.headers["Authorization"].removeprefix("Bearer ")
    session = requests.Session()
    session.headers.update(BROWSER)
    session.cookies.set("dip_session_uit", token, path="/dip/uit")
    return session


def test_a_download_after_the_session_ended_asks_to_sign_in_and_then_downloads(shared_running):
    web = shared_running.endpoints["web"]
    organisation = onboard(shared_running, company_name="Download Energy")
    session = _page_session(shared_running, organisation)
    tab = session.get(web + "/dip/uit/organisation?tab=certificates", timeout=10)
    link = re.search(r'href="(/dip/uit/organisation/certificates/[0-9A-Fa-f]+/certificate\.cer)"', tab.text).group(1)
    downloaded = session.get(web + link, timeout=10)
    assert downloaded.status_code == 200 and "attachment" in downloaded.headers["Content-Disposition"]
    x509.load_pem_x509_certificate(downloaded.content)
    requests.post(shared_running.control + "/sessions/expire", timeout=10).raise_for_status()
    expired = session.get(web + link, timeout=10, allow_redirects=False)
    assert expired.status_code == 302
    assert expired.headers["Location"].startswith("/dip/uit/sign-in?next=") and link in \
        requests.utils.unquote(expired.headers["Location"])
    _is_page(session.get(web + link, timeout=10), 200)  # the sign-in page, never a JSON 401


def test_revoke_asks_before_it_acts(shared_running):
    web = shared_running.endpoints["web"]
    organisation = onboard(shared_running, company_name="Careful Energy")
    session = _page_session(shared_running, organisation)
    tab = session.get(web + "/dip/uit/organisation?tab=certificates", timeout=10).text
    serial = re.search(r'/organisation/certificates/([0-9A-Fa-f]+)/revoke', tab).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', tab).group(1)
    refused = session.post(f"{web}/dip/uit/organisation/certificates/{serial}/revoke", timeout=10,
                           data={"csrf_token": token, "reason": "superseded"}, headers={"Referer": web + "/dip/uit/"})
    assert "was not revoked" in _is_page(refused, 400)
    listing = session.get(web + "/dip/uit/organisation?tab=certificates", timeout=10).text
    active = listing.split("Certificates History")[0]
    assert serial in active and "REVOKED" not in active


def test_the_domain_verification_link_of_an_email_is_a_page(shared_running):
    web = shared_running.endpoints["web"]
    _is_page(requests.get(web + "/atlas/domain-verification/not-a-token", headers=BROWSER, timeout=10), 404)


def test_the_quotation_and_the_audit_log_are_rendered_for_people(start_sandbox):
    from tests.atlas_helpers import Portal
    running = start_sandbox(profile="instant")
    web = running.endpoints["web"]
    portal = Portal(running)
    email = "quote.reader@people-energy.example"
    portal.register(email=email, company_name="People Energy")
    portal.onboard_user(email)
    session = requests.Session()
    session.headers.update(BROWSER)
    session.cookies.set("atlas_session", portal.session.headers["Authorization"].removeprefix("Bearer "),
                        path="/atlas")
    quotation = _is_page(session.get(web + "/atlas/quotation", timeout=10), 200)
    assert "IntranetSSL OV - MHHS Programme PKI" in quotation and "not yet accepted" in quotation
    assert "[{" not in quotation and "None" not in quotation and "'" not in quotation.split("<main")[1].split(
        "<form")[0]

    organisation = onboard(running, company_name="Audit & Sons Energy")
    dip = _page_session(running, organisation)
    audit = _is_page(dip.get(web + "/dip/uit/audit", timeout=10), 200)
    cells = re.findall(r"<td>(.*?)</td>\s*</tr>", audit, re.S)
    assert cells, "the audit log is empty"
    for cell in cells:
        assert "\\u00" not in cell and not cell.strip().startswith(("{", "[")) and '":' not in cell, cell


def test_the_api_credentials_wizard_can_deliver_an_encrypted_file(shared_running, key_pool):
    import base64
    import html
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    web = shared_running.endpoints["web"]
    account = requests.post(shared_running.control + "/atlas/accounts", json={"company_name": "Wizard Energy"},
                            timeout=60).json()
    token = requests.post(web + "/atlas/api/sessions", json={"email": account["email"],
                                                            "password": account["password"]}, timeout=10).json()
    session = requests.Session()
    session.headers.update(BROWSER)
    session.cookies.set("atlas_session", token["token"], path="/atlas")
    step1 = _is_page(session.get(web + "/atlas/api-credentials", timeout=10), 200)
    assert 'aria-current="step"' in step1 and 'value="encrypted_file"' in step1
    step2 = _is_page(session.get(web + "/atlas/api-credentials", params={"method": "encrypted_file"}, timeout=10), 200)
    service = re.search(r'<select id="service_id" name="service_id"><option value="([^"]+)"', step2).group(1)
    step3 = _is_page(session.get(web + "/atlas/api-credentials", timeout=10,
                                 params={"method": "encrypted_file", "service_id": service}), 200)
    key = key_pool.get(2048)
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    done = _is_page(session.post(web + "/atlas/api-credentials", timeout=10, data={
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', step3).group(1), "method": "encrypted_file",
        "service_id": service, "familiar_name": "wizard-file", "public_key": public}), 200)
    encrypted = re.search(r'href="data:application/octet-stream;base64,([^"]+)"', done).group(1)
    csv = key.decrypt(base64.b64decode(html.unescape(encrypted)), padding.OAEP(
        mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)).decode()
    api_key = re.search(r'<code id="api-key">([^<]+)</code>', done).group(1)
    assert csv.startswith("api_key,api_secret\n" + api_key + ",")
    assert csv.split(",")[-1].strip() not in done  # the secret travels only inside the file


def _cookie_session(portal, environment: str = "uit") -> requests.Session:
    session = requests.Session()
    session.headers.update(BROWSER)
    session.cookies.set(f"dip_session_{environment}", portal.session.headers["Authorization"].removeprefix("Bearer "),
                        path=f"/dip/{environment}")
    return session


def test_buttons_are_offered_only_to_roles_that_can_use_them(start_sandbox):
    from tests.dip_helpers import MANAGER_PASSWORD, organisation_with_certificate_admin
    running = start_sandbox(profile="instant", dip_manager_password=MANAGER_PASSWORD)
    web = running.endpoints["web"]
    people = organisation_with_certificate_admin(running)
    cert = _cookie_session(people["cert"])
    dip_ids = cert.get(web + "/dip/uit/organisation", timeout=10).text
    assert "Create DIP ID" not in dip_ids  # a Message Admin's
    members = cert.get(web + "/dip/uit/organisation?tab=members", timeout=10).text
    assert "Create member" not in members and "Offboard" not in members and "a User Admin manages members" in members
    certificates = cert.get(web + "/dip/uit/organisation?tab=certificates", timeout=10).text
    assert "Validate" in certificates or "Next" in certificates  # the Certificate Admin's own stages
    msg = _cookie_session(people["msg"])
    assert "Create DIP ID" in msg.get(web + "/dip/uit/organisation", timeout=10).text
    not_cert = msg.get(web + "/dip/uit/organisation?tab=certificates", timeout=10).text
    assert "A Certificate Admin completes these stages" in not_cert and "Validate" not in not_cert
    assert "Send a test message" in msg.get(web + "/dip/uit/messages", timeout=10).text


def test_promoting_twice_says_why_nothing_happened(start_sandbox):
    from tests.dip_helpers import MANAGER_PASSWORD, manager
    running = start_sandbox(profile="instant", dip_manager_password=MANAGER_PASSWORD)
    web = running.endpoints["web"]
    organisation = onboard(running, company_name="Twice Energy")
    pages = _cookie_session(manager(running, "prod"), "prod")
    console = pages.get(web + "/dip/prod/manager", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', console).group(1)
    form = {"csrf_token": token, "organisation_id": organisation["organisation_id"], "effective_from": "2027-01-01"}
    first = pages.post(web + "/dip/prod/manager/promotions", data=form, timeout=30)
    assert "Twice Energy promoted to Production" in first.text
    second = pages.post(web + "/dip/prod/manager/promotions", data=form, timeout=30)
    assert second.status_code == 409
    assert re.search(r'class="form-error" role="alert">[^<]*was already promoted', second.text), second.text[:2000]


def test_a_wrong_address_answers_in_the_shape_of_where_it_is(shared_running):
    """One decision for the web listener's errors: an address under a machine interface answers JSON, one beside
    it (the Atlas API credentials page shares the beginning "/atlas/api") a page, whoever asks."""
    web = shared_running.endpoints["web"]
    for path in ("/atlas/api/no-such", "/_sandbox/no-such", "/dip/uit/api/no-such", "/pki/no-such"):
        answer = requests.get(web + path, headers=BROWSER, timeout=10)
        assert answer.status_code == 404 and answer.headers["Content-Type"].startswith("application/json"), path
    for path in ("/atlas/api-credentials/no-such", "/atlas/no-such", "/dip/uit/api-keys/no-such", "/pkix",
                 "/_sandboxes"):
        _is_page(requests.get(web + path, headers=BROWSER, timeout=10), 404)
