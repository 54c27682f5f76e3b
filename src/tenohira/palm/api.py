"""HTTP API of palm: applications, "do them for me", the resident's page (other palm routers join here)."""

from fastapi import APIRouter

from tenohira.palm.applications_api import me_router
from tenohira.palm.applications_api import router as applications_router

router = APIRouter()
router.include_router(applications_router)
router.include_router(me_router)
