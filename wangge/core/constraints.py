"""Database constraints reported under the field they are about.

Django files a check or conditional-unique constraint's violation under no field, so a form
shows "到期日期不能早于开通日期" above the form and the API answers with location
`__all__`. A model lists which field each constraint is about, and its errors move there.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


class ConstraintFields:
    """Model mixin: `constraint_fields` maps constraint names to the field to blame."""

    constraint_fields: ClassVar[dict[str, str]] = {}

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        try:
            super().validate_constraints(exclude=exclude)  # type: ignore[misc]
        except ValidationError as exc:
            raise self._blamed(exc) from None

    def _blamed(self, exc: ValidationError) -> ValidationError:
        fields: dict[str, str] = {}
        for constraint in self._meta.constraints:  # type: ignore[attr-defined]
            field = self.constraint_fields.get(constraint.name)
            if field is not None:
                fields[str(constraint.get_violation_error_message())] = field
        errors: dict[str, list[Any]] = exc.update_error_dict({})
        kept = []
        for error in errors.pop(NON_FIELD_ERRORS, []):
            field = fields.get(" ".join(error.messages))
            if field is None:
                kept.append(error)
            else:
                errors.setdefault(field, []).append(error)
        if kept:
            errors[NON_FIELD_ERRORS] = kept
        return ValidationError(errors)
