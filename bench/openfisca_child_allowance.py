"""Child allowance (児童手当) with openfisca-japan for a population saved by ``bench_screen_process``.

Run by that benchmark in openfisca-japan's own virtual environment (``python this.py POP.npz DATE``):
persons, their household and role (parent / child) and birth dates from the same synthetic
population tenohira screens; household income after deductions 0 (no income limit since 2024-10).
Prints one JSON line: counts, total and the seconds of import, building and computing.
"""

import json
import sys
import time

t_start = time.perf_counter()
import numpy as np  # noqa: E402  (imports are timed: they are part of what a user waits for)
from openfisca_core.simulation_builder import SimulationBuilder  # noqa: E402
from openfisca_japan import CountryTaxBenefitSystem  # noqa: E402

t_import = time.perf_counter()
data = np.load(sys.argv[1])
period = sys.argv[2]
household = data["household"]
role = data["role"]
birth = data["birth"]
n = household.shape[0]
h = int(household[-1]) + 1
tbs = CountryTaxBenefitSystem()
b = SimulationBuilder()
b.create_entities(tbs)
b.declare_person_entity("人物", [f"p{i}" for i in range(n)])
hh = b.declare_entity("世帯", [f"h{i}" for i in range(h)])
roles = np.where(role == 1, "子", "親")
b.join_with_persons(hh, household, roles)
sim = b.build(tbs)
sim.set_input("誕生年月日", period, birth.astype("datetime64[D]"))
sim.set_input("児童手当の控除後世帯高所得", period, np.zeros(h))
t_built = time.perf_counter()
amount = sim.calculate("児童手当", period)
t_done = time.perf_counter()
print(
    json.dumps(
        {
            "persons": n,
            "households": h,
            "eligible_households": int((amount > 0).sum()),
            "total": float(amount.sum()),
            "seconds": {
                "import": t_import - t_start,
                "build": t_built - t_import,
                "compute": t_done - t_built,
            },
        }
    )
)
