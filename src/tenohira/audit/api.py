"""HTTP API of audit."""

from fastapi import APIRouter

router = APIRouter()
