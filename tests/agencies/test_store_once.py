"""``store_once``: a filing stored twice at once is decided once; the loser gets the stored answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tenohira.agencies.membership import store_once


class _Base(DeclarativeBase):
    pass


class _Received(_Base):
    __tablename__ = "received"
    id: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    client_member: Mapped[str] = mapped_column(sa.String(16))
    client_reference: Mapped[str] = mapped_column(sa.String(16))
    answer: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    __table_args__ = (sa.UniqueConstraint("client_member", "client_reference"),)


async def test_the_second_of_two_simultaneous_filings_gets_the_first_answer(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(_Base.metadata.create_all)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        # the other request committed first
        async with sessions() as first:
            stored = _Received(id="A1", client_member="palm", client_reference="X", answer={"status": "ok"})
            assert await store_once(first, stored) is None
            await first.commit()
        # this one decided too, and now finds the filing taken: its row is rolled back
        async with sessions() as second:
            late = _Received(id="A2", client_member="palm", client_reference="X", answer={"status": "no"})
            assert await store_once(second, late) == {"status": "ok", "replayed": True}
            await second.commit()
        # another client's reference of the same value is another filing
        async with sessions() as third:
            other = _Received(id="A3", client_member="insurer", client_reference="X", answer={"n": 1})
            assert await store_once(third, other) is None
            await third.commit()
        async with sessions() as check:
            ids = (await check.scalars(sa.select(_Received.id).order_by(_Received.id))).all()
        assert ids == ["A1", "A3"]
    finally:
        await engine.dispose()
