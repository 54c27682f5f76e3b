"""Rules as code: eligibility and amounts with dated parameters, explanations, population screening."""
