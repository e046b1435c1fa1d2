"""Reads whose SQL the ORM builds once per process (ADR 0012).

A page that reads the same shape of query on every request — the contact page's contact with
its episode, its people, concerns and agencies' requests — spent more Python building and
compiling those querysets than the database spent answering them. A ``FrozenRead`` builds its
queryset once per database connection alias and *variant*, with placeholder values, compiles
it, and from then on runs the same SQL with the real values put where the placeholders were,
turning the rows into model instances (or dicts, for ``.values()``) exactly as the ORM's own
iterators do (the compiler's converters, related-object populators and annotations are the
ones it made).

It is safe only for a query with nothing user-specific in it: a frozen read runs only for a
user whose scope rule keeps every row of each case-data model it reads
(``core.scoping.scope_keeps_every_row``) — the same test that lets the contact page join rows
instead of reading them scoped (ADR 0011) — and answers None otherwise, so the caller reads
through ``Model.objects.for_user`` as before. Every table the compiled query reads must belong
to a model it declares — joined, in a subquery or in raw SQL — so a table added later cannot
slip past that test.

The build function must depend only on its variant and the values it is given: anything else
it read (the time, a setting, a user) would be frozen with the SQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.apps import apps
from django.db import connections, models
from django.db.models.query import ModelIterable, ValuesIterable, get_related_populators

from openmash.core.scoping import FailClosedManager, scope_keeps_every_row

#: Placeholder values, one per name, unlike any real key (version 4 UUIDs never have this).
_PLACEHOLDER_NAMESPACE = uuid.UUID("00000000-0000-0000-0000-00000000f802")
#: Placeholder times: a date no case record has, told apart by the microseconds.
_PLACEHOLDER_TIME = datetime(1901, 1, 1, tzinfo=UTC)


def _shape(value) -> Hashable:
    """What kind of placeholder stands for ``value``: the SQL differs with a list's length."""
    if isinstance(value, uuid.UUID):
        return "id"
    if isinstance(value, datetime):
        return "time"
    if isinstance(value, list | tuple) and all(isinstance(item, uuid.UUID) for item in value):
        return len(value)
    raise TypeError(f"A frozen read takes UUIDs, lists of UUIDs and datetimes, not {value!r}")


def _placeholder(key: str, shape: Hashable, number: int):
    if shape == "time":
        return _PLACEHOLDER_TIME + timedelta(microseconds=number + 1)
    if shape == "id":
        return uuid.uuid5(_PLACEHOLDER_NAMESPACE, key)
    return [uuid.uuid5(_PLACEHOLDER_NAMESPACE, f"{key}:{i}") for i in range(shape)]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    #: (position in params, value name, index in a list value or None, how the value is
    #: written in params: "same", "hex" (a UUID on SQLite) or "time" (adapted by the backend))
    slots: tuple[tuple[int, str, int | None, str], ...]
    converters: tuple
    #: "models" or "dicts"
    kind: str
    names: tuple[str, ...]
    model: type[models.Model] | None
    init_list: list[str]
    fields_start: int
    fields_end: int
    populators: list
    annotations: dict[str, int]


class FrozenRead:
    """One query shape (per variant), compiled once; ``for_user`` runs it.

    ``build(variant, **values)`` returns the queryset — of model instances, or of dicts
    (``.values(...)``). Each value it is given is a placeholder the first time and must reach
    the SQL as a parameter: a UUID (``filter(contact_id=…)``), a list of UUIDs (``__in``; the
    SQL is compiled once per length, and an empty list reads nothing) or an aware datetime
    (``due_at__lt=now``).
    ``models``: every model whose table the query reads, each tested by ``allowed``.
    ``tested_elsewhere``: models read only in SQL whose author made the scope test already
    (``core.scoping.exists_sql`` answers None unless the scope keeps every row) or that are
    shown to everyone who reads the row — named here so that a reviewer sees them."""

    def __init__(
        self,
        name: str,
        build: Callable[..., models.QuerySet],
        *,
        models: tuple[type[models.Model], ...],
        values: tuple[str, ...],
        tested_elsewhere: tuple[type[models.Model], ...] = (),
    ):
        self.name = name
        self._build = build
        self.models = models
        self.values = values
        self._tables = {model._meta.db_table for model in models + tested_elsewhere}
        self._scoped = tuple(m for m in models if isinstance(m._default_manager, FailClosedManager))
        self._compiled: dict[tuple, _Compiled] = {}

    def allowed(self, user) -> bool:
        """May ``user``'s reads of these models skip their scope rules (each keeps every row)?"""
        return all(scope_keeps_every_row(model, user) for model in self._scoped)

    def for_user(self, user, variant: Hashable = (), *, using: str = "default", **values):
        """The rows, or None if ``user``'s scope would filter any of the models read (the
        caller then reads through ``for_user``)."""
        if not self.allowed(user):
            return None
        return self.rows(variant, using=using, **values)

    def rows(self, variant: Hashable = (), *, using: str = "default", **values) -> list:
        """The rows, without the scope test: only for a caller that has made it already."""
        shapes = tuple(_shape(values[name]) for name in self.values)
        if 0 in shapes:
            return []  # ``IN ()``: nothing
        key = (using, variant, shapes)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(variant, using, shapes)
        connection = connections[using]
        params = list(compiled.params)
        for position, name, index, form in compiled.slots:
            value = values[name] if index is None else values[name][index]
            if form == "hex":
                value = value.hex
            elif form == "time":
                value = connection.ops.adapt_datetimefield_value(value)
            params[position] = value
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            # As SQLCompiler.apply_converters, with the converters the compiler chose.
            rows = [list(row) for row in rows]
            for row in rows:
                for position, (converters, expression) in compiled.converters:
                    value = row[position]
                    for converter in converters:
                        value = converter(value, expression, connection)
                    row[position] = value
        if compiled.kind == "dicts":
            names = compiled.names
            return [dict(zip(names, row, strict=True)) for row in rows]
        instances = []
        model, init_list = compiled.model, compiled.init_list
        start, end = compiled.fields_start, compiled.fields_end
        for row in rows:
            obj = model.from_db(using, init_list, row[start:end])
            for populator in compiled.populators:
                populator.populate(row, obj)
            for attr_name, position in compiled.annotations.items():
                setattr(obj, attr_name, row[position])
            instances.append(obj)
        return instances

    def _compile(self, variant: Hashable, using: str, shapes: tuple) -> _Compiled:
        placeholders = {
            name: _placeholder(f"{self.name}:{name}", shape, number)
            for number, (name, shape) in enumerate(zip(self.values, shapes, strict=True))
        }
        queryset = self._build(variant, **placeholders)
        kinds = {ModelIterable: "models", ValuesIterable: "dicts"}
        if not isinstance(queryset, models.QuerySet) or queryset._iterable_class not in kinds:
            raise TypeError(f"FrozenRead {self.name}: build must return models or .values()")
        if queryset._prefetch_related_lookups:
            raise TypeError(f"FrozenRead {self.name}: prefetches are not frozen; read them apart")
        connection = connections[using]
        query = queryset.query
        compiler = query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        quote = connection.ops.quote_name
        tables = {  # joins, subqueries and raw SQL alike name their tables quoted
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if quote(model._meta.db_table) in sql
        }
        if not tables <= self._tables:
            raise TypeError(
                f"FrozenRead {self.name} reads {sorted(tables - self._tables)}: declare their "
                "models, so their scope rules are tested"
            )
        slots = self._slots(params, placeholders, connection)
        missing = set(placeholders) - {name for _, name, _, _ in slots}
        if missing:
            raise TypeError(f"FrozenRead {self.name}: {sorted(missing)} never reach the SQL")
        select = compiler.select
        converters = tuple(
            compiler.get_converters([s[0] for s in select[: compiler.col_count]]).items()
        )
        common = {"sql": sql, "params": tuple(params), "slots": slots, "converters": converters}
        if queryset._iterable_class is ValuesIterable:
            names = (
                list(query.selected)
                if query.selected
                else [
                    *query.extra_select,
                    *query.values_select,
                    *query.annotation_select,
                ]
            )
            return _Compiled(
                **common,
                kind="dicts",
                names=tuple(names),
                model=None,
                init_list=[],
                fields_start=0,
                fields_end=0,
                populators=[],
                annotations={},
            )
        klass_info = compiler.klass_info
        fields = klass_info["select_fields"]
        fields_start, fields_end = fields[0], fields[-1] + 1
        return _Compiled(
            **common,
            kind="models",
            names=(),
            model=klass_info["model"],
            init_list=[f[0].target.attname for f in select[fields_start:fields_end]],
            fields_start=fields_start,
            fields_end=fields_end,
            populators=get_related_populators(klass_info, select, using),
            annotations=dict(compiler.annotation_col_map or {}),
        )

    @staticmethod
    def _slots(params, placeholders: dict, connection) -> tuple:
        """Where each placeholder landed among the compiled parameters, and in what form."""
        forms = []
        for name, placeholder in placeholders.items():
            items = placeholder if isinstance(placeholder, list) else [placeholder]
            for index, item in enumerate(items):
                at = index if isinstance(placeholder, list) else None
                forms.append((item, name, at, "same"))
                if isinstance(item, uuid.UUID):
                    forms.append((item.hex, name, at, "hex"))
                else:
                    forms.append((connection.ops.adapt_datetimefield_value(item), name, at, "time"))
        slots = []
        for position, param in enumerate(params):
            for written, name, index, form in forms:
                if type(param) is type(written) and param == written:
                    slots.append((position, name, index, form))
                    break
        return tuple(slots)


def store_prefetched(instance: models.Model, name: str, rows: list) -> None:
    """Make ``instance.<name>.all()`` answer ``rows`` with no query, as ``prefetch_related``
    does after its own read (a frozen read cannot be a prefetch): the related manager's
    queryset with its result cache filled, and each row's link back to ``instance`` set.
    Anything chained onto it (``.filter()``) is a fresh query through the manager, as
    after a prefetch."""
    manager = getattr(instance, name)
    queryset = manager.get_queryset()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    for row in rows:
        manager.field.set_cached_value(row, instance)
    instance._prefetched_objects_cache = getattr(instance, "_prefetched_objects_cache", {})
    instance._prefetched_objects_cache[manager.field.remote_field.cache_name] = queryset
