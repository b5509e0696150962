"""Finding reps and teams by what a person types: a login, a name or a key."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.domain.errors import NotFoundError
from crmdesk.storage.models import Team, User


def find_user(session: Session, value: str) -> User:
    """Return the user named by a login, a display name or an id (case-insensitive).

    Raises:
        NotFoundError: no user or several users match; the message says how to
            name one.
    """
    wanted = value.strip().casefold()
    users = list(session.scalars(select(User).where(User.deleted_at.is_(None))))
    matches = [
        u
        for u in users
        if wanted in (u.login.casefold(), u.display_name.casefold(), str(u.id))
    ]
    if len(matches) == 1:
        return matches[0]
    if matches:
        logins = ", ".join(sorted(u.login for u in matches))
        raise NotFoundError(f"user {value!r} is ambiguous: use a login ({logins})")
    raise NotFoundError(
        f"user {value!r} not found: use a login or a display name of one of "
        f"{len(users)} users (crmdesk board lists owners on the cards)"
    )


def find_team(session: Session, value: str) -> Team:
    """Return the team named by its key, its name or its id (case-insensitive).

    Raises:
        NotFoundError: no team matches; the message lists the team keys.
    """
    wanted = value.strip().casefold()
    teams = list(session.scalars(select(Team).where(Team.deleted_at.is_(None))))
    for team in teams:
        if wanted in (team.key.casefold(), team.name.casefold(), str(team.id)):
            return team
    keys = ", ".join(sorted(t.key for t in teams)) or "none yet"
    raise NotFoundError(f"team {value!r} not found: use one of {keys}")
