"""HTTP API of citydata."""

from fastapi import APIRouter

router = APIRouter()
