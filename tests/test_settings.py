import pytest

from assistant.errors import ConfigError
from assistant.settings import load_settings


def test_defaults_pick_local_without_credentials():
    s = load_settings()
    assert s.resolved_provider == "local"
    assert s.db_url.endswith("assistant.db")


@pytest.mark.parametrize("var", ["OPENAI_API_KEY", "OPENAI_BASE_URL"])
def test_openai_is_default_when_configured(monkeypatch, var):
    monkeypatch.setenv(var, "sk-test-1234567890" if var == "OPENAI_API_KEY" else "http://127.0.0.1:9/v1")
    assert load_settings().resolved_provider == "openai"


def test_environment_overrides_config_file(tmp_path, monkeypatch):
    cfg = tmp_path / "config.toml"
    cfg.write_text('temperature = 0.1\nmodel = "from-file"\n', encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_CONFIG", str(cfg))
    monkeypatch.setenv("ASSISTANT_MODEL", "from-env")
    s = load_settings()
    assert s.temperature == 0.1
    assert s.model == "from-env"


def test_unknown_key_in_config_file_is_rejected(tmp_path, monkeypatch):
    cfg = tmp_path / "config.toml"
    cfg.write_text("temprature = 0.1\n", encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_CONFIG", str(cfg))
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert "temprature" in str(err.value) and "unknown setting" in str(err.value)
    assert str(cfg) in str(err.value)


def test_secret_in_config_file_is_refused(tmp_path, monkeypatch):
    cfg = tmp_path / "config.toml"
    cfg.write_text('openai_api_key = "sk-leak"\n', encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_CONFIG", str(cfg))
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        load_settings()


def test_masked_settings_never_show_the_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-supersecretvalue9876")
    shown = str(load_settings().masked())
    assert "supersecret" not in shown
    assert "****9876" in shown


def test_invalid_value_names_the_setting(monkeypatch):
    monkeypatch.setenv("ASSISTANT_TEMPERATURE", "hot")
    with pytest.raises(ConfigError, match="temperature"):
        load_settings()


def test_arguments_override_environment_which_overrides_the_config_file(tmp_path, monkeypatch):
    cfg = tmp_path / "config.toml"
    cfg.write_text('temperature = 0.1\nrevise_rounds = 1\nmodel = "from-file"\n', encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_CONFIG", str(cfg))
    monkeypatch.setenv("assistant_revise_rounds", "3")  # names are matched case-insensitively
    monkeypatch.setenv("ASSISTANT_MODEL", "from-env")
    s = load_settings(model="from-argument")
    assert (s.temperature, s.revise_rounds, s.model) == (0.1, 3, "from-argument")


def test_aliased_settings_read_their_own_variables_and_text_values_are_converted(monkeypatch):
    monkeypatch.setenv("ASSISTANT_OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("ASSISTANT_ALLOW_CUSTOMER_DATA_IN_PROMPTS", "true")
    monkeypatch.setenv("ASSISTANT_SEED", "7")
    monkeypatch.setenv("ASSISTANT_UNKNOWN_THING", "ignored")  # other programs' variables are not errors
    s = load_settings()
    assert (s.openai_base_url, s.allow_customer_data_in_prompts, s.seed) == ("http://127.0.0.1:9/v1", True, 7)
