"""The actor of a write started from the interface."""

from __future__ import annotations

from typing import Any

from crmdesk.services.context import Actor, ChangeSource
from crmdesk.services.workspace import current_user_id


def actor_in(session: Any, source: ChangeSource = ChangeSource.FORM) -> Actor:
    """Return the current user of the store as the actor, acting now.

    Runs inside a task runner job, so ``session`` is the job's open session.
    """
    return Actor(current_user_id(session), source)
