"""Reads whose SQL the ORM builds once per process (ADR 0012).

A page that reads the same shape of query on every request — the contact page's contact with
its episode, its people, concerns and agencies' requests — spent more Python building and
compiling those querysets than the database spent answering them. A ``FrozenRead`` builds its
queryset once per database connection alias and *variant*, with placeholder values, compiles
it, and from then on runs the same SQL with the real values put where the placeholders were,
turning the rows into model instances exactly as the ORM's own iterator does (the compiler's
converters, related-object populators and annotations are the ones it made).

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

from django.apps import apps
from django.db import connections, models
from django.db.models.query import get_related_populators

from openmash.core.scoping import FailClosedManager, scope_keeps_every_row

#: Placeholder values, one per name, unlike any real key (version 4 UUIDs never have this).
_PLACEHOLDER_NAMESPACE = uuid.UUID("00000000-0000-0000-0000-00000000f802")


def _placeholder(name: str) -> uuid.UUID:
    return uuid.uuid5(_PLACEHOLDER_NAMESPACE, name)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    #: (position in params, value name, the value's form in params: "same" or "hex")
    slots: tuple[tuple[int, str, str], ...]
    converters: tuple
    model: type[models.Model]
    init_list: list[str]
    fields_start: int
    fields_end: int
    populators: list
    annotations: dict[str, int]


class FrozenRead:
    """One query shape (per variant), compiled once; ``for_user`` runs it.

    ``build(variant, **values)`` returns the queryset; each value it is given is a placeholder
    UUID the first time, and must reach the SQL as a parameter (e.g. ``filter(contact_id=…)``).
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
        self._compiled: dict[tuple[str, Hashable], _Compiled] = {}

    def allowed(self, user) -> bool:
        """May ``user``'s reads of these models skip their scope rules (each keeps every row)?"""
        return all(scope_keeps_every_row(model, user) for model in self._scoped)

    def for_user(self, user, variant: Hashable = (), *, using: str = "default", **values):
        """The rows as model instances, or None if ``user``'s scope would filter any of the
        models read (the caller then reads through ``for_user``)."""
        if not self.allowed(user):
            return None
        return self.rows(variant, using=using, **values)

    def rows(self, variant: Hashable = (), *, using: str = "default", **values) -> list:
        """The rows, without the scope test: only for a caller that has made it already."""
        compiled = self._compiled.get((using, variant))
        if compiled is None:
            compiled = self._compiled[using, variant] = self._compile(variant, using)
        params = list(compiled.params)
        for position, name, form in compiled.slots:
            value = values[name]
            params[position] = value.hex if form == "hex" else value
        connection = connections[using]
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

    def _compile(self, variant: Hashable, using: str) -> _Compiled:
        placeholders = {name: _placeholder(f"{self.name}:{name}") for name in self.values}
        queryset = self._build(variant, **placeholders)
        if not isinstance(queryset, models.QuerySet) or queryset._iterable_class.__name__ != (
            "ModelIterable"
        ):
            raise TypeError(f"FrozenRead {self.name}: build must return a queryset of models")
        if queryset._prefetch_related_lookups:
            raise TypeError(f"FrozenRead {self.name}: prefetches are not frozen; read them apart")
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        quote = connections[using].ops.quote_name
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
        slots = []
        for position, param in enumerate(params):
            for name, placeholder in placeholders.items():
                if param == placeholder:
                    slots.append((position, name, "same"))
                elif param == placeholder.hex:
                    slots.append((position, name, "hex"))
        missing = set(placeholders) - {name for _, name, _ in slots}
        if missing:
            raise TypeError(f"FrozenRead {self.name}: {sorted(missing)} never reach the SQL")
        select, klass_info = compiler.select, compiler.klass_info
        fields_start, fields_end = (
            klass_info["select_fields"][0],
            klass_info["select_fields"][-1] + 1,
        )
        return _Compiled(
            sql=sql,
            params=tuple(params),
            slots=tuple(slots),
            converters=tuple(
                compiler.get_converters([s[0] for s in select[: compiler.col_count]]).items()
            ),
            model=klass_info["model"],
            init_list=[f[0].target.attname for f in select[fields_start:fields_end]],
            fields_start=fields_start,
            fields_end=fields_end,
            populators=get_related_populators(klass_info, select, using),
            annotations=dict(compiler.annotation_col_map or {}),
        )


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
