"""Routes of the web app."""

from fastapi import APIRouter

router = APIRouter()
