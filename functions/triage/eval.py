"""`make triage-eval FILE=path.tsv`: how the scorer does on a labelled set.

Each line is `text<TAB>level[<TAB>note]`; blank lines and lines starting with # are ignored. Prints the recall
of critical and of high (a critical scored high counts as caught for high, never for critical), the share of
normal texts raised above normal, a confusion table, and every miss with the reasons the scorer gave, so a
rules change can be judged line by line."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from triage.logic.scorer import Scorer, default_rules
from triage.models.rules import LEVELS, Level, RuleSet, level_rank


class LabelError(ValueError):
    pass


@dataclass(frozen=True)
class Labelled:
    line: int
    text: str
    level: Level
    note: str = ""


@dataclass(frozen=True)
class Outcome:
    item: Labelled
    scored: Level
    codes: tuple[str, ...]


def read_labelled(lines: Iterable[str]) -> list[Labelled]:
    items = []
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) < 2 or fields[1].strip() not in LEVELS or not fields[0].strip():
            raise LabelError(f"line {number}: expected text<TAB>critical|high|normal[<TAB>note]")
        level: Level = fields[1].strip()  # type: ignore[assignment]
        items.append(Labelled(number, fields[0], level, "\t".join(fields[2:]).strip()))
    return items


def evaluate(items: Iterable[Labelled], scorer: Scorer) -> list[Outcome]:
    outcomes = []
    for item in items:
        score = scorer.score(item.text)
        outcomes.append(Outcome(item, score.level, tuple(score.codes)))
    return outcomes


@dataclass(frozen=True)
class Figures:
    total: int
    critical_recall: float | None
    high_recall: float | None  # labelled high, scored high or critical
    normal_raised: float | None  # labelled normal, scored above normal
    confusion: Counter[tuple[Level, Level]]


def _share(hits: int, out_of: int) -> float | None:
    return hits / out_of if out_of else None


def figures(outcomes: list[Outcome]) -> Figures:
    confusion: Counter[tuple[Level, Level]] = Counter((o.item.level, o.scored) for o in outcomes)
    labelled = Counter(o.item.level for o in outcomes)
    return Figures(
        total=len(outcomes),
        critical_recall=_share(confusion["critical", "critical"], labelled["critical"]),
        high_recall=_share(confusion["high", "high"] + confusion["high", "critical"], labelled["high"]),
        normal_raised=_share(
            confusion["normal", "high"] + confusion["normal", "critical"], labelled["normal"]
        ),
        confusion=confusion,
    )


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def report(outcomes: list[Outcome], rules: RuleSet) -> str:
    fig = figures(outcomes)
    caught = fig.confusion["critical", "critical"]
    labelled_critical = sum(count for (label, _), count in fig.confusion.items() if label == "critical")
    lines = [
        f"triage-eval: {fig.total} labelled texts, rules version {rules.version}",
        f"critical recall: {_percent(fig.critical_recall)} ({caught}/{labelled_critical})",
        f"high recall (scored high or critical): {_percent(fig.high_recall)}",
        f"normal raised above normal: {_percent(fig.normal_raised)}",
        "",
        "confusion (rows: label, columns: scored)",
        f"{'':>10}" + "".join(f"{level:>10}" for level in LEVELS),
    ]
    for label in LEVELS:
        lines.append(f"{label:>10}" + "".join(f"{fig.confusion[label, scored]:>10}" for scored in LEVELS))
    misses = [o for o in outcomes if o.scored != o.item.level]
    if misses:
        lines += ["", "disagreements (line: label -> scored [reasons] text):"]
        for o in misses:
            direction = "under" if level_rank(o.scored) < level_rank(o.item.level) else "over"
            codes = ", ".join(o.codes)
            lines.append(
                f"  {o.item.line}: {o.item.level} -> {o.scored} ({direction}) [{codes}] {o.item.text}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m triage.eval", description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, help="labelled TSV: text<TAB>level[<TAB>note]")
    parser.add_argument("--rules", type=Path, help="a rules JSON file (default: the shipped rules)")
    args = parser.parse_args(argv)
    rules = (
        RuleSet.model_validate_json(args.rules.read_text(encoding="utf-8")) if args.rules else default_rules()
    )
    try:
        items = read_labelled(args.file.read_text(encoding="utf-8").splitlines())
    except (OSError, LabelError) as error:
        print(f"triage-eval: {error}", file=sys.stderr)
        return 2
    print(report(evaluate(items, Scorer(rules)), rules))
    return 0


if __name__ == "__main__":
    sys.exit(main())
