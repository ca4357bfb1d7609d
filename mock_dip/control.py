"""The DIP on the control API (`/_sandbox/dip/...`): the demo organisations of seed_data."""
from __future__ import annotations

from flask import Blueprint, current_app

from mock_dip.demo import load_demo
from sandbox.errors import NotFound


def add_control_routes(bp: Blueprint) -> None:
    @bp.post("/dip/<environment>/demo")
    def dip_load_demo(environment: str):
        dips = current_app.extensions["dip_sandbox"].dip
        if environment not in dips:
            raise NotFound(f"no DIP environment {environment!r}: use uit or prod", field="environment")
        return load_demo(dips[environment]), 201
