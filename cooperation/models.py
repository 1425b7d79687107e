"""Cooperation records: each fact between countries, traced to its source."""

from __future__ import annotations

import calendar
import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Concat
from django.utils import timezone

from cooperation.history import RecordHistory
from cooperation.querysets import (
    ApiQuerySet,
    CountryQuerySet,
    ParticipantsManager,
    RecordManager,
    TwoCountryManager,
    record_querysets,
)
from cooperation.search import folded_fields

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

currency_validator = RegexValidator(r"^[A-Z]{3}\Z", "Enter a three-letter upper-case ISO 4217 code, such as USD.")
sector_validator = RegexValidator(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z", "Enter a lower-case slug, such as logistics.")


class Flow(models.TextChoices):
    TURNOVER = "turnover", "Turnover (exports plus imports)"
    EXPORT = "export", "Exports from reporter to partner"
    IMPORT = "import", "Imports into reporter from partner"


class Qualifier(models.TextChoices):
    EXACT = "exact", "Exact"
    APPROXIMATE = "approximate", "Approximate"
    AT_LEAST = "at_least", "At least (exceeded, more than)"
    AT_MOST = "at_most", "At most (less than)"


class InvestmentStatus(models.TextChoices):
    REALIZED = "realized", "Realized"
    PLANNED = "planned", "Planned"
    INTEREST = "interest", "Interest"


class LandmarkKind(models.TextChoices):
    STREET = "street", "Street"
    SCULPTURE = "sculpture", "Sculpture"
    MONUMENT = "monument", "Monument"
    BUILDING = "building", "Building"
    PARK = "park", "Park"
    OTHER = "other", "Other"


class InitiativeKind(models.TextChoices):
    FOUNDATION = "foundation", "Foundation"
    FESTIVAL = "festival", "Festival"
    PUBLISHING = "publishing", "Publishing or translation programme"
    EXCHANGE = "exchange", "Exchange"
    OTHER = "other", "Other"


def choices_constraint(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


class Searchable(models.Model):
    """A model that `?search=` finds: its `search_fields` folded (lower case, no accents) in one column.

    `save()` writes the column, and so does the querysets' `bulk_create()` (`SearchableQuerySet`);
    `cooperation/search.py` says why one column.
    """

    search_text = models.TextField(
        default="", editable=False, help_text="The searched fields, lower-case and without accents (for search)."
    )

    search_fields: ClassVar[tuple[str, ...]]

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_text = self.folded_search_text()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    def folded_search_text(self) -> str:
        return folded_fields(*(getattr(self, name) for name in self.search_fields))


class Country(Searchable):
    """An ISO 3166-1 country, identified by its alpha-2 code."""

    code = models.CharField(
        primary_key=True,
        max_length=2,
        validators=[RegexValidator(r"^[A-Z]{2}\Z", "Enter an upper-case ISO 3166-1 alpha-2 code.")],
        help_text="ISO 3166-1 alpha-2 code, upper-case (e.g. KZ).",
    )
    alpha3 = models.CharField(max_length=3, unique=True, help_text="ISO 3166-1 alpha-3 code (e.g. KAZ).")
    numeric = models.CharField(max_length=3, unique=True, help_text="ISO 3166-1 numeric code, three digits (e.g. 398).")
    name = models.CharField(max_length=100, db_index=True, help_text="Short English name.")
    official_name = models.CharField(max_length=200, blank=True, help_text="Official English name; may be empty.")

    objects = CountryQuerySet.as_manager()

    search_fields = ("name", "official_name")

    class Meta:
        ordering = ["name", "code"]
        verbose_name_plural = "countries"
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[A-Z]{2}$"), name="country_code_alpha2"),
            models.CheckConstraint(condition=Q(numeric__regex=r"^[0-9]{3}$"), name="country_numeric_3_digits"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Source(Searchable):
    """A published text that records cite; it keeps the full text to check quotes against."""

    title = models.CharField(max_length=300, help_text="Title of the article or document.")
    publisher = models.CharField(max_length=200, blank=True, help_text="Who published it.")
    url = models.URLField(max_length=500, blank=True, help_text="Where it was published.")
    published_on = models.DateField(null=True, blank=True, help_text="Publication date, if the source states it.")
    language = models.CharField(
        max_length=35,
        default="en",
        validators=[RegexValidator(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*\Z", "Enter a BCP 47 tag, such as en.")],
        help_text="BCP 47 language tag of the text (e.g. en).",
    )
    text = models.TextField(help_text="Full text; every record's source_quote must occur in it verbatim.")
    # A default rather than auto_now_add: restoring a deleted version from history keeps its creation time.
    created_at = models.DateTimeField(default=timezone.now, editable=False, help_text="When the source was added.")
    updated_at = models.DateTimeField(auto_now=True, help_text="When the source last changed.")

    objects = ApiQuerySet.as_manager()
    history = RecordHistory()
    # Read by django-simple-history when it writes the version of the next save(); set by the importer.
    _history_user: AbstractBaseUser | None
    _change_reason: str

    search_fields = ("title", "publisher", "text")

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        # clean() checked the quotes before this transaction could see a record written meanwhile; with the
        # row locked first, every record that cites this source is either committed before the check here,
        # or waits in Record.save() for this text and checks its quote against it.
        with transaction.atomic():
            if self.pk is not None:
                lock_source(self.pk)
                self.check_quotes()
            super().save(*args, **kwargs)

    def clean(self) -> None:
        self.check_quotes()

    def check_quotes(self) -> None:
        """A source whose text changes must keep every quote that records take from it."""
        if self.pk is None:
            return
        for records in record_querysets():
            for pk, quote in records.filter(source=self).values_list("pk", "source_quote"):
                if quote not in self.text:
                    raise ValidationError(
                        {"text": f"The text no longer contains the quote of {records.model._meta.verbose_name} {pk}."}
                    )


def lock_source(pk: int | None) -> str | None:
    """The source's committed text, its row locked until the transaction ends; None if there is no such source.

    Record writes and source writes both take this lock before they check a quote against a text, so that
    under PostgreSQL's read committed the check still holds at commit. FOR NO KEY UPDATE conflicts with
    itself and with a text edit's UPDATE, not with the key-share lock that inserting a citing record takes.
    SQLite ignores it: its writers already run one at a time (IMMEDIATE transactions).
    """
    sources = Source.objects.select_for_update(no_key=True).filter(pk=pk)
    return sources.values_list("text", flat=True).first()


def link_table(model: type[models.Model], name: str) -> tuple[type[models.Model], str, str]:
    """The through model of a many-to-many field and its two foreign keys (e.g. investment, sector)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.ManyToManyField)
    through = field.remote_field.through
    assert through is not None
    return through, field.m2m_field_name(), field.m2m_reverse_field_name()


class Sector(models.Model):
    """An economic sector that investments target, named by a lower-case slug."""

    slug = models.CharField(
        primary_key=True,
        max_length=50,
        validators=[sector_validator],
        help_text="Lower-case slug (e.g. logistics).",
    )

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(condition=Q(slug__regex=r"^[a-z0-9]+(-[a-z0-9]+)*$"), name="sector_slug_format"),
        ]

    def __str__(self) -> str:
        return self.slug


class Record(Searchable):
    """What every cooperation record has: its source, the quote, and timestamps."""

    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="%(class)ss",
        help_text="The source that states this record.",
    )
    source_quote = models.TextField(
        help_text="Verbatim excerpt of the source's text (one or a few consecutive sentences) that states this record."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False, help_text="When the record was added.")
    updated_at = models.DateTimeField(auto_now=True, help_text="When the record last changed.")

    # The two foreign keys naming countries, for `involving()` and `for_pair()`; None for a record whose
    # countries are a many-to-many set (`CulturalInitiative.countries`).
    country_fields: ClassVar[tuple[str, str] | None] = None

    objects: ClassVar[RecordManager[Self]]
    # Read by django-simple-history when it writes the version of the next save(); set by the importer.
    _history_user: AbstractBaseUser | None
    _change_reason: str

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        # clean() read the source's text without a lock: an edit of it could commit between that check and
        # this write. Checked again here with the source row locked until commit, which Source.save() takes
        # too: whichever of the two writes comes second sees the other's change. The admin, the API and
        # load_records all save through here; raw loads (loaddata, restore) and bulk writes do not.
        with transaction.atomic():
            text = lock_source(self.source_id)
            if text is None:
                raise ValidationError({"source": f"No source has the id {self.source_id}."})
            if self.source_quote not in text:
                raise ValidationError({"source_quote": self.quote_missing_message()})
            super().save(*args, **kwargs)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.source_id is not None and self.source_quote:
            text = Source.objects.filter(pk=self.source_id).values_list("text", flat=True).first()
            if text is not None and self.source_quote not in text:
                errors["source_quote"] = self.quote_missing_message()
        if not self.source_quote.strip():
            errors["source_quote"] = "The quote must not be blank."
        if self.country_fields is not None:
            first, second = (getattr(self, f"{name}_id") for name in self.country_fields)
            if first is not None and first == second:
                errors[self.country_fields[1]] = f"Must differ from {self.country_fields[0]} ({first})."
        errors.update(self.clean_record())
        if errors:
            raise ValidationError(errors)

    def clean_record(self) -> dict[str, str]:
        """Invariants of one record type, as {field: message}."""
        return {}

    def quote_missing_message(self) -> str:
        return f"The quote does not occur verbatim in the text of source {self.source_id}."


def period_label(start: datetime.date | None, end: datetime.date | None) -> str | None:
    """Show a period compactly: 2023, 2004/2024, 2024-01/2024-08, 2024-03, or full dates."""
    if start is None or end is None:
        return None
    whole_months = start.day == 1 and end.day == calendar.monthrange(end.year, end.month)[1]
    if whole_months and start.month == 1 and end.month == 12:
        return str(start.year) if start.year == end.year else f"{start.year}/{end.year}"
    if whole_months:
        first, last = f"{start:%Y-%m}", f"{end:%Y-%m}"
        return first if first == last else f"{first}/{last}"
    return start.isoformat() if start == end else f"{start.isoformat()}/{end.isoformat()}"


class Period(models.Model):
    """A period of inclusive dates; concrete models declare the two date fields."""

    period_start: datetime.date | None
    period_end: datetime.date | None

    class Meta:
        abstract = True

    @property
    def period_label(self) -> str | None:
        return period_label(self.period_start, self.period_end)

    def clean_period(self) -> dict[str, str]:
        start, end = self.period_start, self.period_end
        if (start is None) != (end is None):
            missing = "period_end" if end is None else "period_start"
            return {missing: "Give both period_start and period_end, or neither."}
        if start is not None and end is not None and end < start:
            return {"period_end": f"Must be on or after period_start ({start.isoformat()})."}
        return {}


def period_constraints(prefix: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name=f"{prefix}_period_ordered"),
        models.CheckConstraint(
            condition=Q(period_start__isnull=True, period_end__isnull=True)
            | Q(period_start__isnull=False, period_end__isnull=False),
            name=f"{prefix}_period_complete",
        ),
    ]


def distinct_countries_constraint(first: str, second: str, prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=~Q(**{first: F(second)}), name=f"{prefix}_countries_differ")


def pair_key_field(first: str, second: str) -> models.GeneratedField:
    """The two country codes sorted and joined ("HU,KZ"): the `pair` filter is then one indexed equality.

    A pair written as `(a = x and b = y) or (a = y and b = x)` reads two index ranges, which the
    database must then sort; one column keeps the pair's records in index order for every page.
    """
    return models.GeneratedField(
        expression=Case(
            When(**{f"{first}__lt": F(second)}, then=Concat(first, Value(","), second)),
            default=Concat(second, Value(","), first),
        ),
        output_field=models.CharField(max_length=5),
        db_persist=True,
        help_text="The two country codes, sorted and comma-joined.",
    )


def ordered_indexes(
    prefix: str,
    ordering: str,
    columns: list[str],
    orderings: list[str],
    countries: tuple[str, str] | None = None,
    ranges: tuple[str, ...] = (),
) -> list[models.Index]:
    """One index per equality filter, followed by the list's default ordering and the id; one per ordering;
    and for each of the two country columns, one per other ordering.

    A filtered page is then an index range already in order: no sort, however many rows match. The id
    ends each index because it breaks ties in every ordering (SQLite's indexes hold it anyway,
    PostgreSQL's do not). `country=` reads a range of each country column's index and merges the two
    (`representations.merged_parts()`), in whichever ordering the list asks for: so the country columns
    have an index for every ordering, not for the default one only.

    `ranges` are columns filtered together by range (a period's two ends: `period_after` and
    `period_before`). An index keyed on one of them carries the others after the id, where they cannot
    change its order: the count of a filtered period then reads index entries alone, instead of
    looking up each matching row for the other end (on PostgreSQL 2.5 ms to 0.5 ms for a reporter's
    two decades of a million trade figures). A key column, not PostgreSQL's INCLUDE, so that SQLite's
    indexes cover the count too.
    """

    def key(*fields: str) -> list[str]:
        carried = [column for column in ranges if column not in fields] if set(ranges) & set(fields) else []
        return [*fields, "id", *carried]

    return [
        *(models.Index(fields=key(column, ordering), name=f"{prefix}_{column[:12]}_ord_idx") for column in columns),
        *(models.Index(fields=key(field), name=f"{prefix}_{field[:11]}_id_idx") for field in orderings),
        *(
            models.Index(fields=key(column, field), name=f"{prefix}_{column[:7]}_{field[:6]}_idx")
            for column in countries or ()
            for field in orderings
            if field != ordering
        ),
    ]


# The two ends of a period, filtered together by range (`period_after`, `period_before`).
PERIOD_RANGE = ("period_start", "period_end")


def currency_constraint(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name=f"{prefix}_currency_iso4217")


def country_field(related_name: str, help_text: str) -> models.ForeignKey[Country, Country]:
    return models.ForeignKey(Country, on_delete=models.PROTECT, related_name=related_name, help_text=help_text)


# 15 significant digits (up to 9,999,999,999,999.99) stay exact on SQLite too,
# which keeps decimals in 8-byte floats; PostgreSQL's numeric is exact at any size.
MONEY_MAX_DIGITS = 15
# The range PostgreSQL's integer holds, stated so that SQLite (which holds more) accepts the same values.
COUNT_MAX = 2**31 - 1


class TradeFigure(Period, Record):
    """Bilateral trade between two countries in one period."""

    reporter = country_field("trade_figures_reported", "Country whose trade this is.")
    partner = country_field("trade_figures_partnered", "The other country.")
    flow = models.CharField(
        max_length=10,
        choices=Flow.choices,
        db_index=True,
        help_text="turnover (both directions, symmetric pair), export or import, from the reporter's side.",
    )
    period_start = models.DateField(db_index=True, help_text="First day of the period (inclusive).")
    period_end = models.DateField(db_index=True, help_text="Last day of the period (inclusive).")
    value = models.DecimalField(
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        db_index=True,
        help_text="Value of the trade, in `currency`.",
    )
    currency = models.CharField(
        max_length=3, validators=[currency_validator], db_index=True, help_text="ISO 4217 currency code (e.g. USD)."
    )
    qualifier = models.CharField(
        max_length=12,
        choices=Qualifier.choices,
        default=Qualifier.EXACT,
        db_index=True,
        help_text="How the source states the value: exact, approximate, at_least or at_most.",
    )
    change_pct = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Change in percent against the same period a year earlier, if the source gives it.",
    )
    notes = models.TextField(blank=True, help_text="Editorial notes on how the record was read from the source.")

    pair_key = pair_key_field("reporter", "partner")

    objects: ClassVar[TwoCountryManager[Self]] = TwoCountryManager()
    history = RecordHistory()

    country_fields = ("reporter", "partner")
    search_fields = ("notes", "source_quote")

    class Meta:
        ordering = ["period_start", "id"]
        indexes = [
            models.Index(fields=["reporter", "partner"], name="trade_pair_idx"),
            *ordered_indexes(
                "trade",
                "period_start",
                ["pair_key", "reporter", "partner", "flow", "currency", "qualifier", "source"],
                ["period_start", "period_end", "value"],
                countries=("reporter", "partner"),
                ranges=PERIOD_RANGE,
            ),
        ]
        constraints = [
            *period_constraints("trade"),
            distinct_countries_constraint("reporter", "partner", "trade"),
            currency_constraint("trade"),
            models.CheckConstraint(condition=Q(value__gte=0), name="trade_value_non_negative"),
            choices_constraint("flow", Flow, "trade_flow_valid"),
            choices_constraint("qualifier", Qualifier, "trade_qualifier_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.reporter_id}-{self.partner_id} {self.flow} {self.period_label}: {self.value} {self.currency}"

    def clean_record(self) -> dict[str, str]:
        return self.clean_period()


class Investment(Period, Record):
    """Capital from an investor country into a recipient country."""

    investor = country_field("investments_made", "Country the capital comes from.")
    recipient = country_field("investments_received", "Country the capital goes to.")
    amount = models.DecimalField(
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        db_index=True,
        help_text="Amount in `currency`; null for an interest or plan without a figure.",
    )
    currency = models.CharField(
        max_length=3,
        validators=[currency_validator],
        default="USD",
        db_index=True,
        help_text="ISO 4217 currency code of `amount` (e.g. USD).",
    )
    qualifier = models.CharField(
        max_length=12,
        choices=Qualifier.choices,
        default=Qualifier.EXACT,
        db_index=True,
        help_text="How the source states the amount: exact, approximate, at_least or at_most.",
    )
    status = models.CharField(
        max_length=10,
        choices=InvestmentStatus.choices,
        db_index=True,
        help_text="realized (money invested), planned, or interest (investors interested).",
    )
    sectors = models.ManyToManyField(
        Sector, blank=True, related_name="investments", help_text="Sectors the investment targets (slugs)."
    )
    period_start = models.DateField(
        null=True, blank=True, db_index=True, help_text="First day of the period (inclusive); null if none is given."
    )
    period_end = models.DateField(
        null=True, blank=True, db_index=True, help_text="Last day of the period (inclusive); null if none is given."
    )
    description = models.TextField(blank=True, help_text="What the investment is.")

    pair_key = pair_key_field("investor", "recipient")

    objects: ClassVar[TwoCountryManager[Self]] = TwoCountryManager()
    history = RecordHistory(m2m_fields=[sectors])

    country_fields = ("investor", "recipient")
    search_fields = ("description", "source_quote")

    class Meta:
        ordering = [F("period_start").asc(nulls_last=True), "id"]
        indexes = [
            models.Index(fields=["investor", "recipient"], name="investment_pair_idx"),
            *ordered_indexes(
                "investment",
                "period_start",
                ["pair_key", "investor", "recipient", "status", "source"],
                ["period_start", "amount"],
                countries=("investor", "recipient"),
                ranges=PERIOD_RANGE,
            ),
        ]
        constraints = [
            *period_constraints("investment"),
            distinct_countries_constraint("investor", "recipient", "investment"),
            currency_constraint("investment"),
            models.CheckConstraint(
                condition=Q(amount__gte=0) | Q(amount__isnull=True), name="investment_amount_non_negative"
            ),
            choices_constraint("qualifier", Qualifier, "investment_qualifier_valid"),
            choices_constraint("status", InvestmentStatus, "investment_status_valid"),
        ]

    def __str__(self) -> str:
        amount = f"{self.amount} {self.currency}" if self.amount is not None else "no amount"
        return f"{self.investor_id}→{self.recipient_id} {self.status}: {amount}"

    def clean_record(self) -> dict[str, str]:
        return self.clean_period()


class CulturalLandmark(Record):
    """A place or object in one country that honours another."""

    name = models.CharField(max_length=200, db_index=True, help_text="Name of the place or object.")
    kind = models.CharField(max_length=10, choices=LandmarkKind.choices, db_index=True, help_text="What it is.")
    located_in = country_field("landmarks_located", "Country where it is.")
    city = models.CharField(max_length=100, blank=True, db_index=True, help_text="City where it is.")
    honoured_country = country_field("landmarks_honouring", "Country it honours.")
    honours = models.CharField(max_length=300, blank=True, help_text="Whom or what it honours, in words.")
    established_on = models.DateField(null=True, blank=True, db_index=True, help_text="When it was established.")
    latitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text="WGS 84 latitude in degrees.",
    )
    longitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        help_text="WGS 84 longitude in degrees.",
    )
    description = models.TextField(blank=True, help_text="What the landmark is.")

    pair_key = pair_key_field("located_in", "honoured_country")

    objects: ClassVar[TwoCountryManager[Self]] = TwoCountryManager()
    history = RecordHistory()

    country_fields = ("located_in", "honoured_country")
    search_fields = ("name", "city", "honours", "description")

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["located_in", "honoured_country"], name="landmark_pair_idx"),
            *ordered_indexes(
                "landmark",
                "name",
                ["pair_key", "located_in", "honoured_country", "kind", "source"],
                ["name", "established_on"],
                countries=("located_in", "honoured_country"),
            ),
        ]
        constraints = [
            distinct_countries_constraint("located_in", "honoured_country", "landmark"),
            choices_constraint("kind", LandmarkKind, "landmark_kind_valid"),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90) | Q(latitude__isnull=True),
                name="landmark_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180) | Q(longitude__isnull=True),
                name="landmark_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean_record(self) -> dict[str, str]:
        if (self.latitude is None) != (self.longitude is None):
            return {
                "longitude" if self.longitude is None else "latitude": "Give both latitude and longitude, or neither."
            }
        return {}


class ScholarshipProgram(Record):
    """Grants that a sponsor country gives students of a recipient country."""

    name = models.CharField(max_length=200, db_index=True, help_text="Name of the programme.")
    sponsor = country_field("scholarships_sponsored", "Country that funds the grants.")
    recipient = country_field("scholarships_received", "Country whose students receive them.")
    annual_grants = models.PositiveIntegerField(
        null=True,
        blank=True,
        db_index=True,
        validators=[MaxValueValidator(COUNT_MAX)],
        help_text="Grants awarded each year, if the source says.",
    )
    annual_grants_qualifier = models.CharField(
        max_length=12,
        choices=Qualifier.choices,
        default=Qualifier.EXACT,
        help_text="How the source states annual_grants.",
    )
    students_enrolled = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(COUNT_MAX)],
        help_text=(
            "Recipient-country students studying in the sponsor country that the source reports with the programme."
        ),
    )
    students_enrolled_qualifier = models.CharField(
        max_length=12,
        choices=Qualifier.choices,
        default=Qualifier.EXACT,
        help_text="How the source states students_enrolled.",
    )
    level = models.CharField(
        max_length=100, blank=True, help_text="Level of study (e.g. higher education); may be empty."
    )
    description = models.TextField(blank=True, help_text="What the programme is.")

    pair_key = pair_key_field("sponsor", "recipient")

    objects: ClassVar[TwoCountryManager[Self]] = TwoCountryManager()
    history = RecordHistory()

    country_fields = ("sponsor", "recipient")
    search_fields = ("name", "level", "description")

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["sponsor", "recipient"], name="scholarship_pair_idx"),
            *ordered_indexes(
                "scholarship",
                "name",
                ["pair_key", "sponsor", "recipient", "source"],
                ["name", "annual_grants"],
                countries=("sponsor", "recipient"),
            ),
        ]
        constraints = [
            distinct_countries_constraint("sponsor", "recipient", "scholarship"),
            choices_constraint("annual_grants_qualifier", Qualifier, "scholarship_grants_qualifier_valid"),
            choices_constraint("students_enrolled_qualifier", Qualifier, "scholarship_enrolled_qualifier_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class CulturalInitiative(Record):
    """A joint body or programme of two or more countries."""

    name = models.CharField(max_length=200, db_index=True, help_text="Name of the body or programme.")
    kind = models.CharField(max_length=10, choices=InitiativeKind.choices, db_index=True, help_text="What it is.")
    countries = models.ManyToManyField(
        Country, related_name="cultural_initiatives", help_text="Participating countries (at least two)."
    )
    established_on = models.DateField(null=True, blank=True, db_index=True, help_text="When it was established.")
    description = models.TextField(blank=True, help_text="What it does.")

    objects: ClassVar[ParticipantsManager[Self]] = ParticipantsManager()
    history = RecordHistory(m2m_fields=[countries])

    search_fields = ("name", "description")

    class Meta:
        ordering = ["name", "id"]
        indexes = ordered_indexes("initiative", "name", ["kind", "source"], ["name", "established_on"])
        constraints = [choices_constraint("kind", InitiativeKind, "initiative_kind_valid")]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def clean_countries(countries: Any) -> None:
        """Countries live in a many-to-many table, so the form or serializer checks them."""
        if len(set(countries)) < 2:
            raise ValidationError("Give at least two different countries.")
