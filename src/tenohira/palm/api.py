"""HTTP API of palm: applications, "do them for me", the resident's page (other palm routers join here)."""

from fastapi import APIRouter

from tenohira.notify import set_recipient_resolver
from tenohira.palm.applications_api import me_router
from tenohira.palm.applications_api import router as applications_router
from tenohira.palm.people import recipients_of
from tenohira.palm.push.api import all_routers as push_routers

# The inbox shows what the palm sends to "palm:<palm code>" (plus the defaults: card, holder).
set_recipient_resolver(recipients_of)

router = APIRouter()
router.include_router(applications_router)
router.include_router(me_router)
router.include_router(push_routers)  # notices and the hub's event intake
