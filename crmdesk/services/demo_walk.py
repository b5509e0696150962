"""Plan the stage path of one generated demo deal, within its series' rules.

A path is chosen in two steps: first where the deal ends (an open stage, won or
lost) and how many moves it makes, then the moves themselves, drawn one at a time
from the moves the series rules allow. A table of which stages can reach which in
exactly ``r`` moves keeps every drawn move on a path that can still end where
planned, so no path is ever thrown away and redrawn.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

from crmdesk.domain.playbook import SeriesRules, StageKind
from crmdesk.domain.rules import StagePosition, check_move

MAX_MOVES = 24
"""The maximum number of stage moves of one generated deal; its history has one
row more."""

MEAN_MOVES = 9.0
"""Mean moves per deal, so a deal has about ten stage history rows on average."""


@dataclass(frozen=True)
class PlannedStage:
    """A stage as the planner uses it: id, kind and index in board order."""

    id: uuid.UUID
    kind: StageKind
    index: int


class SeriesWalk:
    """The allowed moves of one series, weighted, and what each can still reach.

    Moves come from ``rules.check_move`` with every required action done, because
    the generator ticks the required actions of a stage before a deal leaves it.
    Moves between the won and the lost stage (reverting an outcome) are left out:
    a result is only ever left by reopening the deal into an open stage.
    """

    def __init__(self, rules: SeriesRules, positions: list[StagePosition]) -> None:
        ordered = sorted(positions, key=lambda p: p.position)
        self.stages = [
            PlannedStage(p.id, p.kind, index)  # type: ignore[arg-type]
            for index, p in enumerate(ordered)
        ]
        self.open = [s for s in self.stages if s.kind is StageKind.OPEN]
        self.won = next(s for s in self.stages if s.kind is StageKind.WON)
        self.lost = next(s for s in self.stages if s.kind is StageKind.LOST)
        self.start = self.open[0]
        self.moves: dict[int, list[tuple[PlannedStage, float]]] = {}
        for current in self.stages:
            allowed = []
            for target in self.stages:
                weight = self._weight(current, target)
                if weight == 0:
                    continue
                if check_move(
                    rules, ordered, ordered[current.index], ordered[target.index], []
                ):
                    continue
                allowed.append((target, weight))
            self.moves[current.index] = allowed
        self.reach = self._reach_table()

    def _weight(self, current: PlannedStage, target: PlannedStage) -> float:
        if current.index == target.index:
            return 0.0
        if current.kind.is_result:
            if target.kind.is_result:
                return 0.0
            return 2.0 if target.index == self.open[-1].index else 1.0
        if target.kind is StageKind.LOST:
            return 0.5
        if target.kind is StageKind.WON:
            return 1.5
        step = target.index - current.index
        if step == 1:
            return 6.0
        if step > 1:
            return 1.0
        return 2.0 if step == -1 else 0.7

    def _reach_table(self) -> list[list[frozenset[int]]]:
        """Return ``table[r][s]``: the stage indexes reachable from s in r moves."""
        table = [[frozenset({s.index}) for s in self.stages]]
        for _ in range(MAX_MOVES):
            previous = table[-1]
            table.append(
                [
                    frozenset().union(
                        *(previous[target.index] for target, _ in self.moves[s.index])
                    )
                    for s in self.stages
                ]
            )
        return table

    def plan(self, rng: random.Random, final: PlannedStage) -> list[PlannedStage]:
        """Draw the stages a deal moves through, from the first open stage to
        ``final``; the first open stage itself is not in the list.

        The number of moves is drawn around ``MEAN_MOVES`` and then moved to the
        nearest count after which ``final`` can be reached.
        """
        wanted = 0 if rng.random() < 0.03 else round(rng.gauss(MEAN_MOVES, 3.5))
        wanted = min(max(wanted, 0), MAX_MOVES)
        count = self._nearest_feasible(wanted, final)
        path: list[PlannedStage] = []
        current = self.start
        for remaining in range(count, 0, -1):
            choices = [
                (target, weight)
                for target, weight in self.moves[current.index]
                if final.index in self.reach[remaining - 1][target.index]
            ]
            targets = [target for target, _ in choices]
            weights = [weight for _, weight in choices]
            current = rng.choices(targets, weights)[0]
            path.append(current)
        return path

    def _nearest_feasible(self, wanted: int, final: PlannedStage) -> int:
        for distance in range(MAX_MOVES + 1):
            for count in (wanted - distance, wanted + distance):
                if 0 <= count <= MAX_MOVES and (
                    final.index in self.reach[count][self.start.index]
                ):
                    return count
        raise ValueError(f"stage {final.id} cannot be reached in this series")
