"""Texts of the form pages (the embeddable page and the plain intranet form) and the messages
people read there, in English: each is translated by the message catalogs
(``ideapaja_intake/locale/<lang>/LC_MESSAGES/messages.po``, read by ``ideapaja_intake.texts``).
Also choosing the language, and which message a validation error of a given type gets."""

from __future__ import annotations

LANGUAGES = ("fi", "sv", "en")


def N_(message: str) -> str:
    """Marks a message for the catalogs (it is translated where it is shown)."""
    return message


# The page texts by key.
MESSAGES: dict[str, str] = {
    "heading": N_("Submit an improvement idea"),
    "intro": N_(
        "Tell us what does not work and how it could be better. Required fields are marked *."
    ),
    "title": N_("Title"),
    "problem": N_("What is the problem today?"),
    "solution": N_("Proposed solution"),
    "benefit": N_("Expected benefit"),
    "benefit_kinds": N_("What does the idea improve?"),
    "category": N_("Category"),
    "no_category": N_("(no category)"),
    "scope": N_("Who should decide on the idea?"),
    "scope_unit": N_("My unit"),
    "scope_department": N_("The department"),
    "scope_city": N_("The whole city"),
    "unit_id": N_("Unit or department the idea concerns"),
    "language": N_("Language of the text"),
    "anonymous": N_("Hide my name from reviewers and colleagues (a reward is still possible)"),
    "co_author_ids": N_("Co-authors"),
    "co_author_help": N_(
        "Type at least two letters of a colleague's first name or surname. The colleagues you "
        "add are asked to confirm."
    ),
    "co_author_query": N_("Co-authors: find colleagues by name"),
    "co_author_search": N_("Search"),
    "co_author_chosen": N_("Chosen co-authors"),
    "co_author_matches": N_("Colleagues found (tick to add):"),
    "co_author_none": N_("No colleagues found by that name."),
    "co_author_more": N_("More colleagues match: type more of the name."),
    "co_author_remove": N_("Remove"),
    "co_author_added": N_("Added as a co-author:"),
    "attachment": N_("Attachment (PDF, image, text or office document)"),
    "submit": N_("Submit the idea"),
    "errors": N_("Please check the marked fields:"),
    "thanks": N_("Thank you! Your idea has been received."),
    "expired": N_(
        "The form has expired or the link is not valid. Open the form again from the intranet."
    ),
    "already": N_("This form was already submitted with other content. Open the form again."),
    "too_many": N_("You have submitted the most ideas allowed in an hour. Please try later."),
    "busy": N_(
        "Too many requests have come from this network just now. Please try again in a moment."
    ),
    "thanks_follow": N_("Follow your idea and answer the reviewers' questions in Ideapaja:"),
    "thanks_link": N_("Open your idea"),
    "thanks_id": N_("The idea's id:"),
    "origin": N_(
        "This form cannot be sent from the page it is shown on: that page's address is "
        "not among the intranet addresses allowed to send ideas. Nothing was saved. "
        "Please tell the intranet's administrator: the address must be added to "
        "Ideapaja's allowed intranet addresses."
    ),
}

# What a person reads for each kind of refused field (a Pydantic error type or one of ours).
FIELD_MESSAGES: dict[str, str] = {
    "missing": N_("This field is required."),
    "string_too_short": N_("Write at least %(min_length)s characters."),
    "string_too_long": N_("Write at most %(max_length)s characters."),
    "too_long": N_("Choose at most %(max_length)s."),
    "choice": N_("Choose one of the options."),
    "pattern": N_("This value is not in the expected form."),
    "control": N_("Remove the control characters from the text."),
    "invalid": N_("This value is not valid."),
    "unknown_field": N_("This field is not part of the form."),
    "unknown_unit": N_("Choose a unit from the list."),
    "unknown_category": N_("Choose a category from the list."),
    "not_a_member": N_("You can submit only for a work community you belong to."),
    "self_invitation": N_("You are already the author: do not add yourself as a co-author."),
    "unknown_person": N_("A chosen co-author is not (or no longer) in the city's staff."),
    "file_too_large": N_("The file is too large."),
    "file_type": N_("Files of this type cannot be attached."),
    "file_refused": N_("The file was refused (it is empty or did not pass the virus scan)."),
    "auth_required": N_("Sign in, or open the form again from the intranet."),
    "token_invalid": N_(
        "The form's link is not valid or has expired. Open the form again from the intranet."
    ),
}

# Pydantic's error types, by the message people read for them.
PYDANTIC_TYPES = {
    "missing": "missing",
    "string_too_short": "string_too_short",
    "too_short": "string_too_short",
    "string_too_long": "string_too_long",
    "too_long": "too_long",
    "enum": "choice",
    "literal_error": "choice",
    "bool_parsing": "choice",
    "string_pattern_mismatch": "pattern",
    "extra_forbidden": "unknown_field",
    "unknown_field": "unknown_field",
}


def field_message_key(error_type: str, message: str = "") -> str:
    """The FIELD_MESSAGES key for a refused field of ``error_type`` (Pydantic's or ours)."""
    if error_type in FIELD_MESSAGES:
        return error_type
    if "control characters" in message:
        return "control"
    return PYDANTIC_TYPES.get(error_type, "invalid")


LANGUAGE_NAMES = {"fi": "suomi", "sv": "svenska", "en": "English"}


def choose_language(requested: str | None, accept_language: str | None) -> str:
    """The page language: one asked for explicitly wins, else the best of Accept-Language, else
    fi."""
    if requested in LANGUAGES:
        return requested
    best: tuple[float, int, str] | None = None
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-", 1)[0]
        if primary not in LANGUAGES:
            continue
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        if quality <= 0:
            continue
        candidate = (quality, -position, primary)
        if best is None or candidate > best:
            best = candidate
    return best[2] if best else "fi"
