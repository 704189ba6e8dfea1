"""The console's API-keys and blocklist screens. The rules live in
`shared/tenancy/api_keys.py` (issue, rotate, revoke, audited) and `shared/blocklist/manage.py`
(add by value, remove, audited); who may handle which key is `roles.may_hold_key`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator
from werkzeug.wrappers import Request

from shared.blocklist.manage import VALUE_KINDS, add_by_value, remove_entry
from shared.blocklist.store import list_entries
from shared.console.accounts import Person
from shared.console.errors import NotAllowed
from shared.console.page import Page
from shared.console.roles import may, may_hold_key
from shared.errors import InvalidInput, UnknownSubject
from shared.tenancy import api_keys
from shared.tenancy.modes import mode_of
from shared.tenancy.scopes import SCOPES, normalise

# How long a rotated key keeps working, as the screen offers it (the API takes any 0..7 days).
GRACE_CHOICES: tuple[tuple[int, str], ...] = (
    (0, "stops at once"),
    (3600, "1 hour"),
    (86400, "1 day"),
    (7 * 86400, "7 days"),
)
NO_STORE = {"Cache-Control": "no-store, private", "Pragma": "no-cache"}


class KeyForm(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    mode: Literal["live", "test"] = "live"
    scopes: list[str] | None = None  # None: every scope
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)

    @field_validator("scopes")
    @classmethod
    def _known(cls, v: list[str] | None) -> list[str] | None:
        return normalise(v or None)


class BlockForm(BaseModel):
    kind: Literal["document_number", "email", "phone"]
    value: str = Field(min_length=1, max_length=320)
    reason: str | None = Field(default=None, max_length=2000)


def _uuid(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise UnknownSubject("no such entry") from None


def _form_errors(exc: ValidationError) -> list[str]:
    return [f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()]


def key_status(k: api_keys.ApiKeyInfo, now: datetime) -> str:
    if k.revoked_at is not None:
        return "revoked"
    if k.expires_at is not None and k.expires_at <= now:
        return "expired"
    if k.expires_at is not None:
        return "expires"
    return "active"


class KeyAndBlocklistScreens:
    """Mixed into the console app, whose `_tenant(person)` opens the person's tenant
    transaction and `_cipher(conn, person)` gives the tenant's data key."""

    # -- API keys -------------------------------------------------------------------------
    def _keys_page(
        self,
        person: Person,
        new_key: api_keys.NewApiKey | None = None,
        errors: list[str] | None = None,
        notice: str | None = None,
        status: int = 200,
    ) -> Page:
        with self._tenant(person) as conn:
            keys = api_keys.list_api_keys(conn)
        now = datetime.now(UTC)
        rows = [
            {
                "k": k,
                "mode": mode_of(k.prefix),
                "status": key_status(k, now),
                "mine": may_hold_key(person.role, k.scopes),
            }
            for k in reversed(keys)
        ]
        return Page(
            "api_keys.html",
            {
                "rows": rows,
                "scopes": SCOPES,
                "grace_choices": GRACE_CHOICES,
                "new_key": new_key,
                "errors": errors or [],
                "notice": notice,
                "all_scopes_allowed": may_hold_key(person.role, None),
            },
            status=status,
            # the page may hold a secret shown once: never cached, never replayed from history
            headers=dict(NO_STORE),
        )

    def _api_keys(self, request: Request, person: Person) -> Page:
        if request.method == "GET":
            return self._keys_page(person, notice=request.args.get("done"))
        f = request.form
        try:
            form = KeyForm(
                name=f.get("name", "").strip(),
                mode=f.get("mode", "live"),
                scopes=f.getlist("scopes"),
                expires_in_days=f.get("expires_in_days", "").strip() or None,
            )
        except ValidationError as exc:
            return self._keys_page(person, errors=_form_errors(exc), status=422)
        if not may_hold_key(person.role, form.scopes):
            raise NotAllowed(
                f"the {person.role} role makes keys only with named scopes other than admin"
            )
        expires = (
            datetime.now(UTC) + timedelta(days=form.expires_in_days)
            if form.expires_in_days
            else None
        )
        with self._tenant(person) as conn:
            key = api_keys.issue(
                conn,
                person.tenant_id,
                person.actor,
                form.name,
                form.scopes,
                expires,
                form.mode,
                actor_name=person.actor_name,
            )
        return self._keys_page(person, new_key=key, status=201)

    def _held_key(self, conn: Any, person: Person, key_id: uuid.UUID) -> api_keys.ApiKeyInfo:
        key = next((k for k in api_keys.list_api_keys(conn) if k.id == key_id), None)
        if key is None:
            raise UnknownSubject("no such key")
        if not may_hold_key(person.role, key.scopes):
            raise NotAllowed(f"the {person.role} role may not handle a key with the admin scope")
        return key

    def _api_key_rotate(self, request: Request, person: Person, key_id: str) -> Page:
        kid = _uuid(key_id)
        raw = request.form.get("grace_seconds", "0")
        grace = int(raw) if raw.isdigit() else -1
        if grace not in {g for g, _ in GRACE_CHOICES}:
            return self._keys_page(person, errors=["grace: choose one of the offered"], status=422)
        with self._tenant(person) as conn:
            self._held_key(conn, person, kid)
            key = api_keys.rotate(
                conn, person.tenant_id, person.actor, kid, grace, actor_name=person.actor_name
            )
        if key is None:  # revoked or expired meanwhile
            return self._keys_page(person, errors=["that key no longer works"], status=409)
        return self._keys_page(person, new_key=key, status=201)

    def _api_key_revoke(self, request: Request, person: Person, key_id: str) -> Page:
        kid = _uuid(key_id)
        with self._tenant(person) as conn:
            self._held_key(conn, person, kid)
            api_keys.revoke(conn, person.tenant_id, person.actor, kid, person.actor_name)
        return Page(location="/settings/api-keys?done=revoked")

    # -- blocklist ------------------------------------------------------------------------
    def _blocklist_page(
        self,
        person: Person,
        errors: list[str] | None = None,
        notice: str | None = None,
        status: int = 200,
        form: dict[str, str] | None = None,
    ) -> Page:
        with self._tenant(person) as conn:
            entries = list_entries(conn)
        return Page(
            "blocklist.html",
            {
                "entries": list(reversed(entries)),
                "kinds": VALUE_KINDS,
                "errors": errors or [],
                "notice": notice,
                "form": form or {},
                "may_remove": may(person.role, "blocklist:remove"),
            },
            status=status,
        )

    def _blocklist(self, request: Request, person: Person) -> Page:
        if request.method == "GET":
            return self._blocklist_page(person, notice=request.args.get("done"))
        f = request.form
        raw = {"kind": f.get("kind", ""), "value": f.get("value", "").strip()}
        try:
            form = BlockForm(**raw, reason=f.get("reason", "").strip() or None)
        except ValidationError as exc:
            return self._blocklist_page(person, _form_errors(exc), status=422, form=raw)
        try:
            with self._tenant(person) as conn:
                add_by_value(
                    conn,
                    self._cipher(conn, person),
                    form.kind,
                    form.value,
                    person.actor,
                    person.actor_name,
                    form.reason,
                )
        except InvalidInput as exc:
            return self._blocklist_page(person, [exc.detail], status=422, form=raw)
        return Page(location="/settings/blocklist?done=added")

    def _blocklist_remove(self, request: Request, person: Person, entry_id: str) -> Page:
        eid = _uuid(entry_id)
        with self._tenant(person) as conn:
            if not remove_entry(conn, person.tenant_id, eid, person.actor, person.actor_name):
                raise UnknownSubject("no such entry")
        return Page(location="/settings/blocklist?done=removed")
