"""HTTP API of vault."""

from fastapi import APIRouter

router = APIRouter()
