# ruff: noqa
# Deliberately insecure code: the fixture of a Semgrep rule test, never imported or run.
"""Rule test: open-redirect-from-request."""

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse

router = APIRouter()


@router.get("/login/done")
async def login_done(next_url: str = Query(...)):
    # ruleid: open-redirect-from-request
    return RedirectResponse(url=next_url)


@router.get("/go")
def go(request: Request):
    target = request.query_params.get("to", "/")
    # ruleid: open-redirect-from-request
    return RedirectResponse(target)


@router.post("/back")
async def back(request: Request):
    form = await request.form()
    # ruleid: open-redirect-from-request
    return RedirectResponse(url=form["return_to"], status_code=303)


@router.get("/home")
def home(request: Request):
    # ok: open-redirect-from-request
    return RedirectResponse(url=request.url_for("dashboard"))


@router.get("/docs")
def docs():
    # ok: open-redirect-from-request
    return RedirectResponse(url="/docs/index.html")


def helper(url):
    # ok: open-redirect-from-request
    return RedirectResponse(url=url)


@router.get("/settings")
def settings(config=Depends(dict)):
    # ok: open-redirect-from-request
    return RedirectResponse(url="/settings/general")
