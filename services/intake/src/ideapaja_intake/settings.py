"""Settings of the intake service (environment variables ``IDEAPAJA_INTAKE_*``)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from ideapaja_intake.domain.attachments import KNOWN_TYPES
from ideapaja_intake.domain.categories import DEFAULT_CATEGORIES, Category
from ideapaja_intake.domain.visibility import STAFF_ROLES
from ideapaja_runtime.settings import ServiceSettings

# Only for development and tests. Production MUST set IDEAPAJA_INTAKE_PSEUDONYM_SECRET: anyone who
# knows the secret can test whether a person wrote an anonymous idea. It must also never change
# (nor be generated per process), or the pseudonyms already shown to reviewers would change too.
DEV_PSEUDONYM_SECRET = "ideapaja-dev-pseudonym-secret-not-for-production"  # noqa: S105
# Only for development and tests. Production MUST set IDEAPAJA_INTAKE_FORM_TOKEN_SECRET: whoever
# knows it can submit ideas in anyone's name through the form endpoints.
DEV_FORM_TOKEN_SECRET = "ideapaja-dev-form-token-secret-not-for-production"  # noqa: S105

MiB = 1024 * 1024
# Room for the multipart framing around an attachment.
UPLOAD_OVERHEAD = 64 * 1024


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDEAPAJA_INTAKE_", extra="ignore")

    http_port: int = 8001
    database_url: str = "sqlite+aiosqlite:///ideapaja-intake.db"

    # Key of the HMAC that turns (idea, person) into the stable pseudonym shown for anonymous
    # authors; see DEV_PSEUDONYM_SECRET.
    pseudonym_secret: SecretStr = Field(default=SecretStr(DEV_PSEUDONYM_SECRET), min_length=16)
    # Where the intranet form sends the browser after a submission (``?idea=<id>`` is added).
    # Unset: a browser gets intake's own thank-you page (a script asking for JSON gets 201 JSON).
    form_thank_you_url: str | None = None
    # Where browsers reach intake (scheme://host[:port][/prefix]): the base of the absolute
    # form_url of POST /form-tokens. Unset: the address the request arrived at. `ideapaja up`
    # sets it.
    public_url: str | None = None
    # Where people follow their ideas (the portal): the thank-you page links to
    # <portal_url>/ideas/<id>. Unset: no link. `ideapaja up` sets it to the portal it starts.
    portal_url: str | None = None

    # Request bodies: the shared MAX_BODY_BYTES is the hard cap of the HTTP server (413 above
    # it) and must leave room for an attachment; JSON and form bodies have their own, smaller
    # limit.
    max_body_bytes: int = Field(default=5 * MiB + UPLOAD_OVERHEAD, ge=1024)
    form_body_max_bytes: int = Field(default=64 * 1024, ge=1024)

    # Categories an idea may have (JSON list of {"id", "fi", "sv", "en"}).
    categories: list[Category] = Field(default_factory=lambda: list(DEFAULT_CATEGORIES))

    # Attachments: size, count and the allowed types (checked against the content).
    attachment_max_bytes: int = Field(default=5 * MiB, ge=1)
    attachments_per_idea: int = Field(default=5, ge=0, le=50)
    attachment_types: list[str] = Field(default_factory=lambda: list(KNOWN_TYPES))
    # Virus scanning hook, "package.module:factory": the factory gets these settings and returns
    # an AttachmentScanner (usecases/attachments.py). Unset: no scanner (none is available here);
    # files are stored with scan_status "not_scanned".
    attachment_scanner: str | None = None

    # Submissions per person per hour, counted in the database (every replica shares it).
    submissions_per_hour: int = Field(default=20, ge=1)
    # At most this many submissions arriving together are written in one transaction.
    submission_batch_size: int = Field(default=64, ge=1, le=1000)
    # How long an Idempotency-Key is remembered.
    idempotency_ttl_hours: int = Field(default=24, ge=1, le=24 * 30)

    # Browser origins (scheme://host[:port]) of intranet pages that may post to /ideas/form
    # and frame the embeddable form; a browser request from any other origin is refused.
    form_allowed_origins: list[str] = Field(default_factory=list)
    # Signs the short-lived form tokens of plain HTML forms; see DEV_FORM_TOKEN_SECRET.
    form_token_secret: SecretStr = Field(default=SecretStr(DEV_FORM_TOKEN_SECRET), min_length=16)
    form_token_ttl_seconds: int = Field(default=2 * 3600, ge=60, le=24 * 3600)

    # The citizen/customer channel is off unless the city opens it; citizens' tokens carry
    # this role (e.g. from a citizen identity provider). The policy table calls it "citizen"
    # whatever its name here (authz.py).
    citizen_channel_enabled: bool = False
    citizen_role: str = "citizen"

    # Retention (usecases/retention.py). A closed idea (rejected, withdrawn, merged as a duplicate,
    # implemented, a good practice, a stopped pilot) loses its personal data this many days
    # after it closed: authors, supporters, commenters, attachments; its text, status and
    # decision record stay. Default 5 years. There is no "keep for ever" value: a city that must
    # keep the links longer sets a longer period.
    closed_idea_retention_days: int = Field(default=5 * 365, ge=1, le=36_500)
    # Drafts never submitted are deleted this many days after they were last saved.
    draft_retention_days: int = Field(default=365, ge=1, le=36_500)
    # How often each replica runs the retention sweep (seconds; 0 turns it off).
    retention_sweep_seconds: float = Field(default=3600.0, ge=0)
    retention_batch_size: int = Field(default=100, ge=1, le=10_000)

    # Similar-idea suggestions while typing.
    similar_min_score: float = Field(default=0.3, ge=0, le=1)
    # Reporting export: at most this many rows per file.
    export_max_rows: int = Field(default=50_000, ge=1)

    @property
    def uses_dev_pseudonym_secret(self) -> bool:
        return self.pseudonym_secret.get_secret_value() == DEV_PSEUDONYM_SECRET

    @property
    def uses_dev_form_token_secret(self) -> bool:
        return self.form_token_secret.get_secret_value() == DEV_FORM_TOKEN_SECRET

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)

    @field_validator("public_url", "portal_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _limits_fit(self) -> IntakeSettings:
        if self.attachment_max_bytes + UPLOAD_OVERHEAD > self.max_body_bytes:
            raise ValueError(
                "max_body_bytes must exceed attachment_max_bytes by at least "
                f"{UPLOAD_OVERHEAD} bytes (multipart framing)"
            )
        unknown = set(self.attachment_types) - set(KNOWN_TYPES)
        if unknown:
            raise ValueError(f"attachment_types not recognisable by content: {sorted(unknown)}")
        if self.citizen_role in STAFF_ROLES:
            # Staff would pass as citizens (and citizens as staff) in the policy table.
            raise ValueError(f"citizen_role must not be a staff role: {self.citizen_role}")
        return self
