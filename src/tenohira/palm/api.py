"""HTTP API of palm."""

from fastapi import APIRouter

router = APIRouter()
