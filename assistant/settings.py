"""One ``Settings`` object: defaults < config file < ``ASSISTANT_*`` environment < explicit overrides.

The config file is TOML: ``$ASSISTANT_CONFIG`` if set, else ``$ASSISTANT_HOME/config.toml`` when it
exists. Unknown keys are rejected. Secrets (``OPENAI_API_KEY``) are read only from the environment:
a config file that contains one is refused, and secrets are never logged, stored or exported.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError

from assistant.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent  # a source checkout (evals/, tests/); not in a wheel
SECRET_FIELDS = {"openai_api_key"}


def default_home() -> Path:
    return Path(os.environ.get("ASSISTANT_HOME") or "./.assistant")


def config_file_path() -> Path | None:
    explicit = os.environ.get("ASSISTANT_CONFIG")
    if explicit:
        return Path(explicit)
    candidate = default_home() / "config.toml"
    return candidate if candidate.exists() else None


def _config_file_values(path: Path | None) -> dict[str, Any]:
    """The TOML config file's settings; refuses secrets in it."""
    if path is None:
        return {}
    if not path.exists():
        raise ConfigError(f"config file {path} does not exist", fix="create it or unset ASSISTANT_CONFIG")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML: {exc}", where=str(path)) from exc
    for key in SECRET_FIELDS & set(data):
        raise ConfigError(
            f"'{key}' must not be stored in a config file",
            where=str(path),
            fix=f"remove it and set the environment variable {key.upper()} instead",
        )
    return data


def _environment_values(fields: dict[str, Any]) -> dict[str, str]:
    """Each setting's environment variable (``ASSISTANT_<NAME>``, or the names its alias lists such as
    ``OPENAI_API_KEY``), matched case-insensitively; unknown variables are ignored. Values stay text:
    the model converts them (``"0.2"`` to a float, ``"true"`` to a bool)."""
    env = {key.lower(): value for key, value in os.environ.items()}
    found = {}
    for name, field in fields.items():
        alias = field.validation_alias
        names = [c for c in alias.choices if isinstance(c, str)] if isinstance(alias, AliasChoices) else []
        for candidate in names or [f"ASSISTANT_{name}"]:
            if candidate.lower() in env:
                found[name] = env[candidate.lower()]
                break
    return found


class Settings(BaseModel):
    """Precedence, lowest first: defaults, the config file, the environment, the arguments given.
    (A plain pydantic model rather than pydantic-settings, whose import alone was a quarter of the
    CLI's start-up; the sources are the three functions above.)"""

    model_config = ConfigDict(extra="forbid", validate_default=True, populate_by_name=True)

    def __init__(self, **values: Any) -> None:
        fields = type(self).model_fields
        super().__init__(**{**_config_file_values(config_file_path()), **_environment_values(fields), **values})

    home: Path = Field(default_factory=default_home, description="data directory")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in the data directory"
    )

    # --- LLM ---------------------------------------------------------------------------------
    provider: str = Field(
        default="auto",
        description="auto | openai | local | fake (auto = openai when OPENAI_API_KEY or "
        "OPENAI_BASE_URL is set, otherwise local)",
    )
    model: str | None = Field(default=None, description="model name; default depends on provider")
    temperature: float = Field(default=0.4, ge=0.0, le=2.0)
    timeout_s: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)
    max_output_tokens: int = Field(default=1024, ge=16)
    seed: int | None = 42

    openai_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_API_KEY", "openai_api_key"),
        description="from the environment only",
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "ASSISTANT_OPENAI_BASE_URL", "openai_base_url")
    )
    openai_structured_method: Literal["auto", "json_schema", "json_object_schema", "function_calling", "json_mode"] = Field(
        default="auto",
        description="how structured output is requested from OpenAI-compatible servers (auto: probe the server "
        "once per base URL and model and cache the first method that works in <home>/cache)",
    )

    local_model_path: Path | None = Field(
        default=None, description="GGUF file; default: Gemma 3 270M assembled into the data dir"
    )
    local_n_ctx: int = Field(default=4096, ge=512)
    local_threads: int | None = Field(default=None, ge=1)

    # --- generation defaults -----------------------------------------------------------------
    default_lang: str = "en"
    default_market: str = "US"
    brand: str = Field(default="bambuu", description="brand kit used when none is given")
    brands_dir: Path | None = Field(
        default=None, description="folder of your brand kits (one sub-folder each: brand.yaml, glossary/, "
        "guidelines/); default: <home>/brands. The packaged sample brands are found after it",
    )
    revise_rounds: int = Field(default=2, ge=0, le=5, description="reviser rounds while a draft has error findings")

    # --- workflow ----------------------------------------------------------------------------
    user: str | None = Field(default=None, description="the user the CLI acts as (ASSISTANT_USER or --as); "
                             "the password comes from ASSISTANT_PASSWORD or a prompt, never from here")

    # --- privacy -----------------------------------------------------------------------------
    allow_customer_data_in_prompts: bool = False

    # --- checker -----------------------------------------------------------------------------
    checker_model_review: bool = Field(
        default=False, description="after the rules, let the model review grey areas (findings marked model_judged)"
    )

    # --- brand knowledge (guideline retrieval) -------------------------------------------------
    embedder: str = Field(default="hash", description="hash (offline, default) | minilm | openai")
    embedding_model: str | None = Field(default=None, description="openai embedder model name")
    embedding_dim: int = Field(default=1024, ge=64, le=8192, description="size of the hash embedding")
    chroma_url: str | None = Field(
        default=None, description="Chroma server, e.g. http://127.0.0.1:8000; default: embedded store in <home>/chroma"
    )
    chroma_collection: str = Field(default="brand_knowledge", pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._-]{2,62}$")
    chunk_tokens: int = Field(default=300, ge=50, le=4000, description="guideline chunk size in tokens")
    chunk_overlap: int = Field(default=30, ge=0, le=1000)
    retrieval_k: int = Field(default=4, ge=1, le=50, description="passages per search")

    # ---------------------------------------------------------------------------------------
    @property
    def resolved_provider(self) -> str:
        if self.provider != "auto":
            return self.provider
        if self.openai_api_key is not None or self.openai_base_url:
            return "openai"
        return "local"

    @property
    def resolved_brands_dir(self) -> Path:
        return self.brands_dir or self.home / "brands"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'assistant.db'}"

    @property
    def db_url_display(self) -> str:
        """The database URL without its password (for messages)."""
        return redact_url(self.db_url)

    def __repr_args__(self):
        """``repr`` (logs, tracebacks) shows URLs with their credentials redacted, like ``masked``."""
        for key, value in super().__repr_args__():
            yield key, redact_url(value) if isinstance(value, str) and "://" in value else value

    def masked(self) -> dict[str, Any]:
        """Effective settings for display; secrets masked."""
        data = self.model_dump(mode="json")
        for key in SECRET_FIELDS:
            value = getattr(self, key)
            if value is not None:
                raw = value.get_secret_value()
                data[key] = ("****" + raw[-4:]) if len(raw) > 8 else "****"
        for key, value in data.items():  # credentials inside any URL (database, OpenAI-compatible server, Chroma)
            if isinstance(value, str) and "://" in value:
                data[key] = redact_url(value)
        data["provider (resolved)"] = self.resolved_provider
        data["database_url (resolved)"] = self.db_url_display
        data["brands_dir (resolved)"] = str(self.resolved_brands_dir)
        data["config_file"] = str(config_file_path()) if config_file_path() else None
        return data


_SECRET_PARAM = re.compile(r"key|token|secret|pass|pwd|sig|auth|credential|session", re.IGNORECASE)


def redact_url(url: str) -> str:
    """``url`` for display: the password (or a bare token) before ``@`` and secret-looking query
    parameters (``api-key``, ``token``, ``sig``, ...) replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.scheme or not parts.netloc:
        return url
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        netloc = f"{userinfo.split(':', 1)[0]}:***@{host}" if ":" in userinfo else f"***@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, "***" if _SECRET_PARAM.search(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning validation errors into one clear ``ConfigError``."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "(settings)"
            msg = "unknown setting" if err["type"] == "extra_forbidden" else err["msg"]
            lines.append(f"{loc}: {msg}")
        where = str(config_file_path()) if config_file_path() else "settings"
        raise ConfigError(
            "invalid settings: " + "; ".join(lines),
            where=where,
            fix="see `assistant config show` and the README for valid keys "
            f"({', '.join(sorted(Settings.model_fields))})",
        ) from exc
