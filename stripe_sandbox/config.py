"""The sandbox's start-up options (from the command line or ``SandboxProcess``)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .accounts import AccountSpec
from .faults import Faults
from .ratelimit import Rates

# Bumped when the stored layout changes, so that a data dir from an older sandbox is
# regenerated rather than misread.
DATA_LAYOUT = 2


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = 12111
    seed: str = "chartivo"
    charges: int = 5000
    days: float = 365.0
    end: int = field(default_factory=lambda: int(time.time()))
    modes: tuple[str, ...] = ("test", "live")
    settlement_currencies: tuple[str, ...] | None = None
    data_dir: Path | None = None
    keys_file: Path | None = None
    accounts: int = 0
    accounts_charges: int = 200
    rates: Rates = field(default_factory=Rates)
    faults: Faults = field(default_factory=Faults)

    def generation_params(self) -> dict[str, Any]:
        """Everything the generated data depends on: a data dir is reused only when these
        are the same."""
        params: dict[str, Any] = {
            "layout": DATA_LAYOUT,
            "seed": self.seed,
            "charges": self.charges,
            "days": self.days,
            "end": self.end,
            "modes": list(self.modes),
            "accounts": self.accounts,
            "accounts_charges": self.accounts_charges,
        }
        if self.settlement_currencies is not None:
            params["settlement_currencies"] = list(self.settlement_currencies)
        return params

    def account_specs(self) -> list[AccountSpec]:
        """The default account, then the extra accounts (seeds ``seed/1``, ``seed/2``…)."""
        default = AccountSpec(
            self.seed, self.charges, self.days, self.end, self.modes, self.settlement_currencies
        )
        extra = [
            AccountSpec(
                f"{self.seed}/{n}",
                self.accounts_charges,
                self.days,
                self.end,
                self.modes,
                self.settlement_currencies,
            )
            for n in range(1, self.accounts + 1)
        ]
        return [default, *extra]
