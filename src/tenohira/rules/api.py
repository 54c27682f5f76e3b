"""HTTP API of rules."""

from fastapi import APIRouter

router = APIRouter()
