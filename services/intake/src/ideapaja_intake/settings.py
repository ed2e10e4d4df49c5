"""Settings of the intake service (environment variables ``IDEAPAJA_INTAKE_*``)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from ideapaja_runtime.settings import ServiceSettings

# Only for development and tests. Production MUST set IDEAPAJA_INTAKE_PSEUDONYM_SECRET: anyone who
# knows the secret can test whether a person wrote an anonymous idea. It must also never change
# (nor be generated per process), or the pseudonyms already shown to reviewers would change too.
DEV_PSEUDONYM_SECRET = "ideapaja-dev-pseudonym-secret-not-for-production"  # noqa: S105


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDEAPAJA_INTAKE_", extra="ignore")

    http_port: int = 8001
    database_url: str = "sqlite+aiosqlite:///ideapaja-intake.db"

    # Key of the HMAC that turns (idea, person) into the stable pseudonym shown for anonymous
    # authors; see DEV_PSEUDONYM_SECRET.
    pseudonym_secret: SecretStr = Field(default=SecretStr(DEV_PSEUDONYM_SECRET), min_length=16)
    # Where the intranet form sends the browser after a submission (``?idea=<id>`` is added).
    # Unset: the form endpoint answers 201 JSON like the API.
    form_thank_you_url: str | None = None

    @property
    def uses_dev_pseudonym_secret(self) -> bool:
        return self.pseudonym_secret.get_secret_value() == DEV_PSEUDONYM_SECRET
