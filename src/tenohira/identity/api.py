"""HTTP API of identity."""

from fastapi import APIRouter

router = APIRouter()
