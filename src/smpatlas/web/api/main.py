"""Assembles the ``/api/v1`` routers."""

from fastapi import APIRouter

from smpatlas.web.api import imports, outcomes, partnerships, stats, users
from smpatlas.web.api.models import ERRORS

api_router = APIRouter(prefix="/api/v1", responses=ERRORS)
api_router.include_router(partnerships.router)
api_router.include_router(stats.router)
api_router.include_router(outcomes.router)
api_router.include_router(imports.router)
api_router.include_router(users.router)
