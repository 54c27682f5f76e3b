"""HTTP API of assistant."""

from fastapi import APIRouter

router = APIRouter()
