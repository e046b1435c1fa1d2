"""``{% load contact_forms %}{% error_summary form formset … %}``: one GOV.UK error summary for
every form and formset on a page, each message linking to the input it is about (the first
radio or checkbox of a group, the day box of a date), as the Design System asks."""

from django import forms, template

register = template.Library()


def _anchor(bound_field) -> str:
    widget = bound_field.field.widget
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        # crispy-forms-gds numbers the options from 1.
        return f"{bound_field.auto_id}_1"
    if isinstance(widget, forms.MultiWidget):
        return f"{bound_field.auto_id}_0"
    return bound_field.auto_id


def _form_items(form, prefix="") -> list[dict]:
    items = []
    visible = form.visible_fields()
    first = _anchor(visible[0]) if visible else "main-content"
    for error in form.non_field_errors():
        items.append({"href": f"#{first}", "text": f"{prefix}{error}"})
    for field in visible:
        for error in field.errors:
            items.append({"href": f"#{_anchor(field)}", "text": f"{prefix}{error}"})
    for field in form.hidden_fields():
        for error in field.errors:
            items.append({"href": f"#{first}", "text": f"{prefix}{error}"})
    return items


@register.inclusion_tag("contacts/includes/error_summary.html")
def error_summary(*forms_or_formsets, label="Person"):
    items = []
    for item in forms_or_formsets:
        if item is None or item == "" or not item.is_bound:
            continue
        if isinstance(item, forms.BaseFormSet):
            anchor = f"{item.prefix}-list"
            for error in item.non_form_errors():
                items.append({"href": f"#{anchor}", "text": str(error)})
            for number, form in enumerate(item.forms, start=1):
                cleaned = hasattr(form, "cleaned_data")
                deleted = item.can_delete and cleaned and item._should_delete_form(form)
                if deleted:
                    continue
                items.extend(_form_items(form, prefix=f"{label} {number}: "))
        else:
            items.extend(_form_items(item))
    return {"items": items}
