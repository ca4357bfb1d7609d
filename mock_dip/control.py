"""The DIP on the control API (`/_sandbox/dip/...`): the demo organisations of seed_data, and a fully onboarded
organisation in one call."""
from __future__ import annotations

from flask import Blueprint, current_app

from mock_dip.demo import load_demo
from mock_dip.ready_organisations import onboard_organisation
from mock_dip.service import Dip
from sandbox.errors import NotFound
from sandbox.json_api import json_body


def _dip(environment: str) -> Dip:
    dips = current_app.extensions["dip_sandbox"].dip
    if environment not in dips:
        raise NotFound(f"no DIP environment {environment!r}: use uit or prod", field="environment")
    return dips[environment]


def add_control_routes(bp: Blueprint) -> None:
    @bp.post("/dip/<environment>/demo")
    def dip_load_demo(environment: str):
        return load_demo(_dip(environment)), 201

    @bp.post("/dip/<environment>/organisations")
    def dip_onboard_organisation(environment: str):
        return onboard_organisation(_dip(environment), json_body()), 201
