"""The registered schemes. Adding a scheme is one module beside this one and one line below."""

from .apprenticeship import Apprenticeship
from .base import SchemeDefinition
from .competition import Competition
from .craftsman_title import CraftsmanTitle
from .living_allowance import LivingAllowance
from .master_studio import MasterStudio
from .post_allowance import PostAllowance
from .training_base import TrainingBase
from .tuition import Tuition

SCHEMES: dict[str, SchemeDefinition] = {
    scheme.code: scheme
    for scheme in (
        CraftsmanTitle(),
        Competition(),
        TrainingBase(),
        MasterStudio(),
        Apprenticeship(),
        Tuition(),
        PostAllowance(),
        LivingAllowance(),
    )
}


class UnknownScheme(LookupError):
    """A scheme code no module is registered for (never silently treated as another scheme)."""


def get(code: str) -> SchemeDefinition:
    try:
        return SCHEMES[code]
    except KeyError:
        raise UnknownScheme(f"未登记的资助类别：{code!r}") from None


def choices() -> list[tuple[str, str]]:
    return [(code, scheme.label) for code, scheme in SCHEMES.items()]


def label(code: str) -> str:
    scheme = SCHEMES.get(code)
    return str(scheme.label) if scheme else code
