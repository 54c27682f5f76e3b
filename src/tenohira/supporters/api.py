"""HTTP API of supporters."""

from fastapi import APIRouter

router = APIRouter()
