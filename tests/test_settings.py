import subprocess

import pytest

from sandbox.kernel.settings import SETTINGS, SettingError, load_settings
from tests.conftest import venv_bin


def test_defaults_are_embedded():
    settings = load_settings(environ={})
    assert settings.web_port == 8700
    assert settings.profile == "training"
    assert settings.client_cert_mode == "app"
    assert settings.source("web_port") == "default"


def test_precedence_cli_over_env_over_file(tmp_path):
    config = tmp_path / "sandbox.toml"
    config.write_text('web_port = 9001\natlas_port = 9002\nprofile = "instant"\n')
    settings = load_settings({"web_port": "9100"}, environ={"DIP_SANDBOX_ATLAS_PORT": "9200"}, config_file=config)
    assert settings.web_port == 9100 and settings.source("web_port") == "cli --web-port"
    assert settings.atlas_port == 9200 and settings.source("atlas_port") == "env DIP_SANDBOX_ATLAS_PORT"
    assert settings.profile == "instant" and settings.source("profile").startswith("file ")


def test_config_file_from_environment(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("tls_extra_names = ['sandbox.test', '10.0.0.1']\n")
    settings = load_settings(environ={"DIP_SANDBOX_CONFIG": str(config)})
    assert settings.tls_extra_names == ("sandbox.test", "10.0.0.1")


@pytest.mark.parametrize("values, message", [
    ({"web_port": "70000"}, "web_port (from cli --web-port): a port is 0 to 65535"),
    ({"profile": "slow"}, "profile (from cli --profile): expected one of realistic, training, instant"),
    ({"clock_factor": "0"}, "clock_factor (from cli --clock-factor): expected a number above 0"),
    ({"ephemeral": "maybe"}, "ephemeral (from cli --ephemeral): expected true or false"),
])
def test_bad_values_name_the_setting_and_source(values, message):
    with pytest.raises(SettingError) as caught:
        load_settings(values, environ={})
    assert str(caught.value).startswith(message)


def test_unknown_key_in_config_file_is_refused(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("web_prot = 1\n")
    with pytest.raises(SettingError, match="unknown settings web_prot"):
        load_settings(config_file=config, environ={})


def test_every_setting_has_doc_and_env_name():
    for setting in SETTINGS:
        assert setting.doc and setting.env == "DIP_SANDBOX_" + setting.name.upper()


def test_config_command_prints_effective_values(tmp_path):
    result = subprocess.run([venv_bin("dip-sandbox"), "config", "--web-port", "9999"], capture_output=True,
                            text=True, env={"DIP_SANDBOX_PROFILE": "instant", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    web = next(line for line in lines if line.startswith("web_port "))
    assert "9999" in web and "[cli --web-port]" in web
    profile = next(line for line in lines if line.startswith("profile "))
    assert "instant" in profile and "[env DIP_SANDBOX_PROFILE]" in profile
    assert sum(1 for line in lines if "DIP_SANDBOX_" in line) == len(SETTINGS)


def test_config_command_rejects_bad_value():
    result = subprocess.run([venv_bin("dip-sandbox"), "config", "--dns-port", "x"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "dns_port" in result.stderr
