"""HTTP API of opendata."""

from fastapi import APIRouter

router = APIRouter()
