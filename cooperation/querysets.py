"""Query logic shared by the filters, the views and the bilateral profile.

Every record names countries in one of two ways: two foreign keys (reporter
and partner, investor and recipient, ...) or a many-to-many set of
participants. Both querysets answer the same questions with the same names,
so callers never need to know which kind they hold.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any, TypeVar

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Case, Count, Exists, Expression, F, OuterRef, Q, When

if TYPE_CHECKING:
    from cooperation.models import Record


class SearchableQuerySet(models.QuerySet[Any]):
    """Writes that skip `save()` still fill the folded search column (`Searchable`)."""

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        objs = list(objs)
        for obj in objs:
            obj.search_text = obj.folded_search_text()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs: Iterable[Any], fields: Iterable[str], batch_size: int | None = None) -> int:
        fields = list(fields)
        if set(fields) & set(self.model.search_fields):
            objs = list(objs)
            for obj in objs:
                obj.search_text = obj.folded_search_text()
            fields.append("search_text")
        return super().bulk_update(objs, fields, batch_size=batch_size)


class ApiQuerySet(SearchableQuerySet):
    def for_api(self) -> ApiQuerySet:
        """Prefetch the many-to-many fields the API shows, so a page costs a fixed number of queries."""
        return self.prefetch_related(*(field.name for field in self.model._meta.many_to_many))


class RecordQuerySet(ApiQuerySet):
    def involving(self, code: str) -> RecordQuerySet:
        """Records in which the country takes part, on either side."""
        raise NotImplementedError

    def for_pair(self, first: str, second: str) -> RecordQuerySet:
        """Records between the two countries, in either direction."""
        raise NotImplementedError

    def partner_counts(self, code: str) -> Counter[str]:
        """How many records the country shares with each other country."""
        raise NotImplementedError

    def within_year(self, year: int) -> RecordQuerySet:
        """Records whose whole period lies in the calendar year."""
        return self.filter(
            period_start__gte=datetime.date(year, 1, 1),
            period_end__lte=datetime.date(year, 12, 31),
        )


def country_fields(model: type[Record]) -> tuple[str, str]:
    """The two foreign keys naming the countries of a record that has two (`TwoCountryQuerySet`'s)."""
    if model.country_fields is None:
        raise ImproperlyConfigured(f"{model.__name__} has no country_fields, which TwoCountryQuerySet needs.")
    return model.country_fields


class SplitCondition(Expression):
    """A condition made of disjoint parts, each an index range, kept as one expression that a page read can split.

    Its SQL is `whole()`'s, and counts and subqueries read it as that. An ordered page read finds it
    among the WHERE's top-level conditions and reads each of `parts()` as its own index range, already
    in order, merging them (`representations.merged_parts()`): where the whole condition, an OR, cannot
    be read in order from one index, and the database would read every matching row to sort them.
    The whole is built only when something resolves it: a split read never does.
    """

    conditional = True
    output_field = models.BooleanField()

    def __init__(self) -> None:
        super().__init__()
        self.resolved: Any = None  # the whole condition, as the query it is part of resolved it

    def get_source_expressions(self) -> list[Any]:
        return [self.whole() if self.resolved is None else self.resolved]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.resolved,) = exprs

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        return compiler.compile(self.resolved)

    def whole(self) -> Q:
        """The condition as one."""
        raise NotImplementedError

    def parts(self) -> list[Q]:
        """Conditions whose rows together are the whole's, each row in exactly one."""
        raise NotImplementedError


class EitherSide(SplitCondition):
    """`first = code OR second = code`: the records naming a country on either side.

    An OR of two columns cannot be read from one index in order; each side alone can.
    """

    def __init__(self, first: str, second: str, code: Any) -> None:
        self.first, self.second, self.code = first, second, code
        super().__init__()

    def whole(self) -> Q:
        return Q(**{self.first: self.code}) | Q(**{self.second: self.code})

    def parts(self) -> list[Q]:
        """first = code; second = code, first not.

        A record cannot name one country twice (`distinct_countries_constraint`), but the history tables
        that as-of reads go through have no such constraint; the second part does not rely on it.
        """
        return [Q(**{self.first: self.code}), Q(**{self.second: self.code}) & ~Q(**{self.first: self.code})]


class TwoCountryQuerySet(RecordQuerySet):
    """Records that name their two countries in two foreign keys (`Model.country_fields`)."""

    def _country_fields(self) -> tuple[str, str]:
        return country_fields(self.model)

    def involving(self, code: str) -> RecordQuerySet:
        return self.filter(EitherSide(*self._country_fields(), code))

    def for_pair(self, first_code: str, second_code: str) -> RecordQuerySet:
        return self.filter(pair_key=",".join(sorted((first_code, second_code))))

    def partner_counts(self, code: str) -> Counter[str]:
        first, second = self._country_fields()
        rows = (
            self.involving(code)
            .order_by()
            .annotate(other=Case(When(**{first: code}, then=F(second)), default=F(first)))
            .values("other")
            .annotate(records=Count("pk"))
            .values_list("other", "records")
        )
        return Counter(dict(rows))


class ParticipantsQuerySet(RecordQuerySet):
    """Records whose countries are a many-to-many set called `countries`."""

    def involving(self, code: str) -> RecordQuerySet:
        return self.filter(countries=code)

    def for_pair(self, first_code: str, second_code: str) -> RecordQuerySet:
        # Two joins, one per country: a record matches when both take part.
        return self.filter(countries=first_code).filter(countries=second_code)

    def partner_counts(self, code: str) -> Counter[str]:
        through = self.model.countries.through
        rows = (
            through.objects.filter(**{f"{self.model._meta.model_name}__countries": code})
            .exclude(country=code)
            .order_by()
            .values("country")
            .annotate(records=Count(f"{self.model._meta.model_name}", distinct=True))
            .values_list("country", "records")
        )
        return Counter(dict(rows))


class CountryQuerySet(SearchableQuerySet):
    def with_records(self, present: bool = True) -> CountryQuerySet:
        """Countries that appear (or, with present=False, never appear) in a record."""
        querysets: list[Any] = record_querysets()  # involving() takes a reference to the code here
        appears: Any = reduce(or_, (Exists(records.involving(OuterRef("code"))) for records in querysets))
        return self.filter(appears if present else ~appears)


RecordModel = TypeVar("RecordModel", bound=models.Model)

BaseRecordManager = models.Manager.from_queryset(RecordQuerySet)


# A class statement between the two `from_queryset()` calls: django-stubs cannot type the managers that
# `from_queryset()` makes from a class that `from_queryset()` made.
class RecordManager(BaseRecordManager[RecordModel]):
    """Every record model's `objects`: the record querysets' methods, whichever kind of record it manages."""


TwoCountryManager = RecordManager.from_queryset(TwoCountryQuerySet)
ParticipantsManager = RecordManager.from_queryset(ParticipantsQuerySet)


def record_querysets() -> list[RecordQuerySet]:
    """A queryset of each record type: the app's models whose manager makes RecordQuerySets.

    Asked of Django's app registry rather than imported, since the models module imports this one.
    """
    querysets = (model._default_manager.all() for model in apps.get_app_config("cooperation").get_models())
    return [queryset for queryset in querysets if isinstance(queryset, RecordQuerySet)]
