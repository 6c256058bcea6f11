"""The plans pages' forms: list filters, the catalogue version's and the annual plan's draft with a table of lines,
a temporary addition, and the amend button. They check only the shape of the input; the rules are the services'
(services/plans/). Field names are those the services put in their errors, so a refusal lands on its field; a line's
errors name its place among the lines given, which ``place_line_errors`` turns back into the row of the table
(blank rows are not given)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, FieldList, Form, FormField, IntegerField, SelectField, StringField, SubmitField, \
    TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from inventory.core.vocab import AdditionStatus, PlanStatus
from inventory.models import Material, Organisation
from inventory.services.plans import annual_plans, catalogue, documents
from inventory.services.plans.additions import AdditionInput
from inventory.web import service_errors
from inventory.web.stock.forms import ALL

#: blank rows offered below a draft's lines; the "add a row" button adds more
BLANK_ROWS = 3
MAX_ROWS = 500
LABELS = {"material": _l("Material"), "target_quantity": _l("Target quantity"),
          "storage_months": _l("Storage period (months)"), "enterprise": _l("Enterprise"), "lines": _l("Lines"),
          "title": _l("Title"), "note": _l("Note"), "review_due_on": _l("Review date"), "year": _l("Year")}


def labelled(fields: dict[str, list[str]]) -> dict[str, list[str]]:
    """The services' field names as the reader knows them: "Line 2: Target quantity" for ``lines[1].…``."""
    return service_errors.labelled(fields, LABELS)


def material_choices(materials: list[Material], name_of) -> list[SelectChoice]:
    return [ALL, *(SelectChoice(m.code, f"{name_of(m)} · {m.code} ({m.unit})") for m in materials)]


def enterprise_choices(enterprises: list[Organisation]) -> list[SelectChoice]:
    return [SelectChoice("", _l("City-wide")), *(SelectChoice(o.code, f"{o.name} · {o.code}") for o in enterprises)]


def months(text: str | None) -> int | str | None:
    """Blank: the service's default; a whole number as such; anything else as typed, for the service to refuse."""
    text = (text or "").strip()
    return int(text) if text.isdigit() else (text or None)


def plain(value) -> str:
    """A stored amount as typed: 300 rather than 300.000."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class CatalogueLineForm(Form):
    """One variety of the catalogue; a row left blank is not part of it."""

    material = SelectField(LABELS["material"], choices=[], validate_choice=False)
    target_quantity = StringField(LABELS["target_quantity"], validators=[Length(max=40)])
    storage_months = StringField(LABELS["storage_months"], validators=[Length(max=6)])

    def blank(self) -> bool:
        return not any((field.data or "").strip() for field in self)


class PlanLineForm(CatalogueLineForm):
    enterprise = SelectField(LABELS["enterprise"], choices=[], validate_choice=False)


class _LinesForm(FlaskForm):
    def given_rows(self) -> list[Form]:
        return [row.form for row in self.lines if not row.form.blank()]

    def pad(self, blank: int = BLANK_ROWS) -> None:
        """Blank rows below the lines given, to type more without the script."""
        for _ in range(blank):
            self.lines.append_entry()

    def set_choices(self, materials: list[SelectChoice], enterprises: list[SelectChoice] | None = None) -> None:
        for row in self.lines:
            row.form.material.choices = materials
            if enterprises is not None:
                row.form.enterprise.choices = enterprises

    def place_line_errors(self, fields: dict[str, list[str]]) -> dict[str, list[str]]:
        """Put ``lines[i].name`` messages on the field of the i-th row given; return the other fields' messages."""
        return service_errors.on_line_rows(self.given_rows(), fields)


class CatalogueForm(_LinesForm):
    title = StringField(LABELS["title"], validators=[Length(max=documents.TITLE_LENGTH)])
    review_due_on = DateField(LABELS["review_due_on"], validators=[Optional()],
                              description=_l("When the catalogue is to be evaluated again (定期评估); after today."))
    note = TextAreaField(LABELS["note"], validators=[Length(max=documents.TEXT_LENGTH)])
    lines = FieldList(FormField(CatalogueLineForm), max_entries=MAX_ROWS)
    submit = SubmitField(_l("Save the draft"))

    def values(self) -> dict:
        return {"title": self.title.data or "", "note": self.note.data or "",
                "review_due_on": self.review_due_on.data,
                "lines": [catalogue.LineInput(row.material.data or "", (row.target_quantity.data or "").strip(),
                                              months(row.storage_months.data)) for row in self.given_rows()]}

    @staticmethod
    def stored(view) -> dict:
        row = view.row
        return {"title": row.title, "note": row.note, "review_due_on": row.review_due_on,
                "lines": [{"material": line.material.code, "target_quantity": plain(line.target_quantity),
                           "storage_months": str(line.storage_months)} for line in view.lines]}


class PlanForm(_LinesForm):
    year = IntegerField(LABELS["year"], validators=[InputRequired()],
                        description=_l("The year's next version is drafted; it amends the version in force."))
    title = StringField(LABELS["title"], validators=[Length(max=documents.TITLE_LENGTH)])
    note = TextAreaField(LABELS["note"], validators=[Length(max=documents.TEXT_LENGTH)])
    lines = FieldList(FormField(PlanLineForm), max_entries=MAX_ROWS)
    submit = SubmitField(_l("Save the draft"))

    def values(self) -> dict:
        return {"title": self.title.data or "", "note": self.note.data or "",
                "lines": [annual_plans.PlanLineInput(
                    row.material.data or "", (row.target_quantity.data or "").strip(), row.enterprise.data or None,
                    months(row.storage_months.data)) for row in self.given_rows()]}

    @staticmethod
    def stored(view) -> dict:
        row = view.row
        return {"year": row.year, "title": row.title, "note": row.note,
                "lines": [{"material": line.material.code, "target_quantity": plain(line.target_quantity),
                           "storage_months": str(line.storage_months),
                           "enterprise": line.enterprise.code if line.enterprise else ""} for line in view.lines]}


class AdditionForm(FlaskForm):
    material = SelectField(LABELS["material"], choices=[], validate_choice=False)
    quantity = StringField(_l("Quantity"), validators=[Length(max=40)])
    reason = TextAreaField(_l("Reason"), validators=[Length(max=2000)])
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()], description=_l("The last day of the period."))
    enterprise = SelectField(_l("Enterprise (if known)"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Save the draft"))

    def given(self) -> AdditionInput:
        return AdditionInput(material=self.material.data or "", quantity=(self.quantity.data or "").strip(),
                             reason=self.reason.data or "", starts_on=self.starts_on.data, ends_on=self.ends_on.data,
                             enterprise=self.enterprise.data or None)


class AmendForm(FlaskForm):
    """Only the CSRF token and a button: a new draft copied from the version in force."""

    submit = SubmitField(_l("Amend: start a new draft from this version"))


class _Filter(FlaskForm):
    """Read from the query string; ``cursor`` is the keyset cursor of the next page (services/paging.py)."""

    class Meta:
        csrf = False

    limit = IntegerField(_l("Rows per page"), validators=[Optional(), NumberRange(min=1, max=200)])
    cursor = StringField(validators=[Optional(), Length(max=200)])


class DocumentFilterForm(_Filter):
    status = SelectField(_l("Status"), default="",
                         choices=[ALL, *(SelectChoice(k, v) for k, v in PlanStatus.labels().items())])


class PlanFilterForm(DocumentFilterForm):
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(min=annual_plans.FIRST_YEAR,
                                                                        max=annual_plans.LAST_YEAR)])


class AdditionFilterForm(_Filter):
    status = SelectField(_l("Status"), default="",
                         choices=[ALL, *(SelectChoice(k, v) for k, v in AdditionStatus.labels().items())])
    material = StringField(_l("Material code"), validators=[Optional(), Length(max=32)])
