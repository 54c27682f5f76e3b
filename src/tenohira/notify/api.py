"""HTTP API of notify."""

from fastapi import APIRouter

router = APIRouter()
