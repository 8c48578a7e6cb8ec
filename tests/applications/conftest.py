"""Helpers for intake tests: drafts saved through the real form and service."""

import pytest

from applications import schemes, services
from applications.models import Application, Round
from huzhou_craftsman.accounts.roles import Role
from tests.factories import (
    RoundFactory,
    catalogue_trade,
    make_resident_id,
    make_user,
    pdf_upload,
    verified_person_account,
)


def craftsman_post(**overrides) -> dict:
    data = {
        "person_name": "王建华",
        "person_resident_id": make_resident_id(11, birth="19800506"),
        "person_mobile": "13905721111",
        "route": "selection",
        "level": "craftsman",
        "skill_level": "senior_technician",
        "occupation": "数控车工",
        "years_in_huzhou": "12",
        "achievements": "主持完成多项技术攻关。",
    }
    data.update(overrides)
    return data


def save_draft(user, round: Round, data: dict, application: Application | None = None) -> Application:
    if isinstance(data.get("trade"), tuple):  # ("数控铣", "第48届世界技能大赛", …): pick it from the catalogue
        data = {**data, "trade": str(catalogue_trade(*data["trade"]))}
    form = schemes.form_for(round, data=data)
    assert form.is_valid(), form.errors
    saved = services.application_save_draft(by=user, round=round, cleaned=form.cleaned_data, application=application)
    if saved.person_id and services.pays_person(saved):
        verified_person_account(saved.person)  # the nominee's own account, entered and verified with the application
    return saved


def attach_required(application: Application, user) -> None:
    for requirement in application.round.materials.filter(required=True):
        services.attachment_add(application=application, requirement=requirement, upload=pdf_upload(), by=user)


@pytest.fixture
def enterprise_user(db):
    return make_user(Role.ENTERPRISE)


@pytest.fixture
def craftsman_round(db):
    return RoundFactory(scheme="craftsman_title")


@pytest.fixture
def ready_application(enterprise_user, craftsman_round):
    """A complete craftsman-title draft with its required material, ready to submit."""
    application = save_draft(enterprise_user, craftsman_round, craftsman_post())
    attach_required(application, enterprise_user)
    return application
