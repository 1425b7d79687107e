"""Fill the database with synthetic records for benchmarks, or remove them again.

The article gives ten records; indexes, pagination and the bilateral profile
only show their cost at a million. The rows made here are deterministic (the
same arguments give the same rows), obey every model rule and database
constraint, and cite their own "[synthetic]" sources: that keeps them apart
from the article's records and is how `--remove` finds them.

Rows go in with `bulk_create`, one transaction per batch: no `save()`, no
signals, so no history versions for data that nobody wrote.
"""

from __future__ import annotations

import calendar
import datetime
import itertools
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from simple_history.utils import get_history_model_for_model

from cooperation.models import (
    Country,
    CulturalInitiative,
    CulturalLandmark,
    Flow,
    InitiativeKind,
    Investment,
    InvestmentStatus,
    LandmarkKind,
    Qualifier,
    Record,
    ScholarshipProgram,
    Sector,
    Source,
    TradeFigure,
    link_table,
)
from cooperation.registry import RECORD_RESOURCES

SYNTHETIC_PREFIX = "[synthetic]"
PUBLISHER = "seed_synthetic"
SOURCE_COUNT = 50
SENTENCES_PER_SOURCE = 300
# Fixed so that two runs store the same rows. updated_at is auto_now, which bulk_create
# applies too: it holds the time of seeding.
CREATED_AT = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
FIRST_YEAR, LAST_YEAR = 1960, 2025
LAST_DAY = datetime.date(LAST_YEAR, 12, 31)
MIN_COUNTRIES = 10
BUSIEST_PAIR = ("DE", "FR")
# Pair number r (from 1) gets a share proportional to 1 / r ** ZIPF_EXPONENT. With the 249
# countries of the fixtures (30,876 pairs) the busiest pair gets about 0.5% of the records
# and the rarest still about 14 per million.
ZIPF_EXPONENT = 0.57
SECTORS = (
    "agriculture",
    "energy",
    "finance",
    "information-technology",
    "logistics",
    "mining",
    "pharmaceuticals",
    "tourism",
)
# SQLite's page cache is 2 MiB by default. Each trade figure goes into some twenty indexes at random
# places (removing them too); a cache that holds them saves re-reading their pages for every batch
# (about a third of the time).
SQLITE_CACHE_KIB = 512 * 1024
# Weighted choices as repetitions: rng.choice() over a tuple is cheap at a million rows.
FLOWS = (Flow.TURNOVER, Flow.TURNOVER, Flow.EXPORT, Flow.IMPORT)
QUALIFIERS = (
    *[Qualifier.EXACT] * 6,
    Qualifier.APPROXIMATE,
    Qualifier.APPROXIMATE,
    Qualifier.AT_LEAST,
    Qualifier.AT_MOST,
)
STATUSES = (InvestmentStatus.REALIZED, InvestmentStatus.REALIZED, InvestmentStatus.PLANNED, InvestmentStatus.INTEREST)
LEVELS = ("higher education", "postgraduate", "vocational", "")

Pair = tuple[str, str]
# A record and the keys of its many-to-many field (sectors or countries), if it has one.
Row = tuple[Record, Sequence[str]]


class Command(BaseCommand):
    help = "Seed deterministic synthetic records for benchmarks (or remove them with --remove)."

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--trade-figures", type=count, help="Trade figures to create.")
        action.add_argument("--remove", action="store_true", help="Delete all synthetic data, then stop.")
        parser.add_argument("--investments", type=count, help="Investments (default: trade figures // 10).")
        parser.add_argument("--landmarks", type=count, help="Cultural landmarks (default: trade figures // 100).")
        parser.add_argument("--programs", type=count, help="Scholarship programmes (default: trade figures // 100).")
        parser.add_argument("--initiatives", type=count, help="Cultural initiatives (default: trade figures // 100).")
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default: 42).")
        parser.add_argument("--batch-size", type=positive, default=5000, help="Rows per transaction (default: 5000).")

    def handle(
        self,
        *args: Any,
        trade_figures: int | None,
        remove: bool,
        investments: int | None,
        landmarks: int | None,
        programs: int | None,
        initiatives: int | None,
        seed: int,
        batch_size: int,
        **options: Any,
    ) -> None:
        started = time.monotonic()
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")  # negative: in KiB, not pages
        if remove:
            if any(value is not None for value in (investments, landmarks, programs, initiatives)):
                raise CommandError("--remove takes no record counts.")
            self.stdout.write(f"Removed {describe(remove_synthetic()) or 'nothing: there is no synthetic data'}.")
            return
        assert trade_figures is not None  # argparse requires it without --remove
        codes = list(Country.objects.order_by("code").values_list("code", flat=True))
        if len(codes) < MIN_COUNTRIES:
            raise CommandError(
                f"The database has {len(codes)} countries; run `manage.py load_records` first to load them."
            )
        removed = remove_synthetic()
        if removed:
            self.stdout.write(f"Replaced the earlier synthetic data: removed {describe(removed)}.")

        pairs = ranked_pairs(random.Random(f"{seed}:pairs"), codes)
        quotes = Quotes(create_sources())
        sectors_before = Sector.objects.count()
        Sector.objects.bulk_create([Sector(slug=slug) for slug in SECTORS], ignore_conflicts=True)
        self.stdout.write(
            f"Created {SOURCE_COUNT} sources and {Sector.objects.count() - sectors_before} sectors "
            f"({len(SECTORS)} in use)."
        )

        share = trade_figures // 100
        totals = {
            "trade": trade_figures,
            "investments": default(investments, trade_figures // 10, trade_figures),
            "landmarks": default(landmarks, share, trade_figures),
            "programs": default(programs, share, trade_figures),
            "initiatives": default(initiatives, share, trade_figures),
        }
        per_pair = {resource: apportion(total, len(pairs)) for resource, total in totals.items()}
        # One random stream per resource: changing --investments leaves the trade figures as they were.
        rngs = {resource: random.Random(f"{seed}:{resource}") for resource in totals}
        sequences = {
            resource: pair_sequence(random.Random(f"{seed}:{resource}:pairs"), pairs, counts)
            for resource, counts in per_pair.items()
        }
        plan: list[tuple[type[Record], Iterator[Row], str | None]] = [
            (TradeFigure, make_trade_figures(rngs["trade"], sequences["trade"], quotes), None),
            (Investment, make_investments(rngs["investments"], sequences["investments"], quotes), "sectors"),
            (CulturalLandmark, make_landmarks(rngs["landmarks"], sequences["landmarks"], quotes), None),
            (ScholarshipProgram, make_programs(rngs["programs"], sequences["programs"], quotes), None),
            (
                CulturalInitiative,
                make_initiatives(rngs["initiatives"], sequences["initiatives"], codes, quotes),
                "countries",
            ),
        ]
        for model, rows, many_to_many in plan:
            created, links = insert(model, rows, batch_size, many_to_many)
            linked = f" with {links} {many_to_many} links" if many_to_many else ""
            self.stdout.write(
                f"Created {created} {model._meta.verbose_name_plural}{linked} "
                f"({time.monotonic() - started:.1f} s so far)."
            )

        first, second = pairs[0]
        self.stdout.write(
            f"Busiest pair: {first}-{second}, {per_pair['trade'][0]} trade figures (either side reporting)."
        )
        self.stdout.write(f"Done in {time.monotonic() - started:.1f} s.")


def count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def default(given: int | None, proportional: int, trade_figures: int) -> int:
    """The count asked for, else a share of the trade figures: at least one when there are any."""
    if given is not None:
        return given
    return max(proportional, 1) if trade_figures > 0 else 0


def describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{number} {label}" for label, number in counts.items())


# Sources and quotes


def sentence(source_number: int, sentence_number: int) -> str:
    return f"Synthetic record {sentence_number} of source {source_number}."


def create_sources() -> list[int]:
    """The synthetic sources, whose texts hold every sentence that records quote; return their ids in order."""
    sources = []
    for number in range(1, SOURCE_COUNT + 1):
        title = f"{SYNTHETIC_PREFIX} Benchmark data {number:03d} (not real)"
        sentences = " ".join(sentence(number, index) for index in range(1, SENTENCES_PER_SOURCE + 1))
        sources.append(
            Source(
                title=title,
                publisher=PUBLISHER,
                language="en",
                text=f"{title}\n\n{sentences}\n",
                created_at=CREATED_AT,
            )
        )
    with transaction.atomic():
        created = Source.objects.bulk_create(sources)
    return [checked_pk(source) for source in created]


class Quotes:
    """Picks a source and one of its sentences, which the record then quotes verbatim."""

    def __init__(self, source_ids: Sequence[int]) -> None:
        self.source_ids = source_ids

    def pick(self, rng: random.Random) -> tuple[int, str]:
        source, index = divmod(rng.randrange(SOURCE_COUNT * SENTENCES_PER_SOURCE), SENTENCES_PER_SOURCE)
        return self.source_ids[source], sentence(source + 1, index + 1)


# Country pairs


def ranked_pairs(rng: random.Random, codes: Sequence[str]) -> list[Pair]:
    """Every unordered pair of countries in a seeded order, DE-FR first so that it is the busiest."""
    pairs = list(itertools.combinations(sorted(codes), 2))
    rng.shuffle(pairs)
    if BUSIEST_PAIR in pairs:
        pairs.remove(BUSIEST_PAIR)
        pairs.insert(0, BUSIEST_PAIR)
    return pairs


def apportion(total: int, pair_count: int) -> list[int]:
    """Split `total` records over the ranked pairs in Zipf proportions, by largest remainder.

    Exact shares rather than random draws: no pair ever has more records than a pair
    ranked before it, so the first pair is the busiest (possibly tied when `total` is small).
    """
    weights = [1 / rank**ZIPF_EXPONENT for rank in range(1, pair_count + 1)]
    scale = total / sum(weights)
    quotas = [weight * scale for weight in weights]
    counts = [int(quota) for quota in quotas]
    # sorted() is stable: equal remainders go to the higher-ranked pair first.
    by_remainder = sorted(range(pair_count), key=lambda index: quotas[index] - counts[index], reverse=True)
    for index in by_remainder[: total - sum(counts)]:
        counts[index] += 1
    return counts


def pair_sequence(rng: random.Random, pairs: Sequence[Pair], counts: Sequence[int]) -> list[Pair]:
    """One pair per record, each as often as `counts` says, in a seeded order."""
    sequence = [pair for pair, times in zip(pairs, counts, strict=True) for _ in range(times)]
    rng.shuffle(sequence)
    return sequence


def directed(rng: random.Random, pair: Pair) -> Pair:
    """Either country can be the reporter (investor, sponsor, ...)."""
    return pair if rng.random() < 0.5 else (pair[1], pair[0])


# Field values


def month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def period(rng: random.Random) -> tuple[datetime.date, datetime.date]:
    """A period within FIRST_YEAR..LAST_YEAR: mostly a year, quarter or month, sometimes several years or any range."""
    year = rng.randint(FIRST_YEAR, LAST_YEAR)
    shape = rng.random()
    if shape < 0.45:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if shape < 0.70:
        first_month = 3 * rng.randrange(4) + 1
        return datetime.date(year, first_month, 1), month_end(year, first_month + 2)
    if shape < 0.90:
        month = rng.randint(1, 12)
        return datetime.date(year, month, 1), month_end(year, month)
    if shape < 0.95:
        return datetime.date(year, 1, 1), datetime.date(min(year + rng.randint(1, 9), LAST_YEAR), 12, 31)
    start = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))
    return start, min(start + datetime.timedelta(days=rng.randrange(400)), LAST_DAY)


def day(rng: random.Random, first_year: int) -> datetime.date:
    start = datetime.date(first_year, 1, 1).toordinal()
    return datetime.date.fromordinal(rng.randint(start, LAST_DAY.toordinal()))


def money(rng: random.Random, low_exponent: int, high_exponent: int) -> Decimal:
    """A log-uniform amount with exactly two decimal places (at most 10**high_exponent, within 15 digits)."""
    cents = int(10 ** rng.uniform(low_exponent + 2, high_exponent + 2))
    return Decimal(cents).scaleb(-2)


def currency(rng: random.Random) -> str:
    return "EUR" if rng.random() < 0.15 else "USD"


def maybe(rng: random.Random, probability: float) -> bool:
    return rng.random() < probability


# Records


def make_trade_figures(rng: random.Random, pairs: Iterable[Pair], quotes: Quotes) -> Iterator[Row]:
    for pair in pairs:
        reporter, partner = directed(rng, pair)
        start, end = period(rng)
        source_id, quote = quotes.pick(rng)
        change_pct = Decimal(rng.randint(-5_000, 20_000)).scaleb(-2) if maybe(rng, 0.3) else None
        record = TradeFigure(
            source_id=source_id,
            source_quote=quote,
            created_at=CREATED_AT,
            reporter_id=reporter,
            partner_id=partner,
            flow=rng.choice(FLOWS),
            period_start=start,
            period_end=end,
            value=money(rng, 3, 12),
            currency=currency(rng),
            qualifier=rng.choice(QUALIFIERS),
            change_pct=change_pct,
        )
        yield record, ()


def make_investments(rng: random.Random, pairs: Iterable[Pair], quotes: Quotes) -> Iterator[Row]:
    for number, pair in enumerate(pairs, start=1):
        investor, recipient = directed(rng, pair)
        start, end = period(rng) if maybe(rng, 0.7) else (None, None)
        source_id, quote = quotes.pick(rng)
        record = Investment(
            source_id=source_id,
            source_quote=quote,
            created_at=CREATED_AT,
            investor_id=investor,
            recipient_id=recipient,
            amount=money(rng, 4, 11) if maybe(rng, 0.8) else None,
            currency=currency(rng),
            qualifier=rng.choice(QUALIFIERS),
            status=rng.choice(STATUSES),
            period_start=start,
            period_end=end,
            description=f"Synthetic investment {number}.",
        )
        yield record, rng.sample(SECTORS, rng.randint(0, 3))


def make_landmarks(rng: random.Random, pairs: Iterable[Pair], quotes: Quotes) -> Iterator[Row]:
    kinds = list(LandmarkKind)
    for number, pair in enumerate(pairs, start=1):
        located_in, honoured = directed(rng, pair)
        kind = rng.choice(kinds)
        placed = maybe(rng, 0.8)
        source_id, quote = quotes.pick(rng)
        record = CulturalLandmark(
            source_id=source_id,
            source_quote=quote,
            created_at=CREATED_AT,
            name=f"Synthetic {kind.value} {number}",
            kind=kind,
            located_in_id=located_in,
            city=f"Synthetic City {rng.randint(1, 500)}" if maybe(rng, 0.9) else "",
            honoured_country_id=honoured,
            honours=f"Friendship with {honoured}",
            established_on=day(rng, 1800) if maybe(rng, 0.8) else None,
            latitude=Decimal(rng.randint(-90_000_000, 90_000_000)).scaleb(-6) if placed else None,
            longitude=Decimal(rng.randint(-180_000_000, 180_000_000)).scaleb(-6) if placed else None,
        )
        yield record, ()


def make_programs(rng: random.Random, pairs: Iterable[Pair], quotes: Quotes) -> Iterator[Row]:
    for number, pair in enumerate(pairs, start=1):
        sponsor, recipient = directed(rng, pair)
        source_id, quote = quotes.pick(rng)
        record = ScholarshipProgram(
            source_id=source_id,
            source_quote=quote,
            created_at=CREATED_AT,
            name=f"Synthetic scholarship programme {number}",
            sponsor_id=sponsor,
            recipient_id=recipient,
            annual_grants=rng.randint(1, 5_000) if maybe(rng, 0.8) else None,
            annual_grants_qualifier=rng.choice(QUALIFIERS),
            students_enrolled=rng.randint(0, 50_000) if maybe(rng, 0.5) else None,
            students_enrolled_qualifier=rng.choice(QUALIFIERS),
            level=rng.choice(LEVELS),
        )
        yield record, ()


def make_initiatives(rng: random.Random, pairs: Iterable[Pair], codes: Sequence[str], quotes: Quotes) -> Iterator[Row]:
    kinds = list(InitiativeKind)
    for number, pair in enumerate(pairs, start=1):
        kind = rng.choice(kinds)
        # The pair plus up to three more countries: always at least two different ones.
        members = list(dict.fromkeys([*pair, *rng.sample(codes, rng.randint(0, 3))]))
        source_id, quote = quotes.pick(rng)
        record = CulturalInitiative(
            source_id=source_id,
            source_quote=quote,
            created_at=CREATED_AT,
            name=f"Synthetic {kind.value} {number}",
            kind=kind,
            established_on=day(rng, 1960) if maybe(rng, 0.8) else None,
        )
        yield record, members


# Writing and removing


def checked_pk(obj: models.Model) -> Any:
    # Many-to-many rows need the new ids; PostgreSQL and SQLite 3.35+ return them from bulk_create.
    if obj.pk is None:
        raise CommandError("The database did not return the ids of bulk-created rows (SQLite 3.35+ is needed).")
    return obj.pk


def insert(model: type[Record], rows: Iterator[Row], batch_size: int, many_to_many: str | None) -> tuple[int, int]:
    """Create the records and their many-to-many rows, one transaction per batch; return both counts."""
    created = links = 0
    while batch := list(itertools.islice(rows, batch_size)):
        with transaction.atomic():
            records = model._default_manager.bulk_create([record for record, _ in batch])
            if many_to_many:
                through, own, other = link_table(model, many_to_many)
                link_rows = [
                    through(**{f"{own}_id": checked_pk(record), f"{other}_id": key})
                    for record, (_, keys) in zip(records, batch, strict=True)
                    for key in keys
                ]
                through._default_manager.bulk_create(link_rows)
                links += len(link_rows)
        created += len(batch)
    return created, links


def raw_delete(queryset: models.QuerySet[Any]) -> int:
    # delete() would load every row to send post_delete, on which django-simple-history
    # writes a "deleted" version of each: hours and a second copy at a million rows.
    return queryset._raw_delete(queryset.db)


def remove_synthetic() -> dict[str, int]:
    """Delete every record citing a synthetic source, its many-to-many rows and history, then the sources.

    Sectors stay: investments of real data may use the same slugs.
    """
    source_ids = list(Source.objects.filter(title__startswith=SYNTHETIC_PREFIX).values_list("pk", flat=True))
    if not source_ids:
        return {}
    removed: dict[str, int] = {}
    with transaction.atomic():
        for model in (resource.model for resource in RECORD_RESOURCES):
            records = model._default_manager.filter(source_id__in=source_ids)
            for field in model._meta.many_to_many:
                through, own, _ = link_table(model, field.name)
                links = through._default_manager.filter(**{f"{own}__in": records.values("pk")})
                removed[f"{field.name} links"] = raw_delete(links)
            removed[str(model._meta.verbose_name_plural)] = raw_delete(records)
        removed["history rows"] = remove_history(source_ids)
        removed["sources"] = raw_delete(Source.objects.filter(pk__in=source_ids))
    return removed


def remove_history(source_ids: Sequence[int]) -> int:
    """Versions of the removed records and sources, which exist when a benchmark edited them."""
    removed = 0
    for model in (resource.model for resource in RECORD_RESOURCES):
        historical = get_history_model_for_model(model)
        # A real record that once cited a synthetic source keeps its history.
        versions = historical.objects.filter(source_id__in=source_ids).exclude(
            id__in=model._default_manager.values("pk")
        )
        for snapshot in historical._meta.related_objects:  # the many-to-many values of each version
            removed += raw_delete(
                snapshot.related_model._default_manager.filter(**{f"{snapshot.field.name}__in": versions.values("pk")})
            )
        removed += raw_delete(versions)
    return removed + raw_delete(Source.history.filter(id__in=source_ids))
