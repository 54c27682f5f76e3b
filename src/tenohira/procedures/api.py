"""HTTP API of procedures."""

from fastapi import APIRouter

router = APIRouter()
