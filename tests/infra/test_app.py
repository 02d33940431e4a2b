"""The app's stage selection and its guards against config drift."""

from __future__ import annotations

import pytest

from infra.app import PACKAGE_CONTEXT, STAGE_CONTEXT, PackageError, create_app
from infra.config import STAGES, StageError, stage_config
from infra.functions import SettingsMismatchError, require_keys


def test_an_unknown_stage_is_a_clear_error():
    with pytest.raises(StageError, match="expected one of: dev, prod"):
        stage_config("staging")


def test_an_unknown_stage_in_the_context_stops_the_app():
    with pytest.raises(StageError, match="'qa'"):
        create_app(context={STAGE_CONTEXT: "qa"})


def test_a_package_context_must_name_a_built_package(tmp_path):
    with pytest.raises(PackageError, match=r"infra\.bundle"):
        create_app(context={PACKAGE_CONTEXT: str(tmp_path)})


def test_prod_protects_its_data_and_dev_does_not():
    assert STAGES["prod"].protect_data is True
    assert STAGES["dev"].protect_data is False
    assert [stage.stack_name for stage in STAGES.values()] == ["potluck-dev", "potluck-prod"]


def test_an_environment_that_drifts_from_settings_fails_the_synth():
    with pytest.raises(SettingsMismatchError, match="EXTRA"):
        require_keys({"A": "1", "EXTRA": "2"}, frozenset({"A"}), "test Lambda")


def test_a_protected_stage_cannot_be_deleted_by_accident(synth):
    assert synth.app.node.find_child("potluck-prod").termination_protection is True
    assert synth.app.node.find_child("potluck-dev").termination_protection is False
