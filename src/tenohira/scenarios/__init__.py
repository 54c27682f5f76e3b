"""Life events end to end, as a resident and the agencies would live them, through HTTP only.

Each scenario is a module beside ``birth`` (the birth story: card, login, birth certificate,
birth notification, notices, "do them for me", decisions, emails, access history) and a command
under ``tenohira scenario`` (``scenarios/cli.py``; ``scenario oidc`` runs the OpenID Provider's
own story, ``tenohira.oidc.scenario``: a bank as relying party). They share ``instance`` (a fresh
embedded platform, the counter's card, the steps report). A scenario imports no domain module's
internals: it is a client of the platform, like the browser and the agencies' systems.
"""

from tenohira.scenarios.instance import Instance, StepFailed, start_embedded

__all__ = ["Instance", "StepFailed", "start_embedded"]
