"""The reference tables in seed_data agree with the shared references they were taken from."""
import re

from seed_data.company_register import comparable, find_company
from seed_data.role_codes import central_services, requestable_roles, role, roles
from seed_data.timing import timing_profile, wait_docs
from tests.conftest import SHARED


def test_role_codes_match_the_reference_table():
    table = (SHARED / "reference" / "dip-role-codes.md").read_text()
    rows = re.findall(r"^\| (\w+) \| ([^|]+) \| (yes|no) \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$", table, re.MULTILINE)
    assert len(rows) == len(roles()) == 18
    for role_id, active, requestable, name, segment, mp_code in rows:
        entry = role(role_id)
        assert entry.service_name == name.strip()
        assert entry.requestable == (requestable == "yes")
        expected_code = mp_code.strip()
        assert entry.mp_role_code == (None if expected_code in ("–", "n/a") else expected_code)
        assert entry.dip_active == {"yes": True, "no": False, "no message exchange": False,
                                    "optional message exchange": "optional"}[active.strip()]
        assert entry.market_segment == (None if segment.strip() == "–" else segment.strip())


def test_role_questions():
    assert role("sup").mp_role_code == "X" and role("NOPE") is None
    assert not role("MAP").exchanges_messages and not role("SMSO").exchanges_messages
    assert role("MDR").exchanges_messages
    assert {r.role_id for r in central_services()} == {"MRS", "MDS", "LSS", "ISD", "VAS", "EES"}
    assert "REGS" in {r.role_id for r in requestable_roles()}


def test_timing_profiles_name_every_wait_in_every_profile():
    names = set(wait_docs())
    for profile in ("realistic", "training", "instant"):
        assert set(timing_profile(profile).seconds) == names
    assert timing_profile("realistic").wait("vetting").total_seconds() <= 72 * 3600
    assert all(v == 0 for k, v in timing_profile("instant").seconds.items() if k != "member_access")


def test_company_register_lookup_ignores_case_spacing_and_ltd():
    assert find_company("avanade uk   ltd").registered_name == "Avanade UK Limited"
    assert comparable("Elexon Ltd.") == comparable("ELEXON LIMITED")
    assert find_company("Unknown Company Limited") is None
