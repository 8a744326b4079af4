"""Request and response bodies of ``/api/v1/auth``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

# Long enough for any real password, short enough that hashing it costs nothing unusual.
Password = Field(min_length=1, max_length=1024)
Token = Field(min_length=1, max_length=512)


class SignUp(BaseModel):
    email: EmailStr
    password: str = Password
    name: str = Field(default="", max_length=200)


class SignIn(BaseModel):
    # A plain string: a malformed address is just a failed sign-in, like an unknown one.
    email: str = Field(min_length=1, max_length=320)
    password: str = Password


class RefreshRequest(BaseModel):
    refresh_token: str = Token


class SignOut(BaseModel):
    refresh_token: str | None = Field(default=None, min_length=1, max_length=512)


class VerifyEmail(BaseModel):
    token: str = Token


class PasswordResetRequest(BaseModel):
    email: str = Field(min_length=1, max_length=320)


class PasswordReset(BaseModel):
    token: str = Token
    new_password: str = Password


class TokenPairPublic(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (the scheme, not a secret)
    # Seconds the access token stays valid.
    expires_in: int


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    email: str
    name: str


# Not tenancy's MembershipPublic (the membership record: user id, role, since when): this is
# the signed-in person's view of one membership, with the workspace's name.
class MyMembershipPublic(BaseModel):
    """One of the signed-in person's workspaces and their role in it."""

    model_config = ConfigDict(from_attributes=True)

    workspace_id: str
    workspace_name: str
    role: str


class MePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    email: str
    name: str
    email_verified: bool
    memberships: list[MyMembershipPublic]


class Accepted(BaseModel):
    detail: str
