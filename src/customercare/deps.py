"""Request-scoped dependencies. The workspace is resolved once, here, from the API key and
then passed explicitly to every service call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from customercare.db.engine import transaction
from customercare.errors import AuthenticationError
from customercare.runtime import Runtime
from customercare.settings import Settings
from customercare.tenancy import service as tenancy
from customercare.tenancy.models import Workspace

_bearer = HTTPBearer(auto_error=False)
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_settings_from_runtime(runtime: RuntimeDep) -> Settings:
    return runtime.settings


SettingsDep = Annotated[Settings, Depends(get_settings_from_runtime)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    with transaction(runtime.sessions) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_workspace(
    runtime: RuntimeDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header_key: Annotated[str | None, Depends(_api_key_header)],
) -> Workspace:
    secret = bearer.credentials if bearer else header_key
    if not secret:
        raise AuthenticationError("an API key is required (Authorization: Bearer <key>)")
    with transaction(runtime.sessions) as session:
        return tenancy.authenticate_api_key(session, secret=secret)


WorkspaceDep = Annotated[Workspace, Depends(get_workspace)]
