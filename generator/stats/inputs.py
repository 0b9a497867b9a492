"""Input records of the statistics engine.

These frozen dataclasses are the only thing the engine reads. They are deliberately
independent of the pydantic schema: the loader validates records and adapts them to these
types, so the statistics can be tested (and reasoned about) without any I/O or schema code.
Validation is the loader's job, but every function that consumes these types is written to
give a clear answer, never an exception, on degenerate data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

Better = Literal["higher", "lower"]
Outcome = bool | Literal["ambiguous"] | None


@dataclass(frozen=True)
class Metric:
    """A measured quantity; `min_effect` is a fraction of the baseline mean (0.05 = 5 %).

    A `guardrail` metric must not get worse by `min_effect` or more: it is judged by a
    non-inferiority test instead of a test of difference."""

    name: str
    better: Better
    unit: str | None = None
    min_effect: float | None = None
    guardrail: bool = False


@dataclass(frozen=True)
class Method:
    """A method's repeated runs, keyed by metric name."""

    name: str
    runs: Mapping[str, Sequence[float]]
    baseline: bool = False


@dataclass(frozen=True)
class AblationVariant:
    """The full method with the components in `removes` taken out."""

    name: str
    removes: Sequence[str]
    runs: Mapping[str, Sequence[float]]


@dataclass(frozen=True)
class Ablations:
    """Ablation variants of the method named `of` (which must be one of the record's methods)."""

    of: str
    variants: Sequence[AblationVariant]


@dataclass(frozen=True)
class Benchmark:
    """A benchmark record: methods measured on metrics, optionally with an ablation study."""

    id: str
    paired: bool
    alpha: float
    metrics: Sequence[Metric]
    methods: Sequence[Method]
    ablations: Ablations | None = None


@dataclass(frozen=True)
class Prediction:
    """A probabilistic forecast; `outcome` None means not yet resolved."""

    id: str
    owner: str
    probability: float
    tags: Sequence[str] = field(default_factory=tuple)
    outcome: Outcome = None


@dataclass(frozen=True)
class CostBenefit:
    """Cost and benefit estimate of adopting a change; money in `currency`."""

    implementation_weeks: float
    engineer_week_cost: float
    monthly_cost: float
    monthly_benefit: float
    one_time_cost: float = 0.0
    currency: str = "USD"
