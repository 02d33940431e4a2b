r"""Text that every store can hold: valid Unicode, and no NUL character.

JSON can carry a lone surrogate (`"\ud800"`), which no UTF-8 store accepts, and PostgreSQL text
holds no NUL; recipe text also feeds Aurora (search), so the rule is the same for every field.
Refused as bad input here rather than failing the write as an internal error.
"""

from __future__ import annotations

from resolvers.errors import ValidationError


def require_storable(label: str, text: str) -> str:
    if "\x00" in text or _has_lone_surrogate(text):
        raise ValidationError(f"{label} contains characters that cannot be stored.")
    return text


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
