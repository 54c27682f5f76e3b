"""The synthetic world of the demo: people, households and places of 手のひら市 (fictional).

Not an agency: a neutral source each demo agency derives what it would know from
(municipality: everybody; insurer: its insured; hospital: its booked mothers), so the
agencies stay independent of each other. Deterministic from ``settings.seed``.
"""

from tenohira.agencies.synthetic.names import DISTRICTS, HOSPITALS, to_katakana
from tenohira.agencies.synthetic.world import (
    HouseholdPlan,
    Person,
    WorldState,
    generate_household,
    grow,
    household_id,
    household_in_world,
    individual_number_for,
    iter_world,
    load_world,
    resident_id,
    save_world,
    world_path,
)
from tenohira.core.clock import today_jst

__all__ = [
    "DISTRICTS",
    "HOSPITALS",
    "HouseholdPlan",
    "Person",
    "WorldState",
    "generate_household",
    "grow",
    "household_id",
    "household_in_world",
    "individual_number_for",
    "iter_world",
    "load_world",
    "resident_id",
    "save_world",
    "to_katakana",
    "today_jst",
    "world_path",
]
