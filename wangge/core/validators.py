"""Field validators shared by the apps' models (so forms, the API and imports all apply them
through `full_clean`)."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

#: Unicode categories that draw nothing by themselves: spaces and separators, controls and
#: format characters (zero-width spaces and joiners, bidi controls, BOM), surrogates, private
#: use, unassigned code points, and combining marks with no base character.
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me"})

#: Letters and symbols that render as blank (Hangul fillers, the braille blank), often used
#: exactly because they pass a "not empty" check.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def is_visible(char: str) -> bool:
    return char not in _BLANK_LOOKING and unicodedata.category(char) not in _INVISIBLE_CATEGORIES


@deconstructible
class VisibleTextValidator:
    """Refuses text without a single visible character ("\\u200b\\u202e", a lone space).

    A name made only of zero-width or bidi-control characters shows as an empty cell in every
    list, export and search result, and cannot be told apart from another one.
    """

    message = _("不能只包含空格或不可见字符。")
    code = "invisible"

    def __call__(self, value: object) -> None:
        if isinstance(value, str) and not any(is_visible(c) for c in value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VisibleTextValidator)

    def __hash__(self) -> int:
        return hash(type(self))


#: The validator for names of people-facing records (customers, contacts, staff, grids, sites).
visible_text = VisibleTextValidator()
